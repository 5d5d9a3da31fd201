/**
 * MSB-first bit writer for H.264 RBSPs (ITU-T H.264 section 7.2: u(n), ue(v), se(v); 7.3.2.11
 * rbsp_trailing_bits) and the NAL unit wrapper with emulation prevention (7.4.1, emulation_prevention_
 * three_byte). One writer is reused for every NAL unit an encoder makes: its byte buffer only grows.
 * src/util/bit-writer.ts is for once-per-track configuration; this one is on the per-macroblock path.
 */
import { CodecError } from '../../../errors.js'

const INITIAL_CAPACITY = 64 * 1024
/** writeBits() takes at most 24 bits so the accumulator (< 8 pending bits + n) stays within 32 bits. */
export const MAX_BITS_PER_WRITE = 24
const BYTE = 8
const EMULATION_PREVENTION_BYTE = 0x03
/** A zero-zero pair followed by a byte <= 3 would read as a start code prefix (7.4.1). */
const MAX_ESCAPED_BYTE = 0x03

export class RbspWriter {
  private buf: Uint8Array = new Uint8Array(INITIAL_CAPACITY)
  private pos = 0
  /** Pending bits not yet in `buf` (fewer than 8 between calls). */
  private acc = 0
  private pending = 0

  /** Empties the writer, keeping its buffer. */
  reset(): void {
    this.pos = 0
    this.acc = 0
    this.pending = 0
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.pos * BYTE + this.pending
  }

  /** Appends the low `n` bits (0..24) of `value`, most significant first. u(n) in the standard. */
  writeBits(n: number, value: number): void {
    if (n === 0) return
    if (n > MAX_BITS_PER_WRITE) {
      throw new CodecError('ERR_BITS_WIDTH', `cannot write ${n} bits at once`, { observed: n, allowed: `0..${MAX_BITS_PER_WRITE}` })
    }
    this.acc = (this.acc << n) | (value & ((1 << n) - 1))
    this.pending += n
    if (this.pos + 4 > this.buf.length) this.grow()
    while (this.pending >= BYTE) {
      this.pending -= BYTE
      this.buf[this.pos++] = (this.acc >>> this.pending) & 0xff
    }
    this.acc &= (1 << this.pending) - 1
  }

  /** u(32): two writes, since one takes at most 24 bits. */
  writeU32(value: number): void {
    this.writeBits(16, Math.floor(value / 0x10000) & 0xffff)
    this.writeBits(16, value & 0xffff)
  }

  /** ue(v), 9.1: M zeros, then codeNum + 1 in M + 1 bits, where M = floor(log2(codeNum + 1)). */
  writeUe(codeNum: number): void {
    const v = codeNum + 1
    const m = 31 - Math.clz32(v)
    if (m > 0) this.writeZeros(m)
    if (m + 1 <= MAX_BITS_PER_WRITE) this.writeBits(m + 1, v)
    else {
      this.writeBits(m + 1 - 16, Math.floor(v / 0x10000))
      this.writeBits(16, v & 0xffff)
    }
  }

  /** se(v), 9.1.1: k > 0 maps to codeNum 2k - 1, k <= 0 to -2k. */
  writeSe(value: number): void {
    this.writeUe(value > 0 ? 2 * value - 1 : -2 * value)
  }

  /** `n` zero bits (a level_prefix or an exp-Golomb prefix may be longer than one write). */
  writeZeros(n: number): void {
    while (n > MAX_BITS_PER_WRITE) {
      this.writeBits(MAX_BITS_PER_WRITE, 0)
      n -= MAX_BITS_PER_WRITE
    }
    this.writeBits(n, 0)
  }

  /** rbsp_trailing_bits (7.3.2.11): a one bit, then zero bits up to the byte boundary. */
  writeTrailingBits(): void {
    this.writeBits(1, 1)
    if (this.pending > 0) this.writeBits(BYTE - this.pending, 0)
  }

  /** The RBSP bytes written so far (a view; valid until the next write or reset). Byte-aligned only. */
  rbsp(): Uint8Array {
    if (this.pending !== 0) {
      throw new CodecError('ERR_RBSP_ALIGNMENT', 'the RBSP is not byte-aligned', { observed: this.pending, allowed: 0 })
    }
    return this.buf.subarray(0, this.pos)
  }

  /**
   * A fresh NAL unit (header byte, then the RBSP with emulation prevention bytes): its own Buffer, since
   * units are kept by the GOP cache while this writer is reused. Sized exactly in a first counting pass.
   */
  toNal(header: number): Buffer {
    return escapeRbsp(header, this.rbsp())
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }
}

/** `header` followed by `rbsp` with an emulation_prevention_three_byte after each 00 00 before a byte <= 3. */
export function escapeRbsp(header: number, rbsp: Uint8Array): Buffer {
  let escapes = 0
  let zeros = 0
  for (let i = 0; i < rbsp.length; i++) {
    const b = rbsp[i]!
    if (zeros >= 2 && b <= MAX_ESCAPED_BYTE) {
      escapes++
      zeros = 0
    }
    zeros = b === 0 ? zeros + 1 : 0
  }
  const out = Buffer.allocUnsafe(1 + rbsp.length + escapes)
  out[0] = header
  if (escapes === 0) {
    out.set(rbsp, 1)
    return out
  }
  let o = 1
  zeros = 0
  for (let i = 0; i < rbsp.length; i++) {
    const b = rbsp[i]!
    if (zeros >= 2 && b <= MAX_ESCAPED_BYTE) {
      out[o++] = EMULATION_PREVENTION_BYTE
      zeros = 0
    }
    out[o++] = b
    zeros = b === 0 ? zeros + 1 : 0
  }
  return out
}
