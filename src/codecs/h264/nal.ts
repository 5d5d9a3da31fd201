/**
 * H.264 NAL unit header and NAL unit types: ITU-T H.264 section 7.3.1 / 7.4.1 (Table 7-1),
 * plus the RTP payload structure types of RFC 6184 section 5.2 (Table 1).
 *
 *  +---------------+
 *  |0|1|2|3|4|5|6|7|
 *  +-+-+-+-+-+-+-+-+
 *  |F|NRI|  Type   |
 *  +---------------+
 */
import { ParseError } from '../../errors.js'
import { BitReader } from '../../util/bit-reader.js'
import { toRbsp } from '../nal-unit.js'

export { asBuffer, toRbsp } from '../nal-unit.js'

export const NAL_HEADER_SIZE = 1
export const NAL_FORBIDDEN_BIT = 0x80
export const NAL_REF_IDC_MASK = 0x60
export const NAL_REF_IDC_SHIFT = 5
export const NAL_TYPE_MASK = 0x1f
/** F and NRI together: copied into STAP-A and FU-A indicators (RFC 6184 5.7.1, 5.8). */
export const NAL_F_NRI_MASK = 0xe0

/** nal_unit_type values. 1..23 are H.264 NAL units; 24..29 exist only inside RTP (RFC 6184). */
export const NalType = {
  SLICE: 1,
  SLICE_DPA: 2,
  SLICE_DPB: 3,
  SLICE_DPC: 4,
  IDR: 5,
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9,
  END_OF_SEQUENCE: 10,
  END_OF_STREAM: 11,
  FILLER: 12,
  SPS_EXT: 13,
  PREFIX: 14,
  SUBSET_SPS: 15,
  DPS: 16,
  AUX_SLICE: 19,
  SLICE_EXT: 20,
  SLICE_EXT_DEPTH: 21,
  STAP_A: 24,
  STAP_B: 25,
  MTAP16: 26,
  MTAP24: 27,
  FU_A: 28,
  FU_B: 29,
} as const
export type NalTypeName = keyof typeof NalType

/** Highest nal_unit_type an H.264 encoder produces; higher values are RTP packet types or reserved. */
export const MAX_H264_NAL_TYPE = 23

export function nalType(nal: Uint8Array): number {
  return nal.length === 0 ? 0 : nal[0]! & NAL_TYPE_MASK
}

export function nalRefIdc(nal: Uint8Array): number {
  return nal.length === 0 ? 0 : (nal[0]! & NAL_REF_IDC_MASK) >>> NAL_REF_IDC_SHIFT
}

/** Slice data of a coded picture (H.264 Table 7-1: types 1 to 5). */
export function isVclType(type: number): boolean {
  return type >= NalType.SLICE && type <= NalType.IDR
}

/** An IDR slice: decoding can start here without earlier pictures. */
export function isKeyframeNal(nal: Uint8Array): boolean {
  return nalType(nal) === NalType.IDR
}

/**
 * NAL bytes read for first_mb_in_slice: a ue(v) below 2^20 (more macroblocks than any level allows)
 * takes at most 41 bits, i.e. 6 bytes, plus room for emulation-prevention bytes.
 */
const SLICE_HEADER_PEEK_BYTES = 10

/**
 * first_mb_in_slice, the first field of a slice header (H.264 7.3.3), for slice NAL units
 * (types 1, 2 and 5). Zero means the slice starts a new picture.
 */
export function firstMbInSlice(nal: Uint8Array): number {
  const type = nalType(nal)
  if (type !== NalType.SLICE && type !== NalType.SLICE_DPA && type !== NalType.IDR) {
    throw new ParseError('ERR_H264_NOT_SLICE', `NAL unit type ${type} has no slice header`, { observed: type, allowed: [1, 2, 5] })
  }
  const head = toRbsp(nal.subarray(NAL_HEADER_SIZE, NAL_HEADER_SIZE + SLICE_HEADER_PEEK_BYTES))
  return new BitReader(head).readUe()
}
