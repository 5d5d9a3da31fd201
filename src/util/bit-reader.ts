/**
 * MSB-first bit reader over a byte buffer, with the Exp-Golomb codes of
 * ITU-T H.264 section 9.1 (ue(v)) and 9.1.1 (se(v)).
 *
 * Reads RBSP bytes: remove emulation-prevention bytes first (see codecs/nal-unit.ts `toRbsp`).
 * Every read is bounds-checked and throws ParseError('ERR_BITS_OVERRUN') past the end.
 */
import { ParseError } from '../errors.js'

const BITS_PER_BYTE = 8
/** readBits() returns a JS number; 32 bits is the widest unsigned value handled without BigInt. */
export const MAX_READ_BITS = 32
/** ue(v) values in H.264 fit in 32 bits (H.264 9.1: at most 31 leading zero bits for u32 range). */
export const MAX_EXP_GOLOMB_LEADING_ZEROS = 31

export class BitReader {
  private readonly buf: Uint8Array
  private readonly endBit: number
  private pos: number

  /** Reads `buf` from bit 0 (or `byteOffset`) to its end. The buffer is not copied. */
  constructor(buf: Uint8Array, byteOffset = 0) {
    this.buf = buf
    this.endBit = buf.length * BITS_PER_BYTE
    this.pos = byteOffset * BITS_PER_BYTE
    if (this.pos > this.endBit) this.overrun(0)
  }

  /** Current position in bits from the start of the buffer. */
  get bitPosition(): number {
    return this.pos
  }

  get bitsLeft(): number {
    return this.endBit - this.pos
  }

  /** True when the position is on a byte boundary. */
  get byteAligned(): boolean {
    return this.pos % BITS_PER_BYTE === 0
  }

  readBit(): number {
    if (this.pos >= this.endBit) this.overrun(1)
    const bit = (this.buf[this.pos >>> 3]! >>> (7 - (this.pos & 7))) & 1
    this.pos++
    return bit
  }

  readFlag(): boolean {
    return this.readBit() === 1
  }

  /** u(n): `n` bits (0..32) as an unsigned number. */
  readBits(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > MAX_READ_BITS) {
      throw new ParseError('ERR_BITS_WIDTH', `cannot read ${n} bits at once`, { observed: n, allowed: `0..${MAX_READ_BITS}` })
    }
    if (n > this.bitsLeft) this.overrun(n)
    let value = 0
    let left = n
    while (left > 0) {
      const byte = this.buf[this.pos >>> 3]!
      const bitInByte = this.pos & 7
      const avail = BITS_PER_BYTE - bitInByte
      const take = Math.min(avail, left)
      const chunk = (byte >>> (avail - take)) & ((1 << take) - 1)
      // Multiplication instead of << keeps values above 2^31 positive.
      value = value * (1 << take) + chunk
      this.pos += take
      left -= take
    }
    return value
  }

  skipBits(n: number): void {
    if (!Number.isInteger(n) || n < 0) {
      throw new ParseError('ERR_BITS_WIDTH', `cannot skip ${n} bits`, { observed: n, allowed: '>= 0' })
    }
    if (n > this.bitsLeft) this.overrun(n)
    this.pos += n
  }

  /** ue(v), H.264 9.1: unsigned Exp-Golomb. */
  readUe(): number {
    let leadingZeros = 0
    while (this.readBit() === 0) {
      leadingZeros++
      if (leadingZeros > MAX_EXP_GOLOMB_LEADING_ZEROS) {
        throw new ParseError('ERR_EXP_GOLOMB', `Exp-Golomb code with more than ${MAX_EXP_GOLOMB_LEADING_ZEROS} leading zero bits`, {
          observed: leadingZeros,
          allowed: `<= ${MAX_EXP_GOLOMB_LEADING_ZEROS}`,
        })
      }
    }
    return 2 ** leadingZeros - 1 + this.readBits(leadingZeros)
  }

  /** se(v), H.264 9.1.1: signed Exp-Golomb (k → (-1)^(k+1) * ceil(k / 2)). */
  readSe(): number {
    const k = this.readUe()
    const magnitude = Math.ceil(k / 2)
    if (k === 0) return 0
    return k % 2 === 1 ? magnitude : -magnitude
  }

  private overrun(wanted: number): never {
    throw new ParseError('ERR_BITS_OVERRUN', `bitstream ended: wanted ${wanted} bits, ${Math.max(0, this.endBit - this.pos)} left`, {
      observed: Math.max(0, this.endBit - this.pos),
      allowed: `>= ${wanted}`,
    })
  }
}
