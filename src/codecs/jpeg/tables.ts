/**
 * Tables shared by the JPEG encoder, the JFIF parser and the RTP/JPEG depacketizer.
 *
 * - Zig-zag order: ITU-T T.81 Figure A.6.
 * - Quantization tables: T.81 Annex K.1 (Tables K.1 and K.2), scaled by quality like libjpeg
 *   (`jpeg_quality_scaling`), which is also the scaling of RFC 2435 Appendix A.
 * - Huffman tables: T.81 Annex K.3 (Tables K.3 to K.6). RFC 2435 section 3.1 says receivers always use
 *   these, so anything we send must be coded with them.
 *
 * Every table here is computed once at import and never written afterwards.
 */

export const BLOCK_SIZE = 8
export const BLOCK_AREA = 64
export const QUALITY_MIN = 1
export const QUALITY_MAX = 100
export const DEFAULT_QUALITY = 80
/** Baseline JPEG quantizers are 8-bit (T.81 B.2.4.1, Pq = 0). */
const QUANT_MIN = 1
const QUANT_MAX_BASELINE = 255

/** ZIGZAG[k] = natural (row-major) index of the k-th coefficient in zig-zag order. */
export const ZIGZAG: Uint8Array = buildZigzag()

function buildZigzag(): Uint8Array {
  const out = new Uint8Array(BLOCK_AREA)
  let row = 0
  let col = 0
  for (let k = 0; k < BLOCK_AREA; k++) {
    out[k] = row * BLOCK_SIZE + col
    if ((row + col) % 2 === 0) {
      // moving up-right
      if (col === BLOCK_SIZE - 1) row++
      else if (row === 0) col++
      else {
        row--
        col++
      }
    } else {
      // moving down-left
      if (row === BLOCK_SIZE - 1) col++
      else if (col === 0) row++
      else {
        row++
        col--
      }
    }
  }
  return out
}

/** T.81 Table K.1, luminance quantization table, natural order. */
const ANNEX_K_LUMA: readonly number[] = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22,
  37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]

/** T.81 Table K.2, chrominance quantization table, natural order. */
const ANNEX_K_CHROMA: readonly number[] = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
]

/** libjpeg's quality → percentage scale: 50 keeps Annex K, 100 gives all ones, 1 gives the coarsest. */
export function qualityScale(quality: number): number {
  const q = Math.min(QUALITY_MAX, Math.max(QUALITY_MIN, Math.round(quality)))
  return q < 50 ? Math.floor(5000 / q) : 200 - q * 2
}

function scaleTable(base: readonly number[], scale: number): Uint8Array {
  const out = new Uint8Array(BLOCK_AREA)
  for (let k = 0; k < BLOCK_AREA; k++) {
    const v = Math.floor((base[ZIGZAG[k]!]! * scale + 50) / 100)
    out[k] = Math.min(QUANT_MAX_BASELINE, Math.max(QUANT_MIN, v))
  }
  return out
}

/**
 * The luma and chroma quantization tables for a 1..100 quality, in zig-zag order (as DQT stores them
 * and as RFC 2435 section 3.1.8 carries them).
 */
export function quantTablesForQuality(quality: number): [Uint8Array, Uint8Array] {
  const scale = qualityScale(quality)
  return [scaleTable(ANNEX_K_LUMA, scale), scaleTable(ANNEX_K_CHROMA, scale)]
}

/** RFC 2435 section 3.1.5: Q values 1-99 select the Appendix A tables. */
export const RFC2435_Q_MIN = 1
export const RFC2435_Q_MAX = 99

/**
 * RFC 2435 Appendix A (MakeTables): the tables a receiver derives from Q = 1..99, in zig-zag order.
 * The RFC's listing indexes its already-zig-zagged tables through zigzag[] a second time; receivers in
 * the field (ffmpeg, GStreamer, live555) do not, and neither do we — the result is the libjpeg table for
 * that quality, so a sender using libjpeg at quality Q matches.
 */
export function rfc2435QuantTables(q: number): [Uint8Array, Uint8Array] {
  const factor = Math.min(RFC2435_Q_MAX, Math.max(RFC2435_Q_MIN, q))
  return quantTablesForQuality(factor)
}

/** A Huffman table as DHT stores it: BITS (16 counts of codes per length 1..16) and HUFFVAL. */
export interface HuffmanSpec {
  readonly bits: Uint8Array
  readonly values: Uint8Array
}

/** T.81 Table K.3: luminance DC differences. */
export const STD_DC_LUMA: HuffmanSpec = {
  bits: Uint8Array.from([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
  values: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
}

/** T.81 Table K.4: chrominance DC differences. */
export const STD_DC_CHROMA: HuffmanSpec = {
  bits: Uint8Array.from([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]),
  values: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
}

/** T.81 Table K.5: luminance AC coefficients (run/size symbols). */
export const STD_AC_LUMA: HuffmanSpec = {
  bits: Uint8Array.from([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d]),
  values: Uint8Array.from([
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91,
    0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a,
    0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53,
    0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
    0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
    0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2,
    0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ]),
}

/** T.81 Table K.6: chrominance AC coefficients. */
export const STD_AC_CHROMA: HuffmanSpec = {
  bits: Uint8Array.from([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77]),
  values: Uint8Array.from([
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14,
    0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17,
    0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
    0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
    0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3,
    0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
    0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2,
    0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ]),
}

/** DHT table class (Tc): 0 = DC, 1 = AC. Destination (Th): 0 = luma, 1 = chroma, as RFC 2435 assumes. */
export const HUFFMAN_CLASS_DC = 0
export const HUFFMAN_CLASS_AC = 1
export const TABLE_LUMA = 0
export const TABLE_CHROMA = 1

/** The four standard tables keyed by (class << 4) | destination, the Tc/Th byte of DHT. */
export const STD_HUFFMAN_TABLES: ReadonlyArray<{ readonly tcTh: number; readonly spec: HuffmanSpec }> = [
  { tcTh: (HUFFMAN_CLASS_DC << 4) | TABLE_LUMA, spec: STD_DC_LUMA },
  { tcTh: (HUFFMAN_CLASS_AC << 4) | TABLE_LUMA, spec: STD_AC_LUMA },
  { tcTh: (HUFFMAN_CLASS_DC << 4) | TABLE_CHROMA, spec: STD_DC_CHROMA },
  { tcTh: (HUFFMAN_CLASS_AC << 4) | TABLE_CHROMA, spec: STD_AC_CHROMA },
]

/** Encoder-side lookup: code and length per symbol (T.81 Annex C, Figures C.1 to C.3). */
export interface HuffmanCodes {
  readonly code: Uint16Array
  readonly length: Uint8Array
}

const MAX_CODE_LENGTH = 16
const SYMBOL_COUNT = 256

export function buildHuffmanCodes(spec: HuffmanSpec): HuffmanCodes {
  const code = new Uint16Array(SYMBOL_COUNT)
  const length = new Uint8Array(SYMBOL_COUNT)
  let next = 0
  let k = 0
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    const n = spec.bits[len - 1]!
    for (let i = 0; i < n; i++) {
      const sym = spec.values[k++]!
      code[sym] = next++
      length[sym] = len
    }
    next <<= 1
  }
  return { code, length }
}

export const DC_LUMA_CODES: HuffmanCodes = buildHuffmanCodes(STD_DC_LUMA)
export const DC_CHROMA_CODES: HuffmanCodes = buildHuffmanCodes(STD_DC_CHROMA)
export const AC_LUMA_CODES: HuffmanCodes = buildHuffmanCodes(STD_AC_LUMA)
export const AC_CHROMA_CODES: HuffmanCodes = buildHuffmanCodes(STD_AC_CHROMA)
