/**
 * Connection lifecycle with real peers: idle connections are closed while ffmpeg plays over UDP with
 * a quiet RTSP connection, and a TCP reader that stops reading is cut after writeTimeout while a
 * reader that reads goes on.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { describe, it } from 'node:test'
import type { Logger } from '../../src/log/logger.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { hex } from '../helpers/split.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { waitUntil } from '../helpers/wait.js'
import { DEBIAN_PYTHON, ffmpegDecode, h264File, ROOT, startServer } from './harness.js'

const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')

describe('connection lifecycle with real peers', () => {
  it('idle connections are closed within the limit while ffmpeg plays over UDP behind a quiet RTSP connection', async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    const srv = await startServer({ cam: `file:${clip}` }, { connectionLimits: { firstRequestTimeoutMs: 800, idleTimeoutMs: 1500 } })
    try {
      // 150 frames: 6 s of playing, during which the RTSP connection says nothing (ffmpeg's keep-alive comes after 30 s).
      const playing = ffmpegDecode(srv.url('cam'), 'udp', 150, 20_000)
      await waitUntil(() => srv.server.stats().sessions.length === 1, 5000, 'ffmpeg to play')
      const idle: net.Socket[] = []
      const closedAt: number[] = []
      const t0 = Date.now()
      for (let i = 0; i < 20; i++) {
        const s = net.connect(srv.server.port, '127.0.0.1')
        s.on('error', () => {})
        s.on('close', () => closedAt.push(Date.now() - t0))
        s.resume() // read, so the server's FIN is seen
        // Half send one request and then nothing; half never send a byte.
        if (i % 2 === 0) s.write('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n')
        idle.push(s)
      }
      await waitUntil(() => closedAt.length === 20, 4000, 'the idle connections to be closed')
      assert.ok(Math.max(...closedAt) < 2800, `all closed within the limits (last after ${Math.max(...closedAt)} ms)`)
      assert.equal(srv.server.stats().sessions.length, 1, "ffmpeg's session is untouched")
      const r = await playing
      assert.equal(r.stderr.trim(), '', 'no decoder errors')
      assert.equal(r.frames, 150, 'ffmpeg decoded every frame it asked for')
    } finally {
      await srv.stop()
    }
  })

  it('a TCP reader that stops reading is disconnected after writeTimeout; one that reads goes on', async () => {
    const warnings: string[] = []
    const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m) }
    const server = new RtspServer({
      port: 0,
      host: '127.0.0.1',
      publicHost: '127.0.0.1',
      logger,
      maxReaderQueueBytes: 256 * 1024,
      connectionLimits: { writeTimeoutMs: 1500 },
    })
    const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS } })
    await server.start()
    const url = `rtsp://127.0.0.1:${server.port}/cam`
    // About 5 MB/s: the stalled reader's socket fills within a second.
    const idr = Buffer.concat([hex('65 88 84'), Buffer.alloc(100_000, 0x11)])
    let n = 0
    const pusher = setInterval(() => cam.pushVideo([idr], n++ * 20), 20)
    const child = spawn(DEBIAN_PYTHON, [path.join(ROOT, 'test/interop/stalled_tcp_reader.py'), String(server.port), url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      const stalled = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))
        child.once('error', reject)
      })
      const reader = await RawRtspConnection.connect(server.port)
      const setup = await reader.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
      const session = setup.headers.get('Session')!.split(';')[0]!
      assert.equal((await reader.request('PLAY', url, { Session: session })).statusCode, 200)
      const t0 = Date.now()
      await waitUntil(() => !server.stats().sessions.some((s) => s.id === stalled), 6000, 'the stalled reader to be cut')
      const ms = Date.now() - t0
      assert.ok(ms >= 1000, `not before the limit (${ms} ms)`)
      assert.equal(server.connectionLimitStats().stalled, 1)
      assert.equal(warnings.filter((w) => /writeTimeout/.test(w)).length, 1, 'one line')
      const got = reader.interleaved.length
      await new Promise((r) => setTimeout(r, 500))
      assert.ok(reader.interleaved.length > got, 'the reader that reads still receives')
      assert.equal(reader.closed, false)
      reader.close()
    } finally {
      clearInterval(pusher)
      child.kill()
      await server.stop()
    }
  })
})
