/**
 * The start of a sequence header OBU, AV1 Bitstream & Decoding Process Specification section 5.5.1,
 * read as far as the maximum frame size: seq_profile, still_picture, reduced_still_picture_header, the
 * timing and decoder model information, the operating points (their level and tier), then
 * frame_width_bits_minus_1, frame_height_bits_minus_1, max_frame_width_minus_1, max_frame_height_minus_1.
 */
import { ParseError, RtspkitError } from '../../errors.js'
import { BitReader } from '../../util/bit-reader.js'

const MAX_LEVEL_WITHOUT_TIER = 7

export interface Av1SequenceHeader {
  profile: number
  stillPicture: boolean
  reducedStillPictureHeader: boolean
  /** Of operating point 0, as SDP's level-idx and tier state them. */
  levelIdx: number
  tier: number
  maxWidth: number
  maxHeight: number
}

/** Reads a sequence header OBU's payload. Throws ParseError('ERR_AV1_SEQUENCE_HEADER') when it is cut short. */
export function parseAv1SequenceHeader(payload: Uint8Array): Av1SequenceHeader {
  try {
    return read(new BitReader(payload))
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ParseError(
      'ERR_AV1_SEQUENCE_HEADER',
      `AV1 sequence header is truncated: ${err.message}`,
      { observed: payload.length },
      { cause: err },
    )
  }
}

function read(r: BitReader): Av1SequenceHeader {
  const profile = r.readBits(3)
  const stillPicture = r.readFlag()
  const reducedStillPictureHeader = r.readFlag()
  let levelIdx: number
  let tier = 0
  if (reducedStillPictureHeader) {
    levelIdx = r.readBits(5)
  } else {
    let decoderModelInfo = false
    let bufferDelayLength = 0
    if (r.readFlag()) {
      // timing_info: num_units_in_display_tick, time_scale, equal_picture_interval [num_ticks_per_picture_minus_1 uvlc]
      r.skipBits(64)
      if (r.readFlag()) r.readUe() // uvlc() is the same code as ue(v)
      decoderModelInfo = r.readFlag()
      if (decoderModelInfo) {
        bufferDelayLength = r.readBits(5) + 1
        r.skipBits(32 + 5 + 5) // num_units_in_decoding_tick, buffer_removal_time_length_minus_1, frame_presentation_time_length_minus_1
      }
    }
    const initialDisplayDelay = r.readFlag()
    const operatingPoints = r.readBits(5) + 1
    levelIdx = 0
    for (let i = 0; i < operatingPoints; i++) {
      r.skipBits(12) // operating_point_idc
      const level = r.readBits(5)
      const t = level > MAX_LEVEL_WITHOUT_TIER ? r.readBit() : 0
      if (i === 0) {
        levelIdx = level
        tier = t
      }
      if (decoderModelInfo && r.readFlag()) r.skipBits(2 * bufferDelayLength + 1) // decoder/encoder_buffer_delay, low_delay_mode_flag
      if (initialDisplayDelay && r.readFlag()) r.skipBits(4)
    }
  }
  const widthBits = r.readBits(4) + 1
  const heightBits = r.readBits(4) + 1
  const maxWidth = r.readBits(widthBits) + 1
  const maxHeight = r.readBits(heightBits) + 1
  return { profile, stillPicture, reducedStillPictureHeader, levelIdx, tier, maxWidth, maxHeight }
}
