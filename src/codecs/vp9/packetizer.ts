/**
 * RTP packetizer for VP9, RFC 9628 section 4: non-flexible mode with one spatial layer. Every packet
 * carries I with a 15-bit picture ID that advances by one per frame, P = 1 unless the frame is a key
 * or intra-only frame, B on the first packet and E (and the marker bit) on the last; the first packet of a key frame
 * also carries a scalability structure (V = 1) giving the picture size, so that a receiver knows it
 * before decoding (4.2.1). The frame (or superframe) is split wherever the packet size limit falls.
 * The packetizer owns SSRC, sequence and picture ID; the caller owns timestamps.
 */
import { CodecError } from '../../errors.js'
import { RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import { cryptoRandom, type Random } from '../../util/random.js'
import type { CodecPacketizer } from '../codec.js'
import { DYNAMIC_PAYLOAD_TYPE_MIN, tolerant } from '../format-helpers.js'
import { wholeFrame } from '../frame-video-track.js'
import { VP9_PACKETIZER_DESCRIPTOR_SIZE, VP9_PACKETIZER_SS_SIZE, vp9DescriptorSize, writeVp9Descriptor } from './descriptor.js'
import { parseVp9FrameHeader } from './frame-header.js'

export const VP9_DEFAULT_MAX_PACKET_SIZE = 1400
/** Header, descriptor with SS and one byte of frame. */
export const VP9_MIN_PACKET_SIZE = RTP_HEADER_SIZE + VP9_PACKETIZER_DESCRIPTOR_SIZE + VP9_PACKETIZER_SS_SIZE + 1
const PICTURE_ID_MASK = 0x7fff

export interface Vp9PacketizerOptions {
  payloadType?: number | undefined
  ssrc: number
  initialSequence?: number | undefined
  maxPacketSize?: number | undefined
  /** Default: random. */
  initialPictureId?: number | undefined
  random?: Random | undefined
}

export class Vp9Packetizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly maxPacketSize: number
  private readonly writer: RtpPacketWriter
  private pictureId: number

  constructor(opts: Vp9PacketizerOptions) {
    this.writer = new RtpPacketWriter(opts, {
      defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
      defaultMaxPacketSize: VP9_DEFAULT_MAX_PACKET_SIZE,
      minPacketSize: VP9_MIN_PACKET_SIZE,
      codePrefix: 'ERR_VP9_',
    })
    this.ssrc = this.writer.ssrc
    this.payloadType = this.writer.payloadType
    this.maxPacketSize = this.writer.maxPacketSize
    this.pictureId = (opts.initialPictureId ?? (opts.random ?? cryptoRandom).u16()) & PICTURE_ID_MASK
  }

  get nextSequence(): number {
    return this.writer.nextSequence
  }

  /** Picture ID the next frame will carry. */
  get nextPictureId(): number {
    return this.pictureId
  }

  /**
   * Packets of one VP9 frame or superframe. Whether it is a key frame, and its size, come from its
   * uncompressed header; a frame whose header cannot be read is sent as inter-predicted.
   * Throws CodecError('ERR_VP9_FRAME_EMPTY') for an empty frame.
   */
  packetize(frame: Buffer | readonly Buffer[], timestamp: number): Buffer[] {
    const data = wholeFrame(frame)
    if (data.length === 0) throw new CodecError('ERR_VP9_FRAME_EMPTY', 'cannot send an empty VP9 frame', { observed: 0, allowed: '>= 1' })
    const header = tolerant(() => parseVp9FrameHeader(data))
    const keyframe = header?.keyframe === true
    const size = keyframe && header.width !== undefined ? { width: header.width, height: header.height! } : undefined
    const packets: Buffer[] = []
    for (let at = 0; at < data.length;) {
      const withSs = at === 0 && size !== undefined
      const room = this.writer.maxPayloadSize - vp9DescriptorSize(withSs)
      const end = Math.min(at + room, data.length)
      const descriptorSize = vp9DescriptorSize(withSs)
      const buf = this.writer.alloc(descriptorSize + end - at, timestamp, end === data.length)
      writeVp9Descriptor(buf, RTP_HEADER_SIZE, {
        start: at === 0,
        end: end === data.length,
        interPicture: !keyframe && header?.intraOnly !== true,
        pictureId: this.pictureId,
        size: withSs ? size : undefined,
      })
      data.copy(buf, RTP_HEADER_SIZE + descriptorSize, at, end)
      packets.push(buf)
      at = end
    }
    this.pictureId = (this.pictureId + 1) & PICTURE_ID_MASK
    return packets
  }
}
