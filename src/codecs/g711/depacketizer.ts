/**
 * RTP depacketizer for G.711, RFC 3551 sections 4.5.14 and 4.3: a payload is whole sampling instants of
 * one byte per channel; the frame is the payload itself (a view: the input is never modified), stamped
 * with the packet's timestamp. An empty payload gives no frame.
 */
import { ConfigError, ParseError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import type { CodecDepacketizer, ReceivedFrame } from '../codec.js'
import { MAX_G711_CHANNELS } from './packetizer.js'

export interface G711DepacketizerOptions {
  /** Channels per sampling instant (rtpmap encoding parameter), default 1. */
  channels?: number | undefined
}

export class G711Depacketizer implements CodecDepacketizer {
  readonly channels: number

  constructor(opts: G711DepacketizerOptions = {}) {
    const channels = opts.channels ?? 1
    if (!Number.isInteger(channels) || channels < 1 || channels > MAX_G711_CHANNELS) {
      throw new ConfigError('ERR_AUDIO_CHANNELS', `${channels} channels is not in 1..${MAX_G711_CHANNELS}`, {
        observed: channels,
        allowed: `1..${MAX_G711_CHANNELS}`,
      })
    }
    this.channels = channels
  }

  /** Throws ParseError when the payload is not a whole number of sampling instants. */
  push(p: RtpPacket): ReceivedFrame[] {
    const payload = p.payload
    if (payload.length % this.channels !== 0) {
      throw new ParseError(
        'ERR_AUDIO_PARTIAL_SAMPLE',
        `G.711 payload of ${payload.length} bytes is not a whole number of ${this.channels}-channel samples`,
        { observed: payload.length, allowed: `a multiple of ${this.channels}` },
      )
    }
    return payload.length === 0 ? [] : [{ data: payload, timestamp: p.timestamp, keyframe: true }]
  }

  reset(): void {
    // Stateless: every packet stands alone.
  }
}
