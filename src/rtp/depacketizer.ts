/**
 * What RtpReceiver needs from a payload format: packets in sequence order in, frames out. Declared
 * here so the receiver stays codec-blind (rtp/ never imports codecs/); every codec's depacketizer
 * satisfies it, and codecs/codec.ts names it CodecDepacketizer for the codec side.
 */
import type { RtpPacket } from './rtp-packet.js'

/** A frame rebuilt from RTP. `data` is the payload format's natural unit (access unit, JPEG image, audio frame…). */
export interface DepacketizedFrame {
  data: Buffer
  /** RTP timestamp of the frame. */
  timestamp: number
  /** Video: a frame a decoder can start from. Audio: always true. */
  keyframe: boolean
}

/** Rebuilds frames from packets. "Need more packets" is an empty array, never an error. Never mutates input. */
export interface RtpDepacketizer {
  push(packet: RtpPacket): DepacketizedFrame[]
  /** Forgets any partial frame (the receiver calls it on loss of sync, restart and close). */
  reset(): void
}
