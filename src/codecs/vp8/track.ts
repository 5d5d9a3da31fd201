import type { CodecPacketizer } from '../codec.js'
import { FrameVideoTrack, type FrameInspection } from '../frame-video-track.js'
import type { MediaTrack } from '../media-track.js'
import { isVp8KeyFrame, parseVp8FrameHeader } from './frame-header.js'
import { Vp8Packetizer } from './packetizer.js'
import { VP8_ENCODING_NAME } from './format.js'
import { tolerant } from '../format-helpers.js'

export interface Vp8TrackOptions {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number | undefined
  payloadType?: number | undefined
  width?: number | undefined
  height?: number | undefined
}

/** VP8 over RTP (RFC 7741): frames are VP8 frames; the size is learned from key frame headers. */
export class Vp8Track extends FrameVideoTrack implements MediaTrack {
  readonly codec = VP8_ENCODING_NAME
  protected readonly packetizer: CodecPacketizer

  constructor(opts: Vp8TrackOptions) {
    super(opts)
    this.packetizer = new Vp8Packetizer(opts)
  }

  protected inspect(frame: Buffer): FrameInspection {
    if (!isVp8KeyFrame(frame)) return { keyframe: false }
    const h = tolerant(() => parseVp8FrameHeader(frame))
    // A key frame whose header is unreadable cannot start a decoder.
    return h ? { keyframe: true, width: h.width, height: h.height } : { keyframe: false }
  }
}
