/**
 * A DESCRIBE answer turned into playable tracks (RFC 2326 appendix C.1 for the control URLs, C.1.1
 * for the base). Pure: text in, tracks out.
 *
 * Base URL, in RFC 2326 C.1.1's order: Content-Base, else Content-Location, else the request URL.
 * Control URLs: an absolute one ('rtsp://…') is used as is; '*' means the base itself; a relative one
 * is appended to the base with a '/' between (what live555, ffmpeg and gortsplib do — RFC 3986
 * resolution would drop the base's last segment when it has no trailing slash, and cameras that send
 * 'Content-Base: rtsp://cam/live' expect 'rtsp://cam/live/track1'). A media section without a control
 * attribute is only playable when it is the only one (its URL is the base).
 */
import type { CodecDescriptor, FormatDetails, FormatParams } from '../codecs/codec.js'
import { tolerant } from '../codecs/format-helpers.js'
import { parseFramesize } from '../codecs/framesize.js'
import type { CodecRegistry } from '../codecs/registry.js'
import { formatParams } from '../codecs/sdp-format.js'
import { ProtocolError } from '../errors.js'
import type { RtspHeaders } from '../rtsp/headers.js'
import { getAttribute, getAttributes, parseSdp, type SdpMedia, type SessionDescription } from '../sdp/sdp.js'

/** What the SDP says about a track's picture or sound. */
export type ClientTrackInfo = FormatDetails

export interface ClientTrack {
  /** Position among the playable tracks (the index SETUP, frames and stats use). */
  index: number
  /** Any SDP media type; `string & {}` keeps the three usual ones offered by editors (a plain `string` absorbs them). */
  kind: 'video' | 'audio' | 'application' | (string & {})
  /** Absolute URL for SETUP. */
  control: string
  format: FormatParams
  /** The registry's codec, or a passthrough one for an unknown encoding. */
  codec: CodecDescriptor
  /** What the SDP says about the picture or sound, when it says it. */
  info: ClientTrackInfo
  media: SdpMedia
}

export interface ClientDescription {
  /** The URL that was described (after redirects), without credentials. */
  url: string
  /** Base for relative control URLs. */
  contentBase: string
  /** URL of aggregate requests (PLAY, PAUSE, TEARDOWN). */
  aggregateControl: string
  sdp: SessionDescription
  sdpText: string
  tracks: ClientTrack[]
  /** The Server header, when sent. */
  server?: string
}

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i
const RTP_PROFILE = /^RTP\/S?AVPF?(?:\/(?:UDP|TCP))?$/i

/** A control attribute made absolute against `base`. */
export function resolveControl(base: string, control: string | undefined): string {
  if (control === undefined || control === '' || control === '*') return base
  if (ABSOLUTE_URL.test(control)) return control
  return base.endsWith('/') ? base + control.replace(/^\/+/, '') : `${base}/${control.replace(/^\/+/, '')}`
}

/** Content-Base, else Content-Location (either may be relative to the request URL), else the request URL. */
export function baseUrl(requestUrl: string, headers: RtspHeaders): string {
  const given = headers.get('Content-Base') ?? headers.get('Content-Location')
  if (given === undefined || given.trim() === '') return requestUrl
  const value = given.trim()
  if (ABSOLUTE_URL.test(value)) return value
  try {
    return new URL(value, requestUrl).toString()
  } catch {
    return requestUrl
  }
}

/** Picture size or sound parameters from fmtp (what the codec reads there) or a=framesize. */
export function trackInfo(format: FormatParams, media: SdpMedia, codec?: CodecDescriptor): ClientTrackInfo {
  const info: ClientTrackInfo = { ...codec?.describeFormat?.(format) }
  if (info.width === undefined) {
    for (const v of getAttributes(media.attributes, 'framesize')) {
      const f = tolerant(() => parseFramesize(v))
      if (f && f.payloadType === format.payloadType) Object.assign(info, { width: f.width, height: f.height })
    }
  }
  if (media.type === 'audio' && info.sampleRate === undefined) {
    info.sampleRate = format.clockRate
    info.channels = format.channels ?? 1
  }
  return info
}

/**
 * Tracks of a DESCRIBE answer. Media sections that are not RTP, have no usable format, or have no
 * control attribute among several are skipped; none left is a ProtocolError.
 */
export function describeResponse(opts: { url: string; headers: RtspHeaders; body: Buffer; registry: CodecRegistry }): ClientDescription {
  const sdpText = opts.body.toString('utf8')
  const sdp = parseSdp(sdpText)
  const contentBase = baseUrl(opts.url, opts.headers)
  const tracks: ClientTrack[] = []
  const rtpMedia = sdp.media.filter((m) => RTP_PROFILE.test(m.protocol))
  for (const media of rtpMedia) {
    const control = getAttribute(media.attributes, 'control')
    if (control === undefined && rtpMedia.length > 1) continue
    const candidates = media.formats
      .map((f) => (/^\d+$/.test(f) ? tolerant(() => formatParams(media, Number(f))) : undefined))
      .filter((f): f is FormatParams => f !== undefined)
    const format = candidates.find((p) => opts.registry.byEncodingName(p.encodingName)) ?? candidates[0]
    if (!format) continue
    const kind = media.type === 'video' || media.type === 'audio' ? media.type : 'application'
    const codec = opts.registry.resolve(format, kind)
    tracks.push({
      index: tracks.length,
      kind: media.type,
      control: resolveControl(contentBase, control),
      format,
      codec,
      info: trackInfo(format, media, codec),
      media,
    })
  }
  if (tracks.length === 0) {
    throw new ProtocolError('ERR_RTSP_NO_TRACKS', `DESCRIBE ${opts.url}: the SDP has no playable RTP media`, {
      observed: sdp.media.map((m) => `${m.type} ${m.protocol} ${m.formats.join(' ')}`),
      allowed: 'm=<media> <port> RTP/AVP <pt> with rtpmap or a static payload type',
    })
  }
  const server = opts.headers.get('Server')
  return {
    url: opts.url,
    contentBase,
    aggregateControl: resolveControl(contentBase, getAttribute(sdp.attributes, 'control')),
    sdp,
    sdpText,
    tracks,
    ...(server !== undefined ? { server } : {}),
  }
}
