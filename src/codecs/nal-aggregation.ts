/**
 * How an access unit's NAL units are laid out in RTP packets, shared by H.264 (RFC 6184 §5.7 STAP-A,
 * §5.8 FU-A) and H.265 (RFC 7798 §4.4.2 AP, §4.4.3 FU): consecutive NAL units that fit together go
 * into one aggregation packet, one that fits alone goes as a single NAL unit packet, and one larger
 * than a packet is fragmented. The codec writes the bytes; this decides which packets to write.
 */
import { RTP_HEADER_SIZE } from '../rtp/rtp-packet.js'

export interface NalPacketWriter {
  single(nal: Uint8Array): void
  /** nalus[start .. end), at least two, in one aggregation packet of `payloadSize` bytes. */
  aggregate(start: number, end: number, payloadSize: number): void
  fragment(nal: Uint8Array): void
}

export interface AggregationLayout {
  /** Bytes before the first aggregated unit (STAP-A: 1, AP: 2). */
  headerSize: number
  /** Size field before each aggregated unit (2 in both formats). */
  lengthSize: number
}

/** Calls the writer for each packet of the access unit, in order. Empty NAL units are skipped. */
export function planNalPackets(nalus: readonly Uint8Array[], maxPayload: number, layout: AggregationLayout, w: NalPacketWriter): void {
  // Pending aggregation: nalus[batchStart .. batchEnd), payload size if sent as one packet.
  let batchStart = 0
  let batchEnd = 0
  let batchSize = layout.headerSize
  const flush = (): void => {
    const count = batchEnd - batchStart
    if (count === 1) w.single(nalus[batchStart]!)
    else if (count > 1) w.aggregate(batchStart, batchEnd, batchSize)
    batchStart = batchEnd
    batchSize = layout.headerSize
  }
  for (let i = 0; i < nalus.length; i++) {
    const nal = nalus[i]!
    if (nal.length === 0 || nal.length > maxPayload) {
      // An empty unit is a gap, a large one is fragmented: either way the batch ends before it.
      flush()
      if (nal.length > 0) w.fragment(nal)
      batchStart = batchEnd = i + 1
      continue
    }
    const unitSize = layout.lengthSize + nal.length
    // Single NAL units fit by the check above; aggregate only while the aggregation packet still fits.
    if (batchEnd > batchStart && batchSize + unitSize > maxPayload) flush()
    batchEnd = i + 1
    batchSize += unitSize
  }
  flush()
}

const MARKER_BYTE = 1
const MARKER_BIT = 0x80

/** Sets the marker bit on the last packet: the end of the access unit. */
export function markLastPacket(packets: Buffer[]): void {
  const last = packets[packets.length - 1]
  if (last) last[MARKER_BYTE] = last[MARKER_BYTE]! | MARKER_BIT
}

export const maxPayloadOf = (maxPacketSize: number): number => maxPacketSize - RTP_HEADER_SIZE
