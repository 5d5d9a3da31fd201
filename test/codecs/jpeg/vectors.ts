/**
 * Test vectors shared by the encoder, parser, packetizer, depacketizer and fuzz tests.
 */
import { hex } from '../../helpers/split.js'
import { encodeJpeg } from '../../../src/codecs/jpeg/encoder.js'
import type { RawImage } from '../../../src/codecs/jpeg/i420.js'

/** RFC 2435 Appendix A jpeg_luma_quantizer (T.81 Table K.1 in zig-zag order) = our tables at quality 50. */
export const RFC2435_LUMA: readonly number[] = [
  16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51, 56, 55,
  64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
]

/** RFC 2435 Appendix A jpeg_chroma_quantizer (T.81 Table K.2 in zig-zag order). */
export const RFC2435_CHROMA: readonly number[] = [
  17,
  18,
  18,
  24,
  21,
  24,
  47,
  26,
  26,
  47,
  99,
  66,
  56,
  66,
  99,
  99,
  ...new Array<number>(48).fill(99),
]

export const Q50_TABLES_HEX = Buffer.from([...RFC2435_LUMA, ...RFC2435_CHROMA]).toString('hex')

/** An I420 image of one value per plane. */
export function flatI420(width: number, height: number, y = 128, u = 128, v = 128): RawImage {
  const cw = Math.ceil(width / 2)
  const ch = Math.ceil(height / 2)
  const data = new Uint8Array(width * height + 2 * cw * ch)
  data.fill(y, 0, width * height)
  data.fill(u, width * height, width * height + cw * ch)
  data.fill(v, width * height + cw * ch)
  return { width, height, format: 'i420', data }
}

/** Deterministic noise (an LCG), so scans are long and contain 0xFF bytes. */
export function noiseRgb(width: number, height: number, seed = 1): RawImage {
  const data = new Uint8Array(width * height * 3)
  let s = seed >>> 0
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    data[i] = s >>> 24
  }
  return { width, height, format: 'rgb', data }
}

/**
 * Entropy-coded data of one MCU of a flat mid-grey 4:2:0 image: every coefficient is 0.
 *   Y0..Y3: DC size 0 = '00' (K.3), EOB = '1010' (K.5)  → 001010 ×4
 *   Cb, Cr: DC size 0 = '00' (K.4), EOB = '00' (K.6)    → 0000 ×2
 *   0010 1000 | 1010 0010 | 1000 1010 | 0000 0000
 */
export const FLAT_MCU_SCAN = hex('28 a2 8a 00')

/** The 16x16 flat grey frame at quality 50: one MCU. */
export function flat16Jpeg(): Buffer {
  return encodeJpeg(flatI420(16, 16), { quality: 50 })
}

/** 32x32 flat grey, restart interval 1 MCU: four intervals separated by RST0..RST2. */
export function flat32RestartJpeg(): Buffer {
  return encodeJpeg(flatI420(32, 32), { quality: 50, restartInterval: 1 })
}

export const VECTOR_SSRC = 0x11223344
export const VECTOR_SEQUENCE = 0x1234
export const VECTOR_TIMESTAMP = 0xaabbccdd

/** hex() of a vector laid out one field per line with `//` comments. */
export function vec(s: string): Buffer {
  return hex(
    s
      .split('\n')
      .map((line) => line.replace(/\/\/.*$/, ''))
      .join(''),
  )
}

/** flat16Jpeg() packetized with the defaults: one packet. */
export const FLAT16_PACKET = vec(`
  80                 // V=2 P=0 X=0 CC=0
  9a                 // M=1 (last packet of the frame), PT=26
  1234               // sequence number
  aabbccdd           // timestamp
  11223344           // SSRC
  00                 // type-specific: 0 = progressive frame
  000000             // fragment offset 0
  01                 // type 1: Y 2x2, Cb/Cr 1x1
  ff                 // Q 255: tables in band, may change every frame
  02                 // width 16 / 8
  02                 // height 16 / 8
  00                 // quantization table header: MBZ
  00                 // precision: both tables 8-bit
  0080               // length 128
  ${Q50_TABLES_HEX}  // luma then chroma table, zig-zag order (RFC 2435 Appendix A at Q 50)
  28a28a00           // scan: the single MCU
`)

/**
 * flat32RestartJpeg() with maxPacketSize 168: the first packet has 168 - 156 = 12 bytes for scan,
 * exactly intervals 0 and 1 with their RST markers; the second carries intervals 2 and 3.
 */
export const FLAT32_RESTART_MAX_PACKET = 168
export const FLAT32_RESTART_PACKETS = [
  vec(`
    80                 // V=2
    1a                 // M=0, PT=26
    1234               // sequence number
    aabbccdd           // timestamp
    11223344           // SSRC
    00                 // type-specific
    000000             // fragment offset 0
    41                 // type 65 = 1 + 64: restart marker header follows
    ff                 // Q 255
    04                 // width 32 / 8
    04                 // height 32 / 8
    0001               // restart interval: 1 MCU
    c000               // F=1 L=1 (a whole chunk), restart count 0
    00                 // MBZ
    00                 // precision
    0080               // length 128
    ${Q50_TABLES_HEX}  // tables
    28a28a00 ffd0      // interval 0, RST0
    28a28a00 ffd1      // interval 1, RST1
  `),
  vec(`
    80                 // V=2
    9a                 // M=1, PT=26
    1235               // sequence number + 1
    aabbccdd           // same timestamp
    11223344           // SSRC
    00                 // type-specific
    00000c             // fragment offset 12
    41                 // type 65
    ff                 // Q 255 (no table header: fragment offset is not 0)
    04 04              // 32x32
    0001               // restart interval 1
    c002               // F=1 L=1, restart count 2: this chunk starts with interval 2
    28a28a00 ffd2      // interval 2, RST2
    28a28a00           // interval 3 (last: no RST)
  `),
]
