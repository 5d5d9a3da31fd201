// Issue 14, part 3: publisher keep-alives, bad SDP in ANNOUNCE, SETUP mode=record where nobody may
// publish, publish:stay readers told when the path is closed, and exact drop counters.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseRtcp } from '../../src/rtcp/compound.js'
import { RtcpGoodbye } from '../../src/rtcp/goodbye.js'
import { ApiServer } from '../../src/api/api-server.js'
import type { SessionView } from '../../src/api/views.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'

const hex = (t: string) => Buffer.from(t.replace(/\s/g, ''), 'hex')
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(3000, 0x11)])
const P_SLICE = Buffer.concat([hex('41 9a 02'), Buffer.alloc(500, 0x22)])

const sdpWith = (media: string) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=pub\r\nt=0 0\r\n${media}a=control:streamid=0\r\n`
const GOOD_SDP = sdpWith('m=video 0 RTP/AVP 26\r\n')

async function withServer(fn: (server: RtspServer, connect: () => Promise<RawRtspConnection>) => Promise<void>, opts = {}): Promise<void> {
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', ...opts })
  const conns: RawRtspConnection[] = []
  await server.start()
  try {
    await fn(server, async () => {
      const c = await RawRtspConnection.connect(server.port)
      conns.push(c)
      return c
    })
  } finally {
    for (const c of conns) c.close()
    await server.stop()
  }
}

async function announceAndRecord(pub: RawRtspConnection, url: string): Promise<string> {
  assert.equal((await pub.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, GOOD_SDP)).statusCode, 200)
  const setup = await pub.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' })
  assert.equal(setup.statusCode, 200)
  const session = setup.headers.get('Session')!.split(';')[0]!
  assert.equal((await pub.request('RECORD', url, { Session: session })).statusCode, 200)
  return session
}

describe('protocol fixes', () => {
  it("defect 6: GET_PARAMETER and SET_PARAMETER with a publisher's session get 200 (rtspclientsink keep-alive)", async () => {
    await withServer(async (server, connect) => {
      server.addPublishPath('live')
      const pub = await connect()
      const url = server.urlFor('live')
      const session = await announceAndRecord(pub, url)
      for (const method of ['GET_PARAMETER', 'SET_PARAMETER']) {
        const r = await pub.request(method, url, { Session: session })
        assert.equal(r.statusCode, 200, method)
        assert.equal(r.headers.get('Session')!.split(';')[0], session)
      }
      assert.equal((await pub.request('GET_PARAMETER', url, { Session: 'nosuchsession' })).statusCode, 454)
    })
  })

  for (const [what, media] of [
    ['PCMU as video', 'm=video 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'],
    ['H264/0', 'm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/0\r\n'],
    ['opus/48000/3', 'm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/3\r\n'],
  ] as const) {
    it(`defect 7: ANNOUNCE with ${what} gets 400 or 415 with the reason, not 500`, async () => {
      await withServer(async (server, connect) => {
        server.addPublishPath('live')
        const pub = await connect()
        const r = await pub.request('ANNOUNCE', server.urlFor('live'), { 'Content-Type': 'application/sdp' }, sdpWith(media))
        assert.ok(r.statusCode === 400 || r.statusCode === 415, `status ${r.statusCode} ${r.reason}`)
        assert.ok(r.body.length > 0, 'the reason in the body')
        assert.equal(server.getStream('live'), undefined)
        assert.equal((await pub.request('OPTIONS', '*')).statusCode, 200)
      })
    })
  }

  it('defect 8: SETUP mode=record on a path nobody may publish to gets 455, and no reader session is made', async () => {
    await withServer(async (server, connect) => {
      server.addStream('card', { video: { codec: 'jpeg' } })
      server.addPublishPath('live')
      const c = await connect()
      for (const url of [`${server.urlFor('card')}/trackID=0`, `${server.urlFor('live')}/streamid=0`]) {
        const r = await c.request('SETUP', url, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' })
        assert.equal(r.statusCode, 455, url)
      }
      assert.equal(server.stats().sessions.length, 0)
    })
  })

  for (const how of ['removePath', 'stop'] as const) {
    it(`defect 11: a reader waiting on an empty publish:stay path learns at once that the server closed it (${how})`, async () => {
      await withServer(async (server, connect) => {
        server.addPublishPath('live', { onPublisherLeave: 'stay' })
        const url = server.urlFor('live')
        const pub = await connect()
        const session = await announceAndRecord(pub, url)
        const reader = await connect()
        const rs = await reader.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
        assert.equal(rs.statusCode, 200)
        assert.equal((await reader.request('PLAY', url, { Session: rs.headers.get('Session')! })).statusCode, 200)
        assert.equal((await pub.request('TEARDOWN', url, { Session: session })).statusCode, 200)
        await new Promise((r) => setTimeout(r, 200))
        assert.equal(reader.closed, false, 'the reader waits for the next publisher')
        const t0 = Date.now()
        if (how === 'removePath') server.removePath('live')
        else void server.stop()
        const bye = () => reader.interleaved.some((f) => f.channel === 1 && parseRtcp(f.payload).some((p) => p instanceof RtcpGoodbye))
        await reader.waitFor(() => reader.closed || bye(), 3000)
        assert.ok(Date.now() - t0 < 1000, `told after ${Date.now() - t0} ms`)
      })
    })
  }

  it('defect 5: frames and bytes dropped are exact; sent + dropped + queued = pushed since PLAY; API and metrics agree', async () => {
    await withServer(
      async (server, connect) => {
        const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS } }, { instantStart: false })
        const api = new ApiServer({ server, host: '127.0.0.1', port: 0 })
        await api.start()
        try {
          const url = server.urlFor('cam')
          const play = async (c: RawRtspConnection) => {
            const setup = await c.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
            const session = setup.headers.get('Session')!.split(';')[0]!
            assert.equal((await c.request('PLAY', url, { Session: session })).statusCode, 200)
            return session
          }
          const stalled = await connect()
          const stalledId = await play(stalled)
          stalled.socket.pause()
          const fast = await connect()
          const fastId = await play(fast)
          await new Promise((r) => setTimeout(r, 50))
          let pushed = 0
          for (let i = 0; i < 20000; i++) {
            cam.pushVideo(i % 25 === 0 ? [IDR] : [P_SLICE], i * 40)
            pushed++
            if (i % 200 === 199) await new Promise((r) => setTimeout(r, 5))
          }
          await new Promise((r) => setTimeout(r, 500))
          const stats = new Map(server.stats().sessions.map((x) => [x.id, x.tracks[0]!]))
          const f = stats.get(fastId)!
          const s = stats.get(stalledId)!
          assert.equal(f.framesSent, pushed, 'the reading reader got every frame')
          assert.ok(s.framesDropped > 0, 'the stalled one dropped')
          assert.equal(s.framesSent + s.framesDropped + (s.framesQueued ?? 0), pushed, 'frames: sent + dropped + queued')
          assert.equal(s.bytesSent + s.bytesDropped + (s.bytesQueued ?? 0), f.bytesSent, 'bytes: sent + dropped + queued')
          const views = ((await (await fetch(`${api.url}/v1/sessions`)).json()) as { items: SessionView[] }).items
          const view = views.find((v) => v.id === stalledId)!
          assert.equal(view.framesDropped, s.framesDropped)
          assert.equal(view.bytesDropped, s.bytesDropped)
          assert.equal(view.tracks[0]!.framesQueued, s.framesQueued)
          const metrics = await (await fetch(`${api.url}/metrics`)).text()
          const sample = (name: string) =>
            Number(new RegExp(`^${name}\\{[^}]*session="${stalledId}"[^}]*\\} (\\d+)`, 'm').exec(metrics)?.[1])
          assert.equal(sample('rtspkit_session_frames_dropped_total'), s.framesDropped)
          assert.equal(sample('rtspkit_session_bytes_dropped_total'), s.bytesDropped)
        } finally {
          await api.close()
        }
      },
      { maxReaderQueueBytes: 64 * 1024 },
    )
  })
})
