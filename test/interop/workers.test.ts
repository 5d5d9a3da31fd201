// UDP send workers with real players: ffmpeg and GStreamer over UDP decode every frame while their
// sessions are served by two worker threads.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ffmpegDecode, gstDecode, h264File, startServer, type TestServer } from './harness.js'

describe('UDP send workers with real readers', () => {
  let srv: TestServer
  before(async () => {
    const clip = await h264File({ width: 640, height: 360, fps: 25, seconds: 4, gop: 25 })
    srv = await startServer({ cam: `file:${clip}` }, { workers: 2 })
  })
  after(() => srv.stop())

  it('two ffmpeg and two GStreamer UDP readers, spread over 2 workers, decode without errors', async () => {
    const gst = () =>
      gstDecode(
        `rtspsrc location=${srv.url('cam')} protocols=udp latency=200 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
        75,
      )
    const runs = Promise.all([ffmpegDecode(srv.url('cam'), 'udp', 75), ffmpegDecode(srv.url('cam'), 'udp', 75), gst(), gst()])
    // While they play, every worker serves some of them.
    let spread: number[] = []
    for (let i = 0; i < 100 && !(spread.length === 2 && spread.every((n) => n > 0)); i++) {
      await new Promise((r) => setTimeout(r, 100))
      spread = srv.server.sendWorkers!.stats().map((s) => s.links)
    }
    const [a, b, c, d] = await runs
    assert.ok(
      spread.every((n) => n > 0),
      `both workers served readers (${spread.join(', ')})`,
    )
    for (const f of [a, b]) {
      assert.equal(f.stderr.trim(), '')
      assert.equal(f.frames, 75)
    }
    for (const g of [c, d]) {
      assert.equal(g.error, null)
      assert.equal(g.frames, 75)
    }
    assert.ok(srv.server.sendWorkers!.stats().every((s) => s.dropped === 0))
  })
})
