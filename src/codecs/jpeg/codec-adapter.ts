/**
 * RTP/JPEG (RFC 2435) behind the common codec contract of codecs/codec.ts, for plain RTP send/receive
 * and the codec registry. Thin wrappers over JpegPacketizer and JpegDepacketizer.
 *
 * Frames are complete baseline JFIF images; every frame is a keyframe. The depacketizer also takes
 * whole JPEGs without the RFC 2435 header, as the RTSP/RTP teaching project sends them (whole-frame.ts).
 */
import type { CodecDepacketizer, CodecPacketizer, ReceivedFrame } from '../codec.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import { JpegDepacketizer, type JpegDepacketizerOptions } from './depacketizer.js'
import { JpegPacketizer, type JpegPacketizerOptions } from './packetizer.js'
import { isWholeJpegStart, WholeJpegAssembler } from './whole-frame.js'

/** RTP packets in, JFIF images out. */
export class JpegRtpDepacketizer implements CodecDepacketizer {
  private readonly inner: JpegDepacketizer
  private readonly whole: WholeJpegAssembler

  constructor(opts: JpegDepacketizerOptions = {}) {
    this.inner = new JpegDepacketizer(opts)
    this.whole = new WholeJpegAssembler(opts)
  }

  /** Frames abandoned because their last packet never came. */
  get framesDropped(): number {
    return this.inner.framesDropped + this.whole.framesDropped
  }

  push(packet: RtpPacket): ReceivedFrame[] {
    const wholeFrame = this.whole.inProgress || isWholeJpegStart(packet.payload)
    const jpeg = wholeFrame ? this.whole.push(packet) : this.inner.push(packet)
    return jpeg ? [{ data: jpeg, timestamp: packet.timestamp, keyframe: true }] : []
  }

  reset(): void {
    this.inner.reset()
    this.whole.reset()
  }
}

/** JFIF images in (one buffer, or pieces that are concatenated), RTP packets out. */
export class JpegRtpPacketizer implements CodecPacketizer {
  private readonly inner: JpegPacketizer

  constructor(opts: JpegPacketizerOptions) {
    this.inner = new JpegPacketizer(opts)
  }

  get ssrc(): number {
    return this.inner.ssrc
  }
  get payloadType(): number {
    return this.inner.payloadType
  }
  get nextSequence(): number {
    return this.inner.nextSequence
  }

  packetize(frame: Buffer | readonly Buffer[], timestamp: number): Buffer[] {
    return this.inner.packetize(Buffer.isBuffer(frame) ? frame : Buffer.concat(frame), timestamp)
  }
}
