/**
 * The `stsd` sample entry of a track being written, ISO/IEC 14496-12 section 8.5.2: made by the
 * track's codec (`Codec.mp4`, codecs/<name>/mp4.ts) on the generic entries of sample-entry-box.ts,
 * with the media timescale and picture size the rest of the init segment needs.
 */
import type { CodecMp4 } from '../../codecs/codec-mp4.js'
import type { MediaKind } from '../../codecs/codec.js'
import { builtinCodec, builtinLabels, builtinNames, familyOf } from '../../codecs/registry.js'
import { ConfigError } from '../../errors.js'
import type { TrackInfo, VideoTrackInfo } from '../../stream/media.js'
import type { Mp4Box } from './box.js'
import { missingConfig, VIDEO_TIMESCALE, type VideoGeometry } from './sample-entry-box.js'

export { VIDEO_TIMESCALE, type VideoGeometry } from './sample-entry-box.js'

/** The families of the formats the MP4 writer carries, for help text. */
export function mp4WritableFamilies(kind: MediaKind): string[] {
  return builtinLabels((c) => (c.mp4 && c.kind === kind ? familyOf(c) : undefined))
}

/** The codec's MP4 hooks; ConfigError('ERR_MP4_CODEC') for a codec MP4 does not carry. */
export function mp4Of(track: TrackInfo): CodecMp4 {
  const mp4 = builtinCodec(track.codec)?.mp4
  if (!mp4) {
    throw new ConfigError('ERR_MP4_CODEC', `cannot write ${track.codec} ${track.kind} to MP4`, {
      observed: track.codec,
      allowed: builtinNames((c) => c.mp4 !== undefined, track.kind),
    })
  }
  return mp4
}

/** Picture size from the codec's configuration (the SPS), else TrackInfo's width/height. */
export function videoGeometry(track: VideoTrackInfo): VideoGeometry {
  const fromCodec = mp4Of(track).geometry?.(track)
  if (fromCodec) return fromCodec
  if (track.width && track.height) return { width: track.width, height: track.height }
  throw missingConfig(track, 'picture size')
}

/** Whether the track has what its sample entry needs (video parameter sets may arrive in-band later). */
export function isConfigured(track: TrackInfo): boolean {
  return mp4Of(track).isConfigured?.(track) ?? true
}

/** The media timescale: 90 kHz for video, the sample rate for audio, unless the codec says otherwise. */
export function trackTimescale(track: TrackInfo): number {
  return mp4Of(track).timescale?.(track) ?? (track.kind === 'video' ? VIDEO_TIMESCALE : track.sampleRate)
}

/** The track's sample entry; ConfigError when the codec is not supported or its configuration is missing. */
export function sampleEntryFor(track: TrackInfo): Mp4Box {
  return mp4Of(track).sampleEntry(track)
}

/** Fails early for codecs the writer cannot carry and audio without its configuration. */
export function checkTrack(track: TrackInfo): void {
  const mp4 = mp4Of(track)
  if (track.kind === 'video') return
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
  mp4.sampleEntry(track)
}
