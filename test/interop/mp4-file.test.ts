// Real peers play MP4 files served by rtspkit: ffmpeg decodes both streams, GStreamer decodes the video.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ffmpegDecode, ffmpegDecodeAudio, gstDecode, h264AacMp4, startServer, type TestServer } from './harness.js'

const WIDTH = 320
const HEIGHT = 240
const YUV420_FRAME = (WIDTH * HEIGHT * 3) / 2

describe('MP4 files served over RTSP', () => {
  let srv: TestServer
  before(async () => {
    const [plain, fragmented] = await Promise.all([h264AacMp4(), h264AacMp4('frag_keyframe+empty_moov')])
    srv = await startServer({ clip: `file:${plain}`, frag: `file:${fragmented}` })
  })
  after(() => srv.stop())

  it('ffmpeg decodes the H.264 (B-frames) and AAC streams of an MP4 and of a fragmented MP4 over TCP', async () => {
    const [video, audio, fragVideo] = await Promise.all([
      ffmpegDecode(srv.url('clip'), 'tcp', 60),
      ffmpegDecodeAudio(srv.url('clip'), 'tcp', 2),
      ffmpegDecode(srv.url('frag'), 'tcp', 50),
    ])
    for (const v of [video, fragVideo]) {
      assert.ok(v.frames >= 50, `${v.frames} frames; ${v.stderr}`)
      assert.ok(v.frameSizes.every((s) => s === YUV420_FRAME))
    }
    assert.ok(Math.abs(audio.seconds - 2) < 0.1, `decoded ${audio.seconds} s of audio: ${audio.stderr}`)
  })

  it('GStreamer rtspsrc ! rtph264depay ! h264parse ! avdec_h264 decodes the video', async () => {
    const r = await gstDecode(
      `rtspsrc location=${srv.url('clip')} protocols=tcp latency=200 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
      50,
    )
    assert.equal(r.error, null)
    assert.equal(r.frames, 50)
    assert.deepEqual([r.width, r.height], [WIDTH, HEIGHT])
  })
})
