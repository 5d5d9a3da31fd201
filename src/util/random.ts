import { randomBytes, randomFillSync } from 'node:crypto'

/** The largest multiple of 10 a byte can hold: bytes below it map to digits without bias. */
const UNBIASED_BYTE_LIMIT = 250
/** Bytes a PooledCryptoRandom draws at once. */
const POOL_BYTES = 4096

/** Injected randomness, so tests can make SSRCs, sequence numbers and session ids predictable. */
export interface Random {
  u32(): number
  u16(): number
  /** A string of decimal digits, for RTSP session ids. */
  digits(length: number): string
}

/** Decimal digits from `nextByte`, the first one not 0; bytes from 250 up are skipped so no digit is favoured. */
function digitsFrom(length: number, nextByte: () => number): string {
  let s = ''
  while (s.length < length) {
    const b = nextByte()
    if (b >= UNBIASED_BYTE_LIMIT || (s.length === 0 && b % 10 === 0)) continue
    s += String(b % 10)
  }
  return s
}

/** Cryptographic randomness drawn per call: for code that asks rarely. */
export const cryptoRandom: Random = {
  u32: () => randomBytes(4).readUInt32BE(0),
  u16: () => randomBytes(2).readUInt16BE(0),
  digits(length: number): string {
    const bytes = randomBytes(length * 2)
    let i = 0
    return digitsFrom(length, () => (i < bytes.length ? bytes[i++]! : randomBytes(1)[0]!))
  },
}

/**
 * Cryptographic randomness drawn 4 KiB at a time: for a server, which asks for a session id, a nonce
 * and an SDP origin at every handshake. One `randomBytes` call costs tens of microseconds in Node
 * (a crypto job each), a large share of a handshake; the pool makes that once per hundreds.
 */
export class PooledCryptoRandom implements Random {
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES)
  private at = POOL_BYTES

  private take(n: number): number {
    if (this.at + n > POOL_BYTES) {
      randomFillSync(this.pool)
      this.at = 0
    }
    const at = this.at
    this.at += n
    return at
  }

  u32(): number {
    return this.pool.readUInt32BE(this.take(4))
  }

  u16(): number {
    return this.pool.readUInt16BE(this.take(2))
  }

  digits(length: number): string {
    return digitsFrom(length, () => this.pool[this.take(1)]!)
  }
}
