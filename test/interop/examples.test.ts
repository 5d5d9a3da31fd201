// The push-API example runs as documented and real players decode what it pushes.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ROOT, ffmpegDecode, h264File } from './harness.js'

describe('examples/push-api', () => {
  it('serves pushed JPEG and H.264 frames that ffmpeg decodes', async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    const port = 20000 + (process.pid % 20000)
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/examples/push-api.js'), clip], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    try {
      const deadline = Date.now() + 10_000
      while (!out.includes('H.264:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      assert.match(out, /MJPEG: rtsp:\/\/.+\/mjpeg/)
      const [mjpeg, h264] = await Promise.all([
        ffmpegDecode(`rtsp://127.0.0.1:${port}/mjpeg`, 'tcp', 20),
        ffmpegDecode(`rtsp://127.0.0.1:${port}/cam`, 'udp', 60),
      ])
      assert.equal(mjpeg.stderr.trim(), '')
      assert.equal(mjpeg.frames, 20)
      assert.ok(mjpeg.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
      assert.equal(h264.stderr.trim(), '')
      assert.equal(h264.frames, 60)
      assert.match(out, /play: path=mjpeg session=\d+/)
    } finally {
      child.kill('SIGINT')
    }
  })
})
