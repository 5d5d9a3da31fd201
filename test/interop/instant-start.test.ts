/**
 * Instant start with real players: a stream whose only IDR picture was pushed before the reader came.
 * Without the GOP cache nothing could ever be decoded (no keyframe follows); with it ffmpeg and
 * GStreamer decode at once. A raw reader checks the wire: RTP-Info names the burst's first packet, the
 * burst's timestamps sit one tick apart just before live, and live units keep their own times.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { AnnexBStreamParser } from '../../src/codecs/annexb-stream-parser.js'
import { parseRtpInfo } from '../../src/rtsp/headers/rtp-info.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import type { ServerStream } from '../../src/server/server-stream.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { ffmpegDecode, gstDecode, h264File } from './harness.js'

const FPS = 25
const FRAME_MS = 1000 / FPS
/** Units pushed before anyone reads: the IDR and this many P pictures after it. */
const PUSHED_BEFORE = 12
const TICKS_PER_FRAME = 90_000 / FPS

interface Fixture {
  server: RtspServer
  live: ServerStream
  waiting: ServerStream
  stop(): Promise<void>
}

/** Pushes the clip's first access units at once, then the rest in real time; the clip has one IDR only. */
async function startFixture(): Promise<Fixture> {
  const file = await h264File({ width: 320, height: 240, fps: FPS, seconds: 40, gop: 10_000 })
  const parser = new AnnexBStreamParser('h264')
  const aus = [...parser.push(readFileSync(file)), ...parser.flush()]
  assert.equal(aus.filter((a) => a.keyframe).length, 1, 'the fixture has one IDR picture')
  // The one IDR must stay in the cache for the whole test (the default keeps a GOP for 10 s).
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', gopCacheMaxMs: 120_000 })
  const live = server.addStream('live', { video: { codec: 'h264' } })
  const waiting = server.addStream('waiting', { video: { codec: 'h264' } }, { instantStart: false })
  await server.start()
  let i = 0
  const push = () => {
    const au = aus[i % aus.length]!
    const pts = i * FRAME_MS
    for (const s of [live, waiting]) s.pushVideo(au.nalus, pts)
    i++
  }
  // Keep the loop away from the IDR: after the last picture, stop instead of wrapping.
  while (i < PUSHED_BEFORE) push()
  const timer = setInterval(() => {
    if (i < aus.length) push()
  }, FRAME_MS)
  return {
    server,
    live,
    waiting,
    async stop() {
      clearInterval(timer)
      await server.stop()
    },
  }
}

describe('instant start', () => {
  let f: Fixture
  before(async () => {
    f = await startFixture()
  })
  after(async () => {
    await f.stop()
  })

  for (const transport of ['tcp', 'udp'] as const) {
    it(`ffmpeg decodes a stream whose only keyframe came before it joined (${transport})`, async () => {
      const r = await ffmpegDecode(f.server.urlFor('live'), transport, 10, 20_000)
      assert.equal(r.frames, 10, r.stderr)
      assert.ok(r.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
    })
  }

  it('GStreamer (rtspsrc, default latency) decodes it too', async () => {
    const g = await gstDecode(
      `rtspsrc location=${f.server.urlFor('live')} protocols=tcp ! rtph264depay ! avdec_h264 ! fakesink name=sink`,
      10,
      20,
    )
    assert.equal(g.error, null)
    assert.ok(g.frames >= 10, `gst decoded ${g.frames} frames`)
    assert.deepEqual([g.width, g.height], [320, 240])
  })

  it('with instantStart off, the reader waits for a keyframe that never comes (ffmpeg decodes nothing)', async () => {
    const r = await ffmpegDecode(f.server.urlFor('waiting'), 'tcp', 1, 4000)
    assert.equal(r.frames, 0)
  })

  it('on the wire: RTP-Info names the first burst packet; burst timestamps are one tick apart, then live', async () => {
    const c = await RawRtspConnection.connect(f.server.port)
    try {
      const url = f.server.urlFor('live')
      assert.equal((await c.request('DESCRIBE', url, { Accept: 'application/sdp' })).statusCode, 200)
      const setup = await c.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
      assert.equal(setup.statusCode, 200)
      const session = setup.headers.get('Session')!.split(';')[0]!
      const play = await c.request('PLAY', url, { Session: session })
      assert.equal(play.statusCode, 200)
      const info = parseRtpInfo(play.headers.get('RTP-Info')!)[0]!
      const rtpPackets = () => c.interleaved.filter((p) => p.channel === 0).map((p) => p.payload)
      /** The step between each access unit's timestamp and the next one's, in order of arrival. */
      const timestampSteps = (rtp: Buffer[]) => {
        const stamps: number[] = []
        for (const p of rtp) if (stamps[stamps.length - 1] !== p.readUInt32BE(4)) stamps.push(p.readUInt32BE(4))
        return stamps.slice(1).map((t, k) => (t - stamps[k]!) >>> 0)
      }
      // Wait until live units (spaced a frame apart) follow the burst.
      await c.waitFor(() => timestampSteps(rtpPackets()).filter((s) => s !== 1).length >= 10, 10_000)
      const rtp = rtpPackets()
      assert.equal(rtp[0]!.readUInt16BE(2), info.seq, 'first packet is the one RTP-Info names')
      assert.equal(rtp[0]!.readUInt32BE(4), info.rtptime)
      // Sequence numbers run on without a gap from the burst into live.
      for (let k = 1; k < rtp.length; k++) assert.equal(rtp[k]!.readUInt16BE(2), (rtp[k - 1]!.readUInt16BE(2) + 1) & 0xffff)
      const steps = timestampSteps(rtp)
      const burst = steps.findIndex((s) => s !== 1)
      assert.ok(
        burst >= PUSHED_BEFORE - 1,
        `the burst holds the ${PUSHED_BEFORE}+ units pushed before PLAY (steps ${steps.slice(0, 40).join(',')})`,
      )
      for (const s of steps.slice(burst)) assert.equal(s, TICKS_PER_FRAME, 'live units keep their spacing')
    } finally {
      c.close()
    }
  })
})
