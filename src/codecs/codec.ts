/**
 * The contract every payload format implements, so the server, plain RTP send/receive and the
 * client can treat codecs alike. Each codec folder keeps its own richer API; these are the common
 * shapes (see codecs/registry.ts for the table that maps SDP encoding names to implementations).
 */
import type { DepacketizedFrame, RtpDepacketizer } from '../rtp/depacketizer.js'

/** Turns one frame (access unit, JPEG image, audio frame…) into serialized RTP packets. Owns SSRC and sequence. */
export interface CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  /** Sequence number the next packet will carry. */
  readonly nextSequence: number
  packetize(frame: Buffer | readonly Buffer[], timestamp: number): Buffer[]
}

/**
 * A frame rebuilt from RTP. `data` is the codec's natural unit (see `CodecDescriptor.frameFormat` in
 * codecs/registry.ts). The shape is rtp/'s, so RtpReceiver can take any codec's depacketizer.
 */
export type ReceivedFrame = DepacketizedFrame

/** Rebuilds frames from packets. "Need more packets" is an empty array, never an error. Never mutates input. */
export type CodecDepacketizer = RtpDepacketizer

/** What an SDP media section says about a format (from rtpmap and fmtp). */
export interface FormatParams {
  payloadType: number
  encodingName: string
  clockRate: number
  channels?: number
  fmtp: Map<string, string>
}
