/**
 * What a load reader counts per track (RFC 3550 appendix A.3 for the loss count; RFC 6184 for the
 * first keyframe): RTP bytes, packets and sequence-number gaps, and when the first packet and the
 * first H.264 IDR arrive. bench/native/udp-sink.c counts the same way in C; keep the two in step.
 *
 * The per-packet path reads the header bytes it needs and updates integers: no RtpPacket object, no
 * copy, no allocation.
 */
import { RTP_HEADER_SIZE, RTP_VERSION } from '../src/rtp/rtp-packet.js'
import { seqDiff } from '../src/util/serial.js'

/** RTP fixed header, RFC 3550 section 5.1: V is the top two bits of byte 0, seq is bytes 2–3. */
const VERSION_SHIFT = 6
const SEQ_OFFSET = 2
const CSRC_COUNT_MASK = 0x0f
const EXTENSION_BIT = 0x10
const CSRC_SIZE = 4
const EXTENSION_HEADER_SIZE = 4
/** H.264 RTP payload, RFC 6184 section 5.2–5.8: NAL header type, STAP-A, FU-A. */
const NAL_TYPE_MASK = 0x1f
const NAL_IDR = 5
const NAL_STAP_A = 24
const NAL_FU_A = 28
const FU_START_BIT = 0x80
const STAP_A_HEADER = 1
const STAP_A_SIZE_FIELD = 2

/**
 * Counters of one track. Loss follows RFC 3550 appendix A.3: expected packets (extended highest
 * sequence number minus the first one, plus one) minus packets received.
 */
export class TrackStats {
  packets = 0
  bytes = 0
  /** Packets that were not RTP version 2 or shorter than the fixed header. */
  malformed = 0
  /** Packets older than the highest sequence number seen (late or duplicated). */
  late = 0
  /** Extended sequence numbers (cycles × 65536 + seq), -1 before the first packet. */
  firstSeq = -1
  highestSeq = -1
  /** performance.now() of the first packet, -1 before it. */
  firstPacketAt = -1
  /** performance.now() of the first packet carrying (the start of) an H.264 IDR slice, -1 before it. */
  firstIdrAt = -1

  onPacket(buf: Buffer): void {
    this.onPacketAt(buf, 0, buf.length)
  }

  /** The packet is `buf[at, at + length)`: counted where it lies (an interleaved frame inside a read chunk). */
  onPacketAt(buf: Buffer, at: number, length: number): void {
    if (length < RTP_HEADER_SIZE || buf[at]! >> VERSION_SHIFT !== RTP_VERSION) {
      this.malformed++
      return
    }
    this.packets++
    this.bytes += length
    // Only until the first keyframe: afterwards the per-packet cost is the header alone.
    if (this.firstIdrAt < 0 && startsIdr(buf.subarray(at, at + length))) this.firstIdrAt = performance.now()
    const seq = (buf[at + SEQ_OFFSET]! << 8) | buf[at + SEQ_OFFSET + 1]!
    if (this.highestSeq < 0) {
      this.firstSeq = this.highestSeq = seq
      this.firstPacketAt = performance.now()
      return
    }
    const delta = seqDiff(this.highestSeq & 0xffff, seq)
    if (delta > 0) this.highestSeq += delta
    else this.late++
  }

  /** Packets the sequence numbers say were sent so far (0 before the first). */
  get expected(): number {
    return this.highestSeq < 0 ? 0 : this.highestSeq - this.firstSeq + 1
  }
}

/** True when an RTP packet's H.264 payload holds an IDR NAL unit or the first fragment of one. */
export function startsIdr(packet: Buffer): boolean {
  const cc = packet[0]! & CSRC_COUNT_MASK
  let off = RTP_HEADER_SIZE + cc * CSRC_SIZE
  if (packet[0]! & EXTENSION_BIT) {
    if (packet.length < off + EXTENSION_HEADER_SIZE) return false
    off += EXTENSION_HEADER_SIZE + packet.readUInt16BE(off + 2) * 4
  }
  if (packet.length <= off) return false
  const type = packet[off]! & NAL_TYPE_MASK
  if (type === NAL_IDR) return true
  if (type === NAL_FU_A)
    return packet.length > off + 1 && (packet[off + 1]! & FU_START_BIT) !== 0 && (packet[off + 1]! & NAL_TYPE_MASK) === NAL_IDR
  if (type !== NAL_STAP_A) return false
  for (let p = off + STAP_A_HEADER; p + STAP_A_SIZE_FIELD < packet.length;) {
    const size = packet.readUInt16BE(p)
    if ((packet[p + STAP_A_SIZE_FIELD]! & NAL_TYPE_MASK) === NAL_IDR) return true
    p += STAP_A_SIZE_FIELD + size
  }
  return false
}

/** Totals over a reader's tracks at one instant; two snapshots give a window. */
export interface ReaderSnapshot {
  packets: number
  bytes: number
  expected: number
  malformed: number
}

export function snapshotTracks(tracks: readonly TrackStats[]): ReaderSnapshot {
  const s: ReaderSnapshot = { packets: 0, bytes: 0, expected: 0, malformed: 0 }
  for (const t of tracks) {
    s.packets += t.packets
    s.bytes += t.bytes
    s.expected += t.expected
    s.malformed += t.malformed
  }
  return s
}
