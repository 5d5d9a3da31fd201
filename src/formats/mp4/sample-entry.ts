/**
 * Sample entries of the `stsd` box, ISO/IEC 14496-12 section 12.1.3 (VisualSampleEntry) and 12.2.3
 * (AudioSampleEntry), one per codec:
 *
 *   H.264  avc1 + avcC   (ISO/IEC 14496-15 5.4.2)      AAC   mp4a + esds   (ISO/IEC 14496-14 5.6)
 *   H.265  hvc1 + hvcC   (ISO/IEC 14496-15 8.4.1)      Opus  Opus + dOps   (Opus-in-ISOBMFF 4.3)
 *   G.711  ulaw / alaw   (QuickTime sound sample descriptions, which ffmpeg and GStreamer read in MP4)
 *   L16    twos          (QuickTime: signed 16-bit big-endian, exactly RFC 3551 L16)
 *
 *   SampleEntry:       reserved u8[6] = 0, data_reference_index u16 = 1
 *   VisualSampleEntry: pre_defined u16, reserved u16, pre_defined u32[3], width u16, height u16,
 *                      horizresolution u32 = 72 dpi (16.16), vertresolution u32 = 72 dpi, reserved u32,
 *                      frame_count u16 = 1, compressorname u8[32] (Pascal string), depth u16 = 0x18,
 *                      pre_defined i16 = -1, then the codec's configuration box
 *   AudioSampleEntry:  reserved u32[2], channelcount u16, samplesize u16 = 16, pre_defined u16,
 *                      reserved u16, samplerate u32 (16.16), then the configuration box
 *
 * Parameter sets stay in-band too (the writer does not strip them), which every player tolerates.
 */
import { ConfigError } from '../../errors.js'
import { parseSps } from '../../codecs/h264/sps.js'
import { parseH265Sps } from '../../codecs/h265/sps.js'
import { parseAudioSpecificConfig } from '../../codecs/aac/audio-specific-config.js'
import { OPUS_CLOCK_RATE } from '../../codecs/opus/packet.js'
import type { AudioTrackInfo, TrackInfo, VideoTrackInfo } from '../../sources/source.js'
import { box, fields, type Mp4Box } from './box.js'
import { avcDecoderConfigurationRecord } from './avc-config.js'
import { esdsBox, ObjectTypeIndication, StreamType } from './esds.js'
import { hevcDecoderConfigurationRecord } from './hevc-config.js'
import { dOpsBox } from './opus-config.js'

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

function visualSampleEntry(format: string, size: VideoGeometry, config: Mp4Box): Mp4Box {
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

function audioSampleEntry(format: string, channels: number, sampleRate: number, ...config: Mp4Box[]): Mp4Box {
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

function missing(track: TrackInfo, what: string): ConfigError {
  return new ConfigError('ERR_MP4_TRACK_CONFIG', `${track.codec} track has no ${what}`, { observed: track.codec })
}

/** Picture size from the SPS (TrackInfo's width/height only when the SPS says nothing). */
export function videoGeometry(track: VideoTrackInfo): VideoGeometry {
  if (track.codec === 'h264' && track.sps) return parseSps(track.sps)
  if (track.codec === 'h265' && track.sps) return parseH265Sps(track.sps)
  if (track.width && track.height) return { width: track.width, height: track.height }
  throw missing(track, 'picture size')
}

/** Whether the track has what its sample entry needs (video parameter sets may arrive in-band later). */
export function isConfigured(track: TrackInfo): boolean {
  if (track.kind === 'audio') return true
  if (track.codec === 'h264') return !!(track.sps && track.pps)
  if (track.codec === 'h265') return !!(track.vps && track.sps && track.pps)
  return false
}

/** The media timescale: 90 kHz for video, the sample rate for audio (48 kHz for Opus, RFC 7587 4.1). */
export function trackTimescale(track: TrackInfo): number {
  if (track.kind === 'video') return VIDEO_TIMESCALE
  return track.codec === 'opus' ? OPUS_CLOCK_RATE : track.sampleRate
}

function videoEntry(track: VideoTrackInfo): Mp4Box {
  if (track.codec === 'h264') {
    if (!track.sps || !track.pps) throw missing(track, 'SPS/PPS')
    return visualSampleEntry('avc1', videoGeometry(track), box('avcC', avcDecoderConfigurationRecord(track.sps, track.pps)))
  }
  if (track.codec === 'h265') {
    if (!track.vps || !track.sps || !track.pps) throw missing(track, 'VPS/SPS/PPS')
    return visualSampleEntry('hvc1', videoGeometry(track), box('hvcC', hevcDecoderConfigurationRecord(track.vps, track.sps, track.pps)))
  }
  throw new ConfigError('ERR_MP4_CODEC', `cannot write ${track.codec} video to MP4`, { observed: track.codec, allowed: ['h264', 'h265'] })
}

function audioEntry(track: AudioTrackInfo): Mp4Box {
  switch (track.codec) {
    case 'aac': {
      if (!track.config) throw missing(track, 'AudioSpecificConfig')
      const asc = parseAudioSpecificConfig(track.config)
      return audioSampleEntry(
        'mp4a',
        track.channels,
        asc.sampleRate,
        esdsBox({ objectType: ObjectTypeIndication.AAC, streamType: StreamType.AUDIO, specificInfo: track.config }),
      )
    }
    case 'opus':
      return audioSampleEntry(
        'Opus',
        track.channels,
        OPUS_CLOCK_RATE,
        dOpsBox({ channels: track.channels, inputSampleRate: track.sampleRate }),
      )
    case 'pcmu':
      return audioSampleEntry('ulaw', track.channels, track.sampleRate)
    case 'pcma':
      return audioSampleEntry('alaw', track.channels, track.sampleRate)
    case 'l16':
      return audioSampleEntry('twos', track.channels, track.sampleRate)
  }
}

/** The track's sample entry; ConfigError when the codec is not supported or its configuration is missing. */
export function sampleEntryFor(track: TrackInfo): Mp4Box {
  return track.kind === 'video' ? videoEntry(track) : audioEntry(track)
}

/** Fails early for codecs the writer cannot carry and audio without its configuration. */
export function checkTrack(track: TrackInfo): void {
  if (track.kind === 'video') {
    if (track.codec !== 'h264' && track.codec !== 'h265')
      throw new ConfigError('ERR_MP4_CODEC', `cannot write ${track.codec} video to MP4`, {
        observed: track.codec,
        allowed: ['h264', 'h265'],
      })
    return
  }
  if (!Number.isInteger(track.sampleRate) || track.sampleRate <= 0)
    throw new ConfigError('ERR_MP4_TRACK_CONFIG', `${track.codec} track has sample rate ${track.sampleRate}`, {
      observed: track.sampleRate,
      allowed: '> 0',
    })
  if (!Number.isInteger(track.channels) || track.channels <= 0)
    throw new ConfigError('ERR_MP4_TRACK_CONFIG', `${track.codec} track has ${track.channels} channels`, {
      observed: track.channels,
      allowed: '> 0',
    })
  audioEntry(track)
}
