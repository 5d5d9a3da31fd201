// Issue 14, part 2 (RTSP side): Digest bound to the request URI with the tolerated client forms,
// a captured header without qop not replayable, Basic kept out of plain RTSP unless switched on,
// the nonce lifetime from the config, and the failed-login throttle's episodes.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigAccessPolicy } from '../../src/app/config-access.js'
import { parseConfig } from '../../src/config/load.js'
import type { Logger } from '../../src/log/logger.js'
import { ClientAuthenticator } from '../../src/rtsp/auth/client-authenticator.js'
import { digestHa1, digestResponse } from '../../src/rtsp/auth/digest.js'
import { digestUriMatches } from '../../src/rtsp/auth/digest-uri.js'
import { addressKey, AuthThrottle } from '../../src/server/auth-throttle.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import type { Clock } from '../../src/util/clock.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'

function manualClock(): Clock & { advance(ms: number): void } {
  let t = 1000
  return { wallMs: () => t, monoMs: () => t, advance: (ms) => void (t += ms) }
}

function captureLogger(): Logger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = []
  return {
    lines,
    warn: (msg) => lines.push({ level: 'warn', msg }),
    info: (msg) => lines.push({ level: 'info', msg }),
    debug: (msg) => lines.push({ level: 'debug', msg }),
  }
}

async function withProtected(opts: { basicOverPlain?: boolean }, fn: (server: RtspServer) => Promise<void>): Promise<void> {
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
  server.addStream('cam', { video: { codec: 'jpeg' } })
  server.addStream('cam2', { video: { codec: 'jpeg' } })
  for (const p of ['cam', 'cam2']) server.protectPath(p, { users: [{ username: 'u', password: 'pw' }], ...opts })
  await server.start()
  try {
    await fn(server)
  } finally {
    await server.stop()
  }
}

/** A Digest Authorization in the RFC 2069 form (no qop, as GStreamer sends), for `uri`. */
function rfc2069(challenges: string[], method: string, uri: string): string {
  const md5 = challenges.find((c) => /algorithm=MD5/.test(c))!
  const nonce = /nonce="([^"]+)"/.exec(md5)![1]!
  const response = digestResponse({ algorithm: 'MD5', ha1: digestHa1('MD5', 'u', 'rtspkit', 'pw'), nonce, method, uri })
  return `Digest username="u", realm="rtspkit", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5`
}

describe('Digest uri against the request URI', () => {
  const cases: [declared: string, request: string, same: boolean, why: string][] = [
    ['rtsp://h:8554/cam', 'rtsp://h:8554/cam', true, 'identical'],
    ['/cam', 'rtsp://h:8554/cam', true, 'bare path for an absolute request URI'],
    ['rtsp://h:8554/cam', '/cam', true, 'absolute for a bare request URI'],
    ['rtsp://H:8554/cam/', 'rtsp://h:8554/cam', true, 'host case and a trailing slash'],
    ['rtsp://user@h/cam', 'rtsp://h:554/cam', true, 'user info and the default port'],
    ['rtsp://h:8554/cam', 'rtsp://h:8554/cam/trackID=0', true, 'SETUP of a track signed with the aggregate (VLC, cameras)'],
    ['rtsp://h:8554/cam/streamid=1', 'rtsp://h:8554/cam', true, 'aggregate PLAY signed with a track URL'],
    ['rtsp://h:8554/cam/trackID=0', 'rtsp://h:8554/cam/trackID=1', true, 'another track of the same aggregate'],
    ['rtsp://h:8554/cam?x=1', 'rtsp://h:8554/cam', true, 'query ignored'],
    ['rtsp://h:8554/cam', 'rtsp://h:8554/cam2', false, 'another path'],
    ['rtsp://evil.example/x', 'rtsp://h:8554/x', false, 'another host'],
    ['rtsp://h:9999/cam', 'rtsp://h:8554/cam', false, 'another port'],
    ['rtsp://h:8554/cam/trackID=0', 'rtsp://h:8554/other', false, 'a track of another path'],
    ['rtsp://h:8554/cam/secret', 'rtsp://h:8554/cam', false, 'a sub-path is another path'],
    ['rtsp://h:8554/', 'rtsp://h:8554/cam', false, 'the root is another path'],
  ]
  for (const [declared, request, same, why] of cases) {
    it(`${why}: ${declared} vs ${request} → ${same}`, () => assert.equal(digestUriMatches(declared, request), same))
  }

  it('over RTSP: a header captured on /cam does not open /cam2, nor does a uri on another host', async () => {
    await withProtected({}, async (server) => {
      const c = await RawRtspConnection.connect(server.port)
      try {
        const cam = server.urlFor('cam')
        const cam2 = server.urlFor('cam2')
        const challenge = await c.request('DESCRIBE', cam)
        const auth = new ClientAuthenticator({ username: 'u', password: 'pw' })
        auth.handleChallenges(challenge.headers.getAll('WWW-Authenticate'))
        assert.equal((await c.request('DESCRIBE', cam2, { Authorization: auth.authorization('DESCRIBE', cam)! })).statusCode, 401)
        const evil = auth.authorization('DESCRIBE', 'rtsp://evil.example/x')!
        assert.equal((await c.request('DESCRIBE', cam, { Authorization: evil })).statusCode, 401)
        // The honest forms pass: the request URI itself, and a track SETUP signed with the aggregate.
        assert.equal((await c.request('DESCRIBE', cam, { Authorization: auth.authorization('DESCRIBE', cam)! })).statusCode, 200)
        const setup = await c.request('SETUP', `${cam}/trackID=0`, {
          Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
          Authorization: auth.authorization('SETUP', cam)!,
        })
        assert.equal(setup.statusCode, 200)
      } finally {
        c.close()
      }
    })
  })
})

describe('replay and Basic', () => {
  it('a header without qop is accepted once; replayed on another connection it gets 401 stale=true', async () => {
    await withProtected({}, async (server) => {
      const a = await RawRtspConnection.connect(server.port)
      const b = await RawRtspConnection.connect(server.port)
      try {
        const cam = server.urlFor('cam')
        const challenges = (await a.request('DESCRIBE', cam)).headers.getAll('WWW-Authenticate')
        const header = rfc2069(challenges, 'DESCRIBE', cam)
        assert.equal((await a.request('DESCRIBE', cam, { Authorization: header })).statusCode, 200)
        const replay = await b.request('DESCRIBE', cam, { Authorization: header })
        assert.equal(replay.statusCode, 401)
        assert.ok(
          replay.headers.getAll('WWW-Authenticate').some((c) => /stale=true/.test(c)),
          'stale=true: an honest client signs again',
        )
        // The same nonce for another request is fine (clients keep one nonce for the whole dialogue).
        const setup = await a.request('SETUP', `${cam}/trackID=0`, {
          Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
          Authorization: rfc2069(challenges, 'SETUP', `${cam}/trackID=0`),
        })
        assert.equal(setup.statusCode, 200)
      } finally {
        a.close()
        b.close()
      }
    })
  })

  it('Basic is neither offered nor accepted over plain RTSP by default', async () => {
    await withProtected({}, async (server) => {
      const c = await RawRtspConnection.connect(server.port)
      try {
        const cam = server.urlFor('cam')
        const r = await c.request('DESCRIBE', cam)
        assert.deepEqual(
          r.headers.getAll('WWW-Authenticate').map((v) => v.split(' ')[0]),
          ['Digest', 'Digest'],
        )
        const basic = `Basic ${Buffer.from('u:pw').toString('base64')}`
        assert.equal((await c.request('DESCRIBE', cam, { Authorization: basic })).statusCode, 401)
      } finally {
        c.close()
      }
    })
  })

  it('basicOverPlain switches it on', async () => {
    await withProtected({ basicOverPlain: true }, async (server) => {
      const c = await RawRtspConnection.connect(server.port)
      try {
        const cam = server.urlFor('cam')
        const r = await c.request('DESCRIBE', cam)
        assert.deepEqual(
          r.headers.getAll('WWW-Authenticate').map((v) => v.split(' ')[0]),
          ['Digest', 'Digest', 'Basic'],
        )
        const basic = `Basic ${Buffer.from('u:pw').toString('base64')}`
        assert.equal((await c.request('DESCRIBE', cam, { Authorization: basic })).statusCode, 200)
      } finally {
        c.close()
      }
    })
  })
})

describe('config', () => {
  const config = (extra: string) =>
    parseConfig({
      text: `server:\n${extra}users:\n  - name: u\n    password: plain:pw\npaths:\n  cam:\n    source: test\n    read: [u]\n`,
    })

  it('server.authNonceLifetime: a nonce older than it is stale; default 30 s', () => {
    assert.equal(parseConfig({}).server.authNonceLifetime, 30)
    const clock = manualClock()
    const policy = new ConfigAccessPolicy(config('  authNonceLifetime: 5\n'), {
      clock,
      random: { u32: () => 7, u16: () => 7, digits: (n) => '1'.repeat(n) },
    })
    const d = policy.decide({ action: 'read', path: 'cam', ip: '127.0.0.1' })
    assert.equal(d.kind, 'authenticate')
    if (d.kind !== 'authenticate') return
    const client = new ClientAuthenticator({ username: 'u', password: 'pw' })
    client.handleChallenges(d.authenticator.challenges())
    clock.advance(4000)
    assert.equal(d.authenticator.verify('DESCRIBE', client.authorization('DESCRIBE', 'rtsp://h/cam')).ok, true)
    clock.advance(2000)
    assert.deepEqual(d.authenticator.verify('DESCRIBE', client.authorization('DESCRIBE', 'rtsp://h/cam')), {
      ok: false,
      stale: true,
      reason: 'nonce expired',
    })
  })

  it('server.authBasicOverPlain (default false) reaches the decision; authMethods: basic alone is explicit', () => {
    const deps = { clock: manualClock(), random: { u32: () => 7, u16: () => 7, digits: (n: number) => '1'.repeat(n) } }
    const req = { action: 'read', path: 'cam', ip: '127.0.0.1' } as const
    const off = new ConfigAccessPolicy(config('  rtspPort: 0\n'), deps).decide(req)
    const on = new ConfigAccessPolicy(config('  authBasicOverPlain: true\n'), deps).decide(req)
    const only = new ConfigAccessPolicy(config('  authMethods: basic\n'), deps).decide(req)
    assert.equal(off.kind === 'authenticate' && off.basicOverPlain, false)
    assert.equal(on.kind === 'authenticate' && on.basicOverPlain, true)
    assert.deepEqual(only.kind === 'authenticate' && only.authenticator.offered, ['basic'])
  })
})

describe('AuthThrottle', () => {
  it('a burst, then one guess per refill, whatever the caller; one line when it starts and one when it ends', () => {
    const clock = manualClock()
    const logger = captureLogger()
    const t = new AuthThrottle({ clock, logger }, { perAddress: { burst: 3, perSecond: 1 }, perUser: { burst: 5, perSecond: 1 } })
    for (let i = 0; i < 3; i++) {
      assert.equal(t.admit('10.0.0.1', 'alice').ok, true)
      t.fail('10.0.0.1', 'alice')
    }
    for (let i = 0; i < 50; i++) assert.equal(t.admit('10.0.0.1', 'alice').ok, false, 'held back, however many ask')
    assert.equal(t.admit('10.0.0.2', 'bob').ok, true, 'another address and user are free')
    // Two failures from another address for the same user: the user's bucket (5) is now empty too.
    t.fail('10.0.0.2', 'alice')
    t.fail('10.0.0.2', 'alice')
    assert.equal(t.admit('10.0.0.2', 'alice').ok, false, 'per user, across addresses')
    clock.advance(1000)
    assert.equal(t.admit('10.0.0.1', 'carol').ok, true, 'one token back after a second')
    assert.equal(logger.lines.filter((l) => /throttled/.test(l.msg)).length, 2, 'address 10.0.0.1 and user alice')
    clock.advance(10_000)
    t.sweep()
    const ended = logger.lines.filter((l) => /ended/.test(l.msg))
    assert.equal(ended.length, 2)
    assert.match(ended.find((l) => /10\.0\.0\.1/.test(l.msg))!.msg, /3 failed, 50 refused/)
  })

  it('IPv6 clients share a bucket per /64; IPv4 per address', () => {
    assert.equal(addressKey('10.0.0.1'), '10.0.0.1')
    assert.equal(addressKey('2001:db8:0:1::5'), '2001:db8:0:1::/64')
    assert.equal(addressKey('2001:DB8:0000:0001:aaaa:bbbb:cccc:dddd'), '2001:db8:0:1::/64')
    assert.equal(addressKey('::1'), '0:0:0:0::/64')
    assert.equal(addressKey('fe80::1'), 'fe80:0:0:0::/64')
  })
})
