// Access policies over a raw RTSP connection: read vs publish, 401 → credentials → 200, 403 for a
// forbidden address or a user without the permission, and failures from one address slowed down.
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
      return { kind: 'authenticate', authenticator, allowed: (u) => u === 'alice' || r.action === 'read' }
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

  it('wrong passwords from one address are answered more and more slowly', async () => {
    await withServer(policy, async (server) => {
      const c = await RawRtspConnection.connect(server.port)
      try {
        const url = server.urlFor('private')
        const wrong = `Basic ${Buffer.from('alice:nope').toString('base64')}`
        const times: number[] = []
        for (let i = 0; i < 4; i++) {
          const t0 = Date.now()
          assert.equal((await c.request('DESCRIBE', url, { Authorization: wrong })).statusCode, 401)
          times.push(Date.now() - t0)
        }
        assert.ok(times[3]! >= 750, `the fourth failure waits 800 ms: ${times.join(', ')}`)
        assert.ok(times[3]! > times[0]! * 3, `growing: ${times.join(', ')}`)
        const right = `Basic ${Buffer.from('alice:pw').toString('base64')}`
        assert.equal((await c.request('DESCRIBE', url, { Authorization: right })).statusCode, 200)
        const t0 = Date.now()
        assert.equal((await c.request('DESCRIBE', url, { Authorization: wrong })).statusCode, 401)
        assert.ok(Date.now() - t0 < 400, 'a success forgives earlier failures')
      } finally {
        c.close()
      }
    })
  })
})
