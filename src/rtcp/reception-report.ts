/**
 * Reception report block, RFC 3550 section 6.4.1 (shared by SR and RR).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |                 SSRC_1 (SSRC of first source)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | fraction lost |       cumulative number of packets lost       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           extended highest sequence number received           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      interarrival jitter                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         last SR (LSR)                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   delay since last SR (DLSR)                  |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *
 * The cumulative loss is a signed 24-bit number: duplicates can make it negative.
 */

export const RECEPTION_REPORT_SIZE = 24
const SSRC_OFFSET = 0
const FRACTION_LOST_OFFSET = 4
const TOTAL_LOST_OFFSET = 5
const TOTAL_LOST_SIZE = 3
const HIGHEST_SEQUENCE_OFFSET = 8
const JITTER_OFFSET = 12
const LSR_OFFSET = 16
const DLSR_OFFSET = 20
const TOTAL_LOST_SIGN_BIT = 0x80_0000
const TOTAL_LOST_RANGE = 0x100_0000
/** Clamp limits for the cumulative loss (RFC 3550 appendix A.3). */
export const TOTAL_LOST_MAX = 0x7f_ffff
export const TOTAL_LOST_MIN = -0x80_0000

export interface RtcpReceptionReport {
  ssrc: number
  /** Fraction lost since the previous report, in 1/256 units (0..255). */
  fractionLost: number
  /** Cumulative packets lost; signed 24-bit. */
  totalLost: number
  /** Extended highest sequence number received (cycles << 16 | seq). */
  highestSequence: number
  jitter: number
  /** Middle 32 bits of the NTP timestamp of the last SR received (see `ntpMiddle32`), 0 if none. */
  lastSenderReport: number
  /** Delay since that SR, in 1/65536 s units. */
  delaySinceLastSenderReport: number
}

/** Reads one block; the caller has checked that 24 bytes are available at `offset`. */
export function readReceptionReport(buf: Buffer, offset: number): RtcpReceptionReport {
  const lost = buf.readUIntBE(offset + TOTAL_LOST_OFFSET, TOTAL_LOST_SIZE)
  return {
    ssrc: buf.readUInt32BE(offset + SSRC_OFFSET),
    fractionLost: buf[offset + FRACTION_LOST_OFFSET]!,
    totalLost: lost & TOTAL_LOST_SIGN_BIT ? lost - TOTAL_LOST_RANGE : lost,
    highestSequence: buf.readUInt32BE(offset + HIGHEST_SEQUENCE_OFFSET),
    jitter: buf.readUInt32BE(offset + JITTER_OFFSET),
    lastSenderReport: buf.readUInt32BE(offset + LSR_OFFSET),
    delaySinceLastSenderReport: buf.readUInt32BE(offset + DLSR_OFFSET),
  }
}

/** Writes one block; `totalLost` is clamped to the signed 24-bit range as RFC 3550 A.3 asks. */
export function writeReceptionReport(buf: Buffer, offset: number, r: RtcpReceptionReport): void {
  const lost = Math.max(TOTAL_LOST_MIN, Math.min(TOTAL_LOST_MAX, Math.trunc(r.totalLost)))
  buf.writeUInt32BE(r.ssrc >>> 0, offset + SSRC_OFFSET)
  buf[offset + FRACTION_LOST_OFFSET] = r.fractionLost & 0xff
  buf.writeUIntBE((lost + TOTAL_LOST_RANGE) % TOTAL_LOST_RANGE, offset + TOTAL_LOST_OFFSET, TOTAL_LOST_SIZE)
  buf.writeUInt32BE(r.highestSequence >>> 0, offset + HIGHEST_SEQUENCE_OFFSET)
  buf.writeUInt32BE(r.jitter >>> 0, offset + JITTER_OFFSET)
  buf.writeUInt32BE(r.lastSenderReport >>> 0, offset + LSR_OFFSET)
  buf.writeUInt32BE(r.delaySinceLastSenderReport >>> 0, offset + DLSR_OFFSET)
}

/** Reads `count` blocks starting at `offset`; the caller has checked the length. */
export function readReceptionReports(buf: Buffer, offset: number, count: number): RtcpReceptionReport[] {
  const out: RtcpReceptionReport[] = []
  for (let i = 0; i < count; i++) out.push(readReceptionReport(buf, offset + i * RECEPTION_REPORT_SIZE))
  return out
}
