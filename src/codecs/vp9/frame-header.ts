/**
 * The start of a VP9 frame's uncompressed header, "VP9 Bitstream & Decoding Process Specification"
 * v0.6 section 6.2, as far as the picture size:
 *
 *   frame_marker (2) = 2, profile_low_bit (1), profile_high_bit (1), reserved_zero (1, profile 3 only),
 *   show_existing_frame (1) [then frame_to_show_map_idx (3), end], frame_type (1, 0 = KEY_FRAME),
 *   show_frame (1), error_resilient_mode (1); other frames: intra_only (1) when show_frame is 0;
 *   key frames: frame_sync_code (24) = 0x49 0x83 0x42,
 *   color_config (6.2.2), frame_width_minus_1 (16), frame_height_minus_1 (16).
 *
 * A superframe (Annex B: frames joined, with an index at the end) starts with its first frame, so this
 * reads that one; an encoder puts a key frame first.
 */
import { ParseError, RtspkitError } from '../../errors.js'
import { BitReader } from '../../util/bit-reader.js'

const FRAME_MARKER = 2
const SYNC_CODE = 0x498342
const CS_RGB = 7
const KEY_FRAME = 0
/** Annex B: the last byte of a superframe is 110xxxxx. */
const SUPERFRAME_MARKER_MASK = 0xe0
const SUPERFRAME_MARKER = 0xc0

export interface Vp9FrameHeader {
  profile: number
  showExistingFrame: boolean
  keyframe: boolean
  showFrame: boolean
  /** A non-key frame coded without reference to others (RFC 9628 wants P = 0 on it too). */
  intraOnly: boolean
  /** Key frames only. */
  width?: number
  height?: number
  bitDepth?: number
}

/** Reads a frame's uncompressed header up to the size. Throws ParseError ('ERR_VP9_FRAME_HEADER') when it is not one. */
export function parseVp9FrameHeader(frame: Uint8Array): Vp9FrameHeader {
  try {
    return readHeader(new BitReader(frame))
  } catch (err) {
    // A bit reader running out is a truncated header; our own errors pass as they are.
    if (!(err instanceof RtspkitError) || err.code === 'ERR_VP9_FRAME_HEADER') throw err
    throw new ParseError(
      'ERR_VP9_FRAME_HEADER',
      `VP9 frame header is truncated: ${err.message}`,
      { observed: frame.length },
      { cause: err },
    )
  }
}

function readHeader(r: BitReader): Vp9FrameHeader {
  const marker = r.readBits(2)
  if (marker !== FRAME_MARKER) {
    throw new ParseError('ERR_VP9_FRAME_HEADER', `VP9 frame_marker is ${marker}`, { observed: marker, allowed: FRAME_MARKER })
  }
  const low = r.readBit()
  const profile = (r.readBit() << 1) | low
  if (profile === 3) r.skipBits(1)
  if (r.readFlag()) return { profile, showExistingFrame: true, keyframe: false, showFrame: true, intraOnly: false }
  const keyframe = r.readBit() === KEY_FRAME
  const showFrame = r.readFlag()
  r.skipBits(1) // error_resilient_mode
  const h: Vp9FrameHeader = { profile, showExistingFrame: false, keyframe, showFrame, intraOnly: false }
  if (!keyframe) {
    h.intraOnly = showFrame ? false : r.readFlag()
    return h
  }
  const sync = r.readBits(24)
  if (sync !== SYNC_CODE) {
    throw new ParseError('ERR_VP9_FRAME_HEADER', 'VP9 key frame lacks its sync code 49 83 42', {
      observed: sync.toString(16),
      allowed: SYNC_CODE.toString(16),
    })
  }
  h.bitDepth = profile >= 2 ? (r.readFlag() ? 12 : 10) : 8
  const colorSpace = r.readBits(3)
  if (colorSpace !== CS_RGB) {
    r.skipBits(1) // color_range
    if (profile === 1 || profile === 3) r.skipBits(3) // subsampling_x, subsampling_y, reserved_zero
  } else if (profile === 1 || profile === 3) r.skipBits(1) // reserved_zero
  h.width = r.readBits(16) + 1
  h.height = r.readBits(16) + 1
  return h
}

/** Whether `frame` ends with a superframe index (Annex B), whose frames a decoder takes as one. */
export function hasSuperframeIndex(frame: Uint8Array): boolean {
  if (frame.length === 0) return false
  const last = frame[frame.length - 1]!
  if ((last & SUPERFRAME_MARKER_MASK) !== SUPERFRAME_MARKER) return false
  const frames = (last & 0x07) + 1
  const bytes = ((last >> 3) & 0x03) + 1
  const indexSize = 2 + bytes * frames
  return frame.length >= indexSize && frame[frame.length - indexSize] === last
}

/** Annex B: joins layer frames into a superframe with an index, as a decoder takes the frames of one picture. */
export function buildSuperframe(frames: readonly Buffer[]): Buffer {
  const marker = SUPERFRAME_MARKER | (3 << 3) | (frames.length - 1) // 4-byte sizes
  const index = Buffer.allocUnsafe(2 + 4 * frames.length)
  index[0] = marker
  frames.forEach((f, i) => index.writeUInt32LE(f.length, 1 + 4 * i))
  index[index.length - 1] = marker
  return Buffer.concat([...frames, index])
}
