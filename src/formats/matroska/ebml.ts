/**
 * EBML (RFC 8794) as Matroska uses it: element IDs (their marker bits kept, section 5), variable-size
 * integers for data sizes (section 4), and the unknown size (all value bits 1, section 6.2) that lets a
 * Segment be written live and still be valid when the process stops mid-file.
 *
 *   Element = ID (1-4 bytes, VINT with the marker kept) | DataSize (VINT, 1-8 bytes) | Data
 *   VINT    = a width of N bytes is N-1 zero bits then a 1 bit (the marker), then 7N value bits.
 */
import { ParseError } from '../../errors.js'

/** 8-byte data size of an element whose size is not known yet (RFC 8794 6.2). */
export const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
const MAX_VINT_WIDTH = 8
const VALUE_BITS_PER_BYTE = 7
/** Largest size written in 8 bytes that is not the unknown size (2^53 is far beyond any file). */
const MAX_SAFE_SIZE = Number.MAX_SAFE_INTEGER

/** The ID's bytes (IDs are written with their marker, e.g. 0x1A45DFA3). */
function idBytes(id: number): Buffer {
  const width = id > 0xffffff ? 4 : id > 0xffff ? 3 : id > 0xff ? 2 : 1
  const out = Buffer.alloc(width)
  out.writeUIntBE(id, 0, width)
  return out
}

/** A data size as the shortest VINT (a value of all 1 bits takes the next width: that would mean unknown). */
export function vintSize(n: number): Buffer {
  let width = 1
  while (width < MAX_VINT_WIDTH && n >= 2 ** (VALUE_BITS_PER_BYTE * width) - 1) width++
  if (n > MAX_SAFE_SIZE) throw new ParseError('ERR_EBML_SIZE', `EBML size ${n} is too large`, { observed: n })
  const out = Buffer.alloc(width)
  let v = n
  for (let i = width - 1; i >= 0; i--) {
    out[i] = v % 256
    v = Math.floor(v / 256)
  }
  out[0]! |= 1 << (8 - width)
  return out
}

export function element(id: number, ...data: Buffer[]): Buffer {
  let size = 0
  for (const d of data) size += d.length
  return Buffer.concat([idBytes(id), vintSize(size), ...data])
}

/** An unsigned integer element in as few bytes as it needs. */
export function uintElement(id: number, v: number): Buffer {
  let width = 1
  while (width < 6 && v >= 2 ** (8 * width)) width++
  const b = Buffer.alloc(width)
  b.writeUIntBE(v, 0, width)
  return element(id, b)
}

export function floatElement(id: number, v: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeDoubleBE(v, 0)
  return element(id, b)
}

export function stringElement(id: number, s: string): Buffer {
  return element(id, Buffer.from(s, 'utf8'))
}

/** The header of an element whose size is not known yet (a live Segment). */
export function unknownSizeHeader(id: number): Buffer {
  return Buffer.concat([idBytes(id), UNKNOWN_SIZE])
}

export interface EbmlHeader {
  id: number
  /** Offset of the data. */
  dataStart: number
  /** undefined: unknown size. */
  size: number | undefined
}

/** Reads an element header at `off`, or undefined when `buf` ends before it does. */
export function readElementHeader(buf: Buffer, off: number): EbmlHeader | undefined {
  const first = buf[off]
  if (first === undefined || first === 0) return undefined
  const idWidth = Math.clz32(first) - 24 + 1
  if (idWidth > 4 || off + idWidth >= buf.length) return undefined
  const id = buf.readUIntBE(off, idWidth)
  const s = off + idWidth
  const lead = buf[s]!
  if (lead === 0) return undefined
  const width = Math.clz32(lead) - 24 + 1
  if (s + width > buf.length) return undefined
  let v = lead & (0xff >> width)
  let allOnes = v === 0xff >> width
  for (let i = 1; i < width; i++) {
    const b = buf[s + i]!
    allOnes &&= b === 0xff
    v = v * 256 + b
  }
  return { id, dataStart: s + width, size: allOnes ? undefined : v }
}
