/**
 * MSB-first bit writer for the few bit-packed structures rtspkit builds (an AudioSpecificConfig).
 * Not on a hot path: configuration is built once per track.
 */
import { CodecError } from '../errors.js'

const BITS_PER_BYTE = 8
/** write() takes at most 32 bits, like BitReader.readBits(). */
export const MAX_WRITE_BITS = 32

export class BitWriter {
  private readonly bytes: number[] = []
  private current = 0
  private used = 0

  /** Appends the low `n` bits (0..32) of `value`, most significant first. */
  write(n: number, value: number): this {
    if (!Number.isInteger(n) || n < 0 || n > MAX_WRITE_BITS) {
      throw new CodecError('ERR_BITS_WIDTH', `cannot write ${n} bits at once`, { observed: n, allowed: `0..${MAX_WRITE_BITS}` })
    }
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** n) {
      throw new CodecError('ERR_BITS_VALUE', `${value} does not fit in ${n} bits`, { observed: value, allowed: `0..${2 ** n - 1}` })
    }
    for (let i = n - 1; i >= 0; i--) {
      // Division keeps values above 2^31 exact where >>> would not for i >= 32.
      const bit = Math.floor(value / 2 ** i) & 1
      this.current = (this.current << 1) | bit
      if (++this.used === BITS_PER_BYTE) {
        this.bytes.push(this.current)
        this.current = 0
        this.used = 0
      }
    }
    return this
  }

  /** The bits written so far, the last byte padded with zero bits. */
  toBuffer(): Buffer {
    return Buffer.from(this.used ? [...this.bytes, this.current << (BITS_PER_BYTE - this.used)] : this.bytes)
  }
}
