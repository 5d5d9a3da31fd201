/**
 * RTP payload format for Opus, RFC 7587 section 4.2: "only one Opus packet MUST be put into one RTP
 * payload" and Opus packets are never fragmented. The RTP timestamp counts 48 kHz samples (4.1), so
 * consecutive Opus packets given together advance it by their duration from the TOC (RFC 6716 3.1).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |                    one Opus packet (TOC byte first)           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The marker bit stays 0: it marks the first packet of a talkspurt after DTX (4.2), and the encoder, not
 * the payloader, knows about DTX. The packetizer owns SSRC and sequence numbers; the caller owns timestamps.
 */
import { CodecError } from '../../errors.js'
import { RTP_MAX_PACKET_SIZE, RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import type { CodecPacketizer } from '../codec.js'
import { DEFAULT_OPUS_PAYLOAD_TYPE } from './format.js'
import { OPUS_TOC_SIZE, parseOpusPacket } from './packet.js'

export const DEFAULT_MAX_PACKET_SIZE = 1400
export const OPUS_MIN_PACKET_SIZE = RTP_HEADER_SIZE + OPUS_TOC_SIZE
export const MAX_MAX_PACKET_SIZE = RTP_MAX_PACKET_SIZE

export interface OpusPacketizerOptions {
  /** Dynamic payload type, default 111. */
  payloadType?: number | undefined
  ssrc: number
  /** Default: random (RFC 3550 5.1). */
  initialSequence?: number | undefined
  /** Largest serialized RTP packet, header included. Default 1400. */
  maxPacketSize?: number | undefined
}

export class OpusPacketizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly maxPacketSize: number
  private readonly writer: RtpPacketWriter

  constructor(opts: OpusPacketizerOptions) {
    this.writer = new RtpPacketWriter(opts, {
      defaultPayloadType: DEFAULT_OPUS_PAYLOAD_TYPE,
      defaultMaxPacketSize: DEFAULT_MAX_PACKET_SIZE,
      minPacketSize: OPUS_MIN_PACKET_SIZE,
    })
    this.ssrc = this.writer.ssrc
    this.payloadType = this.writer.payloadType
    this.maxPacketSize = this.writer.maxPacketSize
  }

  get nextSequence(): number {
    return this.writer.nextSequence
  }

  /**
   * One RTP packet per Opus packet; with several packets, each is stamped `timestamp` plus the duration of
   * those before it. Every packet is checked first (RFC 6716 3.4, ParseError) and must fit one RTP packet
   * (CodecError), so a bad packet sends nothing.
   */
  packetize(frame: Uint8Array | readonly Uint8Array[], timestamp: number): Buffer[] {
    const packets = frame instanceof Uint8Array ? [frame] : frame
    const maxPayload = this.maxPacketSize - RTP_HEADER_SIZE
    const offsets: number[] = []
    let elapsed = 0
    for (const packet of packets) {
      const info = parseOpusPacket(packet)
      if (packet.length > maxPayload) {
        throw new CodecError(
          'ERR_OPUS_PACKET_SIZE',
          `Opus packet of ${packet.length} bytes does not fit a ${this.maxPacketSize}-byte RTP packet`,
          { observed: packet.length, allowed: `<= ${maxPayload}` },
        )
      }
      offsets.push(elapsed)
      elapsed += info.samples
    }
    return packets.map((packet, i) => this.writer.packet(packet, (timestamp + offsets[i]!) >>> 0))
  }
}
