/**
 * RTP packetizer for VP8, RFC 7741 section 4: every packet carries our 4-byte payload descriptor (X and
 * I set, a 15-bit picture ID that advances by one per frame), the first with S = 1 and partition index
 * 0; the frame is split wherever the packet size limit falls (section 4.4 allows any split), and the
 * last packet of a frame has the marker bit. The packetizer owns SSRC, sequence and picture ID; the
 * caller owns timestamps.
 */
import { CodecError } from '../../errors.js'
import { RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import type { Random } from '../../util/random.js'
import { cryptoRandom } from '../../util/random.js'
import type { CodecPacketizer } from '../codec.js'
import { DYNAMIC_PAYLOAD_TYPE_MIN } from '../format-helpers.js'
import { wholeFrame } from '../frame-video-track.js'
import { VP8_PACKETIZER_DESCRIPTOR_SIZE, writeVp8Descriptor } from './descriptor.js'

export const VP8_DEFAULT_MAX_PACKET_SIZE = 1400
/** Header, descriptor and one byte of frame. */
export const VP8_MIN_PACKET_SIZE = RTP_HEADER_SIZE + VP8_PACKETIZER_DESCRIPTOR_SIZE + 1
const PICTURE_ID_MASK = 0x7fff

export interface Vp8PacketizerOptions {
  payloadType?: number | undefined
  ssrc: number
  initialSequence?: number | undefined
  maxPacketSize?: number | undefined
  /** Default: random. */
  initialPictureId?: number | undefined
  random?: Random | undefined
}

export class Vp8Packetizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly maxPacketSize: number
  private readonly writer: RtpPacketWriter
  private pictureId: number

  constructor(opts: Vp8PacketizerOptions) {
    this.writer = new RtpPacketWriter(opts, {
      defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
      defaultMaxPacketSize: VP8_DEFAULT_MAX_PACKET_SIZE,
      minPacketSize: VP8_MIN_PACKET_SIZE,
      codePrefix: 'ERR_VP8_',
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

  /** Packets of one VP8 frame. Throws CodecError('ERR_VP8_FRAME_EMPTY') for an empty frame. */
  packetize(frame: Buffer | readonly Buffer[], timestamp: number): Buffer[] {
    const data = wholeFrame(frame)
    if (data.length === 0) throw new CodecError('ERR_VP8_FRAME_EMPTY', 'cannot send an empty VP8 frame', { observed: 0, allowed: '>= 1' })
    const room = this.writer.maxPayloadSize - VP8_PACKETIZER_DESCRIPTOR_SIZE
    const packets: Buffer[] = []
    for (let at = 0; at < data.length; at += room) {
      const end = Math.min(at + room, data.length)
      const buf = this.writer.alloc(VP8_PACKETIZER_DESCRIPTOR_SIZE + end - at, timestamp, end === data.length)
      writeVp8Descriptor(buf, RTP_HEADER_SIZE, at === 0, this.pictureId)
      data.copy(buf, RTP_HEADER_SIZE + VP8_PACKETIZER_DESCRIPTOR_SIZE, at, end)
      packets.push(buf)
    }
    this.pictureId = (this.pictureId + 1) & PICTURE_ID_MASK
    return packets
  }
}
