/**
 * HEVCDecoderConfigurationRecord, ISO/IEC 14496-15 section 8.3.3.1 (the payload of the `hvcC` box),
 * written for one VPS, SPS and PPS and read back:
 *
 *   configurationVersion = 1                                   u8
 *   general_profile_space u2, general_tier_flag u1, general_profile_idc u5
 *   general_profile_compatibility_flags                        u32
 *   general_constraint_indicator_flags                         u48
 *   general_level_idc                                          u8
 *   '1111' min_spatial_segmentation_idc u12                    (0: unknown)
 *   '111111' parallelismType u2                                (0: unknown)
 *   '111111' chromaFormat u2
 *   '11111' bitDepthLumaMinus8 u3
 *   '11111' bitDepthChromaMinus8 u3
 *   avgFrameRate                                               u16 (0: unspecified)
 *   constantFrameRate u2, numTemporalLayers u3, temporalIdNested u1, lengthSizeMinusOne u2
 *   numOfArrays                                                u8
 *   per array: array_completeness u1, reserved 0 u1, NAL_unit_type u6; numNalus u16; per NAL: u16 length, bytes
 *
 * The general profile, tier and level come from the SPS's profile_tier_level (H.265 7.3.3).
 */
import { BoxFieldReader } from '../../formats/mp4/box-reader.js'
import { fields } from '../../formats/mp4/box.js'
import { checkLengthSize, LENGTH_SIZE_MASK, lengthPrefixed, NAL_LENGTH_SIZE, readNalList } from '../../formats/mp4/nal-config.js'
import { H265NalType } from './nal.js'
import { parseH265Sps } from './sps.js'

export const HEVC_CONFIGURATION_VERSION = 1
const MIN_SPATIAL_SEGMENTATION_RESERVED = 0xf000
const RESERVED_6_BITS = 0xfc
const RESERVED_5_BITS = 0xf8
/** array_completeness = 1: every parameter set of that type is in the array (none only in-band). */
const ARRAY_COMPLETE = 0x80
const PROFILE_SPACE_SHIFT = 6
const TIER_SHIFT = 5
const TEMPORAL_LAYERS_SHIFT = 3
const TEMPORAL_ID_NESTED_SHIFT = 2
/** sps_temporal_id_nesting_flag: the last bit of the SPS's first payload byte (after the 2-byte header). */
const SPS_NESTING_BYTE = 2
const SPS_NESTING_BIT = 0x01

/** The record for one VPS, SPS and PPS (NAL units with their 2-byte header, no start code). */
export function hevcDecoderConfigurationRecord(vps: Uint8Array, sps: Uint8Array, pps: Uint8Array): Buffer {
  const info = parseH265Sps(sps)
  const ptl = info.profileTierLevel
  const nested = (sps[SPS_NESTING_BYTE]! & SPS_NESTING_BIT) !== 0
  const arrays: Array<[number, Uint8Array, string]> = [
    [H265NalType.VPS, vps, 'VPS'],
    [H265NalType.SPS, sps, 'SPS'],
    [H265NalType.PPS, pps, 'PPS'],
  ]
  return fields(
    ['u8', HEVC_CONFIGURATION_VERSION],
    ['u8', (ptl.profileSpace << PROFILE_SPACE_SHIFT) | (ptl.tierFlag << TIER_SHIFT) | ptl.profileIdc],
    ['u32', ptl.compatibilityFlags >>> 0],
    Buffer.from(ptl.constraintFlags, 'hex'),
    ['u8', ptl.levelIdc],
    ['u16', MIN_SPATIAL_SEGMENTATION_RESERVED],
    ['u8', RESERVED_6_BITS],
    ['u8', RESERVED_6_BITS | info.chromaFormatIdc],
    ['u8', RESERVED_5_BITS | (info.bitDepthLuma - 8)],
    ['u8', RESERVED_5_BITS | (info.bitDepthChroma - 8)],
    ['u16', 0],
    ['u8', ((info.maxSubLayersMinus1 + 1) << TEMPORAL_LAYERS_SHIFT) | (nested ? 1 << TEMPORAL_ID_NESTED_SHIFT : 0) | (NAL_LENGTH_SIZE - 1)],
    ['u8', arrays.length],
    ...arrays.flatMap(([type, nal, name]) => [['u8', ARRAY_COMPLETE | type] as const, ['u16', 1] as const, ...lengthPrefixed(nal, name)]),
  )
}

/** The byte holding lengthSizeMinusOne; numOfArrays follows it. */
const HVCC_LENGTH_SIZE_OFFSET = 21
const HVCC_NAL_TYPE_MASK = 0x3f

export interface HevcConfig {
  lengthSize: number
  vps: Buffer[]
  sps: Buffer[]
  pps: Buffer[]
}

/** Parses the body of an 'hvcC' box: the parameter set arrays (views into it) and the NAL length size. */
export function parseHvcC(body: Buffer): HevcConfig {
  const r = new BoxFieldReader(body, "'hvcC' box")
  r.skip(HVCC_LENGTH_SIZE_OFFSET)
  const lengthSize = checkLengthSize((r.u8() & LENGTH_SIZE_MASK) + 1, 'hvcC')
  const out: HevcConfig = { lengthSize, vps: [], sps: [], pps: [] }
  const arrays = r.u8()
  for (let i = 0; i < arrays; i++) {
    const type = r.u8() & HVCC_NAL_TYPE_MASK
    const nalus = readNalList(r, r.u16())
    if (type === H265NalType.VPS) out.vps.push(...nalus)
    else if (type === H265NalType.SPS) out.sps.push(...nalus)
    else if (type === H265NalType.PPS) out.pps.push(...nalus)
  }
  return out
}
