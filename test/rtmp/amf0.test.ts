/**
 * AMF0 vectors both ways, AMF bombs (deep nesting, huge counts) refused with LimitError/ParseError
 * before any work proportional to the claim, and AMF3's marker refused cleanly.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LimitError, ParseError } from '../../src/errors.js'
import { amf0Object, decodeAmf0, encodeAmf0, encodeAmf0EcmaArray } from '../../src/rtmp/amf0.js'
import { AMF_VECTORS } from './vectors.js'

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x === undefined ? '<undefined>' : x))) as unknown

describe('AMF0 vectors', () => {
  for (const v of AMF_VECTORS) {
    it(`decodes ${v.name}`, () => {
      assert.deepEqual(plain(decodeAmf0(v.bytes)), plain(v.values))
    })
  }
  it('encodes connect as ffmpeg does', () => {
    assert.ok(encodeAmf0('connect', 1, amf0Object({ app: 'live' })).equals(AMF_VECTORS[0]!.bytes))
  })
  it('round-trips numbers, strings (long ones too), booleans, null, undefined, dates, arrays, objects', () => {
    const values = [
      'x',
      'é'.repeat(40_000),
      3.5,
      -0,
      true,
      false,
      null,
      undefined,
      new Date(1_700_000_000_000),
      [1, [2, 'y']],
      amf0Object({ a: amf0Object({ b: 'c' }) }),
    ]
    const back = decodeAmf0(encodeAmf0(...values))
    assert.deepEqual(plain(back), plain(values))
    assert.equal((back[8] as Date).getTime(), 1_700_000_000_000)
  })
  it('an ECMA array decodes to its properties', () => {
    assert.deepEqual(plain(decodeAmf0(encodeAmf0EcmaArray(amf0Object({ width: 320, height: 240 })))), [{ width: 320, height: 240 }])
  })
  it('a __proto__ key is only data', () => {
    const [o] = decodeAmf0(Buffer.from('0300095f5f70726f746f5f5f0101000009', 'hex')) as [Record<string, unknown>]
    assert.equal(Object.getPrototypeOf(o), null)
    assert.equal(o['__proto__'], true)
  })
})

describe('AMF0 bombs and what is not AMF0', () => {
  it('deep nesting is refused at maxDepth', () => {
    const deep = Buffer.concat([...Array.from({ length: 1000 }, () => Buffer.from('030001610a00000001', 'hex'))])
    assert.throws(
      () => decodeAmf0(deep),
      (e: unknown) => e instanceof LimitError && e.code === 'ERR_AMF0_TOO_DEEP',
    )
  })
  it('a strict array claiming 4 billion values is refused without looping', () => {
    const t0 = Date.now()
    assert.throws(
      () => decodeAmf0(Buffer.from('0affffffff05', 'hex')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_AMF0_TRUNCATED',
    )
    assert.ok(Date.now() - t0 < 100)
  })
  it('more values than maxValues', () => {
    const many = Buffer.concat([Buffer.from('0a00010000', 'hex'), Buffer.alloc(0x10000, 5)])
    assert.throws(
      () => decodeAmf0(many, { maxDepth: 32, maxValues: 1000 }),
      (e: unknown) => e instanceof LimitError && e.code === 'ERR_AMF0_TOO_MANY_VALUES',
    )
  })
  it('a string longer than the message', () => {
    assert.throws(
      () => decodeAmf0(Buffer.from('02ffff41', 'hex')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_AMF0_TRUNCATED',
    )
  })
  it('the AMF3 switch marker and references are refused', () => {
    assert.throws(
      () => decodeAmf0(Buffer.from('1101', 'hex')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_AMF3',
    )
    assert.throws(
      () => decodeAmf0(Buffer.from('070001', 'hex')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_AMF0_MARKER',
    )
  })
})
