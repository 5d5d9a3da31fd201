/**
 * RTCP common header, RFC 3550 section 6.4.1 (and section 6.1 for compound packets).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|  count  |      PT       |             length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * count: RC (SR/RR), SC (SDES/BYE), subtype (APP) or FMT (RTPFB/PSFB); 5 bits.
 * length: "the length of this RTCP packet in 32-bit words minus one, including the header and
 * any padding". P: "the last octet of the padding is a count of how many padding octets should
 * be ignored, including itself". RFC 3550 only allows padding on the last packet of a compound;
 * we accept it on any packet, since the length field still delimits each packet exactly.
 */
import { LimitError, ParseError } from '../errors.js'

export const RTCP_VERSION = 2
export const RTCP_HEADER_SIZE = 4
/** Largest count (RC/SC/FMT) the 5-bit field can hold. */
export const RTCP_MAX_COUNT = 0x1f
/** Largest packet the 16-bit length field can describe. */
export const RTCP_MAX_PACKET_SIZE = (0xffff + 1) * 4
/** Largest padding the one-octet count can describe. */
export const RTCP_MAX_PADDING = 0xff

const VERSION_SHIFT = 6
const PADDING_BIT = 0x20
const COUNT_MASK = 0x1f
const PACKET_TYPE_OFFSET = 1
const LENGTH_OFFSET = 2
const WORD_SIZE = 4

/** RTCP packet types (RFC 3550 section 12.1, RFC 4585 section 6.1). */
export const RtcpPacketType = {
  SR: 200,
  RR: 201,
  SDES: 202,
  BYE: 203,
  APP: 204,
  RTPFB: 205,
  PSFB: 206,
} as const

/** One RTCP packet located in a buffer: its header fields and its body (a view, padding removed). */
export interface RtcpPacketView {
  packetType: number
  count: number
  /** Bytes after the 4-byte header, without padding. A view into the input. */
  body: Buffer
  /** Padding octets including the count octet; 0 when the P bit is clear. */
  paddingSize: number
  /** Total size of the packet in the buffer, header and padding included. */
  size: number
}

/** Writable fields of a packet class, for constructors taking an init object. */
export type RtcpInit<T> = Partial<Omit<{ [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: T[K] }, 'kind'>>

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0)

export function toBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
}

/** Rounds up to a multiple of 4. */
export function align4(n: number): number {
  return (n + 3) & ~3
}

/** Reads the packet that starts at `offset`, checking version, length and padding against the buffer. */
export function readRtcpPacket(buf: Buffer, offset: number): RtcpPacketView {
  const remaining = buf.length - offset
  if (remaining < RTCP_HEADER_SIZE) {
    throw new ParseError('ERR_RTCP_SHORT', `RTCP header needs ${RTCP_HEADER_SIZE} bytes, ${remaining} left`, {
      observed: remaining,
      allowed: `>= ${RTCP_HEADER_SIZE}`,
      offset,
    })
  }
  const b0 = buf[offset]!
  const version = b0 >> VERSION_SHIFT
  if (version !== RTCP_VERSION) {
    throw new ParseError('ERR_RTCP_VERSION', `RTCP version ${version} is not 2`, { observed: version, allowed: RTCP_VERSION, offset })
  }
  const size = (buf.readUInt16BE(offset + LENGTH_OFFSET) + 1) * WORD_SIZE
  if (size > remaining) {
    throw new ParseError('ERR_RTCP_LENGTH', `RTCP length field says ${size} bytes, ${remaining} left`, {
      observed: size,
      allowed: `<= ${remaining}`,
      offset,
    })
  }
  let end = offset + size
  let paddingSize = 0
  if (b0 & PADDING_BIT) {
    paddingSize = buf[end - 1]!
    const bodySize = size - RTCP_HEADER_SIZE
    if (paddingSize === 0 || paddingSize > bodySize) {
      throw new ParseError('ERR_RTCP_PADDING', `RTCP padding size ${paddingSize} is invalid`, {
        observed: paddingSize,
        allowed: `1..${bodySize}`,
        offset,
      })
    }
    end -= paddingSize
  }
  return {
    packetType: buf[offset + PACKET_TYPE_OFFSET]!,
    count: b0 & COUNT_MASK,
    body: buf.subarray(offset + RTCP_HEADER_SIZE, end),
    paddingSize,
    size,
  }
}

/**
 * Reads a buffer that must hold exactly one packet of type `packetType` (or any type when
 * `packetType` is undefined). Compound packets go through `parseRtcp`.
 */
export function readSingleRtcpPacket(input: Uint8Array, packetType: number | undefined): RtcpPacketView {
  const buf = toBuffer(input)
  const view = readRtcpPacket(buf, 0)
  if (packetType !== undefined && view.packetType !== packetType) {
    throw new ParseError('ERR_RTCP_TYPE', `RTCP packet type ${view.packetType} is not ${packetType}`, {
      observed: view.packetType,
      allowed: packetType,
    })
  }
  if (view.size !== buf.length) {
    throw new ParseError('ERR_RTCP_TRAILING', `${buf.length - view.size} bytes after the RTCP packet; use parseRtcp for compound packets`, {
      observed: buf.length,
      allowed: view.size,
    })
  }
  return view
}

/**
 * Checks that a packet of `size` bytes (header, content and padding) fits the header fields and
 * `buf`, then writes the header and the padding. Callers fill the content between them.
 */
export function writeRtcpFrame(buf: Buffer, offset: number, packetType: number, count: number, size: number, paddingSize: number): void {
  if (!Number.isInteger(paddingSize) || paddingSize < 0 || paddingSize > RTCP_MAX_PADDING) {
    throw new LimitError('ERR_RTCP_PADDING', `RTCP padding size ${paddingSize} is out of range`, {
      observed: paddingSize,
      allowed: `0..${RTCP_MAX_PADDING}`,
    })
  }
  if (size % WORD_SIZE !== 0) {
    throw new LimitError('ERR_RTCP_ALIGN', `RTCP packet size ${size} is not a multiple of 4`, { observed: size, allowed: 'multiple of 4' })
  }
  if (size > RTCP_MAX_PACKET_SIZE) {
    throw new LimitError('ERR_RTCP_TOO_LARGE', `RTCP packet of ${size} bytes exceeds the length field`, {
      observed: size,
      allowed: RTCP_MAX_PACKET_SIZE,
    })
  }
  if (count < 0 || count > RTCP_MAX_COUNT) {
    throw new LimitError('ERR_RTCP_COUNT', `RTCP count ${count} does not fit 5 bits`, { observed: count, allowed: `0..${RTCP_MAX_COUNT}` })
  }
  if (offset < 0 || buf.length - offset < size) {
    throw new ParseError('ERR_RTCP_BUFFER', 'buffer too small for RTCP packet', { observed: buf.length - offset, allowed: size })
  }
  buf[offset] = (RTCP_VERSION << VERSION_SHIFT) | (paddingSize > 0 ? PADDING_BIT : 0) | count
  buf[offset + PACKET_TYPE_OFFSET] = packetType & 0xff
  buf.writeUInt16BE(size / WORD_SIZE - 1, offset + LENGTH_OFFSET)
  if (paddingSize > 0) {
    const end = offset + size
    buf.fill(0, end - paddingSize, end - 1)
    buf[end - 1] = paddingSize
  }
}
