import { l16Rtpmap } from './format.js'
import { L16Packetizer } from './packetizer.js'
import type { SdpAttribute } from '../../sdp/sdp.js'
import { AudioFrameTrack, type MediaTrack } from '../media-track.js'

export interface L16TrackOptions {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number | undefined
  /** Default: 10 / 11 for 44100 Hz stereo / mono (RFC 3551 Table 4), else 98. */
  payloadType?: number | undefined
  sampleRate: number
  channels: number
  /** Audio per packet when it fits, default 20 ms. */
  packetTimeMs?: number | undefined
}

/**
 * Uncompressed 16-bit audio over RTP (L16, RFC 3551 4.5.11). Frames are blocks of big-endian samples
 * (whole sampling instants), cut into packets of about 20 ms that fit maxPacketSize.
 */
export class L16Track extends AudioFrameTrack implements MediaTrack {
  readonly kind = 'audio'
  readonly codec = 'L16'
  readonly ready = true
  readonly clockRate: number
  readonly payloadType: number
  readonly channels: number
  protected readonly packetizer: L16Packetizer

  constructor(opts: L16TrackOptions) {
    super()
    this.packetizer = new L16Packetizer({
      payloadType: opts.payloadType,
      ssrc: opts.ssrc,
      initialSequence: opts.initialSequence,
      maxPacketSize: opts.maxPacketSize,
      sampleRate: opts.sampleRate,
      channels: opts.channels,
      packetTimeMs: opts.packetTimeMs,
    })
    this.clockRate = opts.sampleRate
    this.channels = opts.channels
    this.payloadType = this.packetizer.payloadType
  }

  sdpAttributes(): SdpAttribute[] {
    return [{ key: 'rtpmap', value: l16Rtpmap(this.payloadType, this.clockRate, this.channels) }]
  }
}
