// Several real readers at once, and a late joiner that must start on a keyframe.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ffmpegDecode, gstDecode, h264File, run, startServer, type TestServer } from './harness.js'

describe('fan-out to real readers', () => {
  let srv: TestServer
  before(async () => {
    // GOP of 50 frames at 25 fps: a reader joining at a random moment is almost always mid-GOP.
    const clip = await h264File({ width: 640, height: 360, fps: 25, seconds: 4, gop: 50 })
    srv = await startServer({ cam: `file:${clip}` })
  })
  after(() => srv.stop())

  it('two readers at once (ffmpeg over TCP, GStreamer over UDP) both decode everything', async () => {
    const [a, b] = await Promise.all([
      ffmpegDecode(srv.url('cam'), 'tcp', 100),
      gstDecode(
        `rtspsrc location=${srv.url('cam')} protocols=udp latency=200 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
        100,
      ),
    ])
    assert.equal(a.stderr.trim(), '')
    assert.equal(a.frames, 100)
    assert.equal(b.error, null)
    assert.equal(b.frames, 100)
    // One source, one packetization: the stream's counters saw each frame once whatever the reader count.
    assert.equal(srv.server.stats().streams[0]!.tracks[0]!.codec, 'H264')
  })

  it('a late joiner (mid-GOP) gets a keyframe first and no decoder errors', async () => {
    // Keep one reader on so the stream is mid-GOP when the late one joins.
    const early = ffmpegDecode(srv.url('cam'), 'tcp', 150)
    await new Promise((r) => setTimeout(r, 1300))
    const probe = await run(
      'ffprobe',
      [
        '-v',
        'error',
        '-rtsp_transport',
        'tcp',
        '-select_streams',
        'v:0',
        '-read_intervals',
        '%+#10',
        '-show_entries',
        'frame=key_frame,pict_type',
        '-of',
        'json',
        srv.url('cam'),
      ],
      30_000,
    )
    const frames = (JSON.parse(probe.stdout) as { frames: { key_frame: number; pict_type: string }[] }).frames
    assert.ok(frames.length >= 5, `decoded ${frames.length} frames`)
    assert.equal(frames[0]!.key_frame, 1, 'first decoded frame is a keyframe')
    assert.equal(frames[0]!.pict_type, 'I')
    assert.equal(probe.stderr.trim(), '', 'no decoder errors')
    const e = await early
    assert.equal(e.frames, 150)
  })
})
