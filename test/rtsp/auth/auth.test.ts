import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { AuthError, RtspkitError } from '../../../src/errors.js'
import {
  ClientAuthenticator,
  ServerAuthenticator,
  digestHa1,
  digestResponse,
  parseAuthenticate,
  parseAuthorization,
  type AuthChallenge,
} from '../../../src/rtsp/auth/index.js'
import type { Clock } from '../../../src/util/clock.js'
import type { Random } from '../../../src/util/random.js'

function counterRandom(start = 1): Random {
  let n = start
  return { u32: () => n++ >>> 0, u16: () => n++ & 0xffff, digits: (len) => '1'.repeat(len) }
}

function manualClock(): Clock & { advance(ms: number): void } {
  let t = 1000
  return { wallMs: () => t, monoMs: () => t, advance: (ms) => void (t += ms) }
}

const plain = (c: AuthChallenge) => ({
  scheme: c.scheme,
  params: Object.fromEntries(c.params),
  ...(c.token68 !== undefined ? { token68: c.token68 } : {}),
})

/** RFC 2617 section 3.5: the WWW-Authenticate of the example (a single header, several lines joined). */
const RFC2617_CHALLENGE =
  'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
/** RFC 2617 section 3.5: the Authorization the client sends for GET /dir/index.html. */
const RFC2617_AUTHORIZATION =
  'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
/** RFC 7616 section 3.9.1: the two challenges of one 401, SHA-256 first. */
const RFC7616_CHALLENGES = [
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
]
const RFC7616_CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ'

describe('WWW-Authenticate / Authorization parsing', () => {
  it('RFC 2617 3.5 challenge', () => {
    assert.deepEqual(parseAuthenticate(RFC2617_CHALLENGE).map(plain), [
      {
        scheme: 'Digest',
        params: {
          realm: 'testrealm@host.com',
          qop: 'auth,auth-int',
          nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
          opaque: '5ccc069c403ebaf9f0171e9517f40e41',
        },
      },
    ])
  })

  it('several challenges in one header and across headers, token68, escapes', () => {
    const got = parseAuthenticate([
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
      'Negotiate abc+/==,  ,Digest realm=cam, nonce=0123/abc:9, stale=TRUE',
    ]).map(plain)
    assert.deepEqual(got, [
      { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'Basic', params: { realm: 'simple' } },
      { scheme: 'Negotiate', params: {}, token68: 'abc+/==' },
      { scheme: 'Digest', params: { realm: 'cam', nonce: '0123/abc:9', stale: 'TRUE' } },
    ])
  })

  it('a scheme without parameters, and Basic credentials with padding', () => {
    assert.deepEqual(parseAuthenticate('Basic').map(plain), [{ scheme: 'Basic', params: {} }])
    assert.deepEqual(plain(parseAuthorization('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')), {
      scheme: 'Basic',
      params: {},
      token68: 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
    })
  })

  for (const bad of ['', ' , ', 'Digest realm="x', 'Digest realm="a" junk', '"Digest"', 'Digest realm="a\\']) {
    it(`malformed ${JSON.stringify(bad)} → ParseError`, () => {
      assert.throws(
        () => parseAuthenticate(bad),
        (e: unknown) => e instanceof RtspkitError && e.code === 'ERR_AUTH_BAD_HEADER',
      )
    })
  }

  it('every vector parses the same split into two headers at a challenge boundary', () => {
    const joined = RFC7616_CHALLENGES.join(', ')
    assert.deepEqual(parseAuthenticate(joined).map(plain), parseAuthenticate(RFC7616_CHALLENGES).map(plain))
  })

  it('fast-check: vectors cut, mutated or random throw only RtspkitError', () => {
    const vectors = [RFC2617_CHALLENGE, RFC2617_AUTHORIZATION, ...RFC7616_CHALLENGES]
    fc.assert(
      fc.property(fc.constantFrom(...vectors), fc.nat(), fc.nat(), fc.string({ maxLength: 4 }), (v, a, b, ins) => {
        const i = a % (v.length + 1)
        const j = b % (v.length + 1)
        for (const text of [v.slice(0, i), v.slice(i), v.slice(0, i) + ins + v.slice(j)]) {
          try {
            parseAuthenticate(text)
          } catch (e) {
            if (!(e instanceof RtspkitError)) throw e
          }
        }
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: fc.constantFrom(...'Digest realm="x\\", =;ab') }), (text) => {
        try {
          parseAuthenticate(text)
        } catch (e) {
          if (!(e instanceof RtspkitError)) throw e
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('Digest computations', () => {
  it('RFC 2617 3.5: response 6629fae4…', () => {
    const ha1 = digestHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life')
    const r = digestResponse({
      algorithm: 'MD5',
      ha1,
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    })
    assert.equal(r, '6629fae49393a05397450978507c4ef1')
    assert.equal(parseAuthorization(RFC2617_AUTHORIZATION).params.get('response'), r)
  })

  for (const [algorithm, expected] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    it(`RFC 7616 3.9.1 ${algorithm}: response ${expected.slice(0, 8)}…`, () => {
      const ha1 = digestHa1(algorithm, 'Mufasa', 'http-auth@example.org', 'Circle of Life')
      const r = digestResponse({
        algorithm,
        ha1,
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        nc: '00000001',
        cnonce: RFC7616_CNONCE,
      })
      assert.equal(r, expected)
    })
  }
})

describe('ClientAuthenticator', () => {
  it('picks SHA-256 over MD5 over Basic, skips unknown schemes, counts nc and draws cnonce from Random', () => {
    const auth = new ClientAuthenticator({ username: 'Mufasa', password: 'Circle of Life' }, counterRandom(0xa0))
    const outcome = auth.handleChallenges(['Basic realm="x"', 'Bearer realm="y"', RFC7616_CHALLENGES[1]!, RFC7616_CHALLENGES[0]!])
    assert.deepEqual(outcome, { scheme: 'digest', stale: false })
    const h1 = auth.authorization('DESCRIBE', 'rtsp://cam/live')!
    const p = parseAuthorization(h1).params
    assert.equal(p.get('algorithm'), 'SHA-256')
    assert.equal(p.get('nc'), '00000001')
    assert.equal(p.get('cnonce'), '000000a0000000a1')
    assert.equal(p.get('opaque'), 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS')
    const ha1 = digestHa1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life')
    assert.equal(
      p.get('response'),
      digestResponse({
        algorithm: 'SHA-256',
        ha1,
        nonce: p.get('nonce')!,
        method: 'DESCRIBE',
        uri: 'rtsp://cam/live',
        qop: 'auth',
        nc: '00000001',
        cnonce: '000000a0000000a1',
      }),
    )
    assert.match(
      h1,
      /^Digest username="Mufasa", realm="http-auth@example.org", nonce="[^"]+", uri="rtsp:\/\/cam\/live", response="[0-9a-f]{64}", algorithm=SHA-256, opaque="[^"]+", qop=auth, nc=00000001, cnonce="000000a0000000a1"$/,
    )
    assert.equal(parseAuthorization(auth.authorization('SETUP', 'rtsp://cam/live/trackID=0')!).params.get('nc'), '00000002')
  })

  it('RFC 2069 form (gst-rtsp-server, cameras): no qop, nc or cnonce; algorithm only when the challenge named it', () => {
    const auth = new ClientAuthenticator({ username: 'user', password: 'pass' }, counterRandom())
    auth.handleChallenges(['Digest realm="GStreamer RTSP Server", nonce="abc"'])
    const h = auth.authorization('DESCRIBE', 'rtsp://127.0.0.1:8554/test')!
    const ha1 = digestHa1('MD5', 'user', 'GStreamer RTSP Server', 'pass')
    const response = digestResponse({ algorithm: 'MD5', ha1, nonce: 'abc', method: 'DESCRIBE', uri: 'rtsp://127.0.0.1:8554/test' })
    assert.equal(
      h,
      `Digest username="user", realm="GStreamer RTSP Server", nonce="abc", uri="rtsp://127.0.0.1:8554/test", response="${response}"`,
    )
  })

  it('Basic: RFC 7617 2 example', () => {
    const auth = new ClientAuthenticator({ username: 'Aladdin', password: 'open sesame' })
    assert.equal(auth.authorization('OPTIONS', '*'), undefined)
    auth.handleChallenges(['Basic realm="WallyWorld"'])
    assert.equal(auth.authorization('OPTIONS', '*'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')
  })

  it('stale=true keeps the scheme, takes the new nonce and restarts nc', () => {
    const auth = new ClientAuthenticator({ username: 'u', password: 'p' }, counterRandom())
    auth.handleChallenges(['Digest realm="r", nonce="n1", qop="auth"'])
    auth.authorization('OPTIONS', '*')
    auth.authorization('OPTIONS', '*')
    assert.deepEqual(auth.handleChallenges(['Digest realm="r", nonce="n2", qop="auth", stale=true']), { scheme: 'digest', stale: true })
    const p = parseAuthorization(auth.authorization('OPTIONS', '*')!).params
    assert.equal(p.get('nonce'), 'n2')
    assert.equal(p.get('nc'), '00000001')
  })

  it('nothing supported → AuthError naming the offered schemes', () => {
    const auth = new ClientAuthenticator({ username: 'u', password: 'p' })
    assert.throws(
      () =>
        auth.handleChallenges([
          'Bearer realm="x"',
          'Digest realm="r", nonce="n", algorithm=SHA-512-256',
          'Digest realm="r", nonce="n", qop="auth-int"',
        ]),
      (e: unknown) => {
        assert.ok(e instanceof AuthError)
        assert.equal(e.code, 'ERR_AUTH_UNSUPPORTED')
        assert.match(e.message, /Bearer, Digest SHA-512-256, Digest MD5/)
        return true
      },
    )
  })
})

describe('ServerAuthenticator', () => {
  const users = (name: string) => (name === 'Mufasa' ? { password: 'Circle of Life' } : undefined)

  for (const algorithm of ['SHA-256', 'MD5'] as const) {
    it(`Digest ${algorithm} round trip with ClientAuthenticator; wrong password rejected`, () => {
      const server = new ServerAuthenticator({ realm: 'rtspkit', users, algorithms: [algorithm], random: counterRandom(7) })
      const client = new ClientAuthenticator({ username: 'Mufasa', password: 'Circle of Life' }, counterRandom(100))
      client.handleChallenges(server.challenges())
      assert.deepEqual(server.verify('DESCRIBE', client.authorization('DESCRIBE', 'rtsp://h/x')), {
        ok: true,
        username: 'Mufasa',
        scheme: 'digest',
      })
      const wrong = new ClientAuthenticator({ username: 'Mufasa', password: 'circle of life' }, counterRandom(100))
      wrong.handleChallenges(server.challenges())
      assert.deepEqual(server.verify('DESCRIBE', wrong.authorization('DESCRIBE', 'rtsp://h/x')), {
        ok: false,
        stale: false,
        reason: 'wrong response',
      })
      // Signed for another method: rejected.
      assert.equal(server.verify('PLAY', client.authorization('DESCRIBE', 'rtsp://h/x')).ok, false)
    })
  }

  it('a replayed Authorization (same nonce count) is refused; the next count passes', () => {
    const server = new ServerAuthenticator({ realm: 'rtspkit', users, random: counterRandom(7) })
    const client = new ClientAuthenticator({ username: 'Mufasa', password: 'Circle of Life' }, counterRandom(100))
    client.handleChallenges(server.challenges())
    const first = client.authorization('DESCRIBE', 'rtsp://h/x')!
    assert.equal(server.verify('DESCRIBE', first).ok, true)
    assert.deepEqual(server.verify('DESCRIBE', first), { ok: false, stale: false, reason: 'nonce count replayed' })
    assert.equal(server.verify('DESCRIBE', client.authorization('DESCRIBE', 'rtsp://h/x')).ok, true, 'nc=00000002')
  })

  it('challenges list SHA-256 before MD5, with qop and algorithm unquoted', () => {
    const server = new ServerAuthenticator({ realm: 'cam', users, methods: ['digest', 'basic'], random: counterRandom() })
    const c = server.challenges()
    assert.equal(c.length, 3)
    assert.match(c[0]!, /^Digest realm="cam", qop=auth, nonce="[A-Za-z0-9_-]+", algorithm=SHA-256$/)
    assert.match(c[1]!, /algorithm=MD5$/)
    assert.equal(c[2], 'Basic realm="cam"')
  })

  it('stored HA1 instead of the password (RFC 2069 form, qop off)', () => {
    const ha1 = digestHa1('MD5', 'Mufasa', 'cam', 'Circle of Life')
    const server = new ServerAuthenticator({
      realm: 'cam',
      users: () => ({ ha1: { MD5: ha1 } }),
      algorithms: ['MD5'],
      qop: false,
      random: counterRandom(),
    })
    const client = new ClientAuthenticator({ username: 'Mufasa', password: 'Circle of Life' })
    client.handleChallenges(server.challenges())
    const h = client.authorization('SETUP', 'rtsp://h/x/trackID=0')!
    assert.doesNotMatch(h, /qop|cnonce/)
    assert.equal(server.verify('SETUP', h).ok, true)
  })

  it('an expired nonce is stale only when the digest is right; stale challenge makes the client retry', () => {
    const clock = manualClock()
    const server = new ServerAuthenticator({ realm: 'r', users, nonceTtlMs: 1000, clock, random: counterRandom() })
    const client = new ClientAuthenticator({ username: 'Mufasa', password: 'Circle of Life' })
    client.handleChallenges(server.challenges())
    clock.advance(1500)
    assert.deepEqual(server.verify('PLAY', client.authorization('PLAY', 'rtsp://h/x')), { ok: false, stale: true, reason: 'nonce expired' })
    const wrong = new ClientAuthenticator({ username: 'Mufasa', password: 'nope' })
    wrong.handleChallenges(server.challenges())
    clock.advance(1500)
    assert.equal((server.verify('PLAY', wrong.authorization('PLAY', 'rtsp://h/x')) as { stale: boolean }).stale, false)
    assert.equal(client.handleChallenges(server.challenges({ stale: true })).stale, true)
    assert.equal(server.verify('PLAY', client.authorization('PLAY', 'rtsp://h/x')).ok, true)
  })

  it('a nonce from another instance or tampered with is refused', () => {
    const a = new ServerAuthenticator({ realm: 'r', users, random: counterRandom(1) })
    const b = new ServerAuthenticator({ realm: 'r', users, random: counterRandom(99) })
    const client = new ClientAuthenticator({ username: 'Mufasa', password: 'Circle of Life' })
    client.handleChallenges(a.challenges())
    assert.deepEqual(b.verify('OPTIONS', client.authorization('OPTIONS', '*')), {
      ok: false,
      stale: false,
      reason: 'nonce not issued here',
    })
  })

  it('Basic: right and wrong password, Basic refused when only Digest is on', () => {
    const server = new ServerAuthenticator({ realm: 'r', users, methods: ['basic'] })
    const ok = `Basic ${Buffer.from('Mufasa:Circle of Life').toString('base64')}`
    assert.deepEqual(server.verify('DESCRIBE', ok), { ok: true, username: 'Mufasa', scheme: 'basic' })
    assert.equal(server.verify('DESCRIBE', `Basic ${Buffer.from('Mufasa:x').toString('base64')}`).ok, false)
    assert.equal(server.verify('DESCRIBE', undefined).ok, false)
    assert.deepEqual(server.verify('DESCRIBE', 'Digest "'), { ok: false, stale: false, reason: 'malformed Authorization' })
    assert.equal(new ServerAuthenticator({ realm: 'r', users }).verify('DESCRIBE', ok).ok, false)
  })

  it('verifyProof checks a challenge-response against the plain password; a hashed user cannot prove', () => {
    const server = new ServerAuthenticator({
      realm: 'r',
      users: (u) => (u === 'alice' ? { password: 'wonderland' } : u === 'bob' ? { ha1: { MD5: '0'.repeat(32) } } : undefined),
    })
    assert.deepEqual(
      server.verifyProof('alice', (p) => p === 'wonderland'),
      { ok: true, username: 'alice', scheme: 'basic' },
    )
    assert.deepEqual(
      server.verifyProof('alice', () => false),
      { ok: false, stale: false, reason: 'wrong password' },
    )
    assert.equal(server.verifyProof('carol', () => true).ok, false)
    const bob = server.verifyProof('bob', () => true)
    assert.equal(bob.ok, false)
    assert.match(bob.ok ? '' : bob.reason, /stored hashed/)
  })
})
