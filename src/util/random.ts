import { randomBytes, randomInt } from 'node:crypto'

/** Injected randomness, so tests can make SSRCs, sequence numbers and session ids predictable. */
export interface Random {
  u32(): number
  u16(): number
  /** A string of decimal digits, for RTSP session ids. */
  digits(length: number): string
}

export const cryptoRandom: Random = {
  u32: () => randomBytes(4).readUInt32BE(0),
  u16: () => randomBytes(2).readUInt16BE(0),
  digits(length: number): string {
    let s = String(randomInt(1, 10))
    while (s.length < length) s += String(randomInt(0, 10))
    return s
  },
}
