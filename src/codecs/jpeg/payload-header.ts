/**
 * RTP/JPEG payload headers, RFC 2435 section 3.1.
 *
 * Main JPEG header (3.1), every packet:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Type-specific |              Fragment Offset                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Type     |       Q       |     Width     |     Height    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Restart Marker header (3.1.7), every packet when 64 <= Type <= 127:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Restart Interval        |F|L|       Restart Count       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Quantization Table header (3.1.8), in the packet with Fragment Offset 0 when Q >= 128:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      MBZ      |   Precision   |             Length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Quantization Table Data                    |
 * |                              ...                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { ParseError } from '../../errors.js'

export const MAIN_HEADER_SIZE = 8
export const RESTART_HEADER_SIZE = 4
export const QTABLE_HEADER_SIZE = 4
const FRAGMENT_OFFSET_MASK = 0xffffff
/** Types 64-127 are types 0-63 with a Restart Marker header (4.1). */
export const TYPE_RESTART_FLAG = 64
export const TYPE_RESTART_MIN = 64
export const TYPE_RESTART_MAX = 127
/** Q 128-255: tables in band (3.1.8); 255: they may change every frame (4.2). */
export const Q_INBAND_MIN = 128
export const Q_DYNAMIC = 255
const FIRST_BIT = 0x8000
const LAST_BIT = 0x4000
const RESTART_COUNT_MASK = 0x3fff
/** F = L = 1 with this count: intervals are not aligned to packets, reassemble the whole frame (3.1.7). */
export const RESTART_COUNT_UNALIGNED = 0x3fff

export interface JpegMainHeader {
  typeSpecific: number
  fragmentOffset: number
  type: number
  q: number
  /** In 8-pixel units. */
  width: number
  height: number
}

export interface RestartHeader {
  restartInterval: number
  first: boolean
  last: boolean
  restartCount: number
}

export interface QuantTableHeader {
  precision: number
  /** Table data (view), `length` bytes. */
  data: Buffer
}

export interface JpegPayload {
  main: JpegMainHeader
  restart: RestartHeader | undefined
  qtables: QuantTableHeader | undefined
  /** Scan data carried by this packet (a view). */
  data: Buffer
}

export function writeMainHeader(buf: Buffer, o: number, h: JpegMainHeader): number {
  buf.writeUInt32BE((((h.typeSpecific & 0xff) << 24) | (h.fragmentOffset & FRAGMENT_OFFSET_MASK)) >>> 0, o)
  buf[o + 4] = h.type
  buf[o + 5] = h.q
  buf[o + 6] = h.width
  buf[o + 7] = h.height
  return MAIN_HEADER_SIZE
}

export function writeRestartHeader(buf: Buffer, o: number, h: RestartHeader): number {
  buf.writeUInt16BE(h.restartInterval, o)
  buf.writeUInt16BE((h.first ? FIRST_BIT : 0) | (h.last ? LAST_BIT : 0) | (h.restartCount & RESTART_COUNT_MASK), o + 2)
  return RESTART_HEADER_SIZE
}

export function writeQuantTableHeader(buf: Buffer, o: number, precision: number, tables: readonly Uint8Array[]): number {
  let len = 0
  for (const t of tables) len += t.length
  buf[o] = 0 // MBZ
  buf[o + 1] = precision
  buf.writeUInt16BE(len, o + 2)
  let p = o + QTABLE_HEADER_SIZE
  for (const t of tables) {
    buf.set(t, p)
    p += t.length
  }
  return p - o
}

/** Parses the RFC 2435 headers of one RTP payload; `data` is a view of the rest. */
export function parseJpegPayload(payload: Buffer): JpegPayload {
  if (payload.length < MAIN_HEADER_SIZE) {
    throw new ParseError('ERR_JPEG_RTP_SHORT', 'RTP/JPEG payload shorter than the main JPEG header', {
      observed: payload.length,
      allowed: `>= ${MAIN_HEADER_SIZE}`,
    })
  }
  const w0 = payload.readUInt32BE(0)
  const main: JpegMainHeader = {
    typeSpecific: w0 >>> 24,
    fragmentOffset: w0 & FRAGMENT_OFFSET_MASK,
    type: payload[4]!,
    q: payload[5]!,
    width: payload[6]!,
    height: payload[7]!,
  }
  let o = MAIN_HEADER_SIZE
  let restart: RestartHeader | undefined
  if (main.type >= TYPE_RESTART_MIN && main.type <= TYPE_RESTART_MAX) {
    if (payload.length < o + RESTART_HEADER_SIZE) {
      throw new ParseError('ERR_JPEG_RTP_SHORT', 'RTP/JPEG payload too short for the restart marker header', {
        observed: payload.length,
        allowed: `>= ${o + RESTART_HEADER_SIZE}`,
      })
    }
    const flags = payload.readUInt16BE(o + 2)
    restart = {
      restartInterval: payload.readUInt16BE(o),
      first: (flags & FIRST_BIT) !== 0,
      last: (flags & LAST_BIT) !== 0,
      restartCount: flags & RESTART_COUNT_MASK,
    }
    o += RESTART_HEADER_SIZE
  }
  let qtables: QuantTableHeader | undefined
  if (main.q >= Q_INBAND_MIN && main.fragmentOffset === 0) {
    if (payload.length < o + QTABLE_HEADER_SIZE) {
      throw new ParseError('ERR_JPEG_RTP_SHORT', 'RTP/JPEG payload too short for the quantization table header', {
        observed: payload.length,
        allowed: `>= ${o + QTABLE_HEADER_SIZE}`,
      })
    }
    const precision = payload[o + 1]!
    const length = payload.readUInt16BE(o + 2)
    o += QTABLE_HEADER_SIZE
    // 3.1.8: "If the Length field in a received packet is larger than the remaining number of bytes,
    // the packet MUST be discarded."
    if (payload.length < o + length) {
      throw new ParseError('ERR_JPEG_RTP_SHORT', 'quantization table data runs past the payload', {
        observed: payload.length - o,
        allowed: `>= ${length}`,
      })
    }
    qtables = { precision, data: payload.subarray(o, o + length) }
    o += length
  }
  return { main, restart, qtables, data: payload.subarray(o) }
}
