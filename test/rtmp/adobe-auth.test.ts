// Adobe RTMP authentication, server half: the response hash against vectors computed apart
// (Python hashlib/base64), the rejection texts ffmpeg and GStreamer parse, the query parser's
// refusals, the one-time, short-lived challenge table, and what a connect object says of its intent.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../src/errors.js'
import {
  ADOBE_NEED_AUTH,
  adobeChallengeDescription,
  adobeFailedDescription,
  adobeResponse,
  adobeUserNameOk,
  MAX_ADOBE_FIELD,
  parseAdobeQuery,
} from '../../src/rtmp/adobe-auth.js'
import { AdobeChallenges } from '../../src/rtmp/adobe-challenges.js'
import { amf0Object } from '../../src/rtmp/amf0.js'
import { connectIntent } from '../../src/rtmp/connect-auth.js'

/** One response, as ffmpeg's do_adobe_auth computes it (values checked with Python's hashlib). */
export const ADOBE_VECTOR = {
  user: 'alice',
  password: 'wonderland',
  salt: 'c2FsdA',
  challenge: 'Y2hhbGxlbmdl',
  opaque: 'b3BhcXVl',
  clientChallenge: '1a2b3c4d', // ffmpeg: "%08x" of a random number
  // base64(md5("alice" + "c2FsdA" + "wonderland"))
  hash1: 'J2Dtj+oDlZVkNsuHUl1Now==',
  // base64(md5(hash1 + opaque + clientChallenge)): ffmpeg and GStreamer prefer the opaque
  withOpaque: 'W5QSUm3lrPqSp9osuk/EWA==',
  // base64(md5(hash1 + challenge + clientChallenge)): a client that ignores the opaque
  withChallenge: 'Vi1GdjuC1UjAUwHEBhvFIQ==',
}

class FakeClock {
  now = 1000
  wallMs = () => this.now
  monoMs = () => this.now
}

function counterRandom(): (b: Buffer) => void {
  let n = 0
  return (b) => {
    for (let i = 0; i < b.length; i++) b[i] = (n + i) & 0xff
    n++
  }
}

describe('Adobe authentication: the response', () => {
  const v = ADOBE_VECTOR
  it('hashes user + salt + password, then the opaque (or challenge) and the client challenge', () => {
    const base = { user: v.user, salt: v.salt, password: v.password, clientChallenge: v.clientChallenge }
    assert.equal(adobeResponse({ ...base, serverChallenge: v.opaque }), v.withOpaque)
    assert.equal(adobeResponse({ ...base, serverChallenge: v.challenge }), v.withChallenge)
    assert.notEqual(adobeResponse({ ...base, password: 'wonderlanD', serverChallenge: v.opaque }), v.withOpaque)
  })
})

describe('Adobe authentication: the rejection texts', () => {
  it('asks in the words ffmpeg ("code=403 need auth", "authmod=adobe") and GStreamer (its regex) look for', () => {
    assert.equal(ADOBE_NEED_AUTH, '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ')
    const d = adobeChallengeDescription('alice', { salt: 's1', challenge: 'c1', opaque: 'o1' })
    assert.equal(d, '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=alice&salt=s1&challenge=c1&opaque=o1')
    // GStreamer's rtmpclient.c: "\[ *AccessManager.Reject *\] *: *\[ *authmod=(?<authmod>.*?) *\] *: *(?<query>\?.*)$"
    const gst = /\[ *AccessManager.Reject *\] *: *\[ *authmod=(?<authmod>.*?) *\] *: *(?<query>\?.*)$/.exec(d)
    assert.equal(gst?.groups?.authmod, 'adobe')
    assert.equal(gst?.groups?.query, '?reason=needauth&user=alice&salt=s1&challenge=c1&opaque=o1')
    assert.equal(adobeFailedDescription('authfailed'), '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed')
    // ffmpeg keeps 255 bytes of the description: a challenge with the longest user fits.
    const long = adobeChallengeDescription('u'.repeat(64), { salt: 'x'.repeat(16), challenge: 'y'.repeat(16), opaque: 'z'.repeat(16) })
    assert.ok(long.length < 255, `${long.length} bytes`)
  })
})

describe('Adobe authentication: the query of connect', () => {
  const q = (s: string) => parseAdobeQuery(s)
  it('reads the three steps', () => {
    assert.deepEqual(q(''), { kind: 'none' })
    assert.deepEqual(q('user=u&pass=p'), { kind: 'none' })
    assert.deepEqual(q('authmod=llnw&user=u'), { kind: 'none' })
    assert.deepEqual(q('authmod=adobe&user=alice'), { kind: 'start', user: 'alice' })
    assert.deepEqual(
      q(`authmod=adobe&user=alice&challenge=1a2b3c4d&response=${encodeURIComponent(ADOBE_VECTOR.withOpaque)}&opaque=b3BhcXVl`),
      {
        kind: 'response',
        user: 'alice',
        clientChallenge: '1a2b3c4d',
        response: ADOBE_VECTOR.withOpaque,
        opaque: 'b3BhcXVl',
      },
    )
  })

  it('keeps the "+" and "/" of a base64 response the client did not percent-encode (ffmpeg, GStreamer)', () => {
    const raw = q('authmod=adobe&user=alice&challenge=1a2b3c4d&response=+5QSUm3lrPqSp9osuk/EWA==&opaque=b3BhcXVl')
    assert.equal(raw.kind === 'response' && raw.response, '+5QSUm3lrPqSp9osuk/EWA==')
    const encoded = q('authmod=adobe&user=alice&challenge=1a2b3c4d&response=%2B5QSUm3lrPqSp9osuk%2FEWA%3D%3D')
    assert.equal(encoded.kind === 'response' && encoded.response, '+5QSUm3lrPqSp9osuk/EWA==')
  })

  it('refuses malformed steps with ERR_RTMP_ADOBE_AUTH', () => {
    for (const bad of [
      'authmod=adobe',
      'authmod=adobe&user=',
      'authmod=adobe&user=a%26b',
      'authmod=adobe&user=a b',
      `authmod=adobe&user=${'u'.repeat(MAX_ADOBE_FIELD + 1)}`,
      'authmod=adobe&user=alice&challenge=1a2b3c4d',
      `authmod=adobe&user=alice&response=${encodeURIComponent(ADOBE_VECTOR.withOpaque)}`,
      'authmod=adobe&user=alice&challenge=1a2b3c4d&response=short',
      'authmod=adobe&user=alice&challenge=%0a&response=W5QSUm3lrPqSp9osuk%2FEWA%3D%3D',
      'authmod=adobe&user=alice&challenge=%zz&response=W5QSUm3lrPqSp9osuk%2FEWA%3D%3D',
      `authmod=adobe&user=alice&challenge=1a2b&response=W5QSUm3lrPqSp9osuk%2FEWA%3D%3D&opaque=${'o'.repeat(MAX_ADOBE_FIELD + 1)}`,
    ]) {
      assert.throws(
        () => q(bad),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_RTMP_ADOBE_AUTH',
        bad,
      )
    }
    assert.equal(adobeUserNameOk('alice@example.com'), true)
    assert.equal(adobeUserNameOk('a&b'), false)
  })
})

describe('Adobe authentication: pending challenges', () => {
  it('are random per attempt, answered once, for their address and user only', () => {
    const t = new AdobeChallenges({ clock: new FakeClock(), fillRandom: counterRandom() })
    const a = t.issue('10.0.0.1', 'alice')
    const b = t.issue('10.0.0.1', 'alice')
    assert.notEqual(a.salt, b.salt)
    assert.notEqual(a.challenge, b.challenge)
    assert.notEqual(a.opaque, b.opaque)
    assert.match(a.salt + a.challenge + a.opaque, /^[A-Za-z0-9_-]+$/)
    assert.deepEqual(t.take('10.0.0.1', 'alice', a.opaque), a)
    assert.equal(t.take('10.0.0.1', 'alice', a.opaque), undefined, 'a replay finds nothing')
    assert.equal(t.take('10.0.0.2', 'alice', b.opaque), undefined, 'another address')
    assert.equal(t.take('10.0.0.1', 'alice', b.opaque), undefined, 'and the challenge is spent by the wrong try')
    const c = t.issue('10.0.0.1', 'bob')
    assert.equal(t.take('10.0.0.1', 'alice', c.opaque), undefined, 'another user')
    const d = t.issue('10.0.0.1', 'carol')
    assert.deepEqual(t.take('10.0.0.1', 'carol', undefined), d, 'without the opaque: the latest for address and user')
    assert.equal(t.size, 0)
  })

  it('expire after ttlMs and stay bounded', () => {
    const clock = new FakeClock()
    const t = new AdobeChallenges({ clock, fillRandom: counterRandom(), ttlMs: 5000, maxPending: 3 })
    const a = t.issue('10.0.0.1', 'alice')
    clock.now += 5001
    assert.equal(t.take('10.0.0.1', 'alice', a.opaque), undefined)
    const first = t.issue('10.0.0.1', 'u1')
    for (const u of ['u2', 'u3', 'u4']) t.issue('10.0.0.1', u)
    assert.equal(t.size, 3)
    assert.equal(t.take('10.0.0.1', 'u1', first.opaque), undefined, 'the oldest went first')
  })
})

describe('connect intent', () => {
  it('tells encoders from players by flashVer; GStreamer and clients without one are unknown', () => {
    const o = (flashVer?: string) => amf0Object(flashVer === undefined ? { app: 'live' } : { app: 'live', flashVer })
    assert.equal(connectIntent(o('FMLE/3.0 (compatible; Lavf59.27.100)')), 'publish')
    assert.equal(connectIntent(o('FMLE/3.0 (compatible; FMSc/1.0)')), 'publish')
    assert.equal(connectIntent(o('LNX 9,0,124,2')), 'read')
    assert.equal(connectIntent(o('FMLE/3.0')), undefined)
    assert.equal(connectIntent(o()), undefined)
    assert.equal(connectIntent(null), undefined)
  })
})
