/** RtspClient.setup(): SETUP without PLAY (RFC 2326's Ready state), then play() sends only PLAY. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { ConfigError, StateError } from '../../src/errors.js'
import { startServer, type TestServer } from '../interop/harness.js'
import { collectFrames, isJpeg, startFakeServer, type FakeReply } from './client-helpers.js'

const QUIET_MS = 400
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Two tracks; SETUP of the second is answered by `second`. Every other request gets `Session: 77`. */
function twoTrackServer(second: () => FakeReply) {
  const sdp = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=two',
    't=0 0',
    'a=control:*',
    'm=video 0 RTP/AVP 26',
    'a=control:trackID=0',
    'm=audio 0 RTP/AVP 0',
    'a=control:trackID=1',
    '',
  ].join('\r\n')
  return startFakeServer((req, port) => {
    if (req.method === 'OPTIONS') return { headers: { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN' } }
    if (req.method === 'DESCRIBE')
      return { headers: { 'Content-Type': 'application/sdp', 'Content-Base': `rtsp://127.0.0.1:${port}/two/` }, body: sdp }
    if (req.method === 'SETUP' && req.uri.endsWith('trackID=1')) return second()
    if (req.method === 'SETUP') return { headers: { Session: '77;timeout=2', Transport: req.headers.get('Transport')! } }
    return { headers: { Session: '77' } }
  })
}

describe('RtspClient.setup()', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ cam: 'test:320x240@25' })
  })
  after(() => srv.stop())

  for (const transport of ['udp', 'tcp'] as const) {
    it(`over ${transport}: the session is ready and sends nothing until play()`, async () => {
      const client = new RtspClient(srv.url('cam'), { transport })
      let frames = 0
      client.on('frame', () => frames++)
      try {
        await client.setup()
        assert.equal(client.transport, transport)
        const sessions = srv.server.stats().sessions
        assert.equal(sessions.length, 1)
        assert.equal(sessions[0]!.state, 'ready')
        await sleep(QUIET_MS)
        assert.equal(frames, 0)
        await client.setup() // already set up: no second session
        assert.deepEqual(
          srv.server.stats().sessions.map((s) => s.id),
          [sessions[0]!.id],
        )
        const got = collectFrames(client, 3)
        await client.play()
        assert.ok((await got).every((f) => isJpeg(f.data)))
        assert.equal(srv.server.stats().sessions[0]!.state, 'playing')
        assert.deepEqual(
          srv.server.stats().sessions.map((s) => s.id),
          [sessions[0]!.id],
        )
      } finally {
        await client.close()
      }
      assert.equal(srv.server.stats().sessions.length, 0)
    })
  }

  it('refuses a track that does not exist, and other tracks once set up', async () => {
    const client = new RtspClient(srv.url('cam'), { transport: 'tcp' })
    try {
      await assert.rejects(client.setup({ tracks: [3] }), (e: unknown) => e instanceof ConfigError && e.code === 'ERR_CLIENT_TRACK')
      assert.equal(srv.server.stats().sessions.length, 0)
      await client.setup({ tracks: [0] })
      await assert.rejects(client.play({ tracks: [] }), (e: unknown) => e instanceof StateError && e.code === 'ERR_CLIENT_STATE')
      await client.play({ tracks: [0] })
    } finally {
      await client.close()
    }
    await assert.rejects(client.setup(), (e: unknown) => e instanceof StateError && e.code === 'ERR_CLIENT_CLOSED')
  })

  it('keeps a ready session alive (Session timeout=2 → a keep-alive within 1.5 s, before any PLAY)', async () => {
    const fake = await twoTrackServer(() => ({ headers: { Session: '77;timeout=2', Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3' } }))
    const client = new RtspClient(`rtsp://127.0.0.1:${fake.port}/two`, { transport: 'tcp' })
    try {
      await client.setup()
      const setups = fake.requests.filter((r) => r.method === 'SETUP')
      assert.deepEqual(
        setups.map((r) => r.uri.replace(/.*\//, '')),
        ['trackID=0', 'trackID=1'],
      )
      const before = fake.requests.length
      await sleep(1500)
      const later = fake.requests.slice(before)
      assert.ok(
        later.some((r) => r.method === 'OPTIONS'),
        `requests after SETUP: ${later.map((r) => r.method).join(',')}`,
      )
      assert.ok(!fake.requests.some((r) => r.method === 'PLAY'))
    } finally {
      await client.close()
      await fake.close()
    }
  })

  it('a SETUP that fails half way tears the session down; a retry sets up every track again', async () => {
    let refuse = true
    const fake = await twoTrackServer(() =>
      refuse
        ? { status: 453, reason: 'Not Enough Bandwidth' }
        : { headers: { Session: '77', Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3' } },
    )
    const client = new RtspClient(`rtsp://127.0.0.1:${fake.port}/two`, { transport: 'tcp' })
    try {
      await assert.rejects(client.setup(), /SETUP .*trackID=1 failed: 453/)
      assert.deepEqual(fake.requests.map((r) => r.method).slice(-3), ['SETUP', 'SETUP', 'TEARDOWN'])
      refuse = false
      await client.setup()
      assert.deepEqual(fake.requests.map((r) => r.method).slice(-2), ['SETUP', 'SETUP'])
      await client.play()
      assert.equal(fake.requests.at(-1)!.method, 'PLAY')
      assert.equal(fake.requests.at(-1)!.headers.get('Session'), '77')
    } finally {
      await client.close()
      await fake.close()
    }
  })
})
