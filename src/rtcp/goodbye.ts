/**
 * Goodbye (BYE), RFC 3550 section 6.6.
 *
 *        0                   1                   2                   3
 *        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *       |V=2|P|    SC   |   PT=BYE=203  |             length            |
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *       |                           SSRC/CSRC                           |
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *       :                              ...                              :
 *       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * (opt) |     length    |               reason for leaving            ...
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The reason is UTF-8, "padded with null octets to the next 32-bit boundary" when present.
 */
import { LimitError, ParseError } from '../errors.js'
import {
  RTCP_HEADER_SIZE,
  RtcpPacketType,
  align4,
  readSingleRtcpPacket,
  writeRtcpFrame,
  type RtcpInit,
  type RtcpPacketView,
} from './header.js'

const SOURCE_SIZE = 4
const REASON_LENGTH_SIZE = 1
/** The 8-bit length octet bounds the reason. */
export const BYE_MAX_REASON_BYTES = 0xff

export class RtcpGoodbye {
  readonly kind = 'bye' as const
  sources: number[] = []
  /** Reason for leaving; undefined when absent ('' is an empty reason, which takes 4 bytes). */
  reason: string | undefined = undefined
  /** Padding octets including the count octet; 0 for none. */
  paddingSize = 0

  constructor(init?: RtcpInit<RtcpGoodbye>) {
    if (init) Object.assign(this, init)
  }

  get packetType(): number {
    return RtcpPacketType.BYE
  }

  /** Parses a buffer holding exactly one BYE. */
  static parse(input: Uint8Array): RtcpGoodbye {
    return RtcpGoodbye.fromView(readSingleRtcpPacket(input, RtcpPacketType.BYE))
  }

  /** Builds a BYE from a located packet (see `readRtcpPacket`). */
  static fromView(v: RtcpPacketView): RtcpGoodbye {
    const body = v.body
    const need = v.count * SOURCE_SIZE
    if (body.length < need) {
      throw new ParseError('ERR_RTCP_SHORT', `BYE with ${v.count} sources needs ${need} body bytes, has ${body.length}`, {
        observed: body.length,
        allowed: `>= ${need}`,
      })
    }
    const p = new RtcpGoodbye()
    for (let off = 0; off < need; off += SOURCE_SIZE) p.sources.push(body.readUInt32BE(off))
    if (body.length > need) {
      const len = body[need]!
      const start = need + REASON_LENGTH_SIZE
      if (body.length - start < len) {
        throw new ParseError('ERR_RTCP_SHORT', `BYE reason of ${len} bytes runs past the packet`, {
          observed: body.length - start,
          allowed: `>= ${len}`,
        })
      }
      // Whatever follows the reason up to the 32-bit boundary is its null padding.
      if (align4(start + len) < body.length) {
        throw new ParseError('ERR_RTCP_TRAILING', `${body.length - align4(start + len)} bytes after the BYE reason`, {
          observed: body.length,
          allowed: align4(start + len),
        })
      }
      p.reason = body.toString('utf8', start, start + len)
    }
    p.paddingSize = v.paddingSize
    return p
  }

  private reasonBytes(): number {
    return this.reason === undefined ? 0 : Buffer.byteLength(this.reason, 'utf8')
  }

  marshalSize(): number {
    const reason = this.reason === undefined ? 0 : align4(REASON_LENGTH_SIZE + this.reasonBytes())
    return RTCP_HEADER_SIZE + this.sources.length * SOURCE_SIZE + reason + this.paddingSize
  }

  /** Writes the packet into `buf` at `offset`; returns the number of bytes written. */
  marshalTo(buf: Buffer, offset = 0): number {
    const size = this.marshalSize()
    const reasonLen = this.reasonBytes()
    if (reasonLen > BYE_MAX_REASON_BYTES) {
      throw new LimitError('ERR_RTCP_BYE_REASON', `BYE reason of ${reasonLen} bytes is too long`, {
        observed: reasonLen,
        allowed: BYE_MAX_REASON_BYTES,
      })
    }
    writeRtcpFrame(buf, offset, RtcpPacketType.BYE, this.sources.length, size, this.paddingSize)
    let off = offset + RTCP_HEADER_SIZE
    for (const s of this.sources) {
      buf.writeUInt32BE(s >>> 0, off)
      off += SOURCE_SIZE
    }
    if (this.reason !== undefined) {
      buf[off] = reasonLen
      buf.write(this.reason, off + REASON_LENGTH_SIZE, reasonLen, 'utf8')
      const end = off + align4(REASON_LENGTH_SIZE + reasonLen)
      buf.fill(0, off + REASON_LENGTH_SIZE + reasonLen, end)
    }
    return size
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(this.marshalSize())
    this.marshalTo(buf, 0)
    return buf
  }

  /** A deep copy. */
  clone(): RtcpGoodbye {
    return new RtcpGoodbye({ sources: [...this.sources], reason: this.reason, paddingSize: this.paddingSize })
  }
}
