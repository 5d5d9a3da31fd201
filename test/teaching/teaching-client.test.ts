// The RTSP/RTP teaching project's client (the replica of its Client.py) against rtspkit's server,
// with ffmpeg and GStreamer reading the same path at the same time; and the dialect's wire bytes.
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { loadMjpegFile } from '../../src/sources/mjpeg-file.js'
import { ffmpegDecode, gstDecode, h264File, mjpegFile, startServer, type TestServer } from '../interop/harness.js'
import { ask, connectTcp, runTeachingClient } from './teaching-peers.js'

const FRAMES_IN_FILE = 30
const WIDTH = 384
const HEIGHT = 288

/** The offset k such that frames[i] is the file's frame (k + i) mod n, or -1 when there is none. */
function offsetInLoop(got: Buffer[], file: Buffer[]): number {
  const k = file.findIndex((f) => f.equals(got[0]!))
  if (k < 0) return -1
  return got.every((g, i) => g.equals(file[(k + i) % file.length]!)) ? k : -1
}

describe('the teaching project client against rtspkit serve --path movie.Mjpeg=file:movie.Mjpeg', () => {
  let srv: TestServer
  let dir: string
  let frames: Buffer[]
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-teaching-client-'))
    const movie = await mjpegFile(WIDTH, HEIGHT, FRAMES_IN_FILE)
    frames = loadMjpegFile(movie).frames
    const h264 = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    srv = await startServer({ 'movie.Mjpeg': `file:${movie}`, cam: `file:${h264}` })
  })
  after(async () => {
    await srv.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it("Client.py gets 40 frames equal to the file's JPEGs (SETUP without DESCRIBE, PLAY, PAUSE, PLAY, TEARDOWN) while ffmpeg and GStreamer play the same path", async () => {
    const out = path.join(dir, 'shown')
    const [teaching, ff, gst] = await Promise.all([
      runTeachingClient({ port: srv.server.port, file: 'movie.Mjpeg', outDir: out, cwd: dir, frames: 40, pauseAfter: 10 }),
      ffmpegDecode(srv.url('movie.Mjpeg'), 'udp', 40),
      gstDecode(`rtspsrc location=${srv.url('movie.Mjpeg')} protocols=tcp latency=100 ! rtpjpegdepay ! jpegdec ! fakesink name=sink`, 40),
    ])
    assert.equal(teaching.teardownAcked, 1)
    assert.equal(teaching.state, 0, 'INIT after TEARDOWN')
    assert.equal(teaching.cseq, 5)
    assert.equal(teaching.replies, 5, 'every reply read by position, with the same integer session')
    assert.ok(teaching.session > 0)
    assert.ok(teaching.frames >= 40)
    assert.deepEqual(
      teaching.seq,
      teaching.seq.map((_, i) => i + 1),
      'frame numbers 1, 2, 3… across the pause',
    )
    const shown = readdirSync(out)
      .sort()
      .map((n) => readFileSync(path.join(out, n)))
    assert.ok(
      shown.every((f) => frames.some((g) => g.equals(f))),
      "every frame one of the file's JPEGs, byte for byte",
    )
    // The path is live (the file loops for every reader alike): it went on during the pause.
    assert.ok(offsetInLoop(shown.slice(0, 10), frames) >= 0, 'consecutive before the pause')
    assert.ok(offsetInLoop(shown.slice(-20), frames) >= 0, 'consecutive after it')
    assert.equal(ff.stderr.trim(), '')
    assert.equal(ff.frames, 40)
    assert.ok(ff.frameSizes.every((s) => s === (WIDTH * HEIGHT * 3) / 2))
    assert.equal(gst.error, null)
    assert.equal(gst.frames, 40)
    assert.equal(srv.server.stats().sessions.length, 0, 'the teaching session ended with its TEARDOWN')
  })

  it('on the wire: LF-only answers with CSeq on line 2 and an integer Session on line 3; whole JPEGs as its server sends them', async () => {
    const udp = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve))
    const packets: Buffer[] = []
    udp.on('message', (m) => packets.push(m))
    const socket = await connectTcp(srv.server.port)
    try {
      const setup = await ask(socket, `SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= ${udp.address().port}`)
      assert.ok(!setup.includes('\r'), 'LF-only')
      const lines = setup.split('\n')
      assert.equal(lines[0], 'RTSP/1.0 200 OK')
      assert.equal(lines[1], 'CSeq: 1')
      const m = /^Session: (\d+)$/.exec(lines[2]!)
      assert.ok(m, `an integer session on line 3: ${lines[2]}`)
      const play = await ask(socket, `PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: ${m[1]}`, 400)
      assert.deepEqual(play.split('\n').slice(0, 3), ['RTSP/1.0 200 OK', 'CSeq: 2', `Session: ${m[1]}`])
      assert.ok(packets.length >= 3, `${packets.length} packets`)
      const nowS = Math.floor(Date.now() / 1000)
      packets.slice(0, 3).forEach((p, i) => {
        assert.deepEqual(
          [p[0], p[1], p.readUInt16BE(2), p.readUInt32BE(8)],
          [0x80, 26, i + 1, 0],
          'V=2, M=0, PT=26, seq = frame number, SSRC 0',
        )
        assert.ok(Math.abs(p.readUInt32BE(4) - nowS) <= 2, 'timestamp in Unix seconds')
        assert.ok(
          frames.some((f) => f.equals(p.subarray(12))),
          'a whole JPEG of the file after 12 bytes',
        )
      })
      assert.equal(srv.server.stats().sessions.length, 1)
    } finally {
      socket.destroy()
      udp.close()
    }
    // No keep-alive comes from this client: its session lives as long as its connection.
    for (let i = 0; i < 50 && srv.server.stats().sessions.length > 0; i++) await new Promise((r) => setTimeout(r, 20))
    assert.equal(srv.server.stats().sessions.length, 0, 'closed with the connection')
  })

  it('a teaching SETUP of a path that is not MJPEG gets 461; standard CRLF requests still get CRLF answers', async () => {
    const socket = await connectTcp(srv.server.port)
    try {
      const refused = await ask(socket, 'SETUP cam RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000')
      assert.match(refused, /^RTSP\/1\.0 461 Whole-JPEG Delivery Needs An MJPEG Path\nCSeq: 1\n/)
      const standard = await ask(socket, `OPTIONS ${srv.url('movie.Mjpeg')} RTSP/1.0\r\nCSeq: 2\r\n\r\n`)
      assert.match(standard, /^RTSP\/1\.0 200 OK\r\nCSeq: 2\r\n/)
    } finally {
      socket.destroy()
    }
  })

  it('RtspClient with dialect "teaching" plays from rtspkit as the project\'s client does', async () => {
    const client = new RtspClient(srv.url('movie.Mjpeg'), { dialect: 'teaching' })
    const got: Buffer[] = []
    client.on('frame', (f) => got.push(f.data))
    try {
      await client.play()
      while (got.length < 10) await new Promise((r) => setTimeout(r, 20))
    } finally {
      await client.close()
    }
    assert.ok(offsetInLoop(got.slice(0, 10), frames) >= 0)
  })
})
