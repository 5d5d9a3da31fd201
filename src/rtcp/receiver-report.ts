/**
 * Receiver report (RR), RFC 3550 section 6.4.2.
 *
 *         0                   1                   2                   3
 *         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * header |V=2|P|    RC   |   PT=RR=201   |             length            |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                     SSRC of packet sender                     |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * report |                 report blocks (RC x 24 bytes)                 |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *        |                  profile-specific extensions                  |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * An RR with RC=0 (8 bytes) is what a receiver that has heard nothing yet sends.
 */
import { ParseError } from '../errors.js'
import {
  EMPTY_BUFFER,
  RTCP_HEADER_SIZE,
  RtcpPacketType,
  readSingleRtcpPacket,
  writeRtcpFrame,
  type RtcpInit,
  type RtcpPacketView,
} from './header.js'
import { RECEPTION_REPORT_SIZE, readReceptionReports, writeReceptionReport, type RtcpReceptionReport } from './reception-report.js'

export type { RtcpReceptionReport } from './reception-report.js'

const SSRC_OFFSET = 0
/** SSRC of the sender, before the report blocks. */
export const RECEIVER_REPORT_FIXED_SIZE = 4

export class RtcpReceiverReport {
  readonly kind = 'rr' as const
  ssrc = 0
  reports: RtcpReceptionReport[] = []
  /** Profile-specific extension after the report blocks; a view into the input when parsed. */
  profileExtensions: Buffer = EMPTY_BUFFER
  /** Padding octets including the count octet; 0 for none. */
  paddingSize = 0

  constructor(init?: RtcpInit<RtcpReceiverReport>) {
    if (init) Object.assign(this, init)
  }

  get packetType(): number {
    return RtcpPacketType.RR
  }

  /** Parses a buffer holding exactly one RR. */
  static parse(input: Uint8Array): RtcpReceiverReport {
    return RtcpReceiverReport.fromView(readSingleRtcpPacket(input, RtcpPacketType.RR))
  }

  /** Builds an RR from a located packet (see `readRtcpPacket`). */
  static fromView(v: RtcpPacketView): RtcpReceiverReport {
    const body = v.body
    const need = RECEIVER_REPORT_FIXED_SIZE + v.count * RECEPTION_REPORT_SIZE
    if (body.length < need) {
      throw new ParseError('ERR_RTCP_SHORT', `RR with ${v.count} report blocks needs ${need} body bytes, has ${body.length}`, {
        observed: body.length,
        allowed: `>= ${need}`,
      })
    }
    const p = new RtcpReceiverReport()
    p.ssrc = body.readUInt32BE(SSRC_OFFSET)
    p.reports = readReceptionReports(body, RECEIVER_REPORT_FIXED_SIZE, v.count)
    p.profileExtensions = body.subarray(need)
    p.paddingSize = v.paddingSize
    return p
  }

  marshalSize(): number {
    return (
      RTCP_HEADER_SIZE +
      RECEIVER_REPORT_FIXED_SIZE +
      this.reports.length * RECEPTION_REPORT_SIZE +
      this.profileExtensions.length +
      this.paddingSize
    )
  }

  /** Writes the packet into `buf` at `offset`; returns the number of bytes written. */
  marshalTo(buf: Buffer, offset = 0): number {
    const size = this.marshalSize()
    writeRtcpFrame(buf, offset, RtcpPacketType.RR, this.reports.length, size, this.paddingSize)
    const o = offset + RTCP_HEADER_SIZE
    buf.writeUInt32BE(this.ssrc >>> 0, o + SSRC_OFFSET)
    let off = o + RECEIVER_REPORT_FIXED_SIZE
    for (const r of this.reports) {
      writeReceptionReport(buf, off, r)
      off += RECEPTION_REPORT_SIZE
    }
    this.profileExtensions.copy(buf, off)
    return size
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(this.marshalSize())
    this.marshalTo(buf, 0)
    return buf
  }

  /** A deep copy that shares no memory with the parsed input. */
  clone(): RtcpReceiverReport {
    return new RtcpReceiverReport({
      ...this,
      reports: this.reports.map((r) => ({ ...r })),
      profileExtensions: Buffer.from(this.profileExtensions),
    })
  }
}
