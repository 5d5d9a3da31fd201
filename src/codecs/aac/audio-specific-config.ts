/**
 * AudioSpecificConfig, ISO/IEC 14496-3 section 1.6.2.1 (the `config=` of RFC 3640 and of MP4 `esds`).
 *
 *   audioObjectType                5 bits; 31 escapes to 32 + the next 6 bits (1.6.2.1.1 GetAudioObjectType)
 *   samplingFrequencyIndex         4 bits; 0xf escapes to a 24-bit samplingFrequency (Table 1.18)
 *   channelConfiguration           4 bits (Table 1.19; 0 = defined by a program_config_element)
 *   if audioObjectType is 5 (SBR) or 29 (PS), explicit hierarchical signalling:
 *     extensionSamplingFrequencyIndex  4 bits (+24 when 0xf)
 *     audioObjectType                  the core's type (5/6 bits); 22 adds extensionChannelConfiguration (4)
 *   GASpecificConfig (4.4.1) for the general-audio types 1-4, 6, 7, 17, 19-23:
 *     frameLengthFlag 1 | dependsOnCoreCoder 1 [coreCoderDelay 14] | extensionFlag 1 | ...
 *
 * Parsing stops after frameLengthFlag: nothing after it changes how AUs are framed over RTP.
 */
import { CodecError, ParseError } from '../../errors.js'
import { BitReader } from '../../util/bit-reader.js'
import { BitWriter } from '../../util/bit-writer.js'

/** Audio object types this module names (ISO/IEC 14496-3 Table 1.17). */
export const AacObjectType = {
  AAC_MAIN: 1,
  AAC_LC: 2,
  AAC_SSR: 3,
  AAC_LTP: 4,
  SBR: 5,
  AAC_SCALABLE: 6,
  TWINVQ: 7,
  ER_AAC_LC: 17,
  ER_AAC_LTP: 19,
  ER_AAC_SCALABLE: 20,
  ER_TWINVQ: 21,
  ER_BSAC: 22,
  ER_AAC_LD: 23,
  PS: 29,
  ESCAPE: 31,
} as const

/** Table 1.18: samplingFrequencyIndex 0..12; 13 and 14 are reserved, 15 means an explicit 24-bit rate. */
export const AAC_SAMPLE_RATES: readonly number[] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]
export const EXPLICIT_RATE_INDEX = 0xf
/** Table 1.19 (with the 2009 amendment): channels per channelConfiguration; 0 = PCE, -1 = reserved. */
const CHANNELS_BY_CONFIG: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 8, -1, -1, -1, 7, 8, 24, 8]
const RESERVED_CHANNELS = -1

const OBJECT_TYPE_BITS = 5
const OBJECT_TYPE_EXT_BITS = 6
const OBJECT_TYPE_EXT_BASE = 32
const RATE_INDEX_BITS = 4
const EXPLICIT_RATE_BITS = 24
const CHANNEL_CONFIG_BITS = 4
const MAX_EXPLICIT_RATE = 2 ** EXPLICIT_RATE_BITS - 1
const MAX_OBJECT_TYPE = OBJECT_TYPE_EXT_BASE + 2 ** OBJECT_TYPE_EXT_BITS - 1

/** Types whose config continues with GASpecificConfig (1.6.2.1, the switch in AudioSpecificConfig()). */
const GA_OBJECT_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23])
/** Types `buildAudioSpecificConfig` writes: their GASpecificConfig is three zero-able bits. */
const BUILDABLE_OBJECT_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4])
/** Samples per AU: 1024 (960 with frameLengthFlag); AAC-LD 512 (480). ISO/IEC 14496-3 4.5.1.1. */
export const AAC_FRAME_LENGTH = 1024
export const AAC_SHORT_FRAME_LENGTH = 960
const AAC_LD_FRAME_LENGTH = 512
const AAC_LD_SHORT_FRAME_LENGTH = 480

export interface AudioSpecificConfig {
  /** The core coder's object type (for HE-AAC signalled explicitly: the AAC type under SBR). */
  objectType: number
  /** Index into AAC_SAMPLE_RATES, or EXPLICIT_RATE_INDEX. */
  samplingFrequencyIndex: number
  /** The core sampling rate in Hz (the RTP clock rate RFC 3640 recommends). */
  sampleRate: number
  /** 0 when a program_config_element defines the channels. */
  channelConfiguration: number
  /** Channel count from Table 1.19; 0 when defined by a program_config_element. */
  channels: number
  /** Samples per access unit at `sampleRate`. */
  frameLength: number
  /** HE-AAC (explicit SBR signalling): the output rate after SBR. */
  sbr?: { sampleRate: number }
  /** HE-AAC v2: parametric stereo. */
  ps?: boolean
}

function readObjectType(r: BitReader): number {
  const t = r.readBits(OBJECT_TYPE_BITS)
  return t === AacObjectType.ESCAPE ? OBJECT_TYPE_EXT_BASE + r.readBits(OBJECT_TYPE_EXT_BITS) : t
}

function readSampleRate(r: BitReader): { index: number; rate: number } {
  const index = r.readBits(RATE_INDEX_BITS)
  if (index === EXPLICIT_RATE_INDEX) {
    const rate = r.readBits(EXPLICIT_RATE_BITS)
    if (rate === 0)
      throw new ParseError('ERR_AAC_ASC_RATE', 'AudioSpecificConfig has an explicit sampling rate of 0', {
        observed: 0,
        allowed: `1..${MAX_EXPLICIT_RATE}`,
      })
    return { index, rate }
  }
  const rate = AAC_SAMPLE_RATES[index]
  if (rate === undefined) {
    throw new ParseError('ERR_AAC_ASC_RATE', `samplingFrequencyIndex ${index} is reserved`, {
      observed: index,
      allowed: `0..${AAC_SAMPLE_RATES.length - 1} or 15`,
    })
  }
  return { index, rate }
}

/** Parses an AudioSpecificConfig (e.g. the bytes of fmtp `config=`). Throws ParseError on malformed bits. */
export function parseAudioSpecificConfig(input: Uint8Array): AudioSpecificConfig {
  const r = new BitReader(input)
  let objectType = readObjectType(r)
  if (objectType === 0)
    throw new ParseError('ERR_AAC_ASC_TYPE', 'AudioSpecificConfig has audio object type 0 (null object)', {
      observed: 0,
      allowed: `1..${MAX_OBJECT_TYPE}`,
    })
  const { index, rate } = readSampleRate(r)
  const channelConfiguration = r.readBits(CHANNEL_CONFIG_BITS)
  const channels = CHANNELS_BY_CONFIG[channelConfiguration]!
  if (channels === RESERVED_CHANNELS) {
    throw new ParseError('ERR_AAC_ASC_CHANNELS', `channelConfiguration ${channelConfiguration} is reserved`, {
      observed: channelConfiguration,
      allowed: '0..7, 11..14',
    })
  }
  const asc: AudioSpecificConfig = {
    objectType,
    samplingFrequencyIndex: index,
    sampleRate: rate,
    channelConfiguration,
    channels,
    frameLength: AAC_FRAME_LENGTH,
  }
  if (objectType === AacObjectType.SBR || objectType === AacObjectType.PS) {
    asc.sbr = { sampleRate: readSampleRate(r).rate }
    if (objectType === AacObjectType.PS) asc.ps = true
    objectType = readObjectType(r)
    if (objectType === AacObjectType.ER_BSAC) r.skipBits(CHANNEL_CONFIG_BITS) // extensionChannelConfiguration
    asc.objectType = objectType
  }
  if (GA_OBJECT_TYPES.has(objectType)) {
    const shortFrames = r.readFlag() // frameLengthFlag
    if (objectType === AacObjectType.ER_AAC_LD) asc.frameLength = shortFrames ? AAC_LD_SHORT_FRAME_LENGTH : AAC_LD_FRAME_LENGTH
    else asc.frameLength = shortFrames ? AAC_SHORT_FRAME_LENGTH : AAC_FRAME_LENGTH
  }
  return asc
}

export interface AudioSpecificConfigInput {
  /** AAC Main (1), LC (2, the default), SSR (3) or LTP (4). */
  objectType?: number
  sampleRate: number
  /** 1..6 or 8 (written as channelConfiguration 7). */
  channels: number
  /** 1024 (default) or 960. */
  frameLength?: number
}

/** channelConfiguration for a channel count, or undefined when only a program_config_element can say it. */
export function channelConfigurationFor(channels: number): number | undefined {
  if (channels >= 1 && channels <= 6) return channels
  if (channels === 8) return 7
  return undefined
}

/**
 * Builds the AudioSpecificConfig of a plain AAC stream: 2 bytes for the 13 listed rates, 5 with an explicit
 * rate. Throws CodecError for what it cannot express without a program_config_element or extension data.
 */
export function buildAudioSpecificConfig(input: AudioSpecificConfigInput): Buffer {
  const objectType = input.objectType ?? AacObjectType.AAC_LC
  const frameLength = input.frameLength ?? AAC_FRAME_LENGTH
  if (!BUILDABLE_OBJECT_TYPES.has(objectType)) {
    throw new CodecError('ERR_AAC_ASC_TYPE', `cannot build an AudioSpecificConfig for audio object type ${objectType}`, {
      observed: objectType,
      allowed: [...BUILDABLE_OBJECT_TYPES],
    })
  }
  if (!Number.isInteger(input.sampleRate) || input.sampleRate < 1 || input.sampleRate > MAX_EXPLICIT_RATE) {
    throw new CodecError('ERR_AAC_ASC_RATE', `sample rate ${input.sampleRate} is not in 1..${MAX_EXPLICIT_RATE}`, {
      observed: input.sampleRate,
      allowed: `1..${MAX_EXPLICIT_RATE}`,
    })
  }
  const channelConfiguration = channelConfigurationFor(input.channels)
  if (channelConfiguration === undefined) {
    throw new CodecError('ERR_AAC_ASC_CHANNELS', `${input.channels} channels need a program config element, which is not supported`, {
      observed: input.channels,
      allowed: [1, 2, 3, 4, 5, 6, 8],
    })
  }
  if (frameLength !== AAC_FRAME_LENGTH && frameLength !== AAC_SHORT_FRAME_LENGTH) {
    throw new CodecError('ERR_AAC_ASC_FRAME_LENGTH', `AAC frame length ${frameLength} is not 1024 or 960`, {
      observed: frameLength,
      allowed: [AAC_FRAME_LENGTH, AAC_SHORT_FRAME_LENGTH],
    })
  }
  const w = new BitWriter().write(OBJECT_TYPE_BITS, objectType)
  const index = AAC_SAMPLE_RATES.indexOf(input.sampleRate)
  if (index >= 0) w.write(RATE_INDEX_BITS, index)
  else w.write(RATE_INDEX_BITS, EXPLICIT_RATE_INDEX).write(EXPLICIT_RATE_BITS, input.sampleRate)
  w.write(CHANNEL_CONFIG_BITS, channelConfiguration)
  // GASpecificConfig: frameLengthFlag, dependsOnCoreCoder = 0, extensionFlag = 0.
  w.write(1, frameLength === AAC_SHORT_FRAME_LENGTH ? 1 : 0)
    .write(1, 0)
    .write(1, 0)
  return w.toBuffer()
}

/**
 * RTP timestamp ticks per access unit at `clockRate`. RFC 3640 3.2.2 lets the clock run at the output
 * rate, so for explicit HE-AAC (SBR doubles the rate) an AU of 1024 core samples spans 2048 ticks at 48 kHz.
 */
export function auDuration(asc: AudioSpecificConfig, clockRate: number): number {
  return Math.round((asc.frameLength * clockRate) / asc.sampleRate)
}
