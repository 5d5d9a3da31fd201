/**
 * RTP depacketizer for Opus, RFC 7587 section 4.2: each RTP payload is exactly one Opus packet, returned
 * as a view of the payload (the input is never modified). Packets are checked against RFC 6716 3.4
 * (R1-R7) so that a receiver never hands a decoder bytes it cannot split into frames; there is no state
 * to reset.
 */
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import type { CodecDepacketizer, ReceivedFrame } from '../codec.js'
import { parseOpusPacket } from './packet.js'

export class OpusDepacketizer implements CodecDepacketizer {
  /** Throws ParseError('ERR_OPUS_PACKET') for a payload that is not a valid Opus packet. */
  push(p: RtpPacket): ReceivedFrame[] {
    parseOpusPacket(p.payload)
    return [{ data: p.payload, timestamp: p.timestamp, keyframe: true }]
  }

  reset(): void {
    // Stateless: every packet stands alone.
  }
}
