/**
 * slice_header() for our one-slice pictures, ITU-T H.264 7.3.3, with the choices of parameter-sets.ts:
 * pic_order_cnt_type 2 (no POC fields), one reference frame, no reordering, no weighted prediction,
 * CAVLC, and the deblocking filter off (disable_deblocking_filter_idc 1) to keep reconstruction simple.
 */
import { LOG2_MAX_FRAME_NUM } from './parameter-sets.js'
import type { RbspWriter } from './rbsp-writer.js'

/** slice_type 7 and 5: every slice of the picture is I, respectively P (Table 7-6). */
const SLICE_TYPE_ALL_I = 7
const SLICE_TYPE_ALL_P = 5
const DISABLE_DEBLOCKING = 1
export const NAL_IDR_SLICE = 0x65 // nal_ref_idc 3, type 5
export const NAL_P_SLICE = 0x41 // nal_ref_idc 2, type 1 (a reference: the next P predicts from it)

export interface SliceHeaderParams {
  idr: boolean
  frameNum: number
  /** Differs between consecutive IDR pictures (7.4.3). */
  idrPicId: number
}

export function writeSliceHeader(w: RbspWriter, h: SliceHeaderParams): void {
  w.writeUe(0) // first_mb_in_slice
  w.writeUe(h.idr ? SLICE_TYPE_ALL_I : SLICE_TYPE_ALL_P)
  w.writeUe(0) // pic_parameter_set_id
  w.writeBits(LOG2_MAX_FRAME_NUM, h.frameNum)
  if (h.idr) w.writeUe(h.idrPicId)
  if (!h.idr) {
    w.writeBits(1, 0) // num_ref_idx_active_override_flag
    w.writeBits(1, 0) // ref_pic_list_modification_flag_l0
  }
  // dec_ref_pic_marking(): every picture is a reference.
  if (h.idr) {
    w.writeBits(1, 0) // no_output_of_prior_pics_flag
    w.writeBits(1, 0) // long_term_reference_flag
  } else w.writeBits(1, 0) // adaptive_ref_pic_marking_mode_flag: sliding window
  w.writeSe(0) // slice_qp_delta: the PPS's QP
  w.writeUe(DISABLE_DEBLOCKING)
}
