/**
 * RTP fixed header, RFC 3550 section 5.1.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Header extension (5.3.1): 16-bit profile, 16-bit length in 32-bit words, data.
 */
import { ParseError } from '../errors.js'

export const RTP_VERSION = 2
export const RTP_HEADER_SIZE = 12
const VERSION_SHIFT = 6
const PADDING_BIT = 0x20
const EXTENSION_BIT = 0x10
const CSRC_COUNT_MASK = 0x0f
const MARKER_BIT = 0x80
const PAYLOAD_TYPE_MASK = 0x7f
const CSRC_SIZE = 4
const EXTENSION_HEADER_SIZE = 4
const MAX_EXTENSION_BYTES = 0xffff * 4
const MAX_PADDING = 0xff

export interface RtpHeaderFields {
  marker: boolean
  payloadType: number
  sequenceNumber: number
  timestamp: number
  ssrc: number
}

/**
 * Writes a 12-byte RTP header (no CSRC, no extension, no padding) at `offset`.
 * Used by packetizers, which allocate one buffer per packet and fill the payload after it.
 */
export function writeRtpHeader(buf: Buffer, offset: number, h: RtpHeaderFields): void {
  buf[offset] = RTP_VERSION << VERSION_SHIFT
  buf[offset + 1] = (h.marker ? MARKER_BIT : 0) | (h.payloadType & PAYLOAD_TYPE_MASK)
  buf.writeUInt16BE(h.sequenceNumber & 0xffff, offset + 2)
  buf.writeUInt32BE(h.timestamp >>> 0, offset + 4)
  buf.writeUInt32BE(h.ssrc >>> 0, offset + 8)
}

/** Where the timestamp sits in an RTP header. */
export const RTP_TIMESTAMP_OFFSET = 4

/** A copy of a serialized packet carrying `timestamp` instead of its own (everything else as it was). */
export function withTimestamp(packet: Buffer, timestamp: number): Buffer {
  const copy = Buffer.allocUnsafe(packet.length)
  packet.copy(copy)
  copy.writeUInt32BE(timestamp >>> 0, RTP_TIMESTAMP_OFFSET)
  return copy
}

/**
 * Copies of `packets` carrying `timestamp` (packets shorter than a header are copied as they are):
 * one allocation for all of them, each copy a slice of it.
 */
export function withTimestamps(packets: readonly Buffer[], timestamp: number): Buffer[] {
  let size = 0
  for (const p of packets) size += p.length
  const all = Buffer.allocUnsafe(size)
  const out: Buffer[] = new Array<Buffer>(packets.length)
  let at = 0
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i]!
    p.copy(all, at)
    if (p.length >= RTP_HEADER_SIZE) all.writeUInt32BE(timestamp >>> 0, at + RTP_TIMESTAMP_OFFSET)
    out[i] = all.subarray(at, at + p.length)
    at += p.length
  }
  return out
}

export class RtpPacket implements RtpHeaderFields {
  version = RTP_VERSION
  padding = false
  /** Number of padding bytes (including the count byte) when `padding` is set. */
  paddingSize = 0
  marker = false
  payloadType = 0
  sequenceNumber = 0
  timestamp = 0
  ssrc = 0
  csrc: number[] = []
  extension: { profile: number; data: Buffer } | undefined = undefined
  /** A view into the parsed buffer (not a copy) when produced by `parse`. */
  payload: Buffer = Buffer.alloc(0)

  constructor(init?: Partial<Omit<RtpPacket, 'version' | 'marshalSize' | 'marshalTo' | 'serialize' | 'clone'>>) {
    if (init) Object.assign(this, init)
  }

  /** Parses one RTP packet. The payload and extension data are views into `buf`. */
  static parse(input: Uint8Array): RtpPacket {
    const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
    if (buf.length < RTP_HEADER_SIZE) {
      throw new ParseError('ERR_RTP_SHORT', `RTP packet too short: ${buf.length} bytes`, {
        observed: buf.length,
        allowed: `>= ${RTP_HEADER_SIZE}`,
      })
    }
    const b0 = buf[0]!
    const version = b0 >> VERSION_SHIFT
    if (version !== RTP_VERSION) {
      throw new ParseError('ERR_RTP_VERSION', `RTP version ${version} is not 2`, { observed: version, allowed: RTP_VERSION })
    }
    const p = new RtpPacket()
    const cc = b0 & CSRC_COUNT_MASK
    p.marker = (buf[1]! & MARKER_BIT) !== 0
    p.payloadType = buf[1]! & PAYLOAD_TYPE_MASK
    p.sequenceNumber = buf.readUInt16BE(2)
    p.timestamp = buf.readUInt32BE(4)
    p.ssrc = buf.readUInt32BE(8)
    let off = RTP_HEADER_SIZE
    if (buf.length < off + cc * CSRC_SIZE) {
      throw new ParseError('ERR_RTP_SHORT', `RTP packet too short for ${cc} CSRCs`, {
        observed: buf.length,
        allowed: `>= ${off + cc * CSRC_SIZE}`,
      })
    }
    for (let i = 0; i < cc; i++, off += CSRC_SIZE) p.csrc.push(buf.readUInt32BE(off))
    if (b0 & EXTENSION_BIT) {
      if (buf.length < off + EXTENSION_HEADER_SIZE) {
        throw new ParseError('ERR_RTP_SHORT', 'RTP packet too short for its header extension', {
          observed: buf.length,
          allowed: `>= ${off + EXTENSION_HEADER_SIZE}`,
        })
      }
      const profile = buf.readUInt16BE(off)
      const len = buf.readUInt16BE(off + 2) * 4
      off += EXTENSION_HEADER_SIZE
      if (buf.length < off + len) {
        throw new ParseError('ERR_RTP_SHORT', 'RTP header extension runs past the packet', {
          observed: buf.length,
          allowed: `>= ${off + len}`,
        })
      }
      p.extension = { profile, data: buf.subarray(off, off + len) }
      off += len
    }
    let end = buf.length
    if (b0 & PADDING_BIT) {
      const pad = buf[buf.length - 1]!
      if (pad === 0 || off + pad > buf.length) {
        throw new ParseError('ERR_RTP_PADDING', `RTP padding size ${pad} is invalid`, { observed: pad, allowed: `1..${buf.length - off}` })
      }
      p.padding = true
      p.paddingSize = pad
      end -= pad
    }
    p.payload = buf.subarray(off, end)
    return p
  }

  marshalSize(): number {
    const ext = this.extension ? EXTENSION_HEADER_SIZE + this.extension.data.length : 0
    return RTP_HEADER_SIZE + this.csrc.length * CSRC_SIZE + ext + this.payload.length + (this.padding ? this.paddingSize : 0)
  }

  /** Writes the packet into `buf` at `offset`; returns the number of bytes written. */
  marshalTo(buf: Buffer, offset = 0): number {
    const size = this.marshalSize()
    if (buf.length - offset < size) {
      throw new ParseError('ERR_RTP_BUFFER', 'buffer too small for RTP packet', { observed: buf.length - offset, allowed: size })
    }
    if (this.csrc.length > CSRC_COUNT_MASK) {
      throw new ParseError('ERR_RTP_CSRC', `too many CSRCs: ${this.csrc.length}`, { observed: this.csrc.length, allowed: CSRC_COUNT_MASK })
    }
    if (this.extension) {
      const { profile, data } = this.extension
      if (data.length % 4 !== 0 || data.length > MAX_EXTENSION_BYTES) {
        throw new ParseError('ERR_RTP_EXTENSION', 'header extension length must be a multiple of 4 and fit 16 bits of words', {
          observed: data.length,
          allowed: `multiple of 4, <= ${MAX_EXTENSION_BYTES}`,
        })
      }
      if (!Number.isInteger(profile) || profile < 0 || profile > 0xffff) {
        throw new ParseError('ERR_RTP_EXTENSION', `header extension profile ${profile} is not a 16-bit value`, {
          observed: profile,
          allowed: '0..65535',
        })
      }
    }
    if (this.padding && !(Number.isInteger(this.paddingSize) && this.paddingSize >= 1 && this.paddingSize <= MAX_PADDING)) {
      throw new ParseError('ERR_RTP_PADDING', `padding size ${this.paddingSize} must be 1..${MAX_PADDING} when padding is set`, {
        observed: this.paddingSize,
        allowed: `1..${MAX_PADDING}`,
      })
    }
    buf[offset] =
      (RTP_VERSION << VERSION_SHIFT) | (this.padding ? PADDING_BIT : 0) | (this.extension ? EXTENSION_BIT : 0) | this.csrc.length
    buf[offset + 1] = (this.marker ? MARKER_BIT : 0) | (this.payloadType & PAYLOAD_TYPE_MASK)
    buf.writeUInt16BE(this.sequenceNumber & 0xffff, offset + 2)
    buf.writeUInt32BE(this.timestamp >>> 0, offset + 4)
    buf.writeUInt32BE(this.ssrc >>> 0, offset + 8)
    let off = offset + RTP_HEADER_SIZE
    for (const c of this.csrc) {
      buf.writeUInt32BE(c >>> 0, off)
      off += CSRC_SIZE
    }
    if (this.extension) {
      buf.writeUInt16BE(this.extension.profile, off)
      buf.writeUInt16BE(this.extension.data.length / 4, off + 2)
      off += EXTENSION_HEADER_SIZE
      off += this.extension.data.copy(buf, off)
    }
    off += this.payload.copy(buf, off)
    if (this.padding) {
      buf.fill(0, off, off + this.paddingSize - 1)
      buf[off + this.paddingSize - 1] = this.paddingSize
      off += this.paddingSize
    }
    return off - offset
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(this.marshalSize())
    this.marshalTo(buf, 0)
    return buf
  }

  /** A deep copy whose payload no longer shares memory with the parsed input. */
  clone(): RtpPacket {
    const p = new RtpPacket({ ...this, csrc: [...this.csrc] })
    p.payload = Buffer.from(this.payload)
    if (this.extension) p.extension = { profile: this.extension.profile, data: Buffer.from(this.extension.data) }
    return p
  }
}
