// rtspkit's client and CLI against the RTSP/RTP teaching project's server (the replica of its
// Server.py/ServerWorker.py), and the replica's own wire behaviour, checked byte by byte.
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import type { ClientFrame } from '../../src/client/track-receiver.js'
import { loadMjpegFile } from '../../src/sources/mjpeg-file.js'
import { DEBIAN_PYTHON, mjpegFile, ROOT, run } from '../interop/harness.js'
import { ask, connectTcp, startTeachingServer, type TeachingServer } from './teaching-peers.js'

const FRAMES_IN_FILE = 30
const CLI = path.join(ROOT, 'dist/src/cli/main.js')

describe('the teaching project server (replica)', () => {
  let dir: string
  let srv: TeachingServer
  let frames: Buffer[]
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-teaching-'))
    const movie = await mjpegFile(384, 288, FRAMES_IN_FILE)
    copyFileSync(movie, path.join(dir, 'movie.Mjpeg'))
    frames = loadMjpegFile(movie).frames
    srv = await startTeachingServer(dir)
  })
  after(async () => {
    await srv.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('on the wire: no answer to OPTIONS; SETUP/PLAY answered "RTSP/1.0 200 OK\\nCSeq: n\\nSession: <6 digits>" unterminated; whole-JPEG RTP', async () => {
    const probe = await connectTcp(srv.port)
    assert.equal(await ask(probe, 'OPTIONS rtsp://127.0.0.1/movie.Mjpeg RTSP/1.0\r\nCSeq: 1\r\n\r\n', 300), '', 'OPTIONS is not answered')
    probe.destroy()

    const udp = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve))
    const packets: Buffer[] = []
    udp.on('message', (m) => packets.push(m))
    const socket = await connectTcp(srv.port)
    try {
      const setup = await ask(socket, `SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= ${udp.address().port}`, 300)
      const m = /^RTSP\/1\.0 200 OK\nCSeq: 1\nSession: (\d{6})$/.exec(setup)
      assert.ok(m, JSON.stringify(setup))
      const play = await ask(socket, `PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: ${m[1]}`, 400)
      assert.equal(play, `RTSP/1.0 200 OK\nCSeq: 2\nSession: ${m[1]}`)
      const nowS = Math.floor(Date.now() / 1000)
      assert.ok(packets.length >= 3, `${packets.length} packets`)
      const p = packets[0]!
      assert.equal(p[0], 0x80, 'V=2 P=0 X=0 CC=0')
      assert.equal(p[1], 26, 'M=0 PT=26')
      assert.equal(p.readUInt16BE(2), 1, 'sequence number = frame number, from 1')
      assert.ok(Math.abs(p.readUInt32BE(4) - nowS) <= 2, 'timestamp = Unix seconds')
      assert.equal(p.readUInt32BE(8), 0, 'SSRC 0')
      assert.ok(p.subarray(12).equals(frames[0]!), 'the whole first JPEG, no RFC 2435 header')
      assert.ok(packets[1]!.subarray(12).equals(frames[1]!))
      const teardown = await ask(socket, `TEARDOWN movie.Mjpeg RTSP/1.0\nCSeq: 3\nSession: ${m[1]}`, 200)
      assert.equal(teardown, `RTSP/1.0 200 OK\nCSeq: 3\nSession: ${m[1]}`)
    } finally {
      socket.destroy()
      udp.close()
    }
  })

  it('RtspClient finds the dialect, plays every frame of the file in order, pauses and resumes, ends at the end of the file', async () => {
    const client = new RtspClient(`rtsp://127.0.0.1:${srv.port}/movie.Mjpeg`, { dialectProbeMs: 500 })
    const got: ClientFrame[] = []
    const dialects: string[] = []
    client.on('dialect', (d) => dialects.push(d))
    client.on('frame', (f) => got.push(f))
    const closed = new Promise<unknown>((resolve) => client.once('close', resolve))
    try {
      await client.play()
      assert.deepEqual(dialects, ['teaching'])
      assert.equal(client.dialect, 'teaching')
      assert.equal(client.transport, 'udp')
      while (got.length < 5) await new Promise((r) => setTimeout(r, 20))
      await client.pause()
      const atPause = got.length
      await new Promise((r) => setTimeout(r, 300))
      assert.ok(got.length <= atPause + 1, 'no frames while paused')
      await client.play()
      assert.equal(await closed, undefined, 'the end of the file ends the session without an error')
    } finally {
      await client.close()
    }
    assert.equal(got.length, FRAMES_IN_FILE)
    got.forEach((f, i) => assert.ok(f.data.equals(frames[i]!), `frame ${i + 1} equals the file's`))
    assert.deepEqual(
      got.slice(0, 4).map((f) => f.ptsMs),
      [0, 50, 100, 150],
      'times from frame numbers at 20 fps',
    )
  })

  it("`rtspkit play URL --out DIR/` writes the JPEGs, equal to the file's, and OpenCV decodes them", async () => {
    const out = path.join(dir, 'frames')
    const r = await run(
      'node',
      [CLI, 'play', `rtsp://127.0.0.1:${srv.port}/movie.Mjpeg`, '--out', `${out}/`, '--stats-interval', '0'],
      30_000,
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /teaching project's dialect/)
    assert.match(r.stderr, /stream ended/)
    const names = readdirSync(out).sort()
    assert.equal(names.length, FRAMES_IN_FILE)
    names.forEach((n, i) => assert.ok(readFileSync(path.join(out, n)).equals(frames[i]!), n))
    const cv = await run(DEBIAN_PYTHON, [
      '-c',
      'import cv2,sys,os,json; d=sys.argv[1]; print(json.dumps([list(cv2.imread(os.path.join(d,n)).shape) for n in sorted(os.listdir(d))]))',
      out,
    ])
    assert.equal(cv.code, 0, cv.stderr)
    const shapes = JSON.parse(cv.stdout) as number[][]
    assert.equal(shapes.length, FRAMES_IN_FILE)
    assert.ok(shapes.every((s) => s.join('x') === '288x384x3'))
  })
})
