/**
 * RTP/JPEG packetizer, RFC 2435 section 3.
 *
 * Each frame becomes one or more RTP packets whose payload is the main JPEG header (3.1), the restart
 * marker header when the JPEG has restart markers (type + 64, 3.1.7), the quantization table header in the
 * packet with fragment offset 0 (Q = 255: tables in band, may change every frame, 3.1.8 and 4.2), then a
 * slice of the scan. The marker bit is set on the last packet of the frame (3). The packetizer owns SSRC
 * and sequence numbers; the caller owns the timestamp (90 kHz).
 *
 * Packet boundaries with restart markers: we cut packets at restart interval boundaries whenever an
 * interval fits, so each packet carries a "chunk" of whole intervals (F = L = 1, Restart Count = index
 * of its first interval). An interval larger than one packet becomes a chunk spread over several packets
 * (F only on the first, L only on the last). A lost packet then costs only the intervals it carried, and a
 * receiver that decodes partial frames can place every chunk by its Restart Count; receivers that
 * reassemble whole frames (ffmpeg, GStreamer) are unaffected. The price is packets filled a little less
 * than maxPacketSize. When the frame has more intervals than the 14-bit count can number, we fall back to
 * the section 3.1.7 "not aligned" form: F = L = 1 and Restart Count = 0x3FFF on every packet.
 */
import { LimitError } from '../../errors.js'
import { RTP_MAX_PACKET_SIZE, RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import { cryptoRandom, type Random } from '../../util/random.js'
import { JPEG_PAYLOAD_TYPE } from './format.js'
import { parseJfif, type JfifInfo } from './jfif.js'
import { JPEG_DIMENSION_UNIT, JPEG_MAX_SCAN_SIZE } from './limits.js'
import { MARKER_PREFIX, isRstMarker } from './markers.js'
import {
  MAIN_HEADER_SIZE,
  QTABLE_HEADER_SIZE,
  Q_DYNAMIC,
  RESTART_COUNT_UNALIGNED,
  RESTART_HEADER_SIZE,
  TYPE_RESTART_FLAG,
  writeMainHeader,
  writeQuantTableHeader,
  writeRestartHeader,
} from './payload-header.js'
import { BLOCK_AREA } from './tables.js'

export const JPEG_DEFAULT_MAX_PACKET_SIZE = 1400
export const JPEG_MAX_PACKET_SIZE = RTP_MAX_PACKET_SIZE
const QTABLE_DATA_SIZE = 2 * BLOCK_AREA
const PRECISION_8BIT = 0
/** The first packet must hold every header and at least one byte of scan. */
export const JPEG_MIN_PACKET_SIZE = RTP_HEADER_SIZE + MAIN_HEADER_SIZE + RESTART_HEADER_SIZE + QTABLE_HEADER_SIZE + QTABLE_DATA_SIZE + 1
const TYPE_SPECIFIC_PROGRESSIVE = 0 // 4.1: "0 = image is progressively scanned"

export interface JpegPacketizerOptions {
  /** Default 26 (the static RTP/AVP payload type for JPEG). */
  payloadType?: number
  ssrc: number
  /** Default: random (RFC 3550 5.1). */
  initialSequence?: number
  /** Total RTP packet size (header included); default 1400. */
  maxPacketSize?: number
  /** Randomness for the initial sequence number. */
  random?: Random
}

interface Slice {
  start: number
  end: number
  first: boolean
  last: boolean
  count: number
}

export class JpegPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly maxPacketSize: number
  private readonly writer: RtpPacketWriter

  constructor(opts: JpegPacketizerOptions) {
    // RTP/JPEG has always coerced SSRC and sequence rather than rejecting them.
    const initialSequence = (opts.initialSequence ?? (opts.random ?? cryptoRandom).u16()) & 0xffff
    this.writer = new RtpPacketWriter(
      { payloadType: opts.payloadType, ssrc: opts.ssrc >>> 0, initialSequence, maxPacketSize: opts.maxPacketSize },
      {
        defaultPayloadType: JPEG_PAYLOAD_TYPE,
        defaultMaxPacketSize: JPEG_DEFAULT_MAX_PACKET_SIZE,
        minPacketSize: JPEG_MIN_PACKET_SIZE,
        codePrefix: 'ERR_',
      },
    )
    this.ssrc = this.writer.ssrc
    this.payloadType = this.writer.payloadType
    this.maxPacketSize = this.writer.maxPacketSize
  }

  /** Sequence number of the next packet. */
  get nextSequence(): number {
    return this.writer.nextSequence
  }

  /** Packetizes one baseline JFIF (see `parseJfif` for what is accepted). */
  packetize(jpeg: Uint8Array, timestamp: number): Buffer[] {
    return this.packetizeParsed(parseJfif(jpeg), timestamp)
  }

  /** Packetizes an already parsed frame. */
  packetizeParsed(info: JfifInfo, timestamp: number): Buffer[] {
    const scan = info.scan
    if (scan.length >= JPEG_MAX_SCAN_SIZE) {
      throw new LimitError('ERR_JPEG_FRAME_TOO_LARGE', 'JPEG scan exceeds the 24-bit fragment offset', {
        observed: scan.length,
        allowed: JPEG_MAX_SCAN_SIZE - 1,
      })
    }
    const ri = info.restartInterval
    const restartSize = ri > 0 ? RESTART_HEADER_SIZE : 0
    const base = RTP_HEADER_SIZE + MAIN_HEADER_SIZE + restartSize
    const firstOverhead = base + QTABLE_HEADER_SIZE + QTABLE_DATA_SIZE
    const capacity = (offset: number): number => this.maxPacketSize - (offset === 0 ? firstOverhead : base)
    const slices = ri > 0 ? restartSlices(scan, capacity) : plainSlices(scan.length, capacity)

    const main = {
      typeSpecific: TYPE_SPECIFIC_PROGRESSIVE,
      fragmentOffset: 0,
      type: info.type + (ri > 0 ? TYPE_RESTART_FLAG : 0),
      q: Q_DYNAMIC,
      width: Math.ceil(info.width / JPEG_DIMENSION_UNIT),
      height: Math.ceil(info.height / JPEG_DIMENSION_UNIT),
    }
    const tables = [info.quantTables[0]!, info.quantTables[1]!]
    const packets: Buffer[] = []
    for (let i = 0; i < slices.length; i++) {
      const s = slices[i]!
      const size = (s.start === 0 ? firstOverhead : base) + (s.end - s.start)
      const pkt = this.writer.alloc(size - RTP_HEADER_SIZE, timestamp, i === slices.length - 1)
      let o = RTP_HEADER_SIZE
      main.fragmentOffset = s.start
      o += writeMainHeader(pkt, o, main)
      if (ri > 0) o += writeRestartHeader(pkt, o, { restartInterval: ri, first: s.first, last: s.last, restartCount: s.count })
      if (s.start === 0) o += writeQuantTableHeader(pkt, o, PRECISION_8BIT, tables)
      scan.copy(pkt, o, s.start, s.end)
      packets.push(pkt)
    }
    return packets
  }
}

/** No restart markers: fill each packet. An empty scan still yields one packet (it carries the tables). */
function plainSlices(length: number, capacity: (offset: number) => number): Slice[] {
  const out: Slice[] = []
  let pos = 0
  do {
    const end = Math.min(length, pos + capacity(pos))
    out.push({ start: pos, end, first: true, last: true, count: 0 })
    pos = end
  } while (pos < length)
  return out
}

/** Offsets where restart intervals start (just after each RSTn), plus the scan length. */
function intervalBoundaries(scan: Buffer): number[] {
  const out = [0]
  let i = 0
  while ((i = scan.indexOf(MARKER_PREFIX, i)) >= 0 && i + 1 < scan.length) {
    const next = scan[i + 1]!
    if (isRstMarker(next)) {
      i += 2
      if (i < scan.length) out.push(i)
    } else {
      i += next === MARKER_PREFIX ? 1 : 2
    }
  }
  out.push(scan.length)
  return out
}

/** Slices aligned to restart intervals (see the file comment). */
function restartSlices(scan: Buffer, capacity: (offset: number) => number): Slice[] {
  const bounds = intervalBoundaries(scan)
  const intervals = bounds.length - 1
  if (intervals > RESTART_COUNT_UNALIGNED) {
    return plainSlices(scan.length, capacity).map((s) => ({ ...s, count: RESTART_COUNT_UNALIGNED }))
  }
  const out: Slice[] = []
  let k = 0 // first interval not yet sent
  while (k < intervals) {
    const start = bounds[k]!
    const cap = capacity(start)
    let j = k
    while (j < intervals && bounds[j + 1]! - start <= cap) j++
    if (j > k) {
      // Whole intervals k..j-1 fit: one chunk in one packet.
      out.push({ start, end: bounds[j]!, first: true, last: true, count: k })
      k = j
      continue
    }
    // Interval k alone is larger than a packet: spread it.
    const end = bounds[k + 1]!
    let pos = start
    while (pos < end) {
      const stop = Math.min(end, pos + capacity(pos))
      out.push({ start: pos, end: stop, first: pos === start, last: stop === end, count: k })
      pos = stop
    }
    k++
  }
  if (out.length === 0) out.push({ start: 0, end: 0, first: true, last: true, count: 0 })
  return out
}
