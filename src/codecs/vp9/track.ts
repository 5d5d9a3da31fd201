import type { CodecPacketizer } from '../codec.js'
import { tolerant } from '../format-helpers.js'
import { FrameVideoTrack, type FrameInspection } from '../frame-video-track.js'
import type { MediaTrack } from '../media-track.js'
import { VP9_ENCODING_NAME } from './format.js'
import { parseVp9FrameHeader } from './frame-header.js'
import { Vp9Packetizer } from './packetizer.js'

export interface Vp9TrackOptions {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number | undefined
  payloadType?: number | undefined
  width?: number | undefined
  height?: number | undefined
}

/**
 * VP9 over RTP (RFC 9628): frames are VP9 frames or superframes; key frames give the size, every frame
 * the profile, which the SDP states as `profile-id` once known.
 */
export class Vp9Track extends FrameVideoTrack implements MediaTrack {
  readonly codec = VP9_ENCODING_NAME
  protected readonly packetizer: CodecPacketizer
  private profile: number | undefined

  constructor(opts: Vp9TrackOptions) {
    super(opts)
    this.packetizer = new Vp9Packetizer(opts)
  }

  protected inspect(frame: Buffer): FrameInspection {
    const h = tolerant(() => parseVp9FrameHeader(frame))
    if (!h) return { keyframe: false }
    this.profile = h.profile
    return { keyframe: h.keyframe, width: h.width, height: h.height }
  }

  protected override fmtp(): string | undefined {
    return this.profile === undefined ? undefined : `profile-id=${this.profile}`
  }
}
