/**
 * Source description (SDES), RFC 3550 section 6.5.
 *
 *         0                   1                   2                   3
 *         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * header |V=2|P|    SC   |  PT=SDES=202  |             length            |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * chunk  |                          SSRC/CSRC_1                          |
 *   1    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                           SDES items                          |
 *        |                              ...                              |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *
 * Item (6.5.1 CNAME shown):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    CNAME=1    |     length    | user and domain name        ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * "The list of items in each chunk MUST be terminated by one or more null octets, the first of
 * which is interpreted as an item type of zero to denote the end of the list. [...] followed by
 * null octets to the next 32-bit boundary." So a chunk always carries 1..4 null octets at its end.
 * Item text is UTF-8 (section 6.5); PRIV (8) keeps its prefix-length octet inside `text`.
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

/** SDES item types, RFC 3550 section 12.2. */
export const SdesItemType = {
  END: 0,
  CNAME: 1,
  NAME: 2,
  EMAIL: 3,
  PHONE: 4,
  LOC: 5,
  TOOL: 6,
  NOTE: 7,
  PRIV: 8,
} as const

const CHUNK_SSRC_SIZE = 4
const ITEM_HEADER_SIZE = 2
const ITEM_LENGTH_OFFSET = 1
/** The 8-bit length octet bounds each item's text. */
export const SDES_MAX_TEXT_BYTES = 0xff

export interface SdesItem {
  type: number
  text: string
}

export interface SdesChunk {
  ssrc: number
  items: SdesItem[]
}

function chunkSize(chunk: SdesChunk): number {
  let n = CHUNK_SSRC_SIZE
  for (const item of chunk.items) n += ITEM_HEADER_SIZE + Buffer.byteLength(item.text, 'utf8')
  return align4(n + 1) // at least one null octet ends the list
}

export class RtcpSourceDescription {
  readonly kind = 'sdes' as const
  chunks: SdesChunk[] = []
  /** Padding octets including the count octet; 0 for none. */
  paddingSize = 0

  constructor(init?: RtcpInit<RtcpSourceDescription>) {
    if (init) Object.assign(this, init)
  }

  /** The usual SDES: one chunk with one CNAME item. */
  static cname(ssrc: number, cname: string): RtcpSourceDescription {
    return new RtcpSourceDescription({ chunks: [{ ssrc, items: [{ type: SdesItemType.CNAME, text: cname }] }] })
  }

  get packetType(): number {
    return RtcpPacketType.SDES
  }

  /** The CNAME of `ssrc` (or of the first chunk when `ssrc` is omitted), if present. */
  getCname(ssrc?: number): string | undefined {
    for (const c of this.chunks) {
      if (ssrc !== undefined && c.ssrc !== ssrc >>> 0) continue
      const item = c.items.find((i) => i.type === SdesItemType.CNAME)
      if (item) return item.text
      if (ssrc === undefined) return undefined
    }
    return undefined
  }

  /** Parses a buffer holding exactly one SDES packet. */
  static parse(input: Uint8Array): RtcpSourceDescription {
    return RtcpSourceDescription.fromView(readSingleRtcpPacket(input, RtcpPacketType.SDES))
  }

  /** Builds an SDES from a located packet (see `readRtcpPacket`). */
  static fromView(v: RtcpPacketView): RtcpSourceDescription {
    const body = v.body
    const p = new RtcpSourceDescription()
    let off = 0
    for (let i = 0; i < v.count; i++) {
      if (body.length - off < CHUNK_SSRC_SIZE) {
        throw new ParseError('ERR_RTCP_SHORT', `SDES chunk ${i} of ${v.count} is missing its SSRC`, {
          observed: body.length - off,
          allowed: `>= ${CHUNK_SSRC_SIZE}`,
          chunk: i,
        })
      }
      const chunk: SdesChunk = { ssrc: body.readUInt32BE(off), items: [] }
      off += CHUNK_SSRC_SIZE
      for (;;) {
        if (off >= body.length) {
          throw new ParseError('ERR_RTCP_SDES_END', `SDES chunk ${i} has no null octet ending its item list`, {
            observed: body.length,
            allowed: `> ${off}`,
            chunk: i,
          })
        }
        const type = body[off]!
        if (type === SdesItemType.END) {
          off = align4(off + 1)
          break
        }
        if (body.length - off < ITEM_HEADER_SIZE) {
          throw new ParseError('ERR_RTCP_SHORT', `SDES item in chunk ${i} is missing its length octet`, {
            observed: body.length - off,
            allowed: `>= ${ITEM_HEADER_SIZE}`,
            chunk: i,
          })
        }
        const len = body[off + ITEM_LENGTH_OFFSET]!
        const start = off + ITEM_HEADER_SIZE
        if (body.length - start < len) {
          throw new ParseError('ERR_RTCP_SHORT', `SDES item text of ${len} bytes runs past the packet`, {
            observed: body.length - start,
            allowed: `>= ${len}`,
            chunk: i,
          })
        }
        chunk.items.push({ type, text: body.toString('utf8', start, start + len) })
        off = start + len
      }
      p.chunks.push(chunk)
    }
    // The null padding of the last chunk may have been eaten by the P-bit padding: off can pass the end.
    if (off < body.length) {
      throw new ParseError('ERR_RTCP_TRAILING', `${body.length - off} bytes after the ${v.count} SDES chunks`, {
        observed: body.length,
        allowed: off,
      })
    }
    p.paddingSize = v.paddingSize
    return p
  }

  marshalSize(): number {
    let n = RTCP_HEADER_SIZE + this.paddingSize
    for (const c of this.chunks) n += chunkSize(c)
    return n
  }

  /** Writes the packet into `buf` at `offset`; returns the number of bytes written. */
  marshalTo(buf: Buffer, offset = 0): number {
    const size = this.marshalSize()
    writeRtcpFrame(buf, offset, RtcpPacketType.SDES, this.chunks.length, size, this.paddingSize)
    let off = offset + RTCP_HEADER_SIZE
    for (const c of this.chunks) {
      const chunkStart = off
      buf.writeUInt32BE(c.ssrc >>> 0, off)
      off += CHUNK_SSRC_SIZE
      for (const item of c.items) {
        if (!Number.isInteger(item.type) || item.type <= SdesItemType.END || item.type > 0xff) {
          throw new LimitError('ERR_RTCP_SDES_TYPE', `SDES item type ${item.type} is out of range`, {
            observed: item.type,
            allowed: '1..255',
          })
        }
        const len = Buffer.byteLength(item.text, 'utf8')
        if (len > SDES_MAX_TEXT_BYTES) {
          throw new LimitError('ERR_RTCP_SDES_TEXT', `SDES item text of ${len} bytes is too long`, {
            observed: len,
            allowed: SDES_MAX_TEXT_BYTES,
          })
        }
        buf.write(item.text, off + ITEM_HEADER_SIZE, len, 'utf8')
        buf[off] = item.type
        buf[off + ITEM_LENGTH_OFFSET] = len
        off += ITEM_HEADER_SIZE + len
      }
      const end = chunkStart + chunkSize(c)
      buf.fill(0, off, end)
      off = end
    }
    return size
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(this.marshalSize())
    this.marshalTo(buf, 0)
    return buf
  }

  /** A deep copy. */
  clone(): RtcpSourceDescription {
    return new RtcpSourceDescription({
      paddingSize: this.paddingSize,
      chunks: this.chunks.map((c) => ({ ssrc: c.ssrc, items: c.items.map((i) => ({ ...i })) })),
    })
  }
}
