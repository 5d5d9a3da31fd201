import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cryptoRandom, PooledCryptoRandom, type Random } from '../../src/util/random.js'

for (const [name, random] of [
  ['cryptoRandom', cryptoRandom],
  ['PooledCryptoRandom', new PooledCryptoRandom()],
] as [string, Random][]) {
  describe(name, () => {
    it('digits: exactly the length asked, decimal digits only, no leading zero', () => {
      for (const length of [1, 2, 8, 16, 40]) {
        for (let i = 0; i < 200; i++) {
          const s = random.digits(length)
          assert.equal(s.length, length)
          assert.match(s, /^[1-9][0-9]*$/)
        }
      }
    })

    it('digits: every digit comes up about as often (no byte-modulo bias)', () => {
      const counts = new Array<number>(10).fill(0)
      const n = 16000
      for (let i = 0; i < n; i++) for (const ch of random.digits(16).slice(1)) counts[Number(ch)]!++
      const expected = (n * 15) / 10
      // Bias from `byte % 10` over all 256 bytes would make 0-5 about 4 % likelier than 6-9 (26 bytes each against 25); the
      // bound below is 5 standard deviations of a fair count.
      for (const c of counts) assert.ok(Math.abs(c - expected) < 5 * Math.sqrt(expected), `counts ${counts.join(',')}`)
      const low = counts.slice(0, 6).reduce((a, b) => a + b, 0) / 6
      const high = counts.slice(6).reduce((a, b) => a + b, 0) / 4
      assert.ok(Math.abs(low - high) / expected < 0.02, `0-5 vs 6-9: ${low} / ${high}`)
    })

    it('two ids are different', () => {
      assert.notEqual(random.digits(16), random.digits(16))
    })
  })
}

describe('PooledCryptoRandom', () => {
  it('goes on past its pool (4 KiB) with fresh values of every width', () => {
    const r = new PooledCryptoRandom()
    const seen = new Set<number>()
    for (let i = 0; i < 3000; i++) {
      const a = r.u32()
      const b = r.u16()
      assert.ok(Number.isInteger(a) && a >= 0 && a <= 0xffffffff)
      assert.ok(Number.isInteger(b) && b >= 0 && b <= 0xffff)
      seen.add(a)
    }
    assert.ok(seen.size > 2990, `u32 values repeat: ${seen.size} distinct of 3000`)
  })
})
