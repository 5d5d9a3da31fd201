/**
 * ADTS, the self-framing AAC transport of .aac files: ISO/IEC 14496-3 section 1.A.2.2 (same layout as
 * ISO/IEC 13818-7 6.2). A 7-byte header (9 with CRC) precedes each frame of raw data blocks.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        syncword 0xFFF |I|Lyr|A|Pro|sf_idx |P|Chan |O|H|C|S|Len|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | frame_length (cont.)| buffer_fullness     |Blk|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   ID 1 bit (0 = MPEG-4, 1 = MPEG-2), layer 2 bits = 0, protection_absent 1 bit (0 → 16-bit CRC follows),
 *   profile_ObjectType 2 bits = audio object type - 1, sampling_frequency_index 4, private_bit 1,
 *   channel_configuration 3, original_copy 1, home 1, copyright_identification_bit 1,
 *   copyright_identification_start 1, aac_frame_length 13 (header included), adts_buffer_fullness 11
 *   (0x7FF = variable rate), number_of_raw_data_blocks_in_frame 2 (blocks - 1).
 *
 * One raw data block per frame is supported: that is what encoders write (ffmpeg, FAAC, fdk-aac) and the
 * only case where a frame is one access unit without parsing the raw data blocks.
 */
import { CodecError, LimitError, ParseError } from '../../errors.js'
import { AAC_SAMPLE_RATES, buildAudioSpecificConfig, parseAudioSpecificConfig, type AudioSpecificConfig } from './audio-specific-config.js'
import { MAX_ADTS_FRAMES } from './limits.js'

export const ADTS_HEADER_SIZE = 7
export const ADTS_CRC_SIZE = 2
/** aac_frame_length is 13 bits and counts the header. */
export const ADTS_MAX_FRAME_LENGTH = 0x1fff
/** adts_buffer_fullness value meaning "variable bit rate". */
export const ADTS_VBR_FULLNESS = 0x7ff

const SYNC_BYTE_0 = 0xff
const SYNC_MASK_1 = 0xf0
const ID_BIT = 0x08
const LAYER_MASK = 0x06
const PROTECTION_ABSENT_BIT = 0x01
const PROFILE_SHIFT = 6
const RATE_INDEX_SHIFT = 2
const RATE_INDEX_MASK = 0x0f
const CHANNEL_HIGH_MASK = 0x01
const CHANNEL_LOW_SHIFT = 6
/** channel_configuration straddles bytes 2 (its high bit) and 3 (its two low bits). */
const CHANNEL_HIGH_SHIFT = 2
const CHANNEL_LOW_MASK = 0x03
/** aac_frame_length straddles bytes 3 (2 bits), 4 (8 bits) and 5 (3 bits). */
const LENGTH_HIGH_MASK = 0x03
const LENGTH_HIGH_SHIFT = 11
const LENGTH_MID_SHIFT = 3
const LENGTH_LOW_MASK = 0x07
const LENGTH_LOW_SHIFT = 5
/** adts_buffer_fullness straddles bytes 5 (5 bits) and 6 (6 bits), then 2 bits of raw block count. */
const FULLNESS_HIGH_MASK = 0x1f
const FULLNESS_HIGH_SHIFT = 6
const FULLNESS_LOW_MASK = 0x3f
const FULLNESS_LOW_SHIFT = 2
const FULLNESS_MASK = 0x7ff
const RAW_BLOCKS_MASK = 0x03
/** profile_ObjectType is 2 bits: object types 1..4 (Main, LC, SSR, LTP). */
const MAX_ADTS_OBJECT_TYPE = 4
const MAX_ADTS_CHANNEL_CONFIG = 7

// ID3v2 (id3.org, ID3v2.4 section 3.1): "ID3", version 2 bytes, flags, 4-byte syncsafe size; footer flag adds 10.
const ID3_HEADER_SIZE = 10
const ID3_FOOTER_FLAG = 0x10
const ID3_FLAGS_OFFSET = 5
const ID3_SIZE_OFFSET = 6
const SYNCSAFE_BITS = 7

export interface AdtsHeader {
  /** ID bit: 4 for MPEG-4, 2 for MPEG-2 AAC. */
  mpegVersion: 2 | 4
  /** True when a 16-bit CRC follows the fixed 7 bytes. */
  hasCrc: boolean
  /** Audio object type (profile_ObjectType + 1). */
  objectType: number
  samplingFrequencyIndex: number
  sampleRate: number
  channelConfiguration: number
  /** aac_frame_length: header and payload. */
  frameLength: number
  bufferFullness: number
  /** number_of_raw_data_blocks_in_frame + 1. */
  rawDataBlocks: number
  /** 7, or 9 with CRC. */
  headerSize: number
}

/** Reads one ADTS header at `offset`. Throws ParseError for a missing sync word or impossible fields. */
export function parseAdtsHeader(buf: Uint8Array, offset = 0): AdtsHeader {
  if (buf.length - offset < ADTS_HEADER_SIZE) {
    throw new ParseError('ERR_AAC_ADTS_SHORT', `ADTS header needs ${ADTS_HEADER_SIZE} bytes, ${buf.length - offset} left`, {
      observed: buf.length - offset,
      allowed: `>= ${ADTS_HEADER_SIZE}`,
      offset,
    })
  }
  const b1 = buf[offset + 1]!
  if (buf[offset] !== SYNC_BYTE_0 || (b1 & SYNC_MASK_1) !== SYNC_MASK_1) {
    throw new ParseError('ERR_AAC_ADTS_SYNC', `no ADTS sync word at offset ${offset}`, {
      observed: (buf[offset]! << 8) | b1,
      allowed: '0xFFFx',
      offset,
    })
  }
  if ((b1 & LAYER_MASK) !== 0) {
    throw new ParseError('ERR_AAC_ADTS_LAYER', `ADTS layer ${(b1 & LAYER_MASK) >> 1} at offset ${offset} is not 0 (MPEG audio, not AAC?)`, {
      observed: (b1 & LAYER_MASK) >> 1,
      allowed: 0,
      offset,
    })
  }
  const b2 = buf[offset + 2]!
  const b3 = buf[offset + 3]!
  const b4 = buf[offset + 4]!
  const b5 = buf[offset + 5]!
  const b6 = buf[offset + 6]!
  const samplingFrequencyIndex = (b2 >> RATE_INDEX_SHIFT) & RATE_INDEX_MASK
  const sampleRate = AAC_SAMPLE_RATES[samplingFrequencyIndex]
  if (sampleRate === undefined) {
    throw new ParseError('ERR_AAC_ADTS_RATE', `ADTS sampling_frequency_index ${samplingFrequencyIndex} at offset ${offset} is reserved`, {
      observed: samplingFrequencyIndex,
      allowed: `0..${AAC_SAMPLE_RATES.length - 1}`,
      offset,
    })
  }
  const hasCrc = (b1 & PROTECTION_ABSENT_BIT) === 0
  const headerSize = ADTS_HEADER_SIZE + (hasCrc ? ADTS_CRC_SIZE : 0)
  const frameLength = ((b3 & LENGTH_HIGH_MASK) << LENGTH_HIGH_SHIFT) | (b4 << LENGTH_MID_SHIFT) | (b5 >> LENGTH_LOW_SHIFT)
  if (frameLength < headerSize) {
    throw new ParseError('ERR_AAC_ADTS_LENGTH', `ADTS frame length ${frameLength} at offset ${offset} is shorter than its header`, {
      observed: frameLength,
      allowed: `>= ${headerSize}`,
      offset,
    })
  }
  return {
    mpegVersion: b1 & ID_BIT ? 2 : 4,
    hasCrc,
    objectType: (b2 >> PROFILE_SHIFT) + 1,
    samplingFrequencyIndex,
    sampleRate,
    channelConfiguration: ((b2 & CHANNEL_HIGH_MASK) << CHANNEL_HIGH_SHIFT) | (b3 >> CHANNEL_LOW_SHIFT),
    frameLength,
    bufferFullness: ((b5 & FULLNESS_HIGH_MASK) << FULLNESS_HIGH_SHIFT) | (b6 >> FULLNESS_LOW_SHIFT),
    rawDataBlocks: (b6 & RAW_BLOCKS_MASK) + 1,
    headerSize,
  }
}

export interface AdtsHeaderInput {
  objectType: number
  samplingFrequencyIndex: number
  channelConfiguration: number
  /** Bytes of raw data after the header. */
  payloadSize: number
  bufferFullness?: number
}

/** Writes a 7-byte MPEG-4 ADTS header without CRC at `offset`. Throws CodecError for what ADTS cannot carry. */
export function writeAdtsHeader(buf: Buffer, offset: number, h: AdtsHeaderInput): void {
  if (h.objectType < 1 || h.objectType > MAX_ADTS_OBJECT_TYPE) {
    throw new CodecError('ERR_AAC_ADTS_TYPE', `audio object type ${h.objectType} cannot be written in ADTS`, {
      observed: h.objectType,
      allowed: `1..${MAX_ADTS_OBJECT_TYPE}`,
    })
  }
  if (!(h.samplingFrequencyIndex >= 0 && h.samplingFrequencyIndex < AAC_SAMPLE_RATES.length)) {
    throw new CodecError('ERR_AAC_ADTS_RATE', `sampling frequency index ${h.samplingFrequencyIndex} cannot be written in ADTS`, {
      observed: h.samplingFrequencyIndex,
      allowed: `0..${AAC_SAMPLE_RATES.length - 1}`,
    })
  }
  if (h.channelConfiguration < 0 || h.channelConfiguration > MAX_ADTS_CHANNEL_CONFIG) {
    throw new CodecError('ERR_AAC_ADTS_CHANNELS', `channel configuration ${h.channelConfiguration} cannot be written in ADTS`, {
      observed: h.channelConfiguration,
      allowed: `0..${MAX_ADTS_CHANNEL_CONFIG}`,
    })
  }
  const frameLength = ADTS_HEADER_SIZE + h.payloadSize
  if (frameLength > ADTS_MAX_FRAME_LENGTH) {
    throw new CodecError('ERR_AAC_ADTS_LENGTH', `AAC frame of ${h.payloadSize} bytes is too large for ADTS`, {
      observed: h.payloadSize,
      allowed: `<= ${ADTS_MAX_FRAME_LENGTH - ADTS_HEADER_SIZE}`,
    })
  }
  const fullness = (h.bufferFullness ?? ADTS_VBR_FULLNESS) & FULLNESS_MASK
  const chan = h.channelConfiguration
  buf[offset] = SYNC_BYTE_0
  buf[offset + 1] = SYNC_MASK_1 | PROTECTION_ABSENT_BIT // ID=0 (MPEG-4), layer 0, no CRC
  buf[offset + 2] = ((h.objectType - 1) << PROFILE_SHIFT) | (h.samplingFrequencyIndex << RATE_INDEX_SHIFT) | (chan >> CHANNEL_HIGH_SHIFT) // private_bit 0
  buf[offset + 3] = ((chan & CHANNEL_LOW_MASK) << CHANNEL_LOW_SHIFT) | (frameLength >> LENGTH_HIGH_SHIFT) // original/home/copyright bits 0
  buf[offset + 4] = (frameLength >> LENGTH_MID_SHIFT) & 0xff
  buf[offset + 5] = ((frameLength & LENGTH_LOW_MASK) << LENGTH_LOW_SHIFT) | (fullness >> FULLNESS_HIGH_SHIFT)
  buf[offset + 6] = (fullness & FULLNESS_LOW_MASK) << FULLNESS_LOW_SHIFT // number_of_raw_data_blocks_in_frame 0: one block
}

/** ADTS header fields for an AudioSpecificConfig (HE-AAC: the core AAC-LC stream, as ADTS requires). */
function adtsFieldsFor(asc: AudioSpecificConfig): Omit<AdtsHeaderInput, 'payloadSize'> {
  const samplingFrequencyIndex = AAC_SAMPLE_RATES.indexOf(asc.sampleRate)
  if (samplingFrequencyIndex < 0) {
    throw new CodecError('ERR_AAC_ADTS_RATE', `sample rate ${asc.sampleRate} has no ADTS sampling frequency index`, {
      observed: asc.sampleRate,
      allowed: AAC_SAMPLE_RATES,
    })
  }
  return { objectType: asc.objectType, samplingFrequencyIndex, channelConfiguration: asc.channelConfiguration }
}

/**
 * Wraps raw access units in ADTS headers (for writing .aac files from RTP). One allocation for all frames.
 * Throws CodecError when the config cannot be expressed in ADTS (object type above 4, explicit rate).
 */
export function toAdts(aus: readonly Uint8Array[], config: Uint8Array | AudioSpecificConfig): Buffer {
  const asc = config instanceof Uint8Array ? parseAudioSpecificConfig(config) : config
  const fields = adtsFieldsFor(asc)
  let total = 0
  for (const au of aus) total += ADTS_HEADER_SIZE + au.length
  const out = Buffer.allocUnsafe(total)
  let off = 0
  for (const au of aus) {
    writeAdtsHeader(out, off, { ...fields, payloadSize: au.length })
    out.set(au, off + ADTS_HEADER_SIZE)
    off += ADTS_HEADER_SIZE + au.length
  }
  return out
}

export interface AdtsFrame {
  header: AdtsHeader
  /** The raw access unit: a view into the input. */
  au: Buffer
}

export interface AdtsStream {
  frames: AdtsFrame[]
  /** AudioSpecificConfig equivalent to the first header (AAC Main/LC/SSR/LTP, 2 bytes). */
  config: Buffer
  /** Bytes skipped before the first frame (an ID3v2 tag). */
  skipped: number
}

/** Size of an ID3v2 tag at the start of `buf` (0 when there is none). */
function id3Size(buf: Buffer): number {
  if (buf.length < ID3_HEADER_SIZE || buf.toString('latin1', 0, 3) !== 'ID3') return 0
  let size = 0
  for (let i = 0; i < 4; i++) size = (size << SYNCSAFE_BITS) | (buf[ID3_SIZE_OFFSET + i]! & 0x7f)
  const footer = buf[ID3_FLAGS_OFFSET]! & ID3_FOOTER_FLAG ? ID3_HEADER_SIZE : 0
  return Math.min(buf.length, ID3_HEADER_SIZE + size + footer)
}

/**
 * Splits an ADTS stream (a whole .aac file) into access units, skipping a leading ID3v2 tag. Every frame
 * must follow the previous one directly and describe the same stream (object type, rate, channels).
 * Frames are views into `input`. Throws ParseError / CodecError / LimitError.
 */
export function splitAdts(input: Uint8Array, maxFrames = MAX_ADTS_FRAMES): AdtsStream {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const skipped = id3Size(buf)
  const frames: AdtsFrame[] = []
  let off = skipped
  while (off < buf.length) {
    const header = parseAdtsHeader(buf, off)
    if (header.rawDataBlocks !== 1) {
      throw new CodecError(
        'ERR_AAC_ADTS_BLOCKS',
        `ADTS frame at offset ${off} has ${header.rawDataBlocks} raw data blocks; only 1 is supported`,
        { observed: header.rawDataBlocks, allowed: 1, offset: off },
      )
    }
    if (header.frameLength > buf.length - off) {
      throw new ParseError(
        'ERR_AAC_ADTS_TRUNCATED',
        `ADTS frame at offset ${off} needs ${header.frameLength} bytes, ${buf.length - off} left`,
        { observed: buf.length - off, allowed: header.frameLength, offset: off },
      )
    }
    const first = frames[0]?.header
    if (
      first &&
      (header.objectType !== first.objectType ||
        header.samplingFrequencyIndex !== first.samplingFrequencyIndex ||
        header.channelConfiguration !== first.channelConfiguration)
    ) {
      throw new CodecError('ERR_AAC_ADTS_CHANGE', `ADTS stream changes format at offset ${off}`, {
        observed: { objectType: header.objectType, sampleRate: header.sampleRate, channelConfiguration: header.channelConfiguration },
        allowed: { objectType: first.objectType, sampleRate: first.sampleRate, channelConfiguration: first.channelConfiguration },
        offset: off,
      })
    }
    if (frames.length >= maxFrames) {
      throw new LimitError('ERR_AAC_ADTS_FRAMES', `ADTS stream has more than ${maxFrames} frames`, {
        observed: frames.length + 1,
        allowed: maxFrames,
      })
    }
    frames.push({ header, au: buf.subarray(off + header.headerSize, off + header.frameLength) })
    off += header.frameLength
  }
  const h = frames[0]?.header
  if (!h) throw new ParseError('ERR_AAC_ADTS_EMPTY', 'no ADTS frame', { observed: buf.length, allowed: `>= ${ADTS_HEADER_SIZE} bytes` })
  if (h.channelConfiguration === 0) {
    throw new CodecError('ERR_AAC_ADTS_CHANNELS', 'ADTS channel configuration 0 (channels in an in-band PCE) is not supported', {
      observed: 0,
      allowed: `1..${MAX_ADTS_CHANNEL_CONFIG}`,
    })
  }
  const config = buildAudioSpecificConfig({
    objectType: h.objectType,
    sampleRate: h.sampleRate,
    channels: h.channelConfiguration === MAX_ADTS_CHANNEL_CONFIG ? 8 : h.channelConfiguration,
  })
  return { frames, config, skipped }
}
