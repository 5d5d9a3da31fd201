/**
 * Any RTCP packet kept as header fields plus payload bytes, RFC 3550 section 6.4.1 header.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|  count  |      PT       |             length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * :                            payload                            :
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * `parseRtcp` returns this for every type it does not model (APP 204, RTPFB 205, PSFB 206, XR 207,
 * anything else), so a compound packet is never silently shortened and re-serializes unchanged.
 * See app.ts and feedback.ts for lenient readers of the APP and feedback payloads.
 */
import { EMPTY_BUFFER, RTCP_HEADER_SIZE, readSingleRtcpPacket, writeRtcpFrame, type RtcpInit, type RtcpPacketView } from './header.js'

export class RtcpRawPacket {
  readonly kind = 'raw' as const
  packetType = 0
  /** The 5-bit count field (subtype for APP, FMT for feedback). */
  count = 0
  /** Bytes after the header, without padding; a view into the input when parsed. */
  payload: Buffer = EMPTY_BUFFER
  /** Padding octets including the count octet; 0 for none. `payload.length + paddingSize` must be a multiple of 4. */
  paddingSize = 0

  constructor(init?: RtcpInit<RtcpRawPacket>) {
    if (init) Object.assign(this, init)
  }

  /** Parses a buffer holding exactly one RTCP packet of any type, without interpreting it. */
  static parse(input: Uint8Array): RtcpRawPacket {
    return RtcpRawPacket.fromView(readSingleRtcpPacket(input, undefined))
  }

  static fromView(v: RtcpPacketView): RtcpRawPacket {
    return new RtcpRawPacket({ packetType: v.packetType, count: v.count, payload: v.body, paddingSize: v.paddingSize })
  }

  marshalSize(): number {
    return RTCP_HEADER_SIZE + this.payload.length + this.paddingSize
  }

  /** Writes the packet into `buf` at `offset`; returns the number of bytes written. */
  marshalTo(buf: Buffer, offset = 0): number {
    const size = this.marshalSize()
    writeRtcpFrame(buf, offset, this.packetType, this.count, size, this.paddingSize)
    this.payload.copy(buf, offset + RTCP_HEADER_SIZE)
    return size
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(this.marshalSize())
    this.marshalTo(buf, 0)
    return buf
  }

  /** A deep copy whose payload no longer shares memory with the parsed input. */
  clone(): RtcpRawPacket {
    return new RtcpRawPacket({
      packetType: this.packetType,
      count: this.count,
      payload: Buffer.from(this.payload),
      paddingSize: this.paddingSize,
    })
  }
}
