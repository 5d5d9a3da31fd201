// The point-to-point RTP pipelines of the "RTSP & RTP with GStreamer" notes (seed 004), as written
// there with only ports and file names substituted and window sinks replaced by a counting fakesink,
// with `rtspkit rtp recv` / `rtspkit rtp send` on the other side.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { gstDecode, h264AacMp4, h264File, opencvRead, run } from './harness.js'
import { spawnRtspkit } from '../rtp/cli-process.js'
import { freeUdpPorts } from '../rtp/udp-ports.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtspkit-rtp-doc-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

/** gst-launch-1.0 with the pipeline split into words as a shell would (the notes' commands carry no quotes). */
function gstLaunch(pipeline: string, timeoutMs: number): { exit: Promise<number | null>; kill(): void } {
  const child = spawn('gst-launch-1.0', ['-q', ...pipeline.split(/\s+/)], { stdio: 'ignore' })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve(code)
    }),
  )
  return { exit, kill: () => child.kill('SIGINT') }
}

/** Frames ffprobe decodes from a file, and their size. */
async function probeFrames(file: string): Promise<{ frames: number; size: string; stderr: string }> {
  const r = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames,width,height',
    '-of',
    'csv=p=0',
    file,
  ])
  const [width, height, frames] = r.stdout.trim().split(',')
  return { frames: Number(frames), size: `${width}x${height}`, stderr: r.stderr }
}

describe('seed 004 RTP: GStreamer sends, rtspkit rtp recv receives', () => {
  it('"Video Test Stream to RTP" (videotestsrc 1280x720@20 ! x264enc ! rtph264pay ! udpsink) → rtp recv --out x.h264 → ffprobe counts the frames', async () => {
    const port = await freeUdpPorts(2)
    const out = path.join(dir, 'testsrc.h264')
    const recv = spawnRtspkit([
      'rtp',
      'recv',
      '--port',
      String(port),
      '--codec',
      'h264',
      '--out',
      out,
      '--duration',
      '4',
      '--stats-interval',
      '0',
    ])
    await recv.waitFor(/receiving H264/)
    const gst = gstLaunch(
      `videotestsrc ! video/x-raw,width=(int)1280, height=(int)720, framerate=20/1 ! videoscale ! videoconvert ! x264enc tune=zerolatency bitrate=2048 speed-preset=superfast ! rtph264pay config-interval=1 pt=96 ! udpsink host=127.0.0.1 port=${port}`,
      20_000,
    )
    const r = await recv.exit
    gst.kill()
    await gst.exit
    assert.equal(r.code, 0, r.stderr)
    const p = await probeFrames(out)
    assert.equal(p.size, '1280x720')
    // 20 fps for about 4 s, less the encoder's start-up.
    assert.ok(p.frames >= 50 && p.frames <= 85, `${p.frames} frames`)
    const dec = await run('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-'])
    assert.equal(dec.stderr.trim(), '', 'no decoder errors')
  })

  it('"Playing Video File to RTP" (filesrc test.mp4 ! qtdemux ! decodebin ! x264enc ! rtph264pay ! rtpbin ! udpsink) → rtp recv → every frame of the file', async () => {
    const mp4 = await h264AacMp4() // 3 s of 320x240 at 25 fps: 75 frames
    const port = await freeUdpPorts(2)
    const out = path.join(dir, 'from-mp4.h264')
    const recv = spawnRtspkit([
      'rtp',
      'recv',
      '--port',
      String(port),
      '--codec',
      'h264',
      '--out',
      out,
      '--duration',
      '6',
      '--stats-interval',
      '0',
    ])
    await recv.waitFor(/receiving H264/)
    const gst = gstLaunch(
      `rtpbin name=rtpbin filesrc location=${mp4} ! qtdemux name=demux demux.video_0 ! decodebin ! x264enc ! rtph264pay config-interval=1 pt=96 ! rtpbin.send_rtp_sink_0 rtpbin.send_rtp_src_0 ! udpsink host=127.0.0.1 port=${port} sync=true async=false`,
      20_000,
    )
    const r = await recv.exit
    // As written, the pipeline does not always reach EOS after the file (GStreamer 1.22): stop it.
    gst.kill()
    await gst.exit
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /0 lost \(0\.0%\).*75 frames/)
    const p = await probeFrames(out)
    assert.deepEqual([p.frames, p.size], [75, '320x240'], p.stderr)
  })
})

describe("seed 004 RTP: rtspkit rtp send sends, the notes' receivers decode", { concurrency: true }, () => {
  const RECEIVERS = [
    {
      name: 'udpsrc caps="…H264,payload=96" ! rtph264depay ! h264parse ! avdec_h264',
      pipeline: (port: number) =>
        `udpsrc port=${port} caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96" ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
    },
    {
      name: 'Receive RTP Stream (Windows): udpsrc caps = "…" ! rtph264depay ! decodebin ! videoconvert',
      pipeline: (port: number) =>
        `udpsrc port=${port} caps = "application/x-rtp, media=(string)video, clock-rate=(int)90000, encoding-name=(string)H264, payload=(int)96" ! rtph264depay ! decodebin ! videoconvert ! fakesink name=sink sync=false`,
    },
    {
      name: 'Receive RTP Stream (Unix): udpsrc ! application/x-rtp,… ! rtph264depay ! decodebin ! videoconvert',
      pipeline: (port: number) =>
        `udpsrc port=${port} ! application/x-rtp,encoding-name=(string)H264,payload=(int)96,clock-rate=(int)90000,media=(string)video ! rtph264depay ! decodebin ! videoconvert ! fakesink name=sink`,
    },
    {
      name: 'Debug: udpsrc ! application/x-rtp, payload=(int)96 ! rtph264depay ! h264parse ! avdec_h264 ! videoconvert',
      pipeline: (port: number) =>
        `udpsrc port=${port} ! application/x-rtp, payload=(int)96 ! rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! fakesink name=sink sync=false`,
    },
  ]

  for (const rx of RECEIVERS) {
    it(`rtp send clip.264 --to 127.0.0.1:N → ${rx.name}`, async () => {
      const clip = await h264File({ width: 640, height: 360, fps: 25, seconds: 3, gop: 25 })
      const port = await freeUdpPorts(2)
      const decoding = gstDecode(rx.pipeline(port), 50, 20)
      // udpsrc must be listening before the first keyframe goes out: start the sender a little later.
      await new Promise((r) => setTimeout(r, 1500))
      const send = spawnRtspkit(['rtp', 'send', clip, '--to', `127.0.0.1:${port}`, '--stats-interval', '0'])
      const g = await decoding
      const s = await send.exit
      assert.equal(s.code, 0, s.stderr)
      assert.equal(g.error, null)
      assert.equal(g.frames, 50)
      assert.deepEqual([g.width, g.height], [640, 360])
    })
  }

  it("rtp send clip.264 → OpenCV cv2.VideoCapture(udpsrc … ! appsink, cv2.CAP_GSTREAMER), the notes' Python receiver", async () => {
    const clip = await h264File({ width: 640, height: 360, fps: 25, seconds: 3, gop: 25 })
    const port = await freeUdpPorts(2)
    // The notes' first receiver string. Their second one names its sink `appsink name=sink`, which
    // OpenCV 4.6 does not find ("cannot find appsink in manual pipeline": it wants a name starting
    // with appsink), whoever sends.
    const pipeline = `udpsrc port=${port} ! application/x-rtp,encoding-name=(string)H264,payload=(int)96,clock-rate=(int)90000,media=(string)video ! rtph264depay ! decodebin ! videoconvert ! appsink`
    const reading = opencvRead(pipeline, 20, 'gstreamer')
    await new Promise((r) => setTimeout(r, 2000))
    const send = spawnRtspkit(['rtp', 'send', clip, '--to', `127.0.0.1:${port}`, '--loop', '--duration', '8', '--stats-interval', '0'])
    const cv = await reading
    send.kill()
    await send.exit
    assert.equal(cv.opened, true)
    assert.equal(cv.frames, 20)
    assert.deepEqual(cv.shape, [360, 640, 3])
  })
})
