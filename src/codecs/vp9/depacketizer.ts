/**
 * RTP depacketizer for VP9, RFC 9628 section 4: a layer frame runs from the packet with B = 1 to the one
 * with E = 1, all with the picture's RTP timestamp; the marker bit ends the picture (its last spatial
 * layer). A picture of one layer frame is that frame; several are joined into a superframe (VP9
 * bitstream Annex B) so that a decoder takes them as one. Descriptors are removed; a layer frame whose
 * start was lost is dropped.
 *
 * A picture is a keyframe when its first layer frame is not inter-picture predicted (P = 0), is of the
 * base spatial layer, and its uncompressed header says KEY_FRAME: some senders (ffmpeg) leave P at 0 on
 * every frame, so the bitstream has the last word whenever it can be read.
 */
import { ParseError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import type { CodecDepacketizer, ReceivedFrame } from '../codec.js'
import { tolerant } from '../format-helpers.js'
import { FrameAssembler } from '../frame-assembler.js'
import { parseVp9Descriptor, type Vp9Descriptor } from './descriptor.js'
import { buildSuperframe, parseVp9FrameHeader } from './frame-header.js'

/** A superframe index counts at most 8 frames (3 bits). */
export const VP9_MAX_LAYER_FRAMES = 8

export interface Vp9ReceivedFrame extends ReceivedFrame {
  /** The picture size, from the scalability structure or a key frame header, when known. */
  width?: number
  height?: number
}

export class Vp9Depacketizer implements CodecDepacketizer {
  private readonly layer = new FrameAssembler('ERR_VP9_')
  private layers: Buffer[] = []
  private pictureTimestamp: number | undefined
  private first: Vp9Descriptor | undefined
  private width: number | undefined
  private height: number | undefined

  /** Throws ParseError('ERR_VP9_DESCRIPTOR' | 'ERR_VP9_PAYLOAD') for a malformed packet, forgetting any partial picture. */
  push(p: RtpPacket): Vp9ReceivedFrame[] {
    // Padding only (WebRTC senders probe bandwidth so): nothing to read, and no reason to drop a partial frame.
    if (p.payload.length === 0) return []
    let d: Vp9Descriptor
    try {
      d = parseVp9Descriptor(p.payload)
    } catch (err) {
      this.reset()
      throw err
    }
    const data = p.payload.subarray(d.size)
    if (data.length === 0) {
      this.reset()
      throw new ParseError('ERR_VP9_PAYLOAD', 'VP9 RTP payload has a descriptor and no data', { observed: p.payload.length })
    }
    const size = d.ss?.sizes?.[d.ss.sizes.length - 1]
    if (size) {
      this.width = size.width
      this.height = size.height
    }
    if (this.pictureTimestamp !== p.timestamp) this.startPicture(p.timestamp)
    if (d.start) {
      this.layer.start(p.timestamp)
      this.first ??= d
    }
    if (this.layer.collecting) {
      this.layer.push(data)
      // A sender that leaves E unset still ends its last layer frame with the marker bit.
      if (d.end || p.marker) this.endLayerFrame()
    }
    if (!p.marker) return []
    const out = this.finishPicture(p.timestamp)
    return out ? [out] : []
  }

  reset(): void {
    this.layer.reset()
    this.startPicture(undefined)
  }

  private startPicture(timestamp: number | undefined): void {
    this.layer.reset()
    this.layers = []
    this.first = undefined
    this.pictureTimestamp = timestamp
  }

  private endLayerFrame(): void {
    const frame = this.layer.take()
    if (this.layers.length === VP9_MAX_LAYER_FRAMES) {
      this.startPicture(undefined)
      throw new ParseError('ERR_VP9_LAYERS', `VP9 picture of more than ${VP9_MAX_LAYER_FRAMES} layer frames`, {
        observed: VP9_MAX_LAYER_FRAMES + 1,
        allowed: `<= ${VP9_MAX_LAYER_FRAMES}`,
      })
    }
    this.layers.push(frame)
  }

  private finishPicture(timestamp: number): Vp9ReceivedFrame | undefined {
    const layers = this.layers
    const first = this.first
    this.startPicture(undefined)
    if (layers.length === 0 || !first) return undefined
    const data = layers.length === 1 ? layers[0]! : buildSuperframe(layers)
    const header = tolerant(() => parseVp9FrameHeader(layers[0]!))
    const baseLayer = first.spatialLayer === undefined || first.spatialLayer === 0
    const keyframe = !first.interPicture && baseLayer && (header === undefined || header.keyframe)
    if (header?.width !== undefined && this.width === undefined) {
      this.width = header.width
      this.height = header.height
    }
    const out: Vp9ReceivedFrame = { data, timestamp, keyframe }
    if (this.width !== undefined && this.height !== undefined) {
      out.width = this.width
      out.height = this.height
    }
    return out
  }
}
