import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { formatSession, parseSession } from '../../../src/rtsp/headers/session.js'

describe('Session header', () => {
  const cases: [string, { id: string; timeout?: number }][] = [
    ['12345678', { id: '12345678' }],
    ['12345678;timeout=60', { id: '12345678', timeout: 60 }],
    [' 2A4E6C8B ; timeout = 65 ', { id: '2A4E6C8B', timeout: 65 }],
    ['7d5e9a3c1b2f4a60', { id: '7d5e9a3c1b2f4a60' }],
    ['abc$-_.+;TIMEOUT=30', { id: 'abc$-_.+', timeout: 30 }],
    ['1F3A9C2E;foo=bar', { id: '1F3A9C2E' }],
  ]
  for (const [value, expected] of cases) {
    it(`parse ${JSON.stringify(value)}`, () => assert.deepEqual(parseSession(value), expected))
  }

  for (const value of ['', ' ', ';timeout=60', 'a b', '1234;timeout=abc', '1234;timeout=-1']) {
    it(`malformed ${JSON.stringify(value)} → ParseError`, () => {
      assert.throws(
        () => parseSession(value),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_RTSP_BAD_SESSION',
      )
    })
  }

  it('format', () => {
    assert.equal(formatSession('12345678'), '12345678')
    assert.equal(formatSession('12345678', 60), '12345678;timeout=60')
    assert.throws(() => formatSession('a;b'), ParseError)
    assert.throws(() => formatSession('abc', 1.5), ParseError)
    assert.deepEqual(parseSession(formatSession('Zx9', 0)), { id: 'Zx9', timeout: 0 })
  })
})
