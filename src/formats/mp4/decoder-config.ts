/**
 * Decoder configuration records carried in MP4 sample entries:
 *
 *   'avcC'  AVCDecoderConfigurationRecord, ISO/IEC 14496-15 5.3.3.1:
 *           u8 configurationVersion (1); u8 AVCProfileIndication; u8 profile_compatibility;
 *           u8 AVCLevelIndication; bit(6) reserved, bit(2) lengthSizeMinusOne;
 *           bit(3) reserved, bit(5) numOfSequenceParameterSets; { u16 length; NAL unit }*;
 *           u8 numOfPictureParameterSets; { u16 length; NAL unit }*; [high-profile extension, ignored]
 *   'hvcC'  HEVCDecoderConfigurationRecord, ISO/IEC 14496-15 8.3.3.1: 22 bytes of profile, tier, level
 *           and format fields, the last byte ending in bit(2) lengthSizeMinusOne; u8 numOfArrays;
 *           { bit(1) array_completeness, bit(1) reserved, bit(6) NAL_unit_type; u16 numNalus;
 *             { u16 nalUnitLength; NAL unit }* }*
 *   'dOps'  OpusSpecificBox, "Encapsulation of Opus in ISO Base Media File Format" 4.3.2:
 *           u8 Version (0); u8 OutputChannelCount; u16 PreSkip; u32 InputSampleRate; s16 OutputGain;
 *           u8 ChannelMappingFamily; [channel mapping table]
 *
 * NAL units returned are views into the box body.
 */
import { ParseError } from '../../errors.js'
import { BoxFieldReader } from './box-reader.js'

const AVCC_VERSION = 1
const LENGTH_SIZE_MASK = 0x03
const AVCC_SPS_COUNT_MASK = 0x1f
/** The byte holding lengthSizeMinusOne; numOfArrays follows it. */
const HVCC_LENGTH_SIZE_OFFSET = 21
const HVCC_NAL_TYPE_MASK = 0x3f
const HEVC_VPS = 32
const HEVC_SPS = 33
const HEVC_PPS = 34
const OPUS_VERSION = 0

export interface AvcConfig {
  profile: number
  level: number
  /** Bytes of each NAL unit length prefix in samples: 1, 2 or 4. */
  lengthSize: number
  sps: Buffer[]
  pps: Buffer[]
}

export interface HevcConfig {
  lengthSize: number
  vps: Buffer[]
  sps: Buffer[]
  pps: Buffer[]
}

export interface OpusConfig {
  channels: number
  preSkip: number
  inputSampleRate: number
  outputGain: number
  channelMappingFamily: number
}

/** lengthSizeMinusOne 2 (3-byte lengths) is not allowed: 14496-15 5.3.3.1.2 allows 1, 2 or 4 bytes. */
function checkLengthSize(size: number, box: string): number {
  if (size === 3)
    throw new ParseError('ERR_MP4_CODEC_CONFIG', `${box}: NAL length size 3 is not allowed`, { observed: size, allowed: [1, 2, 4] })
  return size
}

/** A reader over a record whose first byte is its version, checked against `expected`. */
function versionedRecord(body: Buffer, box: string, field: string, expected: number): BoxFieldReader {
  const r = new BoxFieldReader(body, `'${box}' box`)
  const version = r.u8()
  if (version !== expected)
    throw new ParseError('ERR_MP4_CODEC_CONFIG', `${box} ${field} ${version} is not ${expected}`, { observed: version, allowed: expected })
  return r
}

function readNalList(r: BoxFieldReader, count: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const nal = r.bytes(r.u16())
    if (nal.length > 0) out.push(nal)
  }
  return out
}

/** Parses the body of an 'avcC' box. */
export function parseAvcC(body: Buffer): AvcConfig {
  const r = versionedRecord(body, 'avcC', 'configurationVersion', AVCC_VERSION)
  const profile = r.u8()
  r.u8() // profile_compatibility
  const level = r.u8()
  const lengthSize = checkLengthSize((r.u8() & LENGTH_SIZE_MASK) + 1, 'avcC')
  const sps = readNalList(r, r.u8() & AVCC_SPS_COUNT_MASK)
  const pps = readNalList(r, r.u8())
  return { profile, level, lengthSize, sps, pps }
}

/** Parses the body of an 'hvcC' box. */
export function parseHvcC(body: Buffer): HevcConfig {
  const r = new BoxFieldReader(body, "'hvcC' box")
  r.skip(HVCC_LENGTH_SIZE_OFFSET)
  const lengthSize = checkLengthSize((r.u8() & LENGTH_SIZE_MASK) + 1, 'hvcC')
  const out: HevcConfig = { lengthSize, vps: [], sps: [], pps: [] }
  const arrays = r.u8()
  for (let i = 0; i < arrays; i++) {
    const type = r.u8() & HVCC_NAL_TYPE_MASK
    const nalus = readNalList(r, r.u16())
    if (type === HEVC_VPS) out.vps.push(...nalus)
    else if (type === HEVC_SPS) out.sps.push(...nalus)
    else if (type === HEVC_PPS) out.pps.push(...nalus)
  }
  return out
}

/** Parses the body of a 'dOps' box. */
export function parseDOps(body: Buffer): OpusConfig {
  const r = versionedRecord(body, 'dOps', 'Version', OPUS_VERSION)
  const channels = r.u8()
  const preSkip = r.u16()
  const inputSampleRate = r.u32()
  const outputGain = r.i16()
  const channelMappingFamily = r.u8()
  return { channels, preSkip, inputSampleRate, outputGain, channelMappingFamily }
}
