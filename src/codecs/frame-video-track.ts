/**
 * What the stream tracks of frame-based video formats share (one coded frame or temporal unit per
 * unit, no parameter sets to learn out of band). Each frame is read once by its codec for the
 * keyframe flag and the picture size, then handed to the packetizer as it is.
 */
import type { SdpAttribute } from '../sdp/sdp.js'
import type { CodecPacketizer } from './codec.js'
import { VIDEO_CLOCK_RATE } from './format-helpers.js'
import type { MediaTrack, PreparedFrame } from './media-track.js'

/** What a codec reads from one of its frames. */
export interface FrameInspection {
  /** A decoder can start here. */
  keyframe: boolean
  width?: number | undefined
  height?: number | undefined
}

/** Joins a frame given as pieces; a single Buffer stays a view. */
export const wholeFrame = (data: Buffer | readonly Buffer[]): Buffer =>
  Buffer.isBuffer(data) ? data : data.length === 1 ? data[0]! : Buffer.concat(data)

export abstract class FrameVideoTrack implements MediaTrack {
  readonly kind = 'video'
  readonly clockRate = VIDEO_CLOCK_RATE
  // Nothing out of band is needed: the SDP is complete from the start.
  readonly ready = true
  abstract readonly codec: string
  protected abstract readonly packetizer: CodecPacketizer
  protected width: number | undefined
  protected height: number | undefined

  constructor(size: { width?: number | undefined; height?: number | undefined }) {
    this.width = size.width
    this.height = size.height
  }

  get payloadType(): number {
    return this.packetizer.payloadType
  }
  get ssrc(): number {
    return this.packetizer.ssrc
  }
  get nextSequence(): number {
    return this.packetizer.nextSequence
  }

  /** The codec's reading of a frame; it throws nothing (a frame it cannot read is simply not a keyframe). */
  protected abstract inspect(frame: Buffer): FrameInspection
  /** fmtp parameters (no payload type), when the format has any to say. */
  protected fmtp(): string | undefined {
    return undefined
  }

  sdpAttributes(): SdpAttribute[] {
    const attrs: SdpAttribute[] = [{ key: 'rtpmap', value: `${this.payloadType} ${this.codec}/${VIDEO_CLOCK_RATE}` }]
    const fmtp = this.fmtp()
    if (fmtp) attrs.push({ key: 'fmtp', value: `${this.payloadType} ${fmtp}` })
    // ffmpeg, VLC and GStreamer read a=framesize for any video format.
    if (this.width !== undefined && this.height !== undefined) {
      attrs.push({ key: 'framesize', value: `${this.payloadType} ${this.width}-${this.height}` })
    }
    return attrs
  }

  prepare(data: Buffer | readonly Buffer[]): PreparedFrame {
    const frame = wholeFrame(data)
    const info = this.inspect(frame)
    if (info.width !== undefined && info.height !== undefined) {
      this.width = info.width
      this.height = info.height
    }
    return { payload: frame, keyframe: info.keyframe }
  }

  packetize(payload: Buffer | readonly Buffer[], rtpTimestamp: number): Buffer[] {
    return this.packetizer.packetize(wholeFrame(payload), rtpTimestamp)
  }
}
