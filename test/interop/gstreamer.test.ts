// GStreamer decodes our streams: rtspsrc with explicit depayloaders, and playbin as a player would.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { gstDecode, h264File, startServer, type TestServer } from './harness.js'

describe('GStreamer plays rtspkit', () => {
  let srv: TestServer
  before(async () => {
    const clip = await h264File({ width: 640, height: 360, fps: 25, seconds: 3, gop: 25 })
    srv = await startServer({ test: 'test', cam: `file:${clip}` })
  })
  after(() => srv.stop())

  for (const protocols of ['tcp', 'udp'] as const) {
    it(`rtspsrc ! rtph264depay ! h264parse ! avdec_h264 over ${protocols}`, async () => {
      const r = await gstDecode(
        `rtspsrc location=${srv.url('cam')} protocols=${protocols} latency=200 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
        60,
      )
      assert.equal(r.error, null)
      assert.equal(r.frames, 60)
      assert.deepEqual([r.width, r.height], [640, 360])
    })

    it(`rtspsrc ! rtpjpegdepay ! jpegdec over ${protocols}`, async () => {
      const r = await gstDecode(
        `rtspsrc location=${srv.url('test')} protocols=${protocols} latency=200 ! rtpjpegdepay ! jpegdec ! fakesink name=sink`,
        60,
      )
      assert.equal(r.error, null)
      assert.equal(r.frames, 60)
      assert.deepEqual([r.width, r.height], [640, 480])
    })
  }

  for (const name of ['cam', 'test'] as const) {
    it(`playbin decodes /${name}`, async () => {
      const r = await gstDecode(`playbin uri=${srv.url(name)} video-sink="fakesink name=sink"`, 30)
      assert.equal(r.error, null)
      assert.equal(r.frames, 30)
      assert.deepEqual([r.width, r.height], name === 'cam' ? [640, 360] : [640, 480])
    })
  }
})
