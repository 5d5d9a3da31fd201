import {
  DEFAULT_G711_DYNAMIC_PAYLOAD_TYPE,
  G711_CLOCK_RATE,
  g711EncodingName,
  g711Rtpmap,
  g711StaticPayloadType,
  type G711Law,
} from './format.js'
import { G711Packetizer } from './packetizer.js'
import type { SdpAttribute } from '../../sdp/sdp.js'
import { AudioFrameTrack, type MediaTrack } from '../media-track.js'

export interface G711TrackOptions {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number | undefined
  law: G711Law
  /** Default 1: static payload type 0 or 8. More channels need a dynamic type (default 96). */
  channels?: number | undefined
  /** Default: 0/8 for mono, 96 otherwise. */
  payloadType?: number | undefined
  /** Audio per packet, default 20 ms. */
  packetTimeMs?: number | undefined
}

/**
 * G.711 µ-law (PCMU) or A-law (PCMA) over RTP, RFC 3551, 8000 Hz. Frames are blocks of G.711 codes
 * (whole sampling instants), cut into packets of `packetTimeMs`.
 */
export class G711Track extends AudioFrameTrack implements MediaTrack {
  readonly kind = 'audio'
  readonly codec: 'PCMU' | 'PCMA'
  readonly ready = true
  readonly clockRate = G711_CLOCK_RATE
  readonly payloadType: number
  readonly channels: number
  protected readonly packetizer: G711Packetizer

  constructor(private readonly opts: G711TrackOptions) {
    super()
    this.codec = g711EncodingName(opts.law)
    this.channels = opts.channels ?? 1
    this.packetizer = new G711Packetizer({
      law: opts.law,
      payloadType: opts.payloadType ?? (this.channels === 1 ? g711StaticPayloadType(opts.law) : DEFAULT_G711_DYNAMIC_PAYLOAD_TYPE),
      ssrc: opts.ssrc,
      initialSequence: opts.initialSequence,
      maxPacketSize: opts.maxPacketSize,
      channels: this.channels,
      packetTimeMs: opts.packetTimeMs,
    })
    this.payloadType = this.packetizer.payloadType
  }

  sdpAttributes(): SdpAttribute[] {
    return [{ key: 'rtpmap', value: g711Rtpmap(this.opts.law, this.payloadType, this.channels) }]
  }
}
