/**
 * Sequence parameter set, ITU-T H.264 section 7.3.2.1.1 (syntax) and 7.4.2.1.1 (semantics),
 * with the VUI timing fields of Annex E.1.1. Only what a server needs is kept: profile, level,
 * picture size after cropping and the frame rate.
 *
 * Picture size (7.4.2.1.1, frame cropping):
 *   width  = PicWidthInMbs * 16 - CropUnitX * (frame_crop_left_offset + frame_crop_right_offset)
 *   height = (2 - frame_mbs_only_flag) * PicHeightInMapUnits * 16 - CropUnitY * (top + bottom)
 *   CropUnitX = SubWidthC, CropUnitY = SubHeightC * (2 - frame_mbs_only_flag)   (ChromaArrayType != 0)
 *   CropUnitX = 1,         CropUnitY = 2 - frame_mbs_only_flag                  (ChromaArrayType == 0)
 */
import { ParseError } from '../../errors.js'
import { BitReader } from '../../util/bit-reader.js'
import { NAL_HEADER_SIZE, NalType, nalType, toRbsp } from './nal.js'

const MB_SIZE = 16
/** profile_idc values whose SPS carries chroma_format_idc, bit depths and scaling lists (7.3.2.1.1). */
const HIGH_PROFILES: ReadonlySet<number> = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135])
const CHROMA_FORMAT_444 = 3
const CHROMA_FORMAT_MAX = 3
/** Scaling lists: 6 of 4x4, then 2 (or 6 for 4:4:4) of 8x8. */
const SCALING_LISTS_4X4 = 6
const SCALING_LIST_4X4_SIZE = 16
const SCALING_LIST_8X8_SIZE = 64
const SCALING_LISTS_NON_444 = 8
const SCALING_LISTS_444 = 12
const MAX_SPS_ID = 31
const MAX_POC_TYPE = 2
const MAX_REF_FRAMES_IN_POC_CYCLE = 255
const MAX_BIT_DEPTH_MINUS8 = 6
const MAX_LOG2_MINUS4 = 12
/** Level 6.2 allows 139264 macroblocks per frame; 2^16 MBs in a dimension is far beyond any level. */
const MAX_MBS_PER_DIMENSION = 1 << 16
/** aspect_ratio_idc value meaning an explicit sar_width / sar_height follows (Table E-1). */
const EXTENDED_SAR = 255
/** SubWidthC, SubHeightC by chroma_format_idc (Table 6-1); index 0 is monochrome. */
const SUB_WIDTH_C = [1, 2, 2, 1] as const
const SUB_HEIGHT_C = [1, 2, 1, 1] as const

export interface SpsTiming {
  numUnitsInTick: number
  timeScale: number
  fixedFrameRate: boolean
}

export interface SpsInfo {
  profileIdc: number
  /** constraint_set0..5 flags and the two reserved bits, as the second byte of profile-level-id. */
  constraintFlags: number
  levelIdc: number
  seqParameterSetId: number
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  chromaFormatIdc: number
  bitDepthLuma: number
  bitDepthChroma: number
  frameMbsOnly: boolean
  /** Displayed size, after frame cropping. */
  width: number
  height: number
  /** VUI timing_info, when present. */
  timing?: SpsTiming
  /** time_scale / (2 * num_units_in_tick) when timing is present and valid (E.2.1, one frame = two ticks). */
  fps?: number
}

function check(cond: boolean, code: string, message: string, observed: unknown, allowed: unknown): void {
  if (!cond) throw new ParseError(code, message, { observed, allowed })
}

function skipScalingList(r: BitReader, size: number): void {
  // H.264 7.3.2.1.1.1: delta-coded list; a next_scale of 0 ends the explicit part.
  let last = 8
  let next = 8
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      const delta = r.readSe()
      check(delta >= -128 && delta <= 127, 'ERR_H264_SPS', `delta_scale ${delta} out of range`, delta, '-128..127')
      next = (last + delta + 256) % 256
    }
    last = next === 0 ? last : next
  }
}

function readTiming(r: BitReader): SpsTiming | undefined {
  // E.1.1 vui_parameters(), up to and including timing_info.
  if (r.readFlag()) {
    // aspect_ratio_info_present_flag
    if (r.readBits(8) === EXTENDED_SAR) r.skipBits(32) // sar_width, sar_height
  }
  if (r.readFlag()) r.skipBits(1) // overscan_info_present_flag → overscan_appropriate_flag
  if (r.readFlag()) {
    // video_signal_type_present_flag
    r.skipBits(4) // video_format, video_full_range_flag
    if (r.readFlag()) r.skipBits(24) // colour_primaries, transfer_characteristics, matrix_coefficients
  }
  if (r.readFlag()) {
    // chroma_loc_info_present_flag
    r.readUe()
    r.readUe()
  }
  if (!r.readFlag()) return undefined // timing_info_present_flag
  const numUnitsInTick = r.readBits(32)
  const timeScale = r.readBits(32)
  const fixedFrameRate = r.readFlag()
  return { numUnitsInTick, timeScale, fixedFrameRate }
}

/** Parses an SPS NAL unit (with its 1-byte header, without start code). */
export function parseSps(nal: Uint8Array): SpsInfo {
  const type = nalType(nal)
  check(type === NalType.SPS, 'ERR_H264_NOT_SPS', `NAL unit type ${type} is not an SPS`, type, NalType.SPS)
  const r = new BitReader(toRbsp(nal.subarray(NAL_HEADER_SIZE)))

  const profileIdc = r.readBits(8)
  const constraintFlags = r.readBits(8)
  const levelIdc = r.readBits(8)
  const seqParameterSetId = r.readUe()
  check(
    seqParameterSetId <= MAX_SPS_ID,
    'ERR_H264_SPS',
    `seq_parameter_set_id ${seqParameterSetId} out of range`,
    seqParameterSetId,
    `0..${MAX_SPS_ID}`,
  )

  let chromaFormatIdc = 1
  let separateColourPlane = false
  let bitDepthLuma = 8
  let bitDepthChroma = 8
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.readUe()
    check(
      chromaFormatIdc <= CHROMA_FORMAT_MAX,
      'ERR_H264_SPS',
      `chroma_format_idc ${chromaFormatIdc} out of range`,
      chromaFormatIdc,
      `0..${CHROMA_FORMAT_MAX}`,
    )
    if (chromaFormatIdc === CHROMA_FORMAT_444) separateColourPlane = r.readFlag()
    const lumaMinus8 = r.readUe()
    const chromaMinus8 = r.readUe()
    check(
      lumaMinus8 <= MAX_BIT_DEPTH_MINUS8 && chromaMinus8 <= MAX_BIT_DEPTH_MINUS8,
      'ERR_H264_SPS',
      'bit depth out of range',
      [lumaMinus8 + 8, chromaMinus8 + 8],
      `8..${8 + MAX_BIT_DEPTH_MINUS8}`,
    )
    bitDepthLuma = lumaMinus8 + 8
    bitDepthChroma = chromaMinus8 + 8
    r.skipBits(1) // qpprime_y_zero_transform_bypass_flag
    if (r.readFlag()) {
      // seq_scaling_matrix_present_flag
      const lists = chromaFormatIdc === CHROMA_FORMAT_444 ? SCALING_LISTS_444 : SCALING_LISTS_NON_444
      for (let i = 0; i < lists; i++) {
        if (r.readFlag()) skipScalingList(r, i < SCALING_LISTS_4X4 ? SCALING_LIST_4X4_SIZE : SCALING_LIST_8X8_SIZE)
      }
    }
  }

  const log2MaxFrameNumMinus4 = r.readUe()
  check(
    log2MaxFrameNumMinus4 <= MAX_LOG2_MINUS4,
    'ERR_H264_SPS',
    `log2_max_frame_num_minus4 ${log2MaxFrameNumMinus4} out of range`,
    log2MaxFrameNumMinus4,
    `0..${MAX_LOG2_MINUS4}`,
  )
  const pocType = r.readUe()
  check(pocType <= MAX_POC_TYPE, 'ERR_H264_SPS', `pic_order_cnt_type ${pocType} out of range`, pocType, `0..${MAX_POC_TYPE}`)
  if (pocType === 0) {
    r.readUe() // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    r.skipBits(1) // delta_pic_order_always_zero_flag
    r.readSe() // offset_for_non_ref_pic
    r.readSe() // offset_for_top_to_bottom_field
    const cycle = r.readUe()
    check(
      cycle <= MAX_REF_FRAMES_IN_POC_CYCLE,
      'ERR_H264_SPS',
      `num_ref_frames_in_pic_order_cnt_cycle ${cycle} out of range`,
      cycle,
      `0..${MAX_REF_FRAMES_IN_POC_CYCLE}`,
    )
    for (let i = 0; i < cycle; i++) r.readSe() // offset_for_ref_frame[i]
  }
  r.readUe() // max_num_ref_frames
  r.skipBits(1) // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = r.readUe() + 1
  const heightInMapUnits = r.readUe() + 1
  check(
    widthInMbs <= MAX_MBS_PER_DIMENSION && heightInMapUnits <= MAX_MBS_PER_DIMENSION,
    'ERR_H264_SPS',
    'picture size out of range',
    [widthInMbs, heightInMapUnits],
    `<= ${MAX_MBS_PER_DIMENSION} macroblocks`,
  )
  const frameMbsOnly = r.readFlag()
  if (!frameMbsOnly) r.skipBits(1) // mb_adaptive_frame_field_flag
  r.skipBits(1) // direct_8x8_inference_flag

  let cropLeft = 0
  let cropRight = 0
  let cropTop = 0
  let cropBottom = 0
  if (r.readFlag()) {
    // frame_cropping_flag
    cropLeft = r.readUe()
    cropRight = r.readUe()
    cropTop = r.readUe()
    cropBottom = r.readUe()
  }
  const timing = r.readFlag() ? readTiming(r) : undefined // vui_parameters_present_flag

  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc
  const fieldFactor = frameMbsOnly ? 1 : 2
  const cropUnitX = chromaArrayType === 0 ? 1 : SUB_WIDTH_C[chromaArrayType]!
  const cropUnitY = (chromaArrayType === 0 ? 1 : SUB_HEIGHT_C[chromaArrayType]!) * fieldFactor
  const width = widthInMbs * MB_SIZE - cropUnitX * (cropLeft + cropRight)
  const height = fieldFactor * heightInMapUnits * MB_SIZE - cropUnitY * (cropTop + cropBottom)
  check(width > 0 && height > 0, 'ERR_H264_SPS', `frame cropping leaves no picture (${width}x${height})`, [width, height], '> 0')

  const info: SpsInfo = {
    profileIdc,
    constraintFlags,
    levelIdc,
    seqParameterSetId,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    frameMbsOnly,
    width,
    height,
  }
  if (timing) {
    info.timing = timing
    if (timing.numUnitsInTick > 0 && timing.timeScale > 0) info.fps = timing.timeScale / (2 * timing.numUnitsInTick)
  }
  return info
}
