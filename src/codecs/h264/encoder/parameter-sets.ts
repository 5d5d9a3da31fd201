/**
 * Sequence and picture parameter sets for our Constrained Baseline stream: ITU-T H.264 7.3.2.1.1
 * (seq_parameter_set_rbsp), E.1.1 (vui_parameters) and 7.3.2.2 (pic_parameter_set_rbsp); the level
 * comes from Table A-1.
 */
import { RbspWriter } from './rbsp-writer.js'

export const PROFILE_BASELINE = 66
/** constraint_set0_flag and constraint_set1_flag: Constrained Baseline (A.2.1.1). */
const CONSTRAINED_BASELINE_FLAGS = 0xc0
export const NAL_SPS = 0x67 // nal_ref_idc 3, type 7
export const NAL_PPS = 0x68 // nal_ref_idc 3, type 8
/** MaxFrameNum = 2^(LOG2_MAX_FRAME_NUM); frame_num is written in this many bits. */
export const LOG2_MAX_FRAME_NUM = 8
const LOG2_MAX_FRAME_NUM_MINUS4 = LOG2_MAX_FRAME_NUM - 4
/** pic_order_cnt_type 2: output order is decoding order, no POC in slice headers (8.2.1.3). */
const POC_TYPE_NO_REORDER = 2
const MAX_NUM_REF_FRAMES = 1
const ASPECT_RATIO_SQUARE = 1
const VIDEO_FORMAT_UNSPECIFIED = 5
/** BT.601 525-line (SMPTE 170M) primaries, transfer and matrix (Tables E-3..E-5). */
const COLOUR_SMPTE_170M = 6
const TICKS_PER_SECOND_SCALE = 1000
const LOG2_MAX_MV_LENGTH = 15
/** A 4:2:0 frame crops in units of 2 luma samples each way (7.4.2.1.1 CropUnitX/CropUnitY). */
const CROP_UNIT = 2

export interface SequenceParams {
  width: number
  height: number
  fps: number
  qp: number
}

/** level_idc, MaxMBPS (macroblocks a second) and MaxFS (macroblocks a frame), Table A-1. */
const LEVELS: readonly (readonly [number, number, number])[] = [
  [10, 1485, 99],
  [11, 3000, 396],
  [12, 6000, 396],
  [13, 11880, 396],
  [20, 11880, 396],
  [21, 19800, 792],
  [22, 20250, 1620],
  [30, 40500, 1620],
  [31, 108000, 3600],
  [32, 216000, 5120],
  [40, 245760, 8192],
  [42, 522240, 8704],
  [50, 589824, 22080],
  [51, 983040, 36864],
  [52, 2073600, 36864],
]

/** The lowest level whose frame size, either dimension (A.3.1 f: sqrt(8 * MaxFS)) and rate fit. */
export function chooseLevel(mbWidth: number, mbHeight: number, fps: number): number {
  const fs = mbWidth * mbHeight
  for (const [idc, maxMbps, maxFs] of LEVELS) {
    const maxDim = Math.sqrt(8 * maxFs)
    if (fs <= maxFs && mbWidth <= maxDim && mbHeight <= maxDim && fs * fps <= maxMbps) return idc
  }
  return LEVELS[LEVELS.length - 1]![0]
}

export function writeSps(w: RbspWriter, p: SequenceParams): void {
  const mbWidth = Math.ceil(p.width / 16)
  const mbHeight = Math.ceil(p.height / 16)
  w.reset()
  w.writeBits(8, PROFILE_BASELINE)
  w.writeBits(8, CONSTRAINED_BASELINE_FLAGS)
  w.writeBits(8, chooseLevel(mbWidth, mbHeight, p.fps))
  w.writeUe(0) // seq_parameter_set_id
  w.writeUe(LOG2_MAX_FRAME_NUM_MINUS4)
  w.writeUe(POC_TYPE_NO_REORDER)
  w.writeUe(MAX_NUM_REF_FRAMES)
  w.writeBits(1, 0) // gaps_in_frame_num_value_allowed_flag
  w.writeUe(mbWidth - 1)
  w.writeUe(mbHeight - 1) // pic_height_in_map_units_minus1 (frame_mbs_only)
  w.writeBits(1, 1) // frame_mbs_only_flag
  w.writeBits(1, 1) // direct_8x8_inference_flag
  const cropRight = (mbWidth * 16 - p.width) / CROP_UNIT
  const cropBottom = (mbHeight * 16 - p.height) / CROP_UNIT
  const crop = cropRight > 0 || cropBottom > 0
  w.writeBits(1, crop ? 1 : 0)
  if (crop) {
    w.writeUe(0)
    w.writeUe(cropRight)
    w.writeUe(0)
    w.writeUe(cropBottom)
  }
  w.writeBits(1, 1) // vui_parameters_present_flag
  writeVui(w, p.fps)
  w.writeTrailingBits()
}

function writeVui(w: RbspWriter, fps: number): void {
  w.writeBits(1, 1) // aspect_ratio_info_present_flag
  w.writeBits(8, ASPECT_RATIO_SQUARE)
  w.writeBits(1, 0) // overscan_info_present_flag
  w.writeBits(1, 1) // video_signal_type_present_flag
  w.writeBits(3, VIDEO_FORMAT_UNSPECIFIED)
  w.writeBits(1, 0) // video_full_range_flag: limited range, as we convert
  w.writeBits(1, 1) // colour_description_present_flag
  w.writeBits(8, COLOUR_SMPTE_170M)
  w.writeBits(8, COLOUR_SMPTE_170M)
  w.writeBits(8, COLOUR_SMPTE_170M)
  w.writeBits(1, 0) // chroma_loc_info_present_flag
  w.writeBits(1, 1) // timing_info_present_flag: a frame is two ticks (E.2.1)
  w.writeU32(TICKS_PER_SECOND_SCALE)
  w.writeU32(Math.round(2 * TICKS_PER_SECOND_SCALE * fps))
  w.writeBits(1, 1) // fixed_frame_rate_flag
  w.writeBits(1, 0) // nal_hrd_parameters_present_flag
  w.writeBits(1, 0) // vcl_hrd_parameters_present_flag
  w.writeBits(1, 0) // pic_struct_present_flag
  // bitstream_restriction: no reordering, one frame buffered, so decoders output each picture at once.
  w.writeBits(1, 1)
  w.writeBits(1, 1) // motion_vectors_over_pic_boundaries_flag
  w.writeUe(0) // max_bytes_per_pic_denom
  w.writeUe(0) // max_bits_per_mb_denom
  w.writeUe(LOG2_MAX_MV_LENGTH)
  w.writeUe(LOG2_MAX_MV_LENGTH)
  w.writeUe(0) // max_num_reorder_frames
  w.writeUe(MAX_NUM_REF_FRAMES) // max_dec_frame_buffering
}

export function writePps(w: RbspWriter, p: SequenceParams): void {
  w.reset()
  w.writeUe(0) // pic_parameter_set_id
  w.writeUe(0) // seq_parameter_set_id
  w.writeBits(1, 0) // entropy_coding_mode_flag: CAVLC
  w.writeBits(1, 0) // bottom_field_pic_order_in_frame_present_flag
  w.writeUe(0) // num_slice_groups_minus1
  w.writeUe(0) // num_ref_idx_l0_default_active_minus1
  w.writeUe(0) // num_ref_idx_l1_default_active_minus1
  w.writeBits(1, 0) // weighted_pred_flag
  w.writeBits(2, 0) // weighted_bipred_idc
  w.writeSe(p.qp - 26) // pic_init_qp_minus26
  w.writeSe(0) // pic_init_qs_minus26
  w.writeSe(0) // chroma_qp_index_offset
  w.writeBits(1, 1) // deblocking_filter_control_present_flag: slices turn the filter off
  w.writeBits(1, 0) // constrained_intra_pred_flag
  w.writeBits(1, 0) // redundant_pic_cnt_present_flag
  w.writeTrailingBits()
}

/** SPS and PPS NAL units (no start codes). */
export function parameterSetNals(p: SequenceParams): { sps: Buffer; pps: Buffer } {
  const w = new RbspWriter()
  writeSps(w, p)
  const sps = w.toNal(NAL_SPS)
  writePps(w, p)
  return { sps, pps: w.toNal(NAL_PPS) }
}
