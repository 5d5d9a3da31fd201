// OpenCV's VideoCapture (Debian python3-opencv, FFmpeg backend) reads frames as applications do.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { h264File, opencvRead, startServer, type TestServer } from './harness.js'

describe('OpenCV reads rtspkit', () => {
  let srv: TestServer
  before(async () => {
    const clip = await h264File({ width: 640, height: 360, fps: 25, seconds: 3, gop: 25 })
    srv = await startServer({ test: 'test', cam: `file:${clip}` })
  })
  after(() => srv.stop())

  it('cv2.VideoCapture reads 640x480 frames from the test card', async () => {
    const r = await opencvRead(srv.url('test'), 30, 'tcp')
    assert.equal(r.opened, true)
    assert.equal(r.frames, 30)
    assert.deepEqual(r.shape, [480, 640, 3])
  })

  it('cv2.VideoCapture reads 640x360 frames from the H.264 file (UDP, its default)', async () => {
    const r = await opencvRead(srv.url('cam'), 30, 'udp')
    assert.equal(r.opened, true)
    assert.equal(r.frames, 30)
    assert.deepEqual(r.shape, [360, 640, 3])
  })
})
