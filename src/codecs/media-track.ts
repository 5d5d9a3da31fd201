/**
 * The codec half of a stream track, as the stream, the server and the client's publisher use it. Each
 * codec's entry creates its own (`Codec.createTrack`, codecs/<name>/track.ts).
 */
import type { CodecPacketizer } from './codec.js'
import type { SdpAttribute, SdpMedia } from '../sdp/sdp.js'

/** A pushed frame after its track learned from it: what `packetize` takes, and whether a reader may start here. */
export interface PreparedFrame {
  /** H.264/H.265: the access unit's NAL units (parameter sets put before keyframes); others: the frame. */
  payload: Buffer | readonly Buffer[]
  /** A reader waiting for a clean start may begin with this frame. */
  keyframe: boolean
}

/** Identity and size settings every track gets from its stream (or publisher). */
export interface TrackCommon {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number | undefined
  /** Default: the codec's static payload type, else its usual dynamic one. */
  payloadType?: number | undefined
}

/**
 * The codec-specific half of a stream track: learns parameters from what is pushed,
 * packetizes, and describes itself in SDP. One instance per track, owned by the stream.
 */
export interface MediaTrack {
  readonly kind: 'video' | 'audio'
  /** The SDP encoding name it sends, for logs and stats. */
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
  /** Learns parameters from one pushed frame (every frame, read or not) and returns what packetize takes. */
  prepare(data: Buffer | readonly Buffer[]): PreparedFrame
  /** Serialized RTP packets of one prepared frame, made once and shared by every reader. Owns sequence numbers. */
  packetize(payload: Buffer | readonly Buffer[], rtpTimestamp: number): Buffer[]
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

/** What one frame became in one step, for code with no stream (the client's publisher, tests). */
export interface PacketizedFrame {
  packets: Buffer[]
  keyframe: boolean
  bytes: number
}

/** Prepares and packetizes one frame at once. */
export function packetizeFrame(track: MediaTrack, data: Buffer | readonly Buffer[], rtpTimestamp: number): PacketizedFrame {
  const prepared = track.prepare(data)
  const packets = track.packetize(prepared.payload, rtpTimestamp)
  return { packets, keyframe: prepared.keyframe, bytes: sumBytes(packets) }
}

/**
 * What every audio track shares: each frame goes to the packetizer as it is (which owns SSRC and
 * sequence numbers), and any frame may start a reader. A subclass gives its packetizer and its SDP.
 */
export abstract class AudioFrameTrack {
  protected abstract readonly packetizer: CodecPacketizer

  get ssrc(): number {
    return this.packetizer.ssrc
  }

  get nextSequence(): number {
    return this.packetizer.nextSequence
  }

  prepare(data: Buffer | readonly Buffer[]): PreparedFrame {
    // Every audio frame stands alone: a reader may start anywhere.
    return { payload: data, keyframe: true }
  }

  packetize(payload: Buffer | readonly Buffer[], rtpTimestamp: number): Buffer[] {
    return this.packetizer.packetize(payload, rtpTimestamp)
  }
}
