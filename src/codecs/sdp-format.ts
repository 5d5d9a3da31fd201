/**
 * SDP for plain RTP sessions (no RTSP): the file a sender writes so that receivers (ffmpeg/ffplay
 * `-protocol_whitelist file,udp,rtp -i x.sdp`, VLC, GStreamer `sdpdemux`) know where to listen and what
 * arrives, and the reading of such files by `rtspkit rtp recv`.
 *
 * RFC 8866 section 5.7 (c=: the address the media is sent to; multicast IPv4 carries a TTL), 5.14
 * (m=<media> <port> RTP/AVP <fmt>), RFC 3551 (static payload types when rtpmap is absent), RFC 3605
 * (a=rtcp: an RTCP port other than port + 1), RFC 5761 (a=rtcp-mux: RTCP on the RTP port).
 */
import net from 'node:net'
import { ParseError } from '../errors.js'
import {
  formatSdp,
  getAttribute,
  getAttributes,
  parseFmtp,
  parseRtpmap,
  parseSdp,
  type SdpAttribute,
  type SdpMedia,
  type SessionDescription,
} from '../sdp/sdp.js'
import type { FormatParams } from './codec.js'
import { staticFormatParams, type CodecDescriptor, type CodecRegistry, type MediaKind } from './registry.js'

const RTP_PROFILES = new Set(['RTP/AVP', 'RTP/AVPF', 'RTP/SAVP', 'RTP/SAVPF'])
const MAX_PORT = 0xffff
/** TTL written in c= for IPv4 multicast, and set on sending sockets, when none is given. */
export const DEFAULT_MULTICAST_TTL = 16
const IPV4_MULTICAST_FIRST_OCTET_MIN = 224
const IPV4_MULTICAST_FIRST_OCTET_MAX = 239

/** One m= section of a plain RTP session. */
export interface RtpSdpTrack {
  kind: MediaKind
  port: number
  payloadType: number
  /** rtpmap, fmtp and other attributes of the format. */
  attributes: SdpAttribute[]
}

export interface RtpSdpOptions {
  /** Destination address of the media: what goes in c=. */
  host: string
  /** Address of the sender, for o= (default: host). */
  origin?: string
  sessionName?: string
  /** Session id for o= (a number; default 0). */
  sessionId?: number
  /** TTL written for an IPv4 multicast destination (default 16). */
  ttl?: number
  tool?: string
}

export function isMulticast(address: string): boolean {
  if (net.isIPv4(address)) {
    const first = Number(address.split('.')[0])
    return first >= IPV4_MULTICAST_FIRST_OCTET_MIN && first <= IPV4_MULTICAST_FIRST_OCTET_MAX
  }
  return net.isIPv6(address) && address.toLowerCase().startsWith('ff')
}

const addrType = (address: string): string => (net.isIPv6(address) ? 'IP6' : 'IP4')

/** The SDP text describing RTP sent to `host` on the tracks' ports. */
export function formatRtpSdp(tracks: readonly RtpSdpTrack[], opts: RtpSdpOptions): string {
  const ttl = isMulticast(opts.host) && net.isIPv4(opts.host) ? `/${opts.ttl ?? DEFAULT_MULTICAST_TTL}` : ''
  const origin = opts.origin ?? opts.host
  const desc: SessionDescription = {
    version: 0,
    origin: {
      username: '-',
      sessionId: String(opts.sessionId ?? 0),
      sessionVersion: '1',
      netType: 'IN',
      addrType: addrType(origin),
      address: origin,
    },
    sessionName: opts.sessionName ?? 'rtspkit',
    emails: [],
    phones: [],
    connection: `IN ${addrType(opts.host)} ${opts.host}${ttl}`,
    bandwidths: [],
    timing: ['0 0'],
    attributes: opts.tool ? [{ key: 'tool', value: opts.tool }] : [],
    media: tracks.map((t) => ({
      type: t.kind,
      port: t.port,
      protocol: 'RTP/AVP',
      formats: [String(t.payloadType)],
      bandwidths: [],
      attributes: t.attributes,
    })),
  }
  return formatSdp(desc)
}

/** One receivable RTP stream described by an SDP m= section. */
export interface RtpSdpStream {
  kind: MediaKind
  /** Address from c= (media level, else session level); the group to join when multicast. */
  address: string | undefined
  port: number
  /** RTCP port: a=rtcp, else port + 1; equal to `port` with a=rtcp-mux. */
  rtcpPort: number
  rtcpMux: boolean
  /** The format chosen: the first one the registry implements, else the first listed. */
  params: FormatParams
  codec: CodecDescriptor
  /** Index of the m= section in the description. */
  mediaIndex: number
}

function connectionAddress(c: string | undefined): string | undefined {
  if (!c) return undefined
  const parts = c.trim().split(/\s+/)
  const addr = parts[2]
  if (!addr) return undefined
  return addr.split('/')[0]
}

function mediaKind(type: string): MediaKind {
  return type === 'video' || type === 'audio' ? type : 'application'
}

/** Format parameters of payload type `pt` in a media section (rtpmap, else RFC 3551's static table). */
export function formatParams(m: SdpMedia, pt: number): FormatParams | undefined {
  let params: FormatParams | undefined
  for (const v of getAttributes(m.attributes, 'rtpmap')) {
    const r = parseRtpmap(v)
    if (r.payloadType !== pt) continue
    params = { payloadType: pt, encodingName: r.encodingName, clockRate: r.clockRate, fmtp: new Map() }
    if (r.channels !== undefined) params.channels = r.channels
    break
  }
  params ??= staticFormatParams(pt)
  if (!params) return undefined
  for (const v of getAttributes(m.attributes, 'fmtp')) {
    const f = parseFmtp(v)
    if (f.payloadType === pt) params.fmtp = f.params
  }
  return params
}

/**
 * The RTP streams of a session description: one per m= section with an RTP profile and a non-zero
 * port. Throws ParseError for an SDP with none, or a section whose formats are all unknown dynamic
 * types without rtpmap.
 */
export function parseRtpSdp(text: string | Uint8Array, registry: CodecRegistry): RtpSdpStream[] {
  const d = parseSdp(text)
  const sessionAddress = connectionAddress(d.connection)
  const out: RtpSdpStream[] = []
  d.media.forEach((m, mediaIndex) => {
    if (!RTP_PROFILES.has(m.protocol.toUpperCase()) || m.port === 0) return
    const kind = mediaKind(m.type)
    const candidates: FormatParams[] = []
    for (const f of m.formats) {
      const pt = Number(f)
      if (!Number.isInteger(pt)) continue
      const p = formatParams(m, pt)
      if (p) candidates.push(p)
    }
    if (candidates.length === 0) {
      throw new ParseError('ERR_SDP_FORMAT', `m=${m.type} ${m.port}: no payload type with a known encoding (rtpmap missing?)`, {
        observed: m.formats,
        allowed: 'static payload types or a=rtpmap',
      })
    }
    const params = candidates.find((p) => registry.byEncodingName(p.encodingName)) ?? candidates[0]!
    const rtcpMux = getAttribute(m.attributes, 'rtcp-mux') !== undefined
    const rtcpAttr = getAttribute(m.attributes, 'rtcp')
    const rtcpPortAttr = rtcpAttr !== undefined ? Number(rtcpAttr.trim().split(/\s+/)[0]) : NaN
    const rtcpPort = rtcpMux
      ? m.port
      : Number.isInteger(rtcpPortAttr) && rtcpPortAttr > 0 && rtcpPortAttr <= MAX_PORT
        ? rtcpPortAttr
        : m.port + 1
    out.push({
      kind,
      address: connectionAddress(m.connection) ?? sessionAddress,
      port: m.port,
      rtcpPort,
      rtcpMux,
      params,
      codec: registry.resolve(params, kind),
      mediaIndex,
    })
  })
  if (out.length === 0) {
    throw new ParseError('ERR_SDP_NO_RTP', 'the SDP describes no RTP stream (no m= line with RTP/AVP and a port)', {
      observed: d.media.map((m) => `${m.type} ${m.port} ${m.protocol}`),
      allowed: 'm=<media> <port> RTP/AVP <pt>',
    })
  }
  return out
}
