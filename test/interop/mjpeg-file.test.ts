// The teaching project's MJPEG file format served as RTP/JPEG (RFC 2435) to ffmpeg, GStreamer and OpenCV.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ffmpegDecode, gstDecode, mjpegFile, opencvRead, startServer, type TestServer } from './harness.js'
import { oddMjpegFile } from './odd-jpegs.js'

describe('file:movie.Mjpeg', () => {
  let srv: TestServer
  before(async () => {
    const movie = await mjpegFile(384, 288, 40)
    srv = await startServer({ movie: `file:${movie}` })
  })
  after(() => srv.stop())

  it('ffmpeg decodes 60 frames (looping past the 40 in the file) over UDP', async () => {
    const r = await ffmpegDecode(srv.url('movie'), 'udp', 60)
    assert.equal(r.stderr.trim(), '')
    assert.equal(r.frames, 60)
    assert.ok(r.frameSizes.every((s) => s === (384 * 288 * 3) / 2))
  })

  it('GStreamer rtspsrc ! rtpjpegdepay ! jpegdec decodes it over TCP', async () => {
    const r = await gstDecode(
      `rtspsrc location=${srv.url('movie')} protocols=tcp latency=100 ! rtpjpegdepay ! jpegdec ! fakesink name=sink`,
      30,
    )
    assert.equal(r.error, null)
    assert.equal(r.frames, 30)
    assert.deepEqual([r.width, r.height], [384, 288])
  })

  it('OpenCV reads 384x288 frames', async () => {
    const r = await opencvRead(srv.url('movie'), 20, 'tcp')
    assert.equal(r.frames, 20)
    assert.deepEqual(r.shape, [288, 384, 3])
  })
})

describe('file:odd.Mjpeg (JPEGs RFC 2435 refuses, re-encoded on load)', () => {
  let srv: TestServer
  before(async () => {
    const movie = await oddMjpegFile(320, 240, 4)
    srv = await startServer({ odd: `file:${movie}` })
  })
  after(() => srv.stop())

  it('ffmpeg decodes 30 frames of it without an error', async () => {
    const r = await ffmpegDecode(srv.url('odd'), 'udp', 30)
    assert.equal(r.stderr.trim(), '')
    assert.equal(r.frames, 30)
    assert.ok(r.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
  })

  it('GStreamer and OpenCV read it', async () => {
    const [gst, cv] = await Promise.all([
      gstDecode(`rtspsrc location=${srv.url('odd')} protocols=tcp latency=100 ! rtpjpegdepay ! jpegdec ! fakesink name=sink`, 20),
      opencvRead(srv.url('odd'), 20, 'tcp'),
    ])
    assert.equal(gst.error, null)
    assert.equal(gst.frames, 20)
    assert.equal(cv.frames, 20)
    assert.deepEqual(cv.shape, [240, 320, 3])
  })
})
