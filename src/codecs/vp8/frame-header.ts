/**
 * The start of a VP8 frame, RFC 6386 section 9.1 (also RFC 7741 4.3, the "VP8 payload header"):
 *
 *   frame tag, 3 bytes little-endian:  bit 0 P (0: key frame), bits 1-3 version, bit 4 show_frame,
 *                                      bits 5-23 size of the first partition
 *   key frames only, 7 more bytes:     start code 9d 01 2a, then 16 bits little-endian each of
 *                                      width (14 bits) + horizontal scale (2 bits), height + vertical scale
 */
import { ParseError } from '../../errors.js'

export const VP8_FRAME_TAG_SIZE = 3
/** Frame tag, start code and the two size fields. */
export const VP8_KEY_FRAME_HEADER_SIZE = 10
const START_CODE = [0x9d, 0x01, 0x2a] as const
const INTER_BIT = 0x01
const VERSION_SHIFT = 1
const VERSION_MASK = 0x07
const SHOW_FRAME_BIT = 0x10
const PARTITION_SIZE_SHIFT = 5
const DIMENSION_MASK = 0x3fff
const SCALE_SHIFT = 14

export interface Vp8FrameHeader {
  keyframe: boolean
  version: number
  showFrame: boolean
  firstPartitionSize: number
  /** Key frames only. */
  width?: number
  height?: number
  horizontalScale?: number
  verticalScale?: number
}

/** Whether a frame is a key frame: P, bit 0 of its first byte, is 0 (no parsing beyond that byte). */
export const isVp8KeyFrame = (frame: Uint8Array): boolean => frame.length > 0 && (frame[0]! & INTER_BIT) === 0

/** Reads a frame's header. Throws ParseError('ERR_VP8_FRAME_HEADER') when it is short or a key frame lacks its start code. */
export function parseVp8FrameHeader(frame: Uint8Array): Vp8FrameHeader {
  if (frame.length < VP8_FRAME_TAG_SIZE) {
    throw new ParseError('ERR_VP8_FRAME_HEADER', `VP8 frame of ${frame.length} bytes has no frame tag`, {
      observed: frame.length,
      allowed: `>= ${VP8_FRAME_TAG_SIZE}`,
    })
  }
  const tag = frame[0]! | (frame[1]! << 8) | (frame[2]! << 16)
  const h: Vp8FrameHeader = {
    keyframe: (tag & INTER_BIT) === 0,
    version: (tag >> VERSION_SHIFT) & VERSION_MASK,
    showFrame: (tag & SHOW_FRAME_BIT) !== 0,
    firstPartitionSize: tag >>> PARTITION_SIZE_SHIFT,
  }
  if (!h.keyframe) return h
  if (frame.length < VP8_KEY_FRAME_HEADER_SIZE) {
    throw new ParseError('ERR_VP8_FRAME_HEADER', `VP8 key frame of ${frame.length} bytes is shorter than its header`, {
      observed: frame.length,
      allowed: `>= ${VP8_KEY_FRAME_HEADER_SIZE}`,
    })
  }
  if (frame[3] !== START_CODE[0] || frame[4] !== START_CODE[1] || frame[5] !== START_CODE[2]) {
    throw new ParseError('ERR_VP8_FRAME_HEADER', 'VP8 key frame lacks its start code 9d 01 2a', {
      observed: Buffer.from(frame.subarray(3, 6)).toString('hex'),
      allowed: '9d012a',
    })
  }
  const w = frame[6]! | (frame[7]! << 8)
  const hh = frame[8]! | (frame[9]! << 8)
  h.width = w & DIMENSION_MASK
  h.horizontalScale = w >> SCALE_SHIFT
  h.height = hh & DIMENSION_MASK
  h.verticalScale = hh >> SCALE_SHIFT
  return h
}
