// Access policies over a raw RTSP connection: read vs publish, 401 → credentials → 200, 403 for a
// forbidden address or a user without the permission, and failed logins held to a rate per address.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ClientAuthenticator } from '../../src/rtsp/auth/client-authenticator.js'
import { ServerAuthenticator } from '../../src/rtsp/auth/server-authenticator.js'
import { digestHa1 } from '../../src/rtsp/auth/digest.js'
import type { AccessPolicy } from '../../src/server/access.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 26\r\na=control:streamid=0\r\n'

async function withServer(policy: AccessPolicy | undefined, fn: (server: RtspServer) => Promise<void>): Promise<void> {
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
  server.addStream('cam', { video: { codec: 'jpeg' } })
  server.addStream('private', { video: { codec: 'jpeg' } })
  server.addPublishPath('live')
  if (policy) server.setAccessPolicy(policy)
  await server.start()
  try {
    await fn(server)
  } finally {
    await server.stop()
  }
}

describe('access policy', () => {
  // Users stored only as H(user:realm:password) (what a config file keeps): Digest and Basic both pass.
  const authenticator = new ServerAuthenticator({
    realm: 'rtspkit',
    methods: ['digest', 'basic'],
    users: (u) =>
      u === 'alice' || u === 'bob'
        ? { ha1: { MD5: digestHa1('MD5', u, 'rtspkit', 'pw'), 'SHA-256': digestHa1('SHA-256', u, 'rtspkit', 'pw') } }
        : undefined,
  })
  const policy: AccessPolicy = {
    decide: (r) => {
      if (r.path === 'cam' && r.action === 'read') return { kind: 'allow' }
      if (r.path === 'blocked') return { kind: 'forbid', reason: 'address not allowed' }
      // Basic over plain RTSP is switched on explicitly (it is off by default).
      return { kind: 'authenticate', authenticator, allowed: (u) => u === 'alice' || r.action === 'read', basicOverPlain: true }
    },
  }

  it('reading an open path needs nothing; publishing needs a user with the permission', async () => {
    await withServer(policy, async (server) => {
      const c = await RawRtspConnection.connect(server.port)
      try {
        assert.equal((await c.request('DESCRIBE', server.urlFor('cam'))).statusCode, 200)
        const url = server.urlFor('live')
        const challenge = await c.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, SDP)
        assert.equal(challenge.statusCode, 401)
        assert.deepEqual(
          challenge.headers.getAll('WWW-Authenticate').map((v) => v.split(' ')[0]),
          ['Digest', 'Digest', 'Basic'],
        )
        for (const [user, status] of [
          ['bob', 403],
          ['alice', 200],
        ] as const) {
          const auth = new ClientAuthenticator({ username: user, password: 'pw' })
          auth.handleChallenges(challenge.headers.getAll('WWW-Authenticate'))
          const r = await c.request(
            'ANNOUNCE',
            url,
            { 'Content-Type': 'application/sdp', Authorization: auth.authorization('ANNOUNCE', url)! },
            SDP,
          )
          assert.equal(r.statusCode, status, `${user}`)
        }
        const basic = `Basic ${Buffer.from('bob:pw').toString('base64')}`
        assert.equal(
          (await c.request('DESCRIBE', server.urlFor('live'), { Authorization: basic })).statusCode,
          200,
          'bob may read (Basic against a stored hash)',
        )
        assert.equal((await c.request('DESCRIBE', server.urlFor('blocked'))).statusCode, 403)
      } finally {
        c.close()
      }
    })
  })

  it('failed logins are held to a rate per address across connections; a success resets nothing', async () => {
    await withServer(policy, async (server) => {
      const url = server.urlFor('private')
      const wrong = `Basic ${Buffer.from('alice:nope').toString('base64')}`
      const right = `Basic ${Buffer.from('alice:pw').toString('base64')}`
      const conns = await Promise.all(Array.from({ length: 5 }, () => RawRtspConnection.connect(server.port)))
      const other = await RawRtspConnection.connect(server.port, '127.0.0.1', '127.0.0.2')
      try {
        // The burst: 10 failures, spread over 5 connections, each answered 401 at once.
        const t0 = Date.now()
        const first = await Promise.all(conns.flatMap((c) => [0, 1].map(() => c.request('DESCRIBE', url, { Authorization: wrong }))))
        assert.deepEqual(
          first.map((r) => r.statusCode),
          Array(10).fill(401),
        )
        // Then nothing more is checked from this address, on any connection, even the right password.
        const next = await Promise.all(conns.map((c) => c.request('DESCRIBE', url, { Authorization: right })))
        for (const r of next) {
          assert.equal(r.statusCode, 503)
          assert.ok(Number(r.headers.get('Retry-After')) >= 1)
        }
        assert.ok(Date.now() - t0 < 2000, 'answered without per-response delays')
        // Another address is not held back by this one; its success does not free 127.0.0.1.
        assert.equal((await other.request('DESCRIBE', url, { Authorization: right })).statusCode, 200)
        assert.equal((await conns[0]!.request('DESCRIBE', url, { Authorization: right })).statusCode, 503)
        // A request without credentials still gets its challenges.
        assert.equal((await conns[0]!.request('DESCRIBE', url)).statusCode, 401)
      } finally {
        for (const c of [...conns, other]) c.close()
      }
    })
  })
})
