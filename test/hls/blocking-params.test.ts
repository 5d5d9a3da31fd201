import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parseBlockingRequest } from '../../src/hls/blocking-params.js'
import { ProtocolError } from '../../src/errors.js'

const parse = (q: string) => parseBlockingRequest(new URLSearchParams(q))

describe('blocking reload directives (RFC 8216bis 6.2.5.2)', () => {
  it('reads _HLS_msn and _HLS_part; nothing is a plain reload; other parameters are ignored', () => {
    assert.equal(parse(''), undefined)
    assert.equal(parse('session=ab&_HLS_skip=YES'), undefined)
    assert.deepEqual(parse('_HLS_msn=12'), { msn: 12 })
    assert.deepEqual(parse('_HLS_msn=12&_HLS_part=0'), { msn: 12, part: 0 })
    assert.deepEqual(parse('_HLS_part=3&session=x&_HLS_msn=007'), { msn: 7, part: 3 })
  })

  const bad: [string, RegExp][] = [
    ['_HLS_part=1', /_HLS_part needs _HLS_msn/],
    ['_HLS_msn=', /decimal integer/],
    ['_HLS_msn=-1', /decimal integer/],
    ['_HLS_msn=1.5', /decimal integer/],
    ['_HLS_msn=1e3', /decimal integer/],
    ['_HLS_msn=0x10', /decimal integer/],
    ['_HLS_msn=%201', /decimal integer/],
    ['_HLS_msn=99999999999999999', /decimal integer/],
    ['_HLS_msn=1&_HLS_part=x', /_HLS_part must be/],
    ['_HLS_msn=1&_HLS_msn=2', /given twice/],
    ['_HLS_msn=1&_HLS_part=1&_HLS_part=2', /given twice/],
  ]
  for (const [q, message] of bad) {
    it(`refuses ${q}`, () => {
      assert.throws(
        () => parse(q),
        (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_HLS_DIRECTIVE' && message.test(e.message),
      )
    })
  }

  it('property: any query parses or throws ProtocolError, never anything else', () => {
    const value = fc.oneof(fc.string({ maxLength: 20 }), fc.nat().map(String), fc.constantFrom('', '-0', '00', '1 '))
    const key = fc.constantFrom('_HLS_msn', '_HLS_part', '_HLS_skip', 'session', '_hls_msn')
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 5 }), (pairs) => {
        const q = new URLSearchParams(pairs)
        try {
          const r = parseBlockingRequest(q)
          if (r) assert.ok(Number.isSafeInteger(r.msn) && r.msn >= 0 && (r.part === undefined || Number.isSafeInteger(r.part)))
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e))
        }
      }),
    )
  })

  it('property: numbers written as decimal come back', () => {
    fc.assert(
      fc.property(fc.nat(), fc.option(fc.nat(), { nil: undefined }), (msn, part) => {
        const q = `_HLS_msn=${msn}${part === undefined ? '' : `&_HLS_part=${part}`}`
        assert.deepEqual(parse(q), part === undefined ? { msn } : { msn, part })
      }),
    )
  })
})
