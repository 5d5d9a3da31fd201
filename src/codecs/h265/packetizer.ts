/**
 * RTP payload format for H.265, RFC 7798, single RTP stream (tx-mode SRST) without DONL fields
 * (sprop-max-don-diff = 0): single NAL unit packets (4.4.1), aggregation packets (4.4.2) and
 * fragmentation units (4.4.3). Every payload starts with a 2-byte PayloadHdr laid out as a NAL unit
 * header (see nal.ts).
 *
 * Aggregation packet (4.4.2):
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   PayloadHdr (Type=48)        |         NALU 1 Size           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          NALU 1 HDR           |         NALU 1 Data  …        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  …            | NALU 2 Size                   | NALU 2 HDR  … |
 *  PayloadHdr: F is the OR of the aggregated F bits; LayerId and TID are the lowest aggregated values.
 *  An AP carries at least two aggregation units, so a lone small NAL unit goes in a single NAL unit packet.
 *
 * Fragmentation unit (4.4.3):
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   PayloadHdr (Type=49)        |S|E|  FuType   |   PayloadHdr: F, LayerId, TID of the NAL unit
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   FU header: start, end, the NAL unit's type
 *  followed by a fragment of the NAL unit without its 2-byte header.
 *
 * The packetizer owns SSRC and sequence numbers; the caller owns timestamps (90 kHz clock, 4.1).
 */
import { markLastPacket, maxPayloadOf, planNalPackets } from '../nal-aggregation.js'
import { CodecError } from '../../errors.js'
import { RTP_MAX_PACKET_SIZE, RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import type { CodecPacketizer } from '../codec.js'
import { splitAnnexB } from '../annexb.js'
import {
  H265NalType,
  MAX_H265_NAL_TYPE,
  NAL_FORBIDDEN_BIT,
  NAL_HEADER_SIZE,
  NAL_F_LAYER_HIGH_MASK,
  NAL_LAYER_ID_LOW_BITS,
  NAL_LAYER_ID_LOW_MASK,
  NAL_LAYER_ID_LOW_SHIFT,
  NAL_TID_MASK,
  NAL_TYPE_SHIFT,
  nalLayerId,
  nalTemporalIdPlus1,
  nalType,
} from './nal.js'

/** Whole RTP packet: 1500-byte MTU minus IPv6 (40) and UDP (8) headers, with room for tunnelling/SRTP. */
export const DEFAULT_MAX_PACKET_SIZE = 1400
export const DEFAULT_H265_PAYLOAD_TYPE = 96
export const PAYLOAD_HEADER_SIZE = NAL_HEADER_SIZE
export const AP_LENGTH_SIZE = 2
const AP_LAYOUT = { headerSize: PAYLOAD_HEADER_SIZE, lengthSize: AP_LENGTH_SIZE }
export const FU_HEADER_OFFSET = PAYLOAD_HEADER_SIZE
export const FU_HEADER_SIZE = 1
/** PayloadHdr + FU header. */
export const FU_PAYLOAD_OFFSET = PAYLOAD_HEADER_SIZE + FU_HEADER_SIZE
export const FU_START_BIT = 0x80
export const FU_END_BIT = 0x40
export const FU_TYPE_MASK = 0x3f
/** Smallest packet that can carry one byte of an FU fragment. */
export const MIN_MAX_PACKET_SIZE = RTP_HEADER_SIZE + FU_PAYLOAD_OFFSET + 1
/** A UDP payload cannot be larger; also keeps AP 16-bit NAL sizes valid. */
export const MAX_MAX_PACKET_SIZE = RTP_MAX_PACKET_SIZE
/** RTP header byte 1 marker bit (RFC 3550 5.1); set on the last packet of an access unit (RFC 7798 4.1). */
/** Highest nuh_layer_id and TID, the starting points of the AP minimum. */
const MAX_LAYER_ID = 0x3f
const MAX_TID = NAL_TID_MASK

export interface H265PacketizerOptions {
  /** Dynamic payload type, default 96. */
  payloadType?: number
  ssrc: number
  /** Default: random (RFC 3550 5.1). */
  initialSequence?: number
  /** Largest serialized RTP packet, header included. Default 1400. */
  maxPacketSize?: number
}

/** PayloadHdr bytes for a given F bit, type, LayerId and TID. */
function payloadHeader(forbidden: number, type: number, layerId: number, tid: number): [number, number] {
  return [
    forbidden | (type << NAL_TYPE_SHIFT) | (layerId >>> NAL_LAYER_ID_LOW_BITS),
    ((layerId << NAL_LAYER_ID_LOW_SHIFT) & NAL_LAYER_ID_LOW_MASK) | tid,
  ]
}

export class H265Packetizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly maxPacketSize: number
  private readonly writer: RtpPacketWriter

  constructor(opts: H265PacketizerOptions) {
    this.writer = new RtpPacketWriter(opts, {
      defaultPayloadType: DEFAULT_H265_PAYLOAD_TYPE,
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
   * Packetizes one access unit sent at `timestamp`: Annex-B bytes, or NAL units without start codes.
   * Consecutive NAL units that fit together go into one AP; a NAL unit larger than a packet is split into
   * FUs; the marker bit is set on the last packet. Each packet is one allocation; NAL unit bytes are
   * copied once. Throws CodecError for NAL units shorter than their header, with TID 0, or of types
   * 48..63, which H.265 encoders do not produce and a receiver would take for RTP packet types. Throws
   * ParseError when Annex-B bytes do not start with a start code.
   */
  packetize(frame: Buffer | readonly Uint8Array[], timestamp: number): Buffer[] {
    const nalus: readonly Uint8Array[] = Buffer.isBuffer(frame) ? splitAnnexB(frame) : frame
    for (const nal of nalus) if (nal.length > 0) checkNal(nal)

    const maxPayload = maxPayloadOf(this.maxPacketSize)
    const out: Buffer[] = []
    planNalPackets(nalus, maxPayload, AP_LAYOUT, {
      single: (nal) => out.push(this.writer.packet(nal, timestamp)),
      aggregate: (start, end, size) => this.writeAp(out, nalus, start, end, size, timestamp),
      fragment: (nal) => this.writeFu(out, nal, maxPayload, timestamp),
    })
    markLastPacket(out)
    return out
  }

  private writeAp(out: Buffer[], nalus: readonly Uint8Array[], start: number, end: number, payloadSize: number, timestamp: number): void {
    const buf = this.writer.alloc(payloadSize, timestamp)
    let forbidden = 0
    let layerId = MAX_LAYER_ID
    let tid = MAX_TID
    let off = RTP_HEADER_SIZE + PAYLOAD_HEADER_SIZE
    for (let i = start; i < end; i++) {
      const nal = nalus[i]!
      forbidden |= nal[0]! & NAL_FORBIDDEN_BIT
      layerId = Math.min(layerId, nalLayerId(nal))
      tid = Math.min(tid, nalTemporalIdPlus1(nal))
      buf.writeUInt16BE(nal.length, off)
      off += AP_LENGTH_SIZE
      buf.set(nal, off)
      off += nal.length
    }
    const [h0, h1] = payloadHeader(forbidden, H265NalType.AP, layerId, tid)
    buf[RTP_HEADER_SIZE] = h0
    buf[RTP_HEADER_SIZE + 1] = h1
    out.push(buf)
  }

  private writeFu(out: Buffer[], nal: Uint8Array, maxPayload: number, timestamp: number): void {
    // PayloadHdr: the NAL header with Type replaced by 49 (F, LayerId and TID kept).
    const h0 = (nal[0]! & NAL_F_LAYER_HIGH_MASK) | (H265NalType.FU << NAL_TYPE_SHIFT)
    const h1 = nal[1]!
    const type = nalType(nal)
    const maxFragment = maxPayload - FU_PAYLOAD_OFFSET
    for (let off = NAL_HEADER_SIZE; off < nal.length; off += maxFragment) {
      const end = Math.min(off + maxFragment, nal.length)
      const buf = this.writer.alloc(FU_PAYLOAD_OFFSET + end - off, timestamp)
      buf[RTP_HEADER_SIZE] = h0
      buf[RTP_HEADER_SIZE + 1] = h1
      buf[RTP_HEADER_SIZE + FU_HEADER_OFFSET] = (off === NAL_HEADER_SIZE ? FU_START_BIT : 0) | (end === nal.length ? FU_END_BIT : 0) | type
      buf.set(nal.subarray(off, end), RTP_HEADER_SIZE + FU_PAYLOAD_OFFSET)
      out.push(buf)
    }
  }
}

function checkNal(nal: Uint8Array): void {
  if (nal.length < NAL_HEADER_SIZE) {
    throw new CodecError('ERR_H265_NAL_HEADER', `NAL unit of ${nal.length} byte is shorter than its header`, {
      observed: nal.length,
      allowed: `>= ${NAL_HEADER_SIZE}`,
    })
  }
  const type = nalType(nal)
  if (type > MAX_H265_NAL_TYPE) {
    throw new CodecError('ERR_H265_NAL_TYPE', `NAL unit type ${type} cannot be sent over RTP`, {
      observed: type,
      allowed: `0..${MAX_H265_NAL_TYPE}`,
    })
  }
  if (nalTemporalIdPlus1(nal) === 0) {
    throw new CodecError('ERR_H265_NAL_HEADER', 'NAL unit has nuh_temporal_id_plus1 = 0', { observed: 0, allowed: '1..7' })
  }
}
