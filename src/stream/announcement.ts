/**
 * ANNOUNCE (RFC 2326 §10.3): what a publisher's SDP — or a relayed upstream's — means for the stream
 * it feeds. The first video and the first audio section become tracks of the stream. A format we
 * parse gives the depacketizer that rebuilds frames and the parameters (SPS/PPS,
 * AudioSpecificConfig…) the stream advertises to readers; any other format is relayed packet by
 * packet with its own rtpmap/fmtp.
 */
import type { CodecDepacketizer, FormatParams } from '../codecs/codec.js'
import { WholePacketDepacketizer } from '../codecs/passthrough/relay-track.js'
import type { CodecRegistry } from '../codecs/registry.js'
import { formatParams } from '../codecs/sdp-format.js'
import { ProtocolError } from '../errors.js'
import { getAttribute, parseSdp, type SdpAttribute } from '../sdp/sdp.js'
import { definedOnly } from '../util/defined.js'
import type { AudioTrackSpec, RtpTrackSpec, StreamSpec, VideoTrackSpec } from './media.js'

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

/** Whether a format is one the registry reads back into a track of that kind (others are relayed). */
function readable(registry: CodecRegistry, format: FormatParams, kind: 'video' | 'audio'): boolean {
  const codec = registry.byEncodingName(format.encodingName)
  return codec?.readSdp !== undefined && codec.kind === kind
}

/** Reads a publisher's SDP. Throws ProtocolError (answered 415/400) when nothing in it can be carried. */
export function readAnnouncement(body: Buffer, registry: CodecRegistry): Announcement {
  const sdp = parseSdp(body)
  const spec: StreamSpec = {}
  const tracks: AnnouncedTrack[] = []
  sdp.media.forEach((m, index) => {
    if (m.type !== 'video' && m.type !== 'audio') return
    const kind = m.type
    if (m.type === 'video' ? spec.video : spec.audio) return // one track of each kind
    const formats = m.formats.map((f) => formatParams(m, Number(f))).filter((p): p is FormatParams => p !== undefined)
    const known = formats.find((p) => readable(registry, p, kind))
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
    const codec = registry.byEncodingName(format.encodingName)!
    const track: AnnouncedTrack = {
      kind: m.type,
      control,
      mediaIndex: index,
      format,
      createDepacketizer: () => codec.createDepacketizer(format),
    }
    // The track's parameters (parameter sets, decoder configuration…) as the codec reads them from fmtp.
    const read = codec.readSdp!(format)
    const { kind: _kind, ...fields } = read.info
    if (m.type === 'video') {
      spec.video = definedOnly({ ...fields, payloadType: read.payloadType }) as VideoTrackSpec
      tracks.unshift(track)
    } else {
      spec.audio = definedOnly({ ...fields, payloadType: read.payloadType }) as AudioTrackSpec
      tracks.push(track)
    }
  })
  if (tracks.length === 0) {
    throw new ProtocolError('ERR_ANNOUNCE_NO_TRACKS', 'the announced SDP has no video or audio RTP stream', {
      observed: sdp.media.map((m) => m.formats.join(' ')),
      allowed: registry
        .list()
        .filter((c) => c.readSdp !== undefined)
        .map((c) => c.encodingName),
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
