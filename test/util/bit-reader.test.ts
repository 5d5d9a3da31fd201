import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ParseError, RtspkitError } from '../../src/errors.js'
import { BitReader } from '../../src/util/bit-reader.js'
import { hex } from '../helpers/split.js'

const overrun = (e: unknown) => e instanceof ParseError && e.code === 'ERR_BITS_OVERRUN'

describe('BitReader', () => {
  it('reads bits MSB first across byte boundaries', () => {
    const r = new BitReader(hex('a5 0f f0 12 34 56 78'))
    assert.equal(r.readBit(), 1) // 1010 0101: first bit
    assert.equal(r.readBits(3), 0b010)
    assert.equal(r.readBits(8), 0x50) // 0101 | 0000
    assert.equal(r.readFlag(), true) // 1 of 0x0f's low nibble
    assert.equal(r.bitPosition, 13)
    r.skipBits(3)
    assert.equal(r.readBits(32), 0xf0123456) // above 2^31 stays positive
    assert.equal(r.bitsLeft, 8)
    assert.equal(r.byteAligned, true)
    assert.equal(r.readBits(0), 0)
  })

  it('reads ue(v) and se(v) (H.264 Table 9-2 and 9-3)', () => {
    // Codes: 1 | 010 | 011 | 00100 | 00101 | 00110 | 00111 | 0001000 → ue 0..7
    // as bits: 1010 0110 0100 0010 1001 1000 1110 0010 00(00 0000)
    const ue = new BitReader(hex('a6 42 98 e2 00'))
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map(() => ue.readUe()),
      [0, 1, 2, 3, 4, 5, 6, 7],
    )
    const se = new BitReader(hex('a6 42 98 e2 00'))
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map(() => se.readSe()),
      [0, 1, -1, 2, -2, 3, -3, 4],
    )
  })

  it('reads the largest ue(v): 31 zeros, a one, 31 ones = 2^32 - 2', () => {
    // 31 zero bits, then 1, then 31 ones, then one padding bit
    const r = new BitReader(hex('00 00 00 01 ff ff ff fe'))
    assert.equal(r.readUe(), 2 ** 32 - 2)
  })

  it('rejects more than 31 leading zeros', () => {
    const r = new BitReader(hex('00 00 00 00 80'))
    assert.throws(
      () => r.readUe(),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_EXP_GOLOMB',
    )
  })

  it('throws ParseError on overrun, for every read', () => {
    assert.throws(() => new BitReader(hex('ff')).readBits(9), overrun)
    assert.throws(() => new BitReader(hex('')).readBit(), overrun)
    assert.throws(() => new BitReader(hex('00')).readUe(), overrun) // zeros run off the end
    assert.throws(() => new BitReader(hex('01')).readUe(), overrun) // 7 zeros then 1, suffix missing
    assert.throws(() => new BitReader(hex('ff')).skipBits(9), overrun)
    assert.throws(() => new BitReader(hex('ff'), 2), overrun)
    assert.throws(
      () => new BitReader(hex('ff')).readBits(33),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_BITS_WIDTH',
    )
  })

  it('starts at a byte offset', () => {
    const r = new BitReader(hex('ff 80'), 1)
    assert.equal(r.readUe(), 0)
    assert.equal(r.bitPosition, 9)
  })

  it('property: any bytes and reads throw only ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 20 }), (bytes, ops) => {
        const r = new BitReader(bytes)
        try {
          for (const op of ops) {
            if (op === 0) r.readBit()
            else if (op === 1) r.readUe()
            else if (op === 2) r.readSe()
            else if (op === 3) r.readBits(17)
            else r.skipBits(5)
            assert.ok(r.bitsLeft >= 0)
          }
        } catch (e) {
          if (!(e instanceof RtspkitError)) throw e
        }
      }),
    )
  })
})
