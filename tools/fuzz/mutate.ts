/**
 * Seeded mutations for the network fuzzer: the same seed sends the same bytes, so a failing run can be
 * replayed with `--seed`. Inputs start from valid messages and are bent the ways parsers break:
 * flipped bits, boundary integers, cut or repeated slices, huge or negative lengths, stray CR/LF/NUL.
 */
import { seededRandom } from '../../bench/stats.js'

/** Integers at the edges parsers get wrong (signs, widths, off-by-one). */
const INTERESTING = [
  '0',
  '-1',
  '1',
  '65535',
  '65536',
  '2147483647',
  '2147483648',
  '4294967296',
  '99999999999999999999',
  '1e9',
  '0x10',
  ' 7',
  '',
]
const JUNK = ['\r', '\n', '\r\n', '\0', '\t', ' ', ':', ';', ',', '=', '"', '$', '%', '/', '\\', '\xff', '\u00e9', '\r\n\r\n', '-']

export class Rng {
  private readonly next: () => number

  constructor(seed: number) {
    this.next = seededRandom(seed)
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next()
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) b[i] = this.int(256)
    return b
  }
}

/** One to `max` byte-level mutations of a copy of `input`. */
export function mutateBytes(rng: Rng, input: Buffer, max = 4): Buffer {
  let b = Buffer.from(input)
  const n = 1 + rng.int(max)
  for (let k = 0; k < n; k++) {
    const at = b.length === 0 ? 0 : rng.int(b.length)
    switch (rng.int(8)) {
      case 0: // flip a bit
        if (b.length > 0) b[at] = b[at]! ^ (1 << rng.int(8))
        break
      case 1: // set a byte to a boundary value
        if (b.length > 0) b[at] = rng.pick([0x00, 0x01, 0x7f, 0x80, 0xff, 0x24, 0x0d, 0x0a])
        break
      case 2: // cut the tail
        b = b.subarray(0, at)
        break
      case 3: // drop a slice
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(16)))])
        break
      case 4: {
        // repeat a slice
        const piece = b.subarray(at, at + 1 + rng.int(64))
        b = Buffer.concat([b.subarray(0, at), ...Array<Buffer>(1 + rng.int(8)).fill(piece), b.subarray(at)])
        break
      }
      case 5: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(8)), b.subarray(at)])
        break
      case 6: // write a random 16-bit value (lengths, sequence numbers)
        if (b.length >= 2) b.writeUInt16BE(rng.pick([0, 1, 0x7fff, 0x8000, 0xffff, rng.int(0x10000)]), Math.min(at, b.length - 2))
        break
      default: // write a random 32-bit value
        if (b.length >= 4)
          b.writeUInt32BE(rng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, rng.int(0x100000000)]), Math.min(at, b.length - 4))
    }
  }
  return b
}

/** One to `max` text-level mutations: numbers swapped for boundary values, junk inserted, tokens repeated. */
export function mutateText(rng: Rng, input: string, max = 3): string {
  let s = input
  const n = 1 + rng.int(max)
  for (let k = 0; k < n; k++) {
    const at = rng.int(s.length + 1)
    switch (rng.int(6)) {
      case 0: {
        const numbers = [...s.matchAll(/\d+/g)]
        if (numbers.length === 0) break
        const m = rng.pick(numbers)
        s = s.slice(0, m.index) + rng.pick(INTERESTING) + s.slice(m.index + m[0].length)
        break
      }
      case 1:
        s = s.slice(0, at) + rng.pick(JUNK) + s.slice(at)
        break
      case 2:
        s = s.slice(0, at) + s.slice(at + 1 + rng.int(12))
        break
      case 3: {
        const piece = s.slice(at, at + 1 + rng.int(40))
        s = s.slice(0, at) + piece.repeat(rng.pick([2, 3, 10, 200])) + s.slice(at)
        break
      }
      case 4: {
        // swap two lines
        const lines = s.split('\n')
        if (lines.length < 2) break
        const i = rng.int(lines.length)
        const j = rng.int(lines.length)
        ;[lines[i], lines[j]] = [lines[j]!, lines[i]!]
        s = lines.join('\n')
        break
      }
      default:
        s = s.slice(0, at) + rng.bytes(1 + rng.int(6)).toString('latin1') + s.slice(at)
    }
  }
  return s
}
