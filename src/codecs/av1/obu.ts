/**
 * Open Bitstream Units, AV1 Bitstream & Decoding Process Specification section 5.3:
 *
 *   obu_header:  |F| obu_type (4) |X|S|R|     F: forbidden (0); X: an extension byte follows;
 *                                             S: obu_size (leb128) follows the header
 *   extension:   | temporal_id (3) | spatial_id (2) | reserved (3) |
 *
 * A temporal unit in the low-overhead bitstream format (section 5.2) is its OBUs one after another,
 * each with obu_size, beginning with a temporal delimiter: what rtspkit's AV1 frames hold.
 */
import { ParseError } from '../../errors.js'
import { leb128Size, readLeb128, writeLeb128 } from './leb128.js'

export const OBU_SEQUENCE_HEADER = 1
export const OBU_TEMPORAL_DELIMITER = 2
export const OBU_FRAME_HEADER = 3
export const OBU_TILE_GROUP = 4
export const OBU_METADATA = 5
export const OBU_FRAME = 6
export const OBU_REDUNDANT_FRAME_HEADER = 7
export const OBU_TILE_LIST = 8
export const OBU_PADDING = 15

const FORBIDDEN_BIT = 0x80
const TYPE_SHIFT = 3
const TYPE_MASK = 0x0f
export const OBU_EXTENSION_BIT = 0x04
export const OBU_HAS_SIZE_BIT = 0x02
const TEMPORAL_ID_SHIFT = 5
const SPATIAL_ID_SHIFT = 3
const SPATIAL_ID_MASK = 0x03

/** A temporal delimiter with obu_size 0: how every temporal unit of the low-overhead format begins. */
export const TEMPORAL_DELIMITER_OBU: Buffer = Buffer.from([(OBU_TEMPORAL_DELIMITER << TYPE_SHIFT) | OBU_HAS_SIZE_BIT, 0])

export interface Obu {
  type: number
  /** The header bytes as they came (1, or 2 with the extension). */
  header: Buffer
  temporalId?: number
  spatialId?: number
  /** The OBU's payload (a view of the input). */
  payload: Buffer
}

/**
 * Reads one OBU at `offset` of `buf`; without obu_size it runs to `end`. Returns the OBU and where the
 * next one starts. Throws ParseError('ERR_AV1_OBU') for a forbidden bit, a truncated header, or a size
 * past `end`.
 */
export function readObu(buf: Buffer, offset: number, end = buf.length): { obu: Obu; next: number } {
  if (offset >= end) throw new ParseError('ERR_AV1_OBU', 'OBU without a header', { observed: end - offset, allowed: '>= 1' })
  const b0 = buf[offset]!
  if (b0 & FORBIDDEN_BIT) throw new ParseError('ERR_AV1_OBU', 'OBU header has its forbidden bit set', { observed: b0 })
  const headerSize = b0 & OBU_EXTENSION_BIT ? 2 : 1
  if (offset + headerSize > end)
    throw new ParseError('ERR_AV1_OBU', 'OBU extension header truncated', { observed: end - offset, allowed: '>= 2' })
  const obu: Obu = { type: (b0 >> TYPE_SHIFT) & TYPE_MASK, header: buf.subarray(offset, offset + headerSize), payload: buf.subarray(0, 0) }
  if (headerSize === 2) {
    const ext = buf[offset + 1]!
    obu.temporalId = ext >> TEMPORAL_ID_SHIFT
    obu.spatialId = (ext >> SPATIAL_ID_SHIFT) & SPATIAL_ID_MASK
  }
  let at = offset + headerSize
  let payloadEnd = end
  if (b0 & OBU_HAS_SIZE_BIT) {
    const size = readLeb128(buf.subarray(0, end), at, 'ERR_AV1_OBU')
    at += size.size
    payloadEnd = at + size.value
    if (payloadEnd > end) {
      throw new ParseError('ERR_AV1_OBU', `obu_size ${size.value} runs past the end of its data`, {
        observed: end - at,
        allowed: `>= ${size.value}`,
      })
    }
  }
  obu.payload = buf.subarray(at, payloadEnd)
  return { obu, next: payloadEnd }
}

/** The OBUs of a temporal unit in the low-overhead format (every OBU but the last must have obu_size). */
export function splitObus(data: Buffer): Obu[] {
  const out: Obu[] = []
  for (let at = 0; at < data.length;) {
    const { obu, next } = readObu(data, at)
    out.push(obu)
    at = next
  }
  return out
}

/** Bytes of an OBU written with obu_size. */
export const obuWithSizeLength = (obu: Obu): number => obu.header.length + leb128Size(obu.payload.length) + obu.payload.length

/** Writes an OBU with obu_size (S = 1) at `offset`; returns the bytes written. */
export function writeObuWithSize(buf: Buffer, offset: number, obu: Obu): number {
  let at = offset
  buf[at++] = obu.header[0]! | OBU_HAS_SIZE_BIT
  if (obu.header.length > 1) buf[at++] = obu.header[1]!
  at += writeLeb128(buf, at, obu.payload.length)
  buf.set(obu.payload, at)
  return at + obu.payload.length - offset
}

/** The first header byte of an OBU carried without obu_size (S = 0), as the RTP payload format prefers. */
export const headerWithoutSize = (obu: Obu): number => obu.header[0]! & ~OBU_HAS_SIZE_BIT & 0xff

const REDUCED_STILL_PICTURE_SHIFT = 3
const SHOW_EXISTING_FRAME_BIT = 0x80
const FRAME_TYPE_SHIFT = 5
const FRAME_TYPE_MASK = 0x03
const KEY_FRAME = 0

/**
 * Whether a temporal unit lets a decoder start: it has a sequence header and its first frame is a
 * KEY_FRAME (uncompressed_header, section 5.9.2: show_existing_frame then frame_type, unless the
 * sequence has reduced_still_picture_header, where every frame is a key frame).
 */
export function isAv1KeyTemporalUnit(obus: readonly Obu[]): boolean {
  let reducedStill: boolean | undefined
  for (const obu of obus) {
    if (obu.type === OBU_SEQUENCE_HEADER && obu.payload.length > 0) {
      reducedStill = ((obu.payload[0]! >> REDUCED_STILL_PICTURE_SHIFT) & 1) === 1
    } else if (obu.type === OBU_FRAME || obu.type === OBU_FRAME_HEADER) {
      if (reducedStill === undefined || obu.payload.length === 0) return false
      if (reducedStill) return true
      const b = obu.payload[0]!
      return (b & SHOW_EXISTING_FRAME_BIT) === 0 && ((b >> FRAME_TYPE_SHIFT) & FRAME_TYPE_MASK) === KEY_FRAME
    }
  }
  return false
}
