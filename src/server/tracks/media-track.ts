import type { SdpAttribute, SdpMedia } from '../../sdp/sdp.js'

/** What a pushed frame became: RTP packets ready to send, shared by every reader. */
export interface PacketizedUnit {
  packets: Buffer[]
  /** A reader waiting for a clean start may begin with this unit. */
  keyframe: boolean
  /** Total bytes of `packets`. */
  bytes: number
  /** The frame as pushed, where a reader may need it whole (JPEG: teaching-dialect readers). */
  frame?: Buffer
}

/**
 * The codec-specific half of a server track: learns parameters from what is pushed,
 * packetizes, and describes itself in SDP. One instance per track, owned by the stream.
 */
export interface MediaTrack {
  readonly kind: 'video' | 'audio'
  readonly codec: string
  readonly payloadType: number
  readonly clockRate: number
  readonly ssrc: number
  /** Sequence number the next packet will carry (for RTP-Info). */
  readonly nextSequence: number
  /** True when the SDP can describe the track completely (e.g. H.264 SPS/PPS known). */
  readonly ready: boolean
  /** rtpmap, fmtp and codec-specific attributes (not `control`). */
  sdpAttributes(): SdpAttribute[]
  /** Learns parameters without packetizing (used when nobody is reading). */
  observe(data: Buffer | readonly Buffer[]): void
  packetize(data: Buffer | readonly Buffer[], rtpTimestamp: number): PacketizedUnit
}

export const sumBytes = (packets: readonly Buffer[]): number => {
  let n = 0
  for (const p of packets) n += p.length
  return n
}

/** The SDP media section that describes a track (port 0: the transport is negotiated by SETUP). */
export function mediaSection(media: MediaTrack, control: string): SdpMedia {
  return {
    type: media.kind,
    port: 0,
    protocol: 'RTP/AVP',
    formats: [String(media.payloadType)],
    bandwidths: [],
    attributes: [...media.sdpAttributes(), { key: 'control', value: control }],
  }
}
