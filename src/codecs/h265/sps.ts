/**
 * Sequence parameter set, ITU-T H.265 section 7.3.2.2.1 (syntax) and 7.4.3.2.1 (semantics), with the
 * VUI fields of Annex E.2.1 up to vui_timing_info. Only what a server needs is kept: profile, tier and
 * level, chroma format, bit depths, the picture size after the conformance window and the frame rate.
 * Everything between the picture size and the VUI (sub-layer ordering, coding block sizes, scaling lists,
 * PCM, short- and long-term reference picture sets) is read only to be skipped.
 *
 * Picture size (7.4.3.2.1, conformance window):
 *   width  = pic_width_in_luma_samples  - SubWidthC  * (conf_win_left_offset + conf_win_right_offset)
 *   height = pic_height_in_luma_samples - SubHeightC * (conf_win_top_offset  + conf_win_bottom_offset)
 *   SubWidthC, SubHeightC from Table 6-1; both 1 for monochrome or separate colour planes.
 *
 * Frame rate (E.3.1): vui_time_scale / vui_num_units_in_tick pictures per second. Unlike H.264 there is no
 * factor of two; with field_seq_flag set each picture is a field and this is the field rate.
 *
 * Only SPSs of the base layer (nuh_layer_id 0) are parsed: multi-layer extensions (F.7.3.2.2.1) change the
 * syntax.
 */
import { ParseError } from '../../errors.js'
import { BitReader } from '../../util/bit-reader.js'
import { H265NalType, NAL_HEADER_SIZE, nalLayerId, nalType, toRbsp } from './nal.js'
import { readProfileTierLevel, type ProfileTierLevel } from './profile-tier-level.js'

/** sps_max_sub_layers_minus1 is in 0..6 (7.4.3.2.1). */
const MAX_SUB_LAYERS_MINUS1 = 6
const MAX_SPS_ID = 15
const CHROMA_FORMAT_444 = 3
const CHROMA_FORMAT_MAX = 3
const MAX_BIT_DEPTH_MINUS8 = 8
const MAX_LOG2_POC_LSB_MINUS4 = 12
const LOG2_POC_LSB_OFFSET = 4
/** Level 6.2 allows 35,651,584 luma samples: sqrt(8 * MaxLumaPs) = 16888 in either dimension (A.4.1). */
const MAX_PICTURE_DIMENSION = 16888
/** Coding block sizes: log2 values stay below 7 (64x64 CTBs); anything larger is corrupt. */
const MAX_LOG2_BLOCK_SIZE = 6
/** CtbLog2SizeY - MinTbLog2SizeY: at most 6 - 2. */
const MAX_TRANSFORM_HIERARCHY_DEPTH = 4
const MAX_SHORT_TERM_REF_PIC_SETS = 64
const MAX_LONG_TERM_REF_PICS_SPS = 32
/** MaxDpbSize is at most 16 (A.4.2), so a reference picture set holds at most 16 pictures. */
const MAX_DELTA_POCS = 16
const MAX_DELTA_POC_MINUS1 = (1 << 15) - 1
const MAX_ABS_DELTA_RPS_MINUS1 = (1 << 15) - 1
/** scaling_list_data (7.3.4): 4 sizes; 6 matrices each except 32x32, which has 2 (matrixId 0 and 3). */
const SCALING_LIST_SIZES = 4
const SCALING_LIST_MATRICES = 6
const SCALING_LIST_32X32_SIZE_ID = 3
const SCALING_LIST_32X32_MATRIX_STEP = 3
const SCALING_LIST_MAX_COEFS = 64
const SCALING_LIST_DC_SIZE_ID = 2
const PCM_BIT_DEPTH_BITS = 4
/** aspect_ratio_idc value meaning an explicit sar_width / sar_height follows (Table E-1). */
const EXTENDED_SAR = 255
/** SubWidthC, SubHeightC by chroma_format_idc (Table 6-1); index 0 is monochrome. */
const SUB_WIDTH_C = [1, 2, 2, 1] as const
const SUB_HEIGHT_C = [1, 2, 1, 1] as const

export interface H265SpsTiming {
  numUnitsInTick: number
  timeScale: number
}

export interface H265SpsInfo {
  videoParameterSetId: number
  maxSubLayersMinus1: number
  profileTierLevel: ProfileTierLevel
  seqParameterSetId: number
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  chromaFormatIdc: number
  separateColourPlane: boolean
  bitDepthLuma: number
  bitDepthChroma: number
  /** pic_width_in_luma_samples / pic_height_in_luma_samples: the coded size. */
  codedWidth: number
  codedHeight: number
  /** Displayed size, after the conformance window. */
  width: number
  height: number
  /** VUI timing, when present. */
  timing?: H265SpsTiming
  /** time_scale / num_units_in_tick when timing is present and valid. */
  fps?: number
}

function check(cond: boolean, message: string, observed: unknown, allowed: unknown): void {
  if (!cond) throw new ParseError('ERR_H265_SPS', message, { observed, allowed })
}

function readUeMax(r: BitReader, max: number, name: string): number {
  const v = r.readUe()
  check(v <= max, `${name} ${v} out of range`, v, `0..${max}`)
  return v
}

function skipScalingListData(r: BitReader): void {
  // H.265 7.3.4 scaling_list_data().
  for (let sizeId = 0; sizeId < SCALING_LIST_SIZES; sizeId++) {
    const step = sizeId === SCALING_LIST_32X32_SIZE_ID ? SCALING_LIST_32X32_MATRIX_STEP : 1
    for (let matrixId = 0; matrixId < SCALING_LIST_MATRICES; matrixId += step) {
      if (!r.readFlag()) {
        // scaling_list_pred_mode_flag
        r.readUe() // scaling_list_pred_matrix_id_delta
        continue
      }
      const coefNum = Math.min(SCALING_LIST_MAX_COEFS, 1 << (4 + (sizeId << 1)))
      if (sizeId >= SCALING_LIST_DC_SIZE_ID) r.readSe() // scaling_list_dc_coef_minus8
      for (let i = 0; i < coefNum; i++) r.readSe() // scaling_list_delta_coef
    }
  }
}

/** DeltaPocS0 (negative, nearest first) and DeltaPocS1 (positive) of one short-term reference picture set. */
interface ShortTermRps {
  s0: number[]
  s1: number[]
}

/**
 * st_ref_pic_set( stRpsIdx ) of an SPS (7.3.7). An inter-predicted set is derived from the previous one
 * (equations 7-61 and 7-62): the number of syntax elements of the next set depends on that derivation,
 * so it is done in full.
 */
function readShortTermRps(r: BitReader, idx: number, sets: readonly ShortTermRps[]): ShortTermRps {
  const interPrediction = idx !== 0 && r.readFlag() // inter_ref_pic_set_prediction_flag
  if (interPrediction) {
    // In an SPS stRpsIdx < num_short_term_ref_pic_sets, so delta_idx_minus1 is absent: RefRpsIdx = stRpsIdx - 1.
    const ref = sets[idx - 1]!
    const sign = r.readBit() // delta_rps_sign
    const absMinus1 = readUeMax(r, MAX_ABS_DELTA_RPS_MINUS1, 'abs_delta_rps_minus1')
    const deltaRps = (1 - 2 * sign) * (absMinus1 + 1)
    const numRef = ref.s0.length + ref.s1.length
    const useDelta: boolean[] = []
    for (let j = 0; j <= numRef; j++) {
      const used = r.readFlag() // used_by_curr_pic_flag
      useDelta.push(used || r.readFlag()) // use_delta_flag, inferred 1 when used
    }
    const s0: number[] = []
    const s1: number[] = []
    const n0 = ref.s0.length
    for (let j = ref.s1.length - 1; j >= 0; j--) {
      const dPoc = ref.s1[j]! + deltaRps
      if (dPoc < 0 && useDelta[n0 + j]) s0.push(dPoc)
    }
    if (deltaRps < 0 && useDelta[numRef]) s0.push(deltaRps)
    for (let j = 0; j < n0; j++) {
      const dPoc = ref.s0[j]! + deltaRps
      if (dPoc < 0 && useDelta[j]) s0.push(dPoc)
    }
    for (let j = n0 - 1; j >= 0; j--) {
      const dPoc = ref.s0[j]! + deltaRps
      if (dPoc > 0 && useDelta[j]) s1.push(dPoc)
    }
    if (deltaRps > 0 && useDelta[numRef]) s1.push(deltaRps)
    for (let j = 0; j < ref.s1.length; j++) {
      const dPoc = ref.s1[j]! + deltaRps
      if (dPoc > 0 && useDelta[n0 + j]) s1.push(dPoc)
    }
    check(s0.length + s1.length <= MAX_DELTA_POCS, 'reference picture set too large', s0.length + s1.length, `<= ${MAX_DELTA_POCS}`)
    return { s0, s1 }
  }
  const numNegative = readUeMax(r, MAX_DELTA_POCS, 'num_negative_pics')
  const numPositive = readUeMax(r, MAX_DELTA_POCS, 'num_positive_pics')
  check(numNegative + numPositive <= MAX_DELTA_POCS, 'reference picture set too large', numNegative + numPositive, `<= ${MAX_DELTA_POCS}`)
  const s0: number[] = []
  const s1: number[] = []
  let poc = 0
  for (let i = 0; i < numNegative; i++) {
    poc -= readUeMax(r, MAX_DELTA_POC_MINUS1, 'delta_poc_s0_minus1') + 1
    r.skipBits(1) // used_by_curr_pic_s0_flag
    s0.push(poc)
  }
  poc = 0
  for (let i = 0; i < numPositive; i++) {
    poc += readUeMax(r, MAX_DELTA_POC_MINUS1, 'delta_poc_s1_minus1') + 1
    r.skipBits(1) // used_by_curr_pic_s1_flag
    s1.push(poc)
  }
  return { s0, s1 }
}

function readTiming(r: BitReader): H265SpsTiming | undefined {
  // E.2.1 vui_parameters(), up to and including vui_time_scale.
  if (r.readFlag()) {
    // aspect_ratio_info_present_flag
    if (r.readBits(8) === EXTENDED_SAR) r.skipBits(32) // sar_width, sar_height
  }
  if (r.readFlag()) r.skipBits(1) // overscan_info_present_flag → overscan_appropriate_flag
  if (r.readFlag()) {
    // video_signal_type_present_flag
    r.skipBits(4) // video_format, video_full_range_flag
    if (r.readFlag()) r.skipBits(24) // colour_primaries, transfer_characteristics, matrix_coeffs
  }
  if (r.readFlag()) {
    // chroma_loc_info_present_flag
    r.readUe()
    r.readUe()
  }
  r.skipBits(3) // neutral_chroma_indication_flag, field_seq_flag, frame_field_info_present_flag
  if (r.readFlag()) {
    // default_display_window_flag
    for (let i = 0; i < 4; i++) r.readUe()
  }
  if (!r.readFlag()) return undefined // vui_timing_info_present_flag
  const numUnitsInTick = r.readBits(32)
  const timeScale = r.readBits(32)
  return { numUnitsInTick, timeScale }
}

/** Parses an SPS NAL unit (with its 2-byte header, without start code). */
export function parseH265Sps(nal: Uint8Array): H265SpsInfo {
  const type = nalType(nal)
  if (type !== H265NalType.SPS || nal.length < NAL_HEADER_SIZE) {
    throw new ParseError('ERR_H265_NOT_SPS', `NAL unit type ${type} is not an SPS`, { observed: type, allowed: H265NalType.SPS })
  }
  const layerId = nalLayerId(nal)
  if (layerId !== 0) {
    throw new ParseError('ERR_H265_SPS_LAYER', `SPS of layer ${layerId}: only base-layer SPSs are parsed`, {
      observed: layerId,
      allowed: 0,
    })
  }
  const r = new BitReader(toRbsp(nal.subarray(NAL_HEADER_SIZE)))

  const videoParameterSetId = r.readBits(4)
  const maxSubLayersMinus1 = r.readBits(3)
  check(
    maxSubLayersMinus1 <= MAX_SUB_LAYERS_MINUS1,
    `sps_max_sub_layers_minus1 ${maxSubLayersMinus1} out of range`,
    maxSubLayersMinus1,
    `0..${MAX_SUB_LAYERS_MINUS1}`,
  )
  r.skipBits(1) // sps_temporal_id_nesting_flag
  const profileTierLevel = readProfileTierLevel(r, maxSubLayersMinus1)
  const seqParameterSetId = readUeMax(r, MAX_SPS_ID, 'sps_seq_parameter_set_id')
  const chromaFormatIdc = readUeMax(r, CHROMA_FORMAT_MAX, 'chroma_format_idc')
  const separateColourPlane = chromaFormatIdc === CHROMA_FORMAT_444 && r.readFlag()
  const codedWidth = readUeMax(r, MAX_PICTURE_DIMENSION, 'pic_width_in_luma_samples')
  const codedHeight = readUeMax(r, MAX_PICTURE_DIMENSION, 'pic_height_in_luma_samples')
  check(codedWidth > 0 && codedHeight > 0, `picture size ${codedWidth}x${codedHeight} is empty`, [codedWidth, codedHeight], '> 0')

  let winLeft = 0
  let winRight = 0
  let winTop = 0
  let winBottom = 0
  if (r.readFlag()) {
    // conformance_window_flag
    winLeft = r.readUe()
    winRight = r.readUe()
    winTop = r.readUe()
    winBottom = r.readUe()
  }
  const bitDepthLuma = readUeMax(r, MAX_BIT_DEPTH_MINUS8, 'bit_depth_luma_minus8') + 8
  const bitDepthChroma = readUeMax(r, MAX_BIT_DEPTH_MINUS8, 'bit_depth_chroma_minus8') + 8

  // Everything up to the VUI is skipped, but each field is read: the VUI has no byte offset of its own.
  const log2PocLsb = readUeMax(r, MAX_LOG2_POC_LSB_MINUS4, 'log2_max_pic_order_cnt_lsb_minus4') + LOG2_POC_LSB_OFFSET
  const orderingInfoPresent = r.readFlag() // sps_sub_layer_ordering_info_present_flag
  for (let i = orderingInfoPresent ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
    r.readUe() // sps_max_dec_pic_buffering_minus1
    r.readUe() // sps_max_num_reorder_pics
    r.readUe() // sps_max_latency_increase_plus1
  }
  readUeMax(r, MAX_LOG2_BLOCK_SIZE, 'log2_min_luma_coding_block_size_minus3')
  readUeMax(r, MAX_LOG2_BLOCK_SIZE, 'log2_diff_max_min_luma_coding_block_size')
  readUeMax(r, MAX_LOG2_BLOCK_SIZE, 'log2_min_luma_transform_block_size_minus2')
  readUeMax(r, MAX_LOG2_BLOCK_SIZE, 'log2_diff_max_min_luma_transform_block_size')
  readUeMax(r, MAX_TRANSFORM_HIERARCHY_DEPTH, 'max_transform_hierarchy_depth_inter')
  readUeMax(r, MAX_TRANSFORM_HIERARCHY_DEPTH, 'max_transform_hierarchy_depth_intra')
  if (r.readFlag()) {
    // scaling_list_enabled_flag
    if (r.readFlag()) skipScalingListData(r) // sps_scaling_list_data_present_flag
  }
  r.skipBits(2) // amp_enabled_flag, sample_adaptive_offset_enabled_flag
  if (r.readFlag()) {
    // pcm_enabled_flag
    r.skipBits(2 * PCM_BIT_DEPTH_BITS) // pcm_sample_bit_depth_luma_minus1, pcm_sample_bit_depth_chroma_minus1
    r.readUe() // log2_min_pcm_luma_coding_block_size_minus3
    r.readUe() // log2_diff_max_min_pcm_luma_coding_block_size
    r.skipBits(1) // pcm_loop_filter_disabled_flag
  }
  const numShortTermRps = readUeMax(r, MAX_SHORT_TERM_REF_PIC_SETS, 'num_short_term_ref_pic_sets')
  const sets: ShortTermRps[] = []
  for (let i = 0; i < numShortTermRps; i++) sets.push(readShortTermRps(r, i, sets))
  if (r.readFlag()) {
    // long_term_ref_pics_present_flag
    const numLongTerm = readUeMax(r, MAX_LONG_TERM_REF_PICS_SPS, 'num_long_term_ref_pics_sps')
    for (let i = 0; i < numLongTerm; i++) r.skipBits(log2PocLsb + 1) // lt_ref_pic_poc_lsb_sps, used_by_curr_pic_lt_sps_flag
  }
  r.skipBits(2) // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
  const timing = r.readFlag() ? readTiming(r) : undefined // vui_parameters_present_flag

  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc
  const subWidth = SUB_WIDTH_C[chromaArrayType]!
  const subHeight = SUB_HEIGHT_C[chromaArrayType]!
  const width = codedWidth - subWidth * (winLeft + winRight)
  const height = codedHeight - subHeight * (winTop + winBottom)
  check(width > 0 && height > 0, `conformance window leaves no picture (${width}x${height})`, [width, height], '> 0')

  const info: H265SpsInfo = {
    videoParameterSetId,
    maxSubLayersMinus1,
    profileTierLevel,
    seqParameterSetId,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma,
    bitDepthChroma,
    codedWidth,
    codedHeight,
    width,
    height,
  }
  if (timing) {
    info.timing = timing
    if (timing.numUnitsInTick > 0 && timing.timeScale > 0) info.fps = timing.timeScale / timing.numUnitsInTick
  }
  return info
}
