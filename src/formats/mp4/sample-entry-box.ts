/**
 * The generic halves of the sample entries of the `stsd` box, ISO/IEC 14496-12 section 12.1.3
 * (VisualSampleEntry) and 12.2.3 (AudioSampleEntry); each codec adds its configuration box
 * (codecs/<name>/mp4.ts):
 *
 *   SampleEntry:       reserved u8[6] = 0, data_reference_index u16 = 1
 *   VisualSampleEntry: pre_defined u16, reserved u16, pre_defined u32[3], width u16, height u16,
 *                      horizresolution u32 = 72 dpi (16.16), vertresolution u32 = 72 dpi, reserved u32,
 *                      frame_count u16 = 1, compressorname u8[32] (Pascal string), depth u16 = 0x18,
 *                      pre_defined i16 = -1, then the codec's configuration box
 *   AudioSampleEntry:  reserved u32[2], channelcount u16, samplesize u16 = 16, pre_defined u16,
 *                      reserved u16, samplerate u32 (16.16), then the configuration box
 */
import { ConfigError } from '../../errors.js'
import type { TrackInfo } from '../../stream/media.js'
import { box, fields, type Mp4Box } from './box.js'

const DATA_REFERENCE_INDEX = 1
const SAMPLE_ENTRY_RESERVED = 6
const RESOLUTION_72_DPI = 0x00480000
const FRAME_COUNT = 1
const COMPRESSOR_NAME_SIZE = 32
const DEPTH_COLOUR = 0x0018
const PRE_DEFINED_MINUS_1 = -1
const AUDIO_SAMPLE_SIZE = 16
const FIXED_16_16_SHIFT = 2 ** 16
/** samplerate is 16.16: rates from 65536 Hz on do not fit and are written as 0 (the config box says). */
const MAX_16_16_RATE = 0xffff
/** Video media timescale: the RTP clock of every video payload format. */
export const VIDEO_TIMESCALE = 90000

export interface VideoGeometry {
  width: number
  height: number
}

export function visualSampleEntry(format: string, size: VideoGeometry, config: Mp4Box): Mp4Box {
  return box(
    format,
    fields(
      ['zeros', SAMPLE_ENTRY_RESERVED],
      ['u16', DATA_REFERENCE_INDEX],
      ['zeros', 2 + 2 + 12],
      ['u16', size.width],
      ['u16', size.height],
      ['u32', RESOLUTION_72_DPI],
      ['u32', RESOLUTION_72_DPI],
      ['u32', 0],
      ['u16', FRAME_COUNT],
      ['zeros', COMPRESSOR_NAME_SIZE],
      ['u16', DEPTH_COLOUR],
      ['i16', PRE_DEFINED_MINUS_1],
    ),
    config,
  )
}

export function audioSampleEntry(format: string, channels: number, sampleRate: number, ...config: Mp4Box[]): Mp4Box {
  return box(
    format,
    fields(
      ['zeros', SAMPLE_ENTRY_RESERVED],
      ['u16', DATA_REFERENCE_INDEX],
      ['zeros', 8],
      ['u16', channels],
      ['u16', AUDIO_SAMPLE_SIZE],
      ['zeros', 4],
      ['u32', sampleRate <= MAX_16_16_RATE ? sampleRate * FIXED_16_16_SHIFT : 0],
    ),
    ...config,
  )
}

/** The error for a track that lacks what its sample entry needs. */
export function missingConfig(track: TrackInfo, what: string): ConfigError {
  return new ConfigError('ERR_MP4_TRACK_CONFIG', `${track.codec} track has no ${what}`, { observed: track.codec })
}
