/**
 * H.265 NAL unit header and NAL unit types: ITU-T H.265 section 7.3.1.2 / 7.4.2.2 (Table 7-1),
 * plus the RTP payload structure types of RFC 7798 section 4.4 (48 AP, 49 FU, 50 PACI).
 *
 *  +---------------+---------------+
 *  |0|1|2|3|4|5|6|7|0|1|2|3|4|5|6|7|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |F|   Type    |  LayerId  | TID |
 *  +-------------+-----------------+
 *
 *  F:       forbidden_zero_bit
 *  Type:    nal_unit_type (6 bits)
 *  LayerId: nuh_layer_id (6 bits, split over the two bytes)
 *  TID:     nuh_temporal_id_plus1 (3 bits, never 0)
 *
 * Emulation prevention is the same as in H.264 (H.265 7.4.2: 0x000003), so `toRbsp` is shared.
 */
import { ParseError } from '../../errors.js'
import { asBuffer, toRbsp } from '../nal-unit.js'

export { asBuffer, toRbsp }

export const NAL_HEADER_SIZE = 2
export const NAL_FORBIDDEN_BIT = 0x80
export const NAL_TYPE_MASK = 0x7e
export const NAL_TYPE_SHIFT = 1
/** Width mask of nal_unit_type once shifted down. */
export const NAL_TYPE_BITS = 0x3f
/** Highest bit of nuh_layer_id, the last bit of the first header byte. */
export const NAL_LAYER_ID_HIGH_BIT = 0x01
export const NAL_LAYER_ID_LOW_MASK = 0xf8
export const NAL_LAYER_ID_LOW_SHIFT = 3
/** nuh_layer_id bits in the second header byte (the sixth, highest, is in the first byte). */
export const NAL_LAYER_ID_LOW_BITS = 5
export const NAL_TID_MASK = 0x07
/** Bits of the first header byte kept when the type is replaced (F and the high LayerId bit; RFC 7798 4.4.3). */
export const NAL_F_LAYER_HIGH_MASK = NAL_FORBIDDEN_BIT | NAL_LAYER_ID_HIGH_BIT

/** nal_unit_type values (H.265 Table 7-1). 48..63 are unspecified in H.265; RFC 7798 uses 48..50. */
export const H265NalType = {
  TRAIL_N: 0,
  TRAIL_R: 1,
  TSA_N: 2,
  TSA_R: 3,
  STSA_N: 4,
  STSA_R: 5,
  RADL_N: 6,
  RADL_R: 7,
  RASL_N: 8,
  RASL_R: 9,
  BLA_W_LP: 16,
  BLA_W_RADL: 17,
  BLA_N_LP: 18,
  IDR_W_RADL: 19,
  IDR_N_LP: 20,
  CRA_NUT: 21,
  RSV_IRAP_22: 22,
  RSV_IRAP_23: 23,
  VPS: 32,
  SPS: 33,
  PPS: 34,
  AUD: 35,
  EOS: 36,
  EOB: 37,
  FD: 38,
  PREFIX_SEI: 39,
  SUFFIX_SEI: 40,
  AP: 48,
  FU: 49,
  PACI: 50,
} as const
export type H265NalTypeName = keyof typeof H265NalType

/** VCL NAL unit types are 0..31 (coded slice segments, including reserved ones). */
export const MAX_VCL_TYPE = 31
export const FIRST_IRAP_TYPE = H265NalType.BLA_W_LP
export const LAST_IRAP_TYPE = H265NalType.RSV_IRAP_23
/** Highest nal_unit_type a decoder may be given (RFC 7798 4.4: 48..63 MUST NOT be passed to the decoder). */
export const MAX_H265_NAL_TYPE = 47
/** first_slice_segment_in_pic_flag: the first bit after the NAL header of a slice segment (H.265 7.3.6.1). */
const FIRST_SLICE_SEGMENT_BIT = 0x80

export function nalType(nal: Uint8Array): number {
  return nal.length === 0 ? 0 : (nal[0]! & NAL_TYPE_MASK) >>> NAL_TYPE_SHIFT
}

/** nuh_layer_id; 0 when the header is incomplete. */
export function nalLayerId(nal: Uint8Array): number {
  if (nal.length < NAL_HEADER_SIZE) return 0
  return ((nal[0]! & NAL_LAYER_ID_HIGH_BIT) << NAL_LAYER_ID_LOW_BITS) | ((nal[1]! & NAL_LAYER_ID_LOW_MASK) >>> NAL_LAYER_ID_LOW_SHIFT)
}

/** nuh_temporal_id_plus1; 0 (invalid) when the header is incomplete. */
export function nalTemporalIdPlus1(nal: Uint8Array): number {
  return nal.length < NAL_HEADER_SIZE ? 0 : nal[1]! & NAL_TID_MASK
}

/** Coded slice segment NAL unit types (Table 7-1: 0..31). */
export function isVclType(type: number): boolean {
  return type >= 0 && type <= MAX_VCL_TYPE
}

/** Intra random access point picture types (H.265 3.73: 16..23): a decoder can start here. */
export function isIrapType(type: number): boolean {
  return type >= FIRST_IRAP_TYPE && type <= LAST_IRAP_TYPE
}

export function isParameterSetType(type: number): boolean {
  return type === H265NalType.VPS || type === H265NalType.SPS || type === H265NalType.PPS
}

/** A slice segment of an IRAP picture. */
export function isKeyframeNal(nal: Uint8Array): boolean {
  return nal.length >= NAL_HEADER_SIZE && isIrapType(nalType(nal))
}

/**
 * first_slice_segment_in_pic_flag of a VCL NAL unit (H.265 7.3.6.1, the first bit of the slice segment
 * header): true when the slice segment starts a new picture. It is read before any emulation-prevention
 * byte can occur, so no RBSP conversion is needed.
 */
export function firstSliceSegmentInPic(nal: Uint8Array): boolean {
  const type = nalType(nal)
  if (!isVclType(type) || nal.length <= NAL_HEADER_SIZE) {
    throw new ParseError('ERR_H265_NOT_SLICE', `NAL unit of type ${type} and ${nal.length} bytes has no slice segment header`, {
      observed: { type, length: nal.length },
      allowed: { type: `0..${MAX_VCL_TYPE}`, length: `> ${NAL_HEADER_SIZE}` },
    })
  }
  return (nal[NAL_HEADER_SIZE]! & FIRST_SLICE_SEGMENT_BIT) !== 0
}
