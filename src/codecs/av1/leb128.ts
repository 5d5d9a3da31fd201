/**
 * leb128(), AV1 Bitstream & Decoding Process Specification section 4.10.5: an unsigned value in groups
 * of 7 bits, least significant first, the top bit of each byte set when another follows. The AV1
 * specification allows at most 8 bytes and values below 2^32; the RTP payload format (section 4.3) uses
 * the same encoding for OBU element lengths.
 */
import { ParseError } from '../../errors.js'

export const LEB128_MAX_BYTES = 8
const MAX_VALUE = 0xffffffff
const MORE = 0x80
const GROUP = 0x7f

export interface Leb128 {
  value: number
  /** Bytes the encoding took. */
  size: number
}

/** Reads a leb128 at `offset`. Throws ParseError(code) when it runs past the end, is longer than 8 bytes or exceeds 2^32 - 1. */
export function readLeb128(buf: Uint8Array, offset: number, code = 'ERR_AV1_LEB128'): Leb128 {
  let value = 0
  for (let i = 0; i < LEB128_MAX_BYTES; i++) {
    if (offset + i >= buf.length) {
      throw new ParseError(code, 'leb128 runs past the end of its data', { observed: buf.length - offset, allowed: `> ${i} bytes` })
    }
    const b = buf[offset + i]!
    // Multiplication, not shifts: 7 * 5 bits overflow a 32-bit integer.
    value += (b & GROUP) * 2 ** (7 * i)
    if ((b & MORE) === 0) {
      if (value > MAX_VALUE)
        throw new ParseError(code, `leb128 value ${value} exceeds 2^32 - 1`, { observed: value, allowed: `<= ${MAX_VALUE}` })
      return { value, size: i + 1 }
    }
  }
  throw new ParseError(code, `leb128 longer than ${LEB128_MAX_BYTES} bytes`, { observed: '> 8 bytes', allowed: `<= ${LEB128_MAX_BYTES}` })
}

/** Bytes the shortest encoding of `value` takes. */
export function leb128Size(value: number): number {
  let n = 1
  for (let v = value; v >= MORE; v = Math.floor(v / MORE)) n++
  return n
}

/** Writes the shortest encoding of `value` at `offset`; returns the bytes written. */
export function writeLeb128(buf: Uint8Array, offset: number, value: number): number {
  let v = value
  let i = 0
  for (;;) {
    const group = v % MORE
    v = Math.floor(v / MORE)
    buf[offset + i++] = v > 0 ? group | MORE : group
    if (v === 0) return i
  }
}
