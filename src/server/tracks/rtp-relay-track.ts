/**
 * A track in a payload format rtspkit does not parse, relayed packet by packet (RFC 3550 §5.1: the
 * payload is opaque to RTP). A "frame" here is a whole RTP packet as the publisher or upstream sent
 * it; we keep its payload type, marker, CSRCs, header extension and payload, and rewrite only what
 * belongs to our own RTP session: sequence number, timestamp and SSRC. The SDP repeats the
 * publisher's rtpmap/fmtp and other media attributes.
 */
import type { CodecDepacketizer, ReceivedFrame } from '../../codecs/codec.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import type { SdpAttribute } from '../../sdp/sdp.js'
import type { MediaTrack, PreparedFrame } from './media-track.js'

const SEQUENCE_OFFSET = 2
const TIMESTAMP_OFFSET = 4
const SSRC_OFFSET = 8
const MIN_PACKET = 12

export interface RtpRelayTrackOptions {
  kind: 'video' | 'audio'
  encodingName: string
  payloadType: number
  clockRate: number
  /** The media section's attributes (rtpmap, fmtp…), without `control`. */
  attributes: readonly SdpAttribute[]
  ssrc: number
  initialSequence: number
}

export class RtpRelayTrack implements MediaTrack {
  readonly kind: 'video' | 'audio'
  readonly codec: string
  readonly payloadType: number
  readonly clockRate: number
  readonly ssrc: number
  readonly ready = true
  private sequence: number
  private readonly attributes: SdpAttribute[]

  constructor(opts: RtpRelayTrackOptions) {
    this.kind = opts.kind
    this.codec = opts.encodingName
    this.payloadType = opts.payloadType
    this.clockRate = opts.clockRate
    this.ssrc = opts.ssrc >>> 0
    this.sequence = opts.initialSequence & 0xffff
    this.attributes = opts.attributes.filter((a) => a.key !== 'control')
  }

  get nextSequence(): number {
    return this.sequence
  }

  sdpAttributes(): SdpAttribute[] {
    return this.attributes.map((a) => ({ ...a }))
  }

  prepare(data: Buffer | readonly Buffer[]): PreparedFrame {
    // The payload is opaque, so any packet may start a reader.
    return { payload: data, keyframe: true }
  }

  /** `payload` is one serialized RTP packet (or several, sent in order). A copy is rewritten: readers share it. */
  packetize(payload: Buffer | readonly Buffer[], rtpTimestamp: number): Buffer[] {
    const input = Buffer.isBuffer(payload) ? [payload] : payload
    const packets: Buffer[] = []
    for (const p of input) {
      if (p.length < MIN_PACKET) continue
      const out = Buffer.from(p)
      out.writeUInt16BE(this.sequence, SEQUENCE_OFFSET)
      out.writeUInt32BE(rtpTimestamp >>> 0, TIMESTAMP_OFFSET)
      out.writeUInt32BE(this.ssrc, SSRC_OFFSET)
      this.sequence = (this.sequence + 1) & 0xffff
      packets.push(out)
    }
    return packets
  }
}

export class WholePacketDepacketizer implements CodecDepacketizer {
  push(packet: RtpPacket): ReceivedFrame[] {
    return [{ data: packet.serialize(), timestamp: packet.timestamp, keyframe: true }]
  }

  reset(): void {}
}
