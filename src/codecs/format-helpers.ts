/**
 * Small pieces the codec entries share: the rtpmap attribute (RFC 8866 6.6), fmtp maps as the format
 * parsers take them, tolerant fmtp reading, and the TrackInfo narrowing every entry needs.
 */
import { ConfigError, ParseError, RtspkitError } from '../errors.js'
import type { SdpAttribute } from '../sdp/sdp.js'
import type { AudioTrackInfo, TrackInfo, VideoTrackInfo } from '../stream/media.js'
import type { FormatParams, SendFormat, PictureInfo } from './codec.js'

/** First dynamic payload type (RFC 3551 section 6). */
export const DYNAMIC_PAYLOAD_TYPE_MIN = 96

/** RFC 3551 section 5: every video payload format rtspkit implements runs a 90 kHz clock. */
export const VIDEO_CLOCK_RATE = 90000

/** `a=rtpmap:<pt> <name>/<rate>[/<channels>]`, the channel count written only when it is not 1. */
export function rtpmapAttribute(format: SendFormat, encodingName: string): SdpAttribute {
  const channels = format.channels !== undefined && format.channels !== 1 ? `/${format.channels}` : ''
  return { key: 'rtpmap', value: `${format.payloadType} ${encodingName}/${format.clockRate}${channels}` }
}

/** `name=value;…` of an fmtp map, as the format parsers take it. */
export function fmtpText(params: ReadonlyMap<string, string>): string {
  return [...params].map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(';')
}

/** The fmtp parsed by `parse`, or undefined when absent or malformed (receiving goes on with defaults). */
export function tolerantFmtp<T>(params: FormatParams, parse: (text: string) => T): T | undefined {
  if (params.fmtp.size === 0) return undefined
  try {
    return parse(fmtpText(params.fmtp))
  } catch (err) {
    if (err instanceof ParseError) return undefined
    throw err
  }
}

export const videoOf = (track: TrackInfo | undefined): VideoTrackInfo | undefined => (track?.kind === 'video' ? track : undefined)
export const audioOf = (track: TrackInfo | undefined): AudioTrackInfo | undefined => (track?.kind === 'audio' ? track : undefined)

/** The audio track a format stands for: its clock rate as the sampling rate, the rtpmap's channel count. */
export function audioFromSdp(codec: AudioTrackInfo['codec'], format: FormatParams, defaultChannels = 1): AudioTrackInfo {
  return { kind: 'audio', codec, sampleRate: format.clockRate, channels: format.channels ?? defaultChannels }
}

/** The value of `f`, or undefined when it throws one of our errors: a malformed detail is left out. */
export function tolerant<T>(f: () => T): T | undefined {
  try {
    return f()
  } catch (err) {
    if (err instanceof RtspkitError) return undefined
    throw err
  }
}

/** The error for a track of another kind than the codec's (a caller mixing up TrackInfo). */
export function kindMismatch(codec: string, track: TrackInfo): ConfigError {
  return new ConfigError('ERR_STREAM_CODEC', `${codec} is not a ${track.kind} codec`, { observed: track.kind })
}

/**
 * Width, height and frame rate from the SPS in an MP4 sample entry, read with `parse` (the codec's own
 * SPS reader); a ParseError naming the codec (`label`) when it is malformed.
 */
export function sampleEntryGeometry(
  label: string,
  parse: (sps: Buffer) => { width: number; height: number; fps?: number | undefined },
  sps: Buffer,
): Pick<VideoTrackInfo, 'width' | 'height' | 'fps'> {
  try {
    const s = parse(sps)
    return { width: s.width, height: s.height, ...(s.fps !== undefined ? { fps: s.fps } : {}) }
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ParseError(err.code, `the ${label} SPS in its sample entry is malformed: ${err.message}`, err.details, { cause: err })
  }
}

/** Size and frame rate from the SPS in an fmtp; undefined when there is none or it does not parse. */
export function pictureFromSps(
  sps: Buffer | undefined,
  parse: (sps: Buffer) => { width: number; height: number; fps?: number | undefined },
): PictureInfo | undefined {
  if (!sps) return undefined
  const s = tolerant(() => parse(sps))
  if (!s) return undefined
  const fps = s.fps !== undefined && Number.isFinite(s.fps) && s.fps > 0 ? Math.round(s.fps * 100) / 100 : undefined
  return fps === undefined ? { width: s.width, height: s.height } : { width: s.width, height: s.height, fps }
}
