/**
 * Payload formats rtspkit does not understand, received unchanged (RFC 3550 section 5.1: the payload
 * is opaque to RTP): each packet's payload is one frame (sending is packetizer.ts).
 */
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import type { CodecDepacketizer, ReceivedFrame } from '../codec.js'

/** One frame per packet: a copy of the payload (the input packet is not retained). */
export class PassthroughDepacketizer implements CodecDepacketizer {
  push(packet: RtpPacket): ReceivedFrame[] {
    return [{ data: Buffer.from(packet.payload), timestamp: packet.timestamp, keyframe: true }]
  }

  reset(): void {}
}
