// The clients of the "RTSP & RTP with GStreamer" notes (seed 004), as written there with only the URL
// and the sink substituted (fakesink counting decoded buffers instead of a window), against rtspkit
// serve paths: an H.264 file, an MP4 file (H.264 with B-frames + AAC) and the test card (MJPEG).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { gstDecode, h264AacMp4, h264File, opencvRead, run, startServer, type TestServer } from './harness.js'

interface NullResult {
  frames: number
  size: string | undefined
  stderr: string
}

/** `ffmpeg -i rtsp://… -f null -` (what ffplay does, without the window): frames decoded and their size. */
async function ffmpegNull(url: string, frames: number): Promise<NullResult> {
  const r = await run(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-progress', 'pipe:1', '-i', url, '-map', '0:v:0', '-frames:v', String(frames), '-f', 'null', '-'],
    40_000,
  )
  const counts = [...r.stdout.matchAll(/^frame=(\d+)$/gm)].map((m) => Number(m[1]))
  const out = r.stderr.slice(r.stderr.indexOf('Output #0'))
  return { frames: counts.at(-1) ?? 0, size: /Video: wrapped_avframe.*?, (\d+x\d+)/.exec(out)?.[1], stderr: r.stderr }
}

const PATHS = [
  { name: 'clip264', label: 'H.264 file', width: 640, height: 360, h264: true, audio: false },
  { name: 'clipmp4', label: 'MP4 file (H.264 + AAC)', width: 320, height: 240, h264: true, audio: true },
  { name: 'card', label: 'test card (MJPEG)', width: 320, height: 240, h264: false, audio: false },
] as const

describe('seed 004 RTSP clients against rtspkit serve', () => {
  let srv: TestServer
  before(async () => {
    const clip = await h264File({ width: 640, height: 360, fps: 25, seconds: 3, gop: 25 })
    const mp4 = await h264AacMp4()
    srv = await startServer({ clip264: `file:${clip}`, clipmp4: `file:${mp4}`, card: 'test:320x240@25' })
  })
  after(() => srv.stop())

  for (const p of PATHS) {
    describe(p.label, { concurrency: true }, () => {
      const size = (r: { width: number | null; height: number | null }) => assert.deepEqual([r.width, r.height], [p.width, p.height])

      it('gst-launch-1.0 playbin uri=rtsp://… (video-sink and audio-sink fakesink): decoded buffers reach the video sink', async () => {
        const r = await gstDecode(`playbin uri=${srv.url(p.name)} video-sink="fakesink name=sink" audio-sink=fakesink`, 30)
        assert.equal(r.error, null)
        assert.equal(r.frames, 30)
        size(r)
      })

      it('gst-launch-1.0 rtspsrc location=rtsp://… ! fakesink: RTP buffers arrive', async () => {
        const r = await gstDecode(`rtspsrc location=${srv.url(p.name)} ! fakesink name=sink`, 50)
        assert.equal(r.error, null)
        assert.equal(r.frames, 50)
      })

      it('gst-launch-1.0 rtspsrc location=rtsp://… ! decodebin ! fakesink decodes video', async () => {
        // With audio too, `rtspsrc ! decodebin` links whichever stream comes first (the AAC one, here):
        // a caps filter picks the video, as one would with gst-launch.
        const pick = p.audio ? ' ! application/x-rtp,media=video' : ''
        const r = await gstDecode(`rtspsrc location=${srv.url(p.name)}${pick} ! decodebin ! fakesink name=sink`, 30)
        assert.equal(r.error, null)
        assert.equal(r.frames, 30)
        size(r)
      })

      if (p.h264) {
        it('rtspsrc location=rtsp://… ! rtph264depay ! h264parse ! decodebin ! (fake)sink — the general camera client', async () => {
          const r = await gstDecode(`rtspsrc location=${srv.url(p.name)} ! rtph264depay ! h264parse ! decodebin ! fakesink name=sink`, 30)
          assert.equal(r.error, null)
          assert.equal(r.frames, 30)
          size(r)
        })

        it('rtspsrc location=rtsp://… latency=10 ! rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! (fake)sink — the Windows client', async () => {
          const r = await gstDecode(
            `rtspsrc location=${srv.url(p.name)} latency=10 ! rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! fakesink name=sink`,
            30,
          )
          assert.equal(r.error, null)
          assert.equal(r.frames, 30)
          size(r)
        })
      }

      it('ffmpeg -i rtsp://… -f null - (ffplay without the window) decodes', async () => {
        const r = await ffmpegNull(srv.url(p.name), 40)
        assert.equal(r.frames, 40, r.stderr)
        assert.equal(r.size, `${p.width}x${p.height}`, r.stderr)
      })

      it('OpenCV cv2.VideoCapture("rtsp://…") reads frames', async () => {
        const r = await opencvRead(srv.url(p.name), 20, 'udp')
        assert.equal(r.opened, true)
        assert.equal(r.frames, 20)
        assert.deepEqual(r.shape, [p.height, p.width, 3])
      })
    })
  }
})
