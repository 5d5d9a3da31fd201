/**
 * Reading ISO base media file format boxes, ISO/IEC 14496-12 section 4.2 (object structure):
 *
 *   aligned(8) class Box (unsigned int(32) boxtype) {
 *     unsigned int(32) size;          // whole box, header included
 *     unsigned int(32) type;          // four printable characters
 *     if (size == 1) unsigned int(64) largesize;
 *     else if (size == 0) { }         // the box extends to the end of the file (or its container)
 *     if (boxtype == 'uuid') unsigned int(8)[16] usertype;
 *   }
 *   aligned(8) class FullBox (type, unsigned int(8) v, bit(24) f) extends Box(type) {
 *     unsigned int(8) version = v; bit(24) flags = f;
 *   }
 *
 * Boxes are views into the buffer they were read from; nothing is copied. Every field read goes through
 * BoxFieldReader, which checks the remaining length first and throws ParseError('ERR_MP4_TRUNCATED').
 */
import { LimitError, ParseError } from '../../errors.js'

export const BOX_HEADER_SIZE = 8
export const LARGE_BOX_HEADER_SIZE = 16
export const UUID_SIZE = 16
/** `size` value meaning "to the end of the container". */
export const SIZE_TO_END = 0
/** `size` value meaning "a 64-bit largesize follows the type". */
export const SIZE_LARGE = 1
const SIZE_OFFSET = 0
const TYPE_OFFSET = 4
const LARGESIZE_OFFSET = 8
const TYPE_SIZE = 4
export const FULL_BOX_HEADER_SIZE = 4
const FLAGS_MASK = 0xffffff
const TWO_POW_32 = 0x1_0000_0000
/** Children of one container box we look at; a real moov has a few dozen. */
export const MAX_CHILD_BOXES = 100_000

export interface BoxHeader {
  /** Four-character code, e.g. 'moov'. */
  type: string
  /** Absolute offset of the box (of its size field). */
  start: number
  /** 8, 16 (largesize) or 24/32 with a uuid usertype. */
  headerSize: number
  /** Absolute end offset (start + size). */
  end: number
}

export interface Box extends BoxHeader {
  /** The box contents after the header: a view into the buffer it was read from. */
  body: Buffer
}

/** A `ParseError('ERR_MP4_TRUNCATED')` for `what` needing `need` bytes where `have` remain. */
export function truncated(what: string, need: number, have: number): ParseError {
  return new ParseError('ERR_MP4_TRUNCATED', `MP4 ${what} is truncated: needs ${need} bytes, ${have} left`, {
    observed: have,
    allowed: `>= ${need}`,
  })
}

/** Reads a 64-bit unsigned big-endian integer as a number; ParseError above 2^53. */
export function readU64(buf: Buffer, offset: number, what: string): number {
  const hi = buf.readUInt32BE(offset)
  const lo = buf.readUInt32BE(offset + 4)
  const value = hi * TWO_POW_32 + lo
  if (!Number.isSafeInteger(value))
    throw new ParseError('ERR_MP4_VALUE', `MP4 ${what} ${value} is beyond 2^53`, {
      observed: value,
      allowed: `<= ${Number.MAX_SAFE_INTEGER}`,
    })
  return value
}

/** True when `type` is four printable ASCII characters (what a box type is in any real file). */
function printable(type: Buffer): boolean {
  return type.every((c) => c >= 0x20 && c <= 0x7e)
}

/**
 * Parses the box header at the start of `head` (a view of at least the header bytes when they exist),
 * for a box at absolute offset `start` inside a container ending at absolute offset `containerEnd`.
 * ParseError when the header is cut short or the size does not fit the container (unless `allowPastEnd`:
 * then the caller decides what a box running past the end of a file means).
 */
export function parseBoxHeader(head: Buffer, start: number, containerEnd: number, allowPastEnd = false): BoxHeader {
  if (head.length < BOX_HEADER_SIZE) throw truncated('box header', BOX_HEADER_SIZE, head.length)
  const typeBytes = head.subarray(TYPE_OFFSET, TYPE_OFFSET + TYPE_SIZE)
  if (!printable(typeBytes)) {
    throw new ParseError(
      'ERR_MP4_BOX_TYPE',
      `MP4 box at offset ${start} has a type that is not four characters (0x${typeBytes.toString('hex')})`,
      { observed: typeBytes.toString('hex') },
    )
  }
  const type = typeBytes.toString('latin1')
  const size32 = head.readUInt32BE(SIZE_OFFSET)
  let headerSize = BOX_HEADER_SIZE
  let size: number
  if (size32 === SIZE_LARGE) {
    if (head.length < LARGE_BOX_HEADER_SIZE) throw truncated(`'${type}' largesize`, LARGE_BOX_HEADER_SIZE, head.length)
    size = readU64(head, LARGESIZE_OFFSET, `'${type}' largesize`)
    headerSize = LARGE_BOX_HEADER_SIZE
  } else if (size32 === SIZE_TO_END) {
    size = containerEnd - start
  } else {
    size = size32
  }
  if (type === 'uuid') {
    if (head.length < headerSize + UUID_SIZE) throw truncated("'uuid' usertype", headerSize + UUID_SIZE, head.length)
    headerSize += UUID_SIZE
  }
  if (size < headerSize) {
    throw new ParseError(
      'ERR_MP4_BOX_SIZE',
      `MP4 '${type}' box at offset ${start} has size ${size}, less than its ${headerSize}-byte header`,
      { observed: size, allowed: `>= ${headerSize}` },
    )
  }
  if (start + size > containerEnd && !allowPastEnd) {
    throw new ParseError(
      'ERR_MP4_BOX_SIZE',
      `MP4 '${type}' box at offset ${start} has size ${size}, past the end of its container (${containerEnd - start} bytes left)`,
      {
        observed: size,
        allowed: `<= ${containerEnd - start}`,
      },
    )
  }
  return { type, start, headerSize, end: start + size }
}

/**
 * The boxes laid end to end in `buf[from, to)`. Offsets in the returned boxes are relative to `buf`
 * plus `base` (the absolute offset of `buf[0]` in the file), so boxes of a box read from a file keep
 * file offsets.
 */
export function readBoxes(buf: Buffer, from = 0, to = buf.length, base = 0): Box[] {
  const out: Box[] = []
  let off = from
  while (off < to) {
    if (out.length >= MAX_CHILD_BOXES)
      throw new LimitError('ERR_MP4_LIMIT', `more than ${MAX_CHILD_BOXES} MP4 boxes in one container`, {
        observed: out.length,
        allowed: MAX_CHILD_BOXES,
      })
    const h = parseBoxHeader(buf.subarray(off, Math.min(to, off + LARGE_BOX_HEADER_SIZE + UUID_SIZE)), base + off, base + to)
    out.push({ ...h, body: buf.subarray(off + h.headerSize, h.end - base) })
    off = h.end - base
  }
  return out
}

/** The child boxes of a container box. */
export function children(box: Box): Box[] {
  return readBoxes(box.body, 0, box.body.length, box.start + box.headerSize)
}

/** The first child of `box` of type `type`, if any. */
export function findChild(box: Box, type: string): Box | undefined {
  return children(box).find((b) => b.type === type)
}

/** The first child of `box` of type `type`; ParseError('ERR_MP4_MISSING_BOX') naming the path otherwise. */
export function requireChild(box: Box, type: string): Box {
  const child = findChild(box, type)
  if (!child)
    throw new ParseError('ERR_MP4_MISSING_BOX', `MP4 '${box.type}' box has no '${type}' box`, {
      observed: children(box).map((b) => b.type),
      allowed: type,
    })
  return child
}

/**
 * Sequential big-endian field reads over a box body; each read checks the remaining length first and
 * throws ParseError('ERR_MP4_TRUNCATED') naming the box.
 */
export class BoxFieldReader {
  private pos: number

  constructor(
    readonly buf: Buffer,
    private readonly what: string,
    start = 0,
  ) {
    this.pos = start
  }

  get offset(): number {
    return this.pos
  }

  get remaining(): number {
    return this.buf.length - this.pos
  }

  private need(n: number): number {
    if (this.remaining < n) throw truncated(this.what, this.pos + n, this.buf.length)
    const at = this.pos
    this.pos += n
    return at
  }

  u8(): number {
    return this.buf.readUInt8(this.need(1))
  }

  u16(): number {
    return this.buf.readUInt16BE(this.need(2))
  }

  i16(): number {
    return this.buf.readInt16BE(this.need(2))
  }

  u24(): number {
    return this.buf.readUIntBE(this.need(3), 3)
  }

  u32(): number {
    return this.buf.readUInt32BE(this.need(4))
  }

  i32(): number {
    return this.buf.readInt32BE(this.need(4))
  }

  u64(): number {
    return readU64(this.buf, this.need(8), this.what)
  }

  f64(): number {
    return this.buf.readDoubleBE(this.need(8))
  }

  /** 64-bit signed (edit list media_time v1); ParseError beyond ±2^53. */
  i64(): number {
    const at = this.need(8)
    const value = this.buf.readInt32BE(at) * TWO_POW_32 + this.buf.readUInt32BE(at + 4)
    if (!Number.isSafeInteger(value))
      throw new ParseError('ERR_MP4_VALUE', `MP4 ${this.what} value ${value} is beyond 2^53`, { observed: value })
    return value
  }

  /** A view of the next `n` bytes. */
  bytes(n: number): Buffer {
    const at = this.need(n)
    return this.buf.subarray(at, at + n)
  }

  skip(n: number): void {
    this.need(n)
  }

  /** version and flags of a FullBox. */
  fullBox(): { version: number; flags: number } {
    const word = this.u32()
    return { version: word >>> 24, flags: word & FLAGS_MASK }
  }

  /** Checks that `count` entries of `entrySize` bytes follow (so a count cannot make us loop past the data). */
  needEntries(count: number, entrySize: number): void {
    if (count * entrySize > this.remaining)
      throw truncated(`${this.what} table of ${count} entries`, this.pos + count * entrySize, this.buf.length)
  }
}

/** A reader over a record whose first byte is its version, checked against `expected`. */
export function versionedRecord(body: Buffer, box: string, field: string, expected: number): BoxFieldReader {
  const r = new BoxFieldReader(body, `'${box}' box`)
  const version = r.u8()
  if (version !== expected)
    throw new ParseError('ERR_MP4_CODEC_CONFIG', `${box} ${field} ${version} is not ${expected}`, { observed: version, allowed: expected })
  return r
}
