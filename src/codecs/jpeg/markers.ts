/**
 * JPEG marker codes, ITU-T T.81 (ISO/IEC 10918-1) Table B.1. A marker is 0xFF followed by one of these
 * bytes; inside entropy-coded data a literal 0xFF is followed by a stuffed 0x00 (T.81 F.1.2.3).
 */

export const MARKER_PREFIX = 0xff
/** Start of image. */
export const SOI = 0xd8
/** End of image. */
export const EOI = 0xd9
/** Start of frame, baseline DCT (the only frame type RFC 2435 can carry). */
export const SOF0 = 0xc0
/** First and last start-of-frame codes; 0xC4 (DHT), 0xC8 (JPG) and 0xCC (DAC) sit inside the range. */
export const SOF_FIRST = 0xc0
export const SOF_LAST = 0xcf
/** Define Huffman tables. */
export const DHT = 0xc4
/** Reserved for JPEG extensions. */
export const JPG = 0xc8
/** Define arithmetic coding conditioning. */
export const DAC = 0xcc
/** Define quantization tables. */
export const DQT = 0xdb
/** Define restart interval. */
export const DRI = 0xdd
/** Define number of lines. */
export const DNL = 0xdc
/** Start of scan. */
export const SOS = 0xda
/** RST0..RST7 restart markers; the index counts modulo 8. */
export const RST0 = 0xd0
export const RST7 = 0xd7
export const RST_COUNT = 8
/** Temporary marker (no length). */
export const TEM = 0x01
/** APP0, where the JFIF header lives. */
export const APP0 = 0xe0
/** Stuffed byte after a literal 0xFF in entropy-coded data. */
export const STUFF_BYTE = 0x00

/** True for the SOFn codes (0xC0-0xCF minus DHT, JPG and DAC). */
export function isSofMarker(code: number): boolean {
  return code >= SOF_FIRST && code <= SOF_LAST && code !== DHT && code !== JPG && code !== DAC
}

/** True for RST0..RST7. */
export function isRstMarker(code: number): boolean {
  return code >= RST0 && code <= RST7
}
