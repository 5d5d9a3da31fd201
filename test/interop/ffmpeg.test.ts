// ffmpeg/ffprobe decode our streams: the test card (MJPEG) and an H.264 file, over TCP and UDP.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ffmpegDecode, ffprobe, h264File, startServer, type TestServer } from './harness.js'

describe('ffmpeg plays rtspkit', () => {
  let srv: TestServer
  before(async () => {
    const clip = await h264File({ width: 640, height: 360, fps: 25, seconds: 3, gop: 25 })
    srv = await startServer({ test: 'test', cam: `file:${clip}`, small: 'test:320x240@30' })
  })
  after(() => srv.stop())

  for (const transport of ['tcp', 'udp'] as const) {
    it(`decodes 100 test-card frames over ${transport} without errors`, async () => {
      const r = await ffmpegDecode(srv.url('test'), transport, 100)
      assert.equal(r.stderr.trim(), '', 'no decoder errors')
      assert.equal(r.frames, 100)
      assert.ok(
        r.frameSizes.every((s) => s === (640 * 480 * 3) / 2),
        'every frame is 640x480',
      )
    })

    it(`decodes 100 frames of the H.264 file over ${transport} without errors (loops past its end)`, async () => {
      const r = await ffmpegDecode(srv.url('cam'), transport, 100)
      assert.equal(r.stderr.trim(), '', 'no decoder errors')
      assert.equal(r.frames, 100)
      assert.ok(
        r.frameSizes.every((s) => s === (640 * 360 * 3) / 2),
        'every frame is 640x360',
      )
    })
  }

  it('ffprobe reports codec and size from our SDP and stream', async () => {
    assert.deepEqual(await ffprobe(srv.url('cam'), 'tcp'), { codec: 'h264', width: 640, height: 360 })
    assert.deepEqual(await ffprobe(srv.url('test'), 'udp'), { codec: 'mjpeg', width: 640, height: 480 })
    assert.deepEqual(await ffprobe(srv.url('small'), 'tcp'), { codec: 'mjpeg', width: 320, height: 240 })
  })
})
