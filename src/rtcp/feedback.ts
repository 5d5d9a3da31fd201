/**
 * Transport-layer (RTPFB, 205) and payload-specific (PSFB, 206) feedback, RFC 4585 section 6.1.
 * Kept as an RtcpRawPacket by `parseRtcp`; these helpers read and build the common fields.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|   FMT   |       PT      |          length               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  SSRC of packet sender                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  SSRC of media source                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * :            Feedback Control Information (FCI)                 :
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { ParseError } from '../errors.js'
import { RtcpPacketType } from './header.js'
import { RtcpRawPacket } from './raw-packet.js'

const SENDER_SSRC_OFFSET = 0
const MEDIA_SSRC_OFFSET = 4
const FCI_OFFSET = 8

/** FMT values for RTPFB (RFC 4585 section 6.2, RFC 8888). */
export const RtpfbFormat = { NACK: 1, TWCC: 15 } as const
/** FMT values for PSFB (RFC 4585 section 6.3, RFC 5104 section 4.3). */
export const PsfbFormat = { PLI: 1, SLI: 2, RPSI: 3, FIR: 4, AFB: 15 } as const

export interface RtcpFeedbackFields {
  /** FMT: the count field of the header. */
  format: number
  senderSsrc: number
  mediaSsrc: number
  /** Feedback control information; a view into the packet's payload. */
  fci: Buffer
}

/** True for RTPFB and PSFB packets. */
export function isRtcpFeedback(p: RtcpRawPacket): boolean {
  return p.packetType === RtcpPacketType.RTPFB || p.packetType === RtcpPacketType.PSFB
}

/** Reads the common feedback fields of a raw packet; only a payload shorter than 8 bytes is an error. */
export function readRtcpFeedback(p: RtcpRawPacket): RtcpFeedbackFields {
  if (p.payload.length < FCI_OFFSET) {
    throw new ParseError('ERR_RTCP_SHORT', `feedback payload needs ${FCI_OFFSET} bytes, has ${p.payload.length}`, {
      observed: p.payload.length,
      allowed: `>= ${FCI_OFFSET}`,
    })
  }
  return {
    format: p.count,
    senderSsrc: p.payload.readUInt32BE(SENDER_SSRC_OFFSET),
    mediaSsrc: p.payload.readUInt32BE(MEDIA_SSRC_OFFSET),
    fci: p.payload.subarray(FCI_OFFSET),
  }
}

/** A Picture Loss Indication (PSFB, FMT 1, no FCI): how a receiver asks for a key frame. */
export function createPictureLossIndication(senderSsrc: number, mediaSsrc: number): RtcpRawPacket {
  const payload = Buffer.alloc(FCI_OFFSET)
  payload.writeUInt32BE(senderSsrc >>> 0, SENDER_SSRC_OFFSET)
  payload.writeUInt32BE(mediaSsrc >>> 0, MEDIA_SSRC_OFFSET)
  return new RtcpRawPacket({ packetType: RtcpPacketType.PSFB, count: PsfbFormat.PLI, payload })
}
