import { jpegMediaAttributes } from '../../codecs/jpeg/format.js'
import { parseJfif } from '../../codecs/jpeg/jfif.js'
import { JpegPacketizer } from '../../codecs/jpeg/packetizer.js'
import type { SdpAttribute } from '../../sdp/sdp.js'
import type { MediaTrack, PreparedFrame } from './media-track.js'

export interface JpegTrackOptions {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number
  width?: number
  height?: number
  fps?: number
}

/** Motion JPEG over RTP (RFC 2435), static payload type 26. Every frame is a keyframe. */
export class JpegTrack implements MediaTrack {
  readonly kind = 'video'
  readonly codec = 'JPEG'
  readonly clockRate = 90000
  readonly payloadType = 26
  readonly ready = true
  private readonly packetizer: JpegPacketizer
  private width: number | undefined
  private height: number | undefined

  constructor(private readonly opts: JpegTrackOptions) {
    this.packetizer = new JpegPacketizer({ ssrc: opts.ssrc, initialSequence: opts.initialSequence, maxPacketSize: opts.maxPacketSize })
    this.width = opts.width
    this.height = opts.height
  }

  get ssrc(): number {
    return this.packetizer.ssrc
  }
  get nextSequence(): number {
    return this.packetizer.nextSequence
  }

  sdpAttributes(): SdpAttribute[] {
    return jpegMediaAttributes({ width: this.width, height: this.height, fps: this.opts.fps })
  }

  prepare(data: Buffer | readonly Buffer[]): PreparedFrame {
    const jpeg = Buffer.isBuffer(data) ? data : Buffer.concat(data)
    if (this.width === undefined) {
      const info = parseJfif(jpeg)
      this.width = info.width
      this.height = info.height
    }
    // Every JPEG stands alone; the whole image is also what teaching-dialect readers get.
    return { payload: jpeg, keyframe: true }
  }

  packetize(payload: Buffer | readonly Buffer[], rtpTimestamp: number): Buffer[] {
    return this.packetizer.packetize(Buffer.isBuffer(payload) ? payload : Buffer.concat(payload), rtpTimestamp)
  }
}
