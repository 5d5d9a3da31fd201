/**
 * Writes the JFIF headers of a baseline JPEG that RFC 2435 can carry: the equivalent of RFC 2435
 * Appendix B (MakeHeaders), plus a JFIF APP0 segment so strict decoders see a JFIF file.
 *
 * Layout (ITU-T T.81 Annex B):
 *   SOI | APP0 "JFIF" | DQT (2 tables) | SOF0 (3 components) | DHT (4 Annex K tables) | [DRI] | SOS
 * Component ids are 1, 2, 3 (JFIF convention; RFC 2435 uses 0, 1, 2 — the scan data does not depend on
 * them). Y uses quantization table 0 and Huffman tables 0; Cb and Cr use table 1, as RFC 2435 section 4.1
 * prescribes for types 0 and 1.
 */
import { CodecError } from '../../errors.js'
import { APP0, DHT, DQT, DRI, MARKER_PREFIX, SOF0, SOI, SOS } from './markers.js'
import { BLOCK_AREA, STD_HUFFMAN_TABLES, TABLE_CHROMA, TABLE_LUMA } from './tables.js'

/** RFC 2435 section 4.1: type 0 is Y 2x1 (4:2:2), type 1 is Y 2x2 (4:2:0); chroma is always 1x1. */
export type JpegType = 0 | 1

export interface JpegHeaderParams {
  type: JpegType
  width: number
  height: number
  /** Luma then chroma table, 64 bytes each in zig-zag order. */
  quantTables: readonly [Uint8Array, Uint8Array]
  /** MCUs per restart interval; 0 = no DRI segment. */
  restartInterval: number
}

const MARKER_SIZE = 2
const LENGTH_SIZE = 2
const JFIF_APP0_LENGTH = 16
const JFIF_IDENTIFIER = [0x4a, 0x46, 0x49, 0x46, 0x00] // "JFIF\0"
const JFIF_VERSION_MAJOR = 1
const JFIF_VERSION_MINOR = 1
const JFIF_UNITS_NONE = 0
const JFIF_ASPECT = 1
const DQT_TABLE_SIZE = 1 + BLOCK_AREA // Pq/Tq byte + 64 entries
const DQT_LENGTH = LENGTH_SIZE + 2 * DQT_TABLE_SIZE
const SAMPLE_PRECISION = 8
const COMPONENT_COUNT = 3
const SOF_LENGTH = LENGTH_SIZE + 6 + COMPONENT_COUNT * 3
const DRI_LENGTH = 4
const SOS_LENGTH = LENGTH_SIZE + 1 + COMPONENT_COUNT * 2 + 3
const SPECTRAL_START = 0
const SPECTRAL_END = 63
const SUCCESSIVE_APPROX = 0
/** Sampling factors byte (H << 4 | V) per RFC 2435 type. */
const LUMA_SAMPLING: Readonly<Record<JpegType, number>> = { 0: 0x21, 1: 0x22 }
const CHROMA_SAMPLING = 0x11
export const COMPONENT_IDS: readonly number[] = [1, 2, 3]
/** Maximum JPEG dimension field (T.81 B.2.2: 16 bits). */
const MAX_DIMENSION_FIELD = 0xffff

const DHT_LENGTH = STD_HUFFMAN_TABLES.reduce((n, t) => n + 1 + 16 + t.spec.values.length, LENGTH_SIZE)

/** Total bytes `writeJpegHeaders` writes for these parameters. */
export function jpegHeaderSize(p: Pick<JpegHeaderParams, 'restartInterval'>): number {
  return (
    MARKER_SIZE + // SOI
    MARKER_SIZE +
    JFIF_APP0_LENGTH +
    MARKER_SIZE +
    DQT_LENGTH +
    MARKER_SIZE +
    SOF_LENGTH +
    MARKER_SIZE +
    DHT_LENGTH +
    (p.restartInterval > 0 ? MARKER_SIZE + DRI_LENGTH : 0) +
    MARKER_SIZE +
    SOS_LENGTH
  )
}

/** Writes the headers at `offset`; returns the number of bytes written. */
export function writeJpegHeaders(buf: Buffer, offset: number, p: JpegHeaderParams): number {
  const size = jpegHeaderSize(p)
  if (buf.length - offset < size) {
    throw new CodecError('ERR_JPEG_BUFFER', 'buffer too small for JPEG headers', { observed: buf.length - offset, allowed: size })
  }
  if (p.width < 1 || p.height < 1 || p.width > MAX_DIMENSION_FIELD || p.height > MAX_DIMENSION_FIELD) {
    throw new CodecError('ERR_JPEG_DIMENSIONS', `invalid JPEG size ${p.width}x${p.height}`, {
      observed: `${p.width}x${p.height}`,
      allowed: `1..${MAX_DIMENSION_FIELD}`,
    })
  }
  for (const t of p.quantTables) {
    if (t.length !== BLOCK_AREA) {
      throw new CodecError('ERR_JPEG_QTABLE', 'quantization table must have 64 entries', { observed: t.length, allowed: BLOCK_AREA })
    }
  }
  let o = offset
  const marker = (code: number, length: number): void => {
    buf[o++] = MARKER_PREFIX
    buf[o++] = code
    if (length > 0) {
      buf.writeUInt16BE(length, o)
      o += LENGTH_SIZE
    }
  }

  marker(SOI, 0)

  marker(APP0, JFIF_APP0_LENGTH)
  for (const c of JFIF_IDENTIFIER) buf[o++] = c
  buf[o++] = JFIF_VERSION_MAJOR
  buf[o++] = JFIF_VERSION_MINOR
  buf[o++] = JFIF_UNITS_NONE
  buf.writeUInt16BE(JFIF_ASPECT, o)
  o += 2 // X density
  buf.writeUInt16BE(JFIF_ASPECT, o)
  o += 2 // Y density
  buf[o++] = 0 // thumbnail width
  buf[o++] = 0 // thumbnail height

  marker(DQT, DQT_LENGTH)
  buf[o++] = TABLE_LUMA // Pq = 0 (8-bit) | Tq
  buf.set(p.quantTables[0], o)
  o += BLOCK_AREA
  buf[o++] = TABLE_CHROMA
  buf.set(p.quantTables[1], o)
  o += BLOCK_AREA

  marker(SOF0, SOF_LENGTH)
  buf[o++] = SAMPLE_PRECISION
  buf.writeUInt16BE(p.height, o)
  o += 2
  buf.writeUInt16BE(p.width, o)
  o += 2
  buf[o++] = COMPONENT_COUNT
  for (let i = 0; i < COMPONENT_COUNT; i++) {
    buf[o++] = COMPONENT_IDS[i]!
    buf[o++] = i === 0 ? LUMA_SAMPLING[p.type] : CHROMA_SAMPLING
    buf[o++] = i === 0 ? TABLE_LUMA : TABLE_CHROMA
  }

  marker(DHT, DHT_LENGTH)
  for (const t of STD_HUFFMAN_TABLES) {
    buf[o++] = t.tcTh
    buf.set(t.spec.bits, o)
    o += t.spec.bits.length
    buf.set(t.spec.values, o)
    o += t.spec.values.length
  }

  if (p.restartInterval > 0) {
    marker(DRI, DRI_LENGTH)
    buf.writeUInt16BE(p.restartInterval, o)
    o += 2
  }

  marker(SOS, SOS_LENGTH)
  buf[o++] = COMPONENT_COUNT
  for (let i = 0; i < COMPONENT_COUNT; i++) {
    buf[o++] = COMPONENT_IDS[i]!
    const t = i === 0 ? TABLE_LUMA : TABLE_CHROMA
    buf[o++] = (t << 4) | t // Td (DC) | Ta (AC)
  }
  buf[o++] = SPECTRAL_START
  buf[o++] = SPECTRAL_END
  buf[o++] = SUCCESSIVE_APPROX
  return o - offset
}
