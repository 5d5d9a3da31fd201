/**
 * RTP payload format for H.264, RFC 6184, non-interleaved mode (packetization-mode=1, section 6.3):
 * single NAL unit packets (5.6), STAP-A aggregation packets (5.7.1) and FU-A fragmentation units (5.8).
 *
 * STAP-A (5.7.1):
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |STAP-A NAL HDR |         NALU 1 Size           | NALU 1 HDR    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         NALU 1 Data  ...      | NALU 2 Size … |
 *  The STAP-A header's F bit is the OR of the aggregated F bits and its NRI their maximum.
 *
 * FU-A (5.8):
 *  +---------------+---------------+
 *  |F|NRI|  Type   |S|E|R|  Type   |   FU indicator (type 28, F/NRI of the NAL unit),
 *  +---------------+---------------+   FU header (start, end, reserved, the NAL unit's type)
 *  followed by a fragment of the NAL unit without its 1-byte header.
 *
 * The packetizer owns SSRC and sequence numbers; the caller owns timestamps (90 kHz clock, 5.1).
 */
import { markLastPacket, maxPayloadOf, planNalPackets } from '../nal-aggregation.js'
import { CodecError } from '../../errors.js'
import { RTP_MAX_PACKET_SIZE, RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import { MAX_H264_NAL_TYPE, NAL_F_NRI_MASK, NAL_FORBIDDEN_BIT, NAL_HEADER_SIZE, NAL_REF_IDC_MASK, NAL_TYPE_MASK, NalType } from './nal.js'

/** Whole RTP packet: 1500-byte MTU minus IPv6 (40) and UDP (8) headers, with room for tunnelling/SRTP. */
export const DEFAULT_MAX_PACKET_SIZE = 1400
export const DEFAULT_H264_PAYLOAD_TYPE = 96
export const STAP_A_HEADER_SIZE = 1
export const STAP_A_LENGTH_SIZE = 2
const STAP_A_LAYOUT = { headerSize: STAP_A_HEADER_SIZE, lengthSize: STAP_A_LENGTH_SIZE }
export const FU_A_HEADER_SIZE = 2
/** Offsets in the RTP payload: the FU indicator takes the NAL header's place, the FU header follows. */
export const FU_INDICATOR_OFFSET = 0
export const FU_HEADER_OFFSET = 1
export const FU_START_BIT = 0x80
export const FU_END_BIT = 0x40
/** Smallest packet that can carry one byte of an FU-A fragment. */
export const MIN_MAX_PACKET_SIZE = RTP_HEADER_SIZE + FU_A_HEADER_SIZE + 1
/** A UDP payload cannot be larger; also keeps STAP-A 16-bit NAL sizes valid. */
export const MAX_MAX_PACKET_SIZE = RTP_MAX_PACKET_SIZE
/** RTP header byte 1 marker bit (RFC 3550 5.1); set on the last packet of an access unit (RFC 6184 5.1). */

export interface H264PacketizerOptions {
  /** Dynamic payload type, default 96. */
  payloadType?: number
  ssrc: number
  /** Default: random (RFC 3550 5.1). */
  initialSequence?: number
  /** Largest serialized RTP packet, header included. Default 1400. */
  maxPacketSize?: number
}

export class H264Packetizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly maxPacketSize: number
  private readonly writer: RtpPacketWriter

  constructor(opts: H264PacketizerOptions) {
    this.writer = new RtpPacketWriter(opts, {
      defaultPayloadType: DEFAULT_H264_PAYLOAD_TYPE,
      defaultMaxPacketSize: DEFAULT_MAX_PACKET_SIZE,
      minPacketSize: MIN_MAX_PACKET_SIZE,
    })
    this.ssrc = this.writer.ssrc
    this.payloadType = this.writer.payloadType
    this.maxPacketSize = this.writer.maxPacketSize
  }

  /** Sequence number of the next packet. */
  get nextSequence(): number {
    return this.writer.nextSequence
  }

  /**
   * Packetizes one access unit (NAL units without start codes) sent at `timestamp`. Consecutive
   * NAL units that fit together go into one STAP-A; a NAL unit larger than a packet is split into
   * FU-A; the marker bit is set on the last packet. Each packet is one allocation; NAL unit bytes
   * are copied once. Throws CodecError for NAL unit types 0 and 24..31, which H.264 encoders do not
   * produce and which a receiver would mistake for RTP packet types.
   */
  packetize(nalus: readonly Uint8Array[], timestamp: number): Buffer[] {
    // Checked before any packet is made, so a refused access unit spends no sequence numbers.
    for (const nal of nalus) {
      if (nal.length === 0) continue
      const type = nal[0]! & NAL_TYPE_MASK
      if (type === 0 || type > MAX_H264_NAL_TYPE) {
        throw new CodecError('ERR_H264_NAL_TYPE', `NAL unit type ${type} cannot be sent over RTP`, {
          observed: type,
          allowed: `1..${MAX_H264_NAL_TYPE}`,
        })
      }
    }
    const maxPayload = maxPayloadOf(this.maxPacketSize)
    const out: Buffer[] = []
    planNalPackets(nalus, maxPayload, STAP_A_LAYOUT, {
      single: (nal) => out.push(this.writer.packet(nal, timestamp)),
      aggregate: (start, end, size) => this.writeStapA(out, nalus, start, end, size, timestamp),
      fragment: (nal) => this.writeFuA(out, nal, maxPayload, timestamp),
    })
    markLastPacket(out)
    return out
  }

  private writeStapA(
    out: Buffer[],
    nalus: readonly Uint8Array[],
    start: number,
    end: number,
    payloadSize: number,
    timestamp: number,
  ): void {
    const buf = this.writer.alloc(payloadSize, timestamp)
    let forbidden = 0
    let nri = 0
    let off = RTP_HEADER_SIZE + STAP_A_HEADER_SIZE
    for (let i = start; i < end; i++) {
      const nal = nalus[i]!
      forbidden |= nal[0]! & NAL_FORBIDDEN_BIT
      nri = Math.max(nri, nal[0]! & NAL_REF_IDC_MASK)
      buf.writeUInt16BE(nal.length, off)
      off += STAP_A_LENGTH_SIZE
      buf.set(nal, off)
      off += nal.length
    }
    buf[RTP_HEADER_SIZE] = forbidden | nri | NalType.STAP_A
    out.push(buf)
  }

  private writeFuA(out: Buffer[], nal: Uint8Array, maxPayload: number, timestamp: number): void {
    const indicator = (nal[0]! & NAL_F_NRI_MASK) | NalType.FU_A
    const type = nal[0]! & NAL_TYPE_MASK
    const maxFragment = maxPayload - FU_A_HEADER_SIZE
    for (let off = NAL_HEADER_SIZE; off < nal.length; off += maxFragment) {
      const end = Math.min(off + maxFragment, nal.length)
      const buf = this.writer.alloc(FU_A_HEADER_SIZE + end - off, timestamp)
      buf[RTP_HEADER_SIZE + FU_INDICATOR_OFFSET] = indicator
      buf[RTP_HEADER_SIZE + FU_HEADER_OFFSET] = (off === NAL_HEADER_SIZE ? FU_START_BIT : 0) | (end === nal.length ? FU_END_BIT : 0) | type
      buf.set(nal.subarray(off, end), RTP_HEADER_SIZE + FU_A_HEADER_SIZE)
      out.push(buf)
    }
  }
}
