/**
 * Sender report (SR), RFC 3550 section 6.4.1.
 *
 *         0                   1                   2                   3
 *         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * header |V=2|P|    RC   |   PT=SR=200   |             length            |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                         SSRC of sender                        |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * sender |              NTP timestamp, most significant word             |
 * info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |             NTP timestamp, least significant word             |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                         RTP timestamp                         |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                     sender's packet count                     |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                      sender's octet count                     |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * report |                 report blocks (RC x 24 bytes)                 |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *        |                  profile-specific extensions                  |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
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
const NTP_SECONDS_OFFSET = 4
const NTP_FRACTION_OFFSET = 8
const RTP_TIMESTAMP_OFFSET = 12
const PACKET_COUNT_OFFSET = 16
const OCTET_COUNT_OFFSET = 20
/** SSRC plus sender info, before the report blocks. */
export const SENDER_REPORT_FIXED_SIZE = 24

export class RtcpSenderReport {
  readonly kind = 'sr' as const
  ssrc = 0
  ntpSeconds = 0
  ntpFraction = 0
  rtpTimestamp = 0
  packetCount = 0
  octetCount = 0
  reports: RtcpReceptionReport[] = []
  /** Profile-specific extension after the report blocks; a view into the input when parsed. */
  profileExtensions: Buffer = EMPTY_BUFFER
  /** Padding octets including the count octet; 0 for none. */
  paddingSize = 0

  constructor(init?: RtcpInit<RtcpSenderReport>) {
    if (init) Object.assign(this, init)
  }

  get packetType(): number {
    return RtcpPacketType.SR
  }

  /** Parses a buffer holding exactly one SR. */
  static parse(input: Uint8Array): RtcpSenderReport {
    return RtcpSenderReport.fromView(readSingleRtcpPacket(input, RtcpPacketType.SR))
  }

  /** Builds an SR from a located packet (see `readRtcpPacket`). */
  static fromView(v: RtcpPacketView): RtcpSenderReport {
    const body = v.body
    const need = SENDER_REPORT_FIXED_SIZE + v.count * RECEPTION_REPORT_SIZE
    if (body.length < need) {
      throw new ParseError('ERR_RTCP_SHORT', `SR with ${v.count} report blocks needs ${need} body bytes, has ${body.length}`, {
        observed: body.length,
        allowed: `>= ${need}`,
      })
    }
    const p = new RtcpSenderReport()
    p.ssrc = body.readUInt32BE(SSRC_OFFSET)
    p.ntpSeconds = body.readUInt32BE(NTP_SECONDS_OFFSET)
    p.ntpFraction = body.readUInt32BE(NTP_FRACTION_OFFSET)
    p.rtpTimestamp = body.readUInt32BE(RTP_TIMESTAMP_OFFSET)
    p.packetCount = body.readUInt32BE(PACKET_COUNT_OFFSET)
    p.octetCount = body.readUInt32BE(OCTET_COUNT_OFFSET)
    p.reports = readReceptionReports(body, SENDER_REPORT_FIXED_SIZE, v.count)
    p.profileExtensions = body.subarray(need)
    p.paddingSize = v.paddingSize
    return p
  }

  marshalSize(): number {
    return (
      RTCP_HEADER_SIZE +
      SENDER_REPORT_FIXED_SIZE +
      this.reports.length * RECEPTION_REPORT_SIZE +
      this.profileExtensions.length +
      this.paddingSize
    )
  }

  /** Writes the packet into `buf` at `offset`; returns the number of bytes written. */
  marshalTo(buf: Buffer, offset = 0): number {
    const size = this.marshalSize()
    writeRtcpFrame(buf, offset, RtcpPacketType.SR, this.reports.length, size, this.paddingSize)
    const o = offset + RTCP_HEADER_SIZE
    buf.writeUInt32BE(this.ssrc >>> 0, o + SSRC_OFFSET)
    buf.writeUInt32BE(this.ntpSeconds >>> 0, o + NTP_SECONDS_OFFSET)
    buf.writeUInt32BE(this.ntpFraction >>> 0, o + NTP_FRACTION_OFFSET)
    buf.writeUInt32BE(this.rtpTimestamp >>> 0, o + RTP_TIMESTAMP_OFFSET)
    buf.writeUInt32BE(this.packetCount >>> 0, o + PACKET_COUNT_OFFSET)
    buf.writeUInt32BE(this.octetCount >>> 0, o + OCTET_COUNT_OFFSET)
    let off = o + SENDER_REPORT_FIXED_SIZE
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
  clone(): RtcpSenderReport {
    return new RtcpSenderReport({
      ...this,
      reports: this.reports.map((r) => ({ ...r })),
      profileExtensions: Buffer.from(this.profileExtensions),
    })
  }
}
