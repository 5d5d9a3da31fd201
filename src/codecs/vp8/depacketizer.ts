/**
 * RTP depacketizer for VP8, RFC 7741 section 4: a frame starts at the packet whose descriptor has S = 1
 * and partition index 0, runs over packets of one RTP timestamp, and ends at the marker bit. Frames are
 * the VP8 payloads joined (descriptors removed); a frame whose start was lost is dropped whole. Key
 * frames are those whose first byte has P = 0 (4.3); their size is read from the key frame header.
 */
import { ParseError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import type { CodecDepacketizer, ReceivedFrame } from '../codec.js'
import { FrameAssembler } from '../frame-assembler.js'
import { parseVp8Descriptor } from './descriptor.js'
import { isVp8KeyFrame, parseVp8FrameHeader } from './frame-header.js'

export interface Vp8ReceivedFrame extends ReceivedFrame {
  /** Key frames: the picture size from the frame header. */
  width?: number
  height?: number
}

export class Vp8Depacketizer implements CodecDepacketizer {
  private readonly frame = new FrameAssembler('ERR_VP8_')

  /** Throws ParseError('ERR_VP8_DESCRIPTOR' | 'ERR_VP8_PAYLOAD') for a malformed packet, forgetting any partial frame. */
  push(p: RtpPacket): Vp8ReceivedFrame[] {
    // Padding only (WebRTC senders probe bandwidth so): nothing to read, and no reason to drop a partial frame.
    if (p.payload.length === 0) return []
    let d
    try {
      d = parseVp8Descriptor(p.payload)
    } catch (err) {
      this.reset()
      throw err
    }
    const data = p.payload.subarray(d.size)
    if (data.length === 0) {
      this.reset()
      throw new ParseError('ERR_VP8_PAYLOAD', 'VP8 RTP payload has a descriptor and no data', { observed: p.payload.length })
    }
    if (d.start && d.partitionIndex === 0) this.frame.start(p.timestamp)
    else if (this.frame.timestamp !== p.timestamp) {
      // A continuation of a frame whose first packet we did not get.
      this.frame.reset()
      return []
    }
    this.frame.push(data)
    if (!p.marker) return []
    const frame = this.frame.take()
    const out: Vp8ReceivedFrame = { data: frame, timestamp: p.timestamp, keyframe: isVp8KeyFrame(frame) }
    if (out.keyframe) {
      try {
        const h = parseVp8FrameHeader(frame)
        out.width = h.width!
        out.height = h.height!
      } catch (err) {
        if (!(err instanceof ParseError)) throw err
        out.keyframe = false // a key frame without its header cannot start a decoder
      }
    }
    return [out]
  }

  reset(): void {
    this.frame.reset()
  }
}
