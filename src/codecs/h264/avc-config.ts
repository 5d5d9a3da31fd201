/**
 * AVCDecoderConfigurationRecord, ISO/IEC 14496-15 section 5.3.3.1 (the payload of the `avcC` box),
 * written for one SPS and PPS and read back:
 *
 *   configurationVersion = 1                 u8
 *   AVCProfileIndication                     u8   (SPS byte 1: profile_idc)
 *   profile_compatibility                    u8   (SPS byte 2: constraint flags)
 *   AVCLevelIndication                       u8   (SPS byte 3: level_idc)
 *   reserved '111111' lengthSizeMinusOne     u8   (0xFF: 4-byte NAL unit lengths)
 *   reserved '111' numOfSequenceParameterSets u8  then per SPS: u16 length, bytes
 *   numOfPictureParameterSets                u8   then per PPS: u16 length, bytes
 *   for profile_idc 100, 110, 122, 144:
 *     reserved '111111' chroma_format        u8
 *     reserved '11111' bit_depth_luma_minus8 u8
 *     reserved '11111' bit_depth_chroma_minus8 u8
 *     numOfSequenceParameterSetExt = 0       u8
 */
import { CodecError } from '../../errors.js'
import { versionedRecord } from '../../formats/mp4/box-reader.js'
import { fields, type Field } from '../../formats/mp4/box.js'
import { checkLengthSize, LENGTH_SIZE_MASK, lengthPrefixed, NAL_LENGTH_SIZE, readNalList } from '../../formats/mp4/nal-config.js'
import { parseSps } from './sps.js'

export const AVC_CONFIGURATION_VERSION = 1
const RESERVED_6_BITS = 0xfc
const RESERVED_3_BITS = 0xe0
const RESERVED_5_BITS = 0xf8
const SPS_COUNT_MASK = 0x1f
/** Profiles whose record carries the chroma format and bit depths (14496-15 5.3.3.1.2). */
const EXTENDED_PROFILES: ReadonlySet<number> = new Set([100, 110, 122, 144])
const SPS_PROFILE_OFFSET = 1
const SPS_CONSTRAINT_OFFSET = 2
const SPS_LEVEL_OFFSET = 3
const SPS_MIN_SIZE = 4

/** The record for one SPS and one PPS (NAL units with their header, no start code). */
export function avcDecoderConfigurationRecord(sps: Uint8Array, pps: Uint8Array): Buffer {
  if (sps.length < SPS_MIN_SIZE)
    throw new CodecError('ERR_MP4_PARAMETER_SET', `SPS of ${sps.length} bytes is too short`, {
      observed: sps.length,
      allowed: `>= ${SPS_MIN_SIZE}`,
    })
  const profile = sps[SPS_PROFILE_OFFSET]!
  const ext: Field[] = []
  if (EXTENDED_PROFILES.has(profile)) {
    const info = parseSps(sps)
    ext.push(
      ['u8', RESERVED_6_BITS | info.chromaFormatIdc],
      ['u8', RESERVED_5_BITS | (info.bitDepthLuma - 8)],
      ['u8', RESERVED_5_BITS | (info.bitDepthChroma - 8)],
      ['u8', 0],
    )
  }
  return fields(
    ['u8', AVC_CONFIGURATION_VERSION],
    ['u8', profile],
    ['u8', sps[SPS_CONSTRAINT_OFFSET]!],
    ['u8', sps[SPS_LEVEL_OFFSET]!],
    ['u8', RESERVED_6_BITS | (NAL_LENGTH_SIZE - 1)],
    ['u8', RESERVED_3_BITS | 1],
    ...lengthPrefixed(sps, 'SPS'),
    ['u8', 1],
    ...lengthPrefixed(pps, 'PPS'),
    ...ext,
  )
}

export interface AvcConfig {
  profile: number
  level: number
  /** Bytes of each NAL unit length prefix in samples: 1, 2 or 4. */
  lengthSize: number
  sps: Buffer[]
  pps: Buffer[]
}

/** Parses the body of an 'avcC' box; the high-profile extension is ignored. NAL units are views into it. */
export function parseAvcC(body: Buffer): AvcConfig {
  const r = versionedRecord(body, 'avcC', 'configurationVersion', AVC_CONFIGURATION_VERSION)
  const profile = r.u8()
  r.u8() // profile_compatibility
  const level = r.u8()
  const lengthSize = checkLengthSize((r.u8() & LENGTH_SIZE_MASK) + 1, 'avcC')
  const sps = readNalList(r, r.u8() & SPS_COUNT_MASK)
  const pps = readNalList(r, r.u8())
  return { profile, level, lengthSize, sps, pps }
}
