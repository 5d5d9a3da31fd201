import { DEFAULT_OPUS_PAYLOAD_TYPE, opusFmtp, opusRtpmap } from './format.js'
import { OPUS_CLOCK_RATE } from './packet.js'
import { OpusPacketizer } from './packetizer.js'
import { ConfigError } from '../../errors.js'
import type { SdpAttribute } from '../../sdp/sdp.js'
import { AudioFrameTrack, type MediaTrack } from '../media-track.js'

export interface OpusTrackOptions {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number | undefined
  /** Dynamic payload type, default 111. */
  payloadType?: number | undefined
  /** 1 or 2: the rtpmap always says 2 (RFC 7587 7); stereo adds `sprop-stereo=1`. */
  channels: number
}

/** Opus over RTP (RFC 7587): one Opus packet per RTP packet, 48 kHz clock. Frames are Opus packets. */
export class OpusTrack extends AudioFrameTrack implements MediaTrack {
  readonly kind = 'audio'
  readonly codec = 'opus'
  readonly ready = true
  readonly clockRate = OPUS_CLOCK_RATE
  readonly payloadType: number
  readonly channels: number
  protected readonly packetizer: OpusPacketizer

  constructor(opts: OpusTrackOptions) {
    super()
    if (opts.channels !== 1 && opts.channels !== 2) {
      throw new ConfigError('ERR_AUDIO_CHANNELS', `Opus over RTP carries 1 or 2 channels, not ${opts.channels}`, {
        observed: opts.channels,
        allowed: [1, 2],
      })
    }
    this.channels = opts.channels
    this.packetizer = new OpusPacketizer({
      payloadType: opts.payloadType ?? DEFAULT_OPUS_PAYLOAD_TYPE,
      ssrc: opts.ssrc,
      initialSequence: opts.initialSequence,
      maxPacketSize: opts.maxPacketSize,
    })
    this.payloadType = this.packetizer.payloadType
  }

  sdpAttributes(): SdpAttribute[] {
    const attrs: SdpAttribute[] = [{ key: 'rtpmap', value: opusRtpmap(this.payloadType) }]
    const fmtp = opusFmtp(this.channels)
    if (fmtp) attrs.push({ key: 'fmtp', value: `${this.payloadType} ${fmtp}` })
    return attrs
  }
}
