/**
 * ANNOUNCE (RFC 2326 §10.3): what a publisher's SDP — or a relayed upstream's — means for the stream
 * it feeds. The first video and the first audio section become tracks of the stream. A format we
 * parse gives the depacketizer that rebuilds frames and the parameters (SPS/PPS,
 * AudioSpecificConfig…) the stream advertises to readers; any other format is relayed packet by
 * packet with its own rtpmap/fmtp.
 */
import { parseAacFmtp } from '../codecs/aac/format.js'
import type { CodecDepacketizer, FormatParams } from '../codecs/codec.js'
import { parseH264Fmtp } from '../codecs/h264/format.js'
import { parseH265Fmtp } from '../codecs/h265/format.js'
import type { CodecRegistry } from '../codecs/registry.js'
import { ProtocolError } from '../errors.js'
import { formatParams } from '../codecs/sdp-format.js'
import { getAttribute, parseSdp, type SdpAttribute } from '../sdp/sdp.js'
import { WholePacketDepacketizer } from './tracks/rtp-relay-track.js'
import type { AudioTrackSpec, RtpTrackSpec, StreamSpec, VideoTrackSpec } from './server-stream.js'

export interface AnnouncedTrack {
  kind: 'video' | 'audio'
  /** The media section's control attribute, as the publisher will name it in SETUP. */
  control: string
  /** Index of the media section in the SDP. */
  mediaIndex: number
  format: FormatParams
  createDepacketizer(): CodecDepacketizer
}

export interface Announcement {
  spec: StreamSpec
  /** In stream track order: video first, then audio. */
  tracks: AnnouncedTrack[]
}

const CODEC_OF: Record<string, VideoTrackSpec['codec'] | AudioTrackSpec['codec']> = {
  H264: 'h264',
  H265: 'h265',
  JPEG: 'jpeg',
  'MPEG4-GENERIC': 'aac',
  PCMU: 'pcmu',
  PCMA: 'pcma',
  L16: 'l16',
  OPUS: 'opus',
}

function fmtpText(f: FormatParams): string {
  return [...f.fmtp].map(([k, v]) => `${k}=${v}`).join(';')
}

/** Reads a publisher's SDP. Throws ProtocolError (answered 415/400) when nothing in it can be carried. */
export function readAnnouncement(body: Buffer, registry: CodecRegistry): Announcement {
  const sdp = parseSdp(body)
  const spec: StreamSpec = {}
  const tracks: AnnouncedTrack[] = []
  sdp.media.forEach((m, index) => {
    if (m.type !== 'video' && m.type !== 'audio') return
    if (m.type === 'video' ? spec.video : spec.audio) return // one track of each kind
    const formats = m.formats.map((f) => formatParams(m, Number(f))).filter((p): p is FormatParams => p !== undefined)
    const known = formats.find((p) => CODEC_OF[p.encodingName.toUpperCase()] && registry.byEncodingName(p.encodingName))
    const control = getAttribute(m.attributes, 'control') ?? `trackID=${index}`
    if (!known) {
      // A format we do not parse is relayed packet by packet, as announced.
      const format = formats[0]
      if (!format) return
      const relayed: RtpTrackSpec = {
        codec: 'rtp',
        encodingName: format.encodingName,
        payloadType: format.payloadType,
        clockRate: format.clockRate,
        attributes: relayedAttributes(m.attributes, format.payloadType),
      }
      const track: AnnouncedTrack = {
        kind: m.type,
        control,
        mediaIndex: index,
        format,
        createDepacketizer: () => new WholePacketDepacketizer(),
      }
      if (m.type === 'video') {
        spec.video = relayed
        tracks.unshift(track)
      } else {
        spec.audio = relayed
        tracks.push(track)
      }
      return
    }
    const format = known
    const codec = CODEC_OF[format.encodingName.toUpperCase()]!
    const descriptor = registry.byEncodingName(format.encodingName)!
    const track: AnnouncedTrack = {
      kind: m.type,
      control,
      mediaIndex: index,
      format,
      createDepacketizer: () => descriptor.createDepacketizer(format),
    }
    if (m.type === 'video') {
      const v: VideoTrackSpec = {
        codec: codec as VideoTrackSpec['codec'],
        payloadType: format.payloadType === 26 ? undefined : format.payloadType,
      }
      if (codec === 'h264') Object.assign(v, pick(parseH264Fmtp(fmtpText(format)), ['sps', 'pps']))
      if (codec === 'h265') Object.assign(v, pick(parseH265Fmtp(fmtpText(format)), ['vps', 'sps', 'pps']))
      spec.video = v
      tracks.unshift(track)
    } else {
      const a: AudioTrackSpec = { codec: codec as AudioTrackSpec['codec'], sampleRate: format.clockRate, channels: format.channels ?? 1 }
      if (codec === 'aac') a.config = parseAacFmtp(format.fmtp).config
      if (codec === 'opus') a.channels = format.channels ?? 2
      if (codec !== 'pcmu' && codec !== 'pcma') a.payloadType = format.payloadType
      spec.audio = a
      tracks.push(track)
    }
  })
  if (tracks.length === 0) {
    throw new ProtocolError('ERR_ANNOUNCE_NO_TRACKS', 'the announced SDP has no video or audio RTP stream', {
      observed: sdp.media.map((m) => m.formats.join(' ')),
      allowed: Object.keys(CODEC_OF),
    })
  }
  return { spec, tracks }
}

/** The attributes of a relayed media section that describe its format: rtpmap/fmtp of the chosen type, and the rest. */
function relayedAttributes(attrs: readonly SdpAttribute[], pt: number): SdpAttribute[] {
  const forOtherType = (a: SdpAttribute) => (a.key === 'rtpmap' || a.key === 'fmtp') && Number.parseInt(a.value ?? '', 10) !== pt
  return attrs.filter((a) => a.key !== 'control' && !forOtherType(a) && !TRANSPORT_ATTRIBUTES.has(a.key))
}

/** Attributes about the publisher's own transport and direction, which mean nothing to our readers. */
const TRANSPORT_ATTRIBUTES = new Set([
  'sendonly',
  'recvonly',
  'sendrecv',
  'inactive',
  'rtcp',
  'rtcp-mux',
  'ssrc',
  'mid',
  'setup',
  'connection',
])

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {}
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k]
  return out
}
