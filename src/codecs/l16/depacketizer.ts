/**
 * RTP depacketizer for L16, RFC 3551 sections 4.5.11 and 4.3: a payload is whole sampling instants of
 * big-endian 16-bit samples; the frame is the payload itself (a view: the input is never modified),
 * stamped with the packet's timestamp. An empty payload gives no frame.
 */
import { ConfigError, ParseError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import type { CodecDepacketizer, ReceivedFrame } from '../codec.js'
import { L16_BYTES_PER_SAMPLE } from './format.js'
import { MAX_L16_CHANNELS } from './packetizer.js'

export interface L16DepacketizerOptions {
  /** Channels per sampling instant (rtpmap encoding parameter; RFC 3551 4.1: 1 when absent). */
  channels?: number | undefined
}

export class L16Depacketizer implements CodecDepacketizer {
  readonly channels: number
  private readonly bytesPerInstant: number

  constructor(opts: L16DepacketizerOptions = {}) {
    const channels = opts.channels ?? 1
    if (!Number.isInteger(channels) || channels < 1 || channels > MAX_L16_CHANNELS) {
      throw new ConfigError('ERR_AUDIO_CHANNELS', `${channels} channels is not in 1..${MAX_L16_CHANNELS}`, {
        observed: channels,
        allowed: `1..${MAX_L16_CHANNELS}`,
      })
    }
    this.channels = channels
    this.bytesPerInstant = channels * L16_BYTES_PER_SAMPLE
  }

  /** Throws ParseError when the payload is not a whole number of sampling instants. */
  push(p: RtpPacket): ReceivedFrame[] {
    const payload = p.payload
    if (payload.length % this.bytesPerInstant !== 0) {
      throw new ParseError(
        'ERR_AUDIO_PARTIAL_SAMPLE',
        `L16 payload of ${payload.length} bytes is not a whole number of ${this.channels}-channel samples`,
        { observed: payload.length, allowed: `a multiple of ${this.bytesPerInstant}` },
      )
    }
    return payload.length === 0 ? [] : [{ data: payload, timestamp: p.timestamp, keyframe: true }]
  }

  reset(): void {
    // Stateless: every packet stands alone.
  }
}
