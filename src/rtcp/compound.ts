/**
 * Compound RTCP packets, RFC 3550 section 6.1: packets stacked back to back in one datagram (or one
 * interleaved frame), each delimited by its own length field.
 *
 * Lenient where it costs nothing: the compound need not start with SR/RR (a lone BYE or a
 * feedback packet is accepted), and unknown types are kept as RtcpRawPacket. Strict where the
 * bytes are ambiguous: a bad version or a length field running past the input is a ParseError.
 */
import { ParseError } from '../errors.js'
import { RtcpGoodbye } from './goodbye.js'
import { RtcpPacketType, readRtcpPacket, toBuffer, type RtcpPacketView } from './header.js'
import { RtcpRawPacket } from './raw-packet.js'
import { RtcpReceiverReport } from './receiver-report.js'
import { RtcpSenderReport } from './sender-report.js'
import { RtcpSourceDescription } from './source-description.js'

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpGoodbye | RtcpRawPacket

/** Builds the model for one located packet; unknown types become RtcpRawPacket. */
export function decodeRtcpPacket(v: RtcpPacketView): RtcpPacket {
  switch (v.packetType) {
    case RtcpPacketType.SR:
      return RtcpSenderReport.fromView(v)
    case RtcpPacketType.RR:
      return RtcpReceiverReport.fromView(v)
    case RtcpPacketType.SDES:
      return RtcpSourceDescription.fromView(v)
    case RtcpPacketType.BYE:
      return RtcpGoodbye.fromView(v)
    default:
      return RtcpRawPacket.fromView(v)
  }
}

/** Parses a compound packet. Payload buffers of the results are views into `input`. */
export function parseRtcp(input: Uint8Array): RtcpPacket[] {
  const buf = toBuffer(input)
  if (buf.length === 0) {
    throw new ParseError('ERR_RTCP_SHORT', 'empty RTCP packet', { observed: 0, allowed: '>= 4' })
  }
  const out: RtcpPacket[] = []
  let off = 0
  while (off < buf.length) {
    const v = readRtcpPacket(buf, off)
    out.push(decodeRtcpPacket(v))
    off += v.size
  }
  return out
}

/** Total size of the compound packet `serializeRtcp` would produce. */
export function rtcpMarshalSize(packets: readonly RtcpPacket[]): number {
  let n = 0
  for (const p of packets) n += p.marshalSize()
  return n
}

/** Writes the packets back to back into `buf` at `offset`; returns the number of bytes written. */
export function marshalRtcpTo(packets: readonly RtcpPacket[], buf: Buffer, offset = 0): number {
  let off = offset
  for (const p of packets) off += p.marshalTo(buf, off)
  return off - offset
}

/** Serializes a compound packet into one freshly allocated buffer. */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  const buf = Buffer.allocUnsafe(rtcpMarshalSize(packets))
  marshalRtcpTo(packets, buf, 0)
  return buf
}
