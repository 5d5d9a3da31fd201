// Publishers into the server (ANNOUNCE + SETUP mode=record + RECORD) from ffmpeg and GStreamer, over
// TCP and UDP, while real readers play the path; and what readers see when the publisher leaves.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { ffmpegDecode, ffmpegDecodeAudio, ffprobe, gstDecode, run, startServer, type TestServer } from './harness.js'
import { waitUntil } from '../helpers/wait.js'

/** A live publisher, as a camera would be: test pattern encoded by x264 in real time, pushed with ANNOUNCE/RECORD. */
const LIVE_VIDEO_IN = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25']
const H264_OUT = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p']
const LIVE_H264 = [...LIVE_VIDEO_IN, ...H264_OUT]

function publishWithFfmpeg(input: string[], url: string, transport: 'tcp' | 'udp'): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-v', 'error', ...input, '-f', 'rtsp', '-rtsp_transport', transport, url], { stdio: 'ignore' })
}

async function waitForDescribe(port: number, url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const c = await RawRtspConnection.connect(port)
    const status = (await c.request('DESCRIBE', url)).statusCode
    c.close()
    if (status === 200) return
    if (Date.now() > deadline) throw new Error(`no publisher on ${url}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Waits until no publisher holds `name` (a killed one is noticed when its TCP connection closes). */
function waitFree(srv: TestServer, name: string): Promise<void> {
  return waitUntil(() => srv.server.getStream(name) === undefined, 5000, `path ${name} to lose its publisher`)
}

describe('publishing into the server', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ live: 'publish', live2: 'publish', other: 'test' })
  })
  after(() => srv.stop())

  for (const transport of ['tcp', 'udp'] as const) {
    it(`ffmpeg publishes H.264 over ${transport}; ffmpeg and GStreamer read it at the same time`, async () => {
      await waitFree(srv, 'live')
      const pub = publishWithFfmpeg(LIVE_H264, srv.url('live'), transport)
      try {
        await waitForDescribe(srv.server.port, srv.url('live'))
        const [a, b] = await Promise.all([
          ffmpegDecode(srv.url('live'), 'tcp', 50),
          gstDecode(
            `rtspsrc location=${srv.url('live')} protocols=udp latency=200 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
            50,
          ),
        ])
        assert.equal(a.stderr.trim(), '')
        assert.equal(a.frames, 50)
        assert.ok(a.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
        assert.equal(b.error, null)
        assert.equal(b.frames, 50)
      } finally {
        pub.kill('SIGKILL')
      }
    })
  }

  it('a second publisher on a busy path is refused; the path is free again after the first leaves', async () => {
    const pub = publishWithFfmpeg(LIVE_H264, srv.url('live2'), 'tcp')
    try {
      await waitForDescribe(srv.server.port, srv.url('live2'))
      const second = await run(
        'ffmpeg',
        ['-v', 'error', ...LIVE_H264, '-t', '2', '-f', 'rtsp', '-rtsp_transport', 'tcp', srv.url('live2')],
        15_000,
      )
      assert.notEqual(second.code, 0)
      assert.match(second.stderr, /503/)
      // A reader is on when the publisher is killed: its session ends (RTCP BYE), ffmpeg stops reading.
      const reader = ffmpegDecode(srv.url('live2'), 'tcp', 100_000, 30_000)
      await new Promise((r) => setTimeout(r, 1500))
      pub.kill('SIGKILL')
      const r = await reader
      assert.ok(r.frames > 10 && r.frames < 100_000, `reader decoded ${r.frames} frames then ended`)
      assert.equal(srv.server.stats().sessions.filter((s) => s.path === 'live2').length, 0)
      const other = await ffmpegDecode(srv.url('other'), 'tcp', 5)
      assert.equal(other.frames, 5, 'the server goes on serving its other paths')
    } finally {
      pub.kill('SIGKILL')
    }
    await waitFree(srv, 'live2')
    const again = publishWithFfmpeg(LIVE_H264, srv.url('live2'), 'udp')
    try {
      await waitForDescribe(srv.server.port, srv.url('live2'))
    } finally {
      again.kill('SIGKILL')
    }
  })

  it('GStreamer rtspclientsink publishes MJPEG; ffmpeg decodes it', async () => {
    await waitFree(srv, 'live')
    const pub = spawn(
      'gst-launch-1.0',
      [
        '-q',
        'videotestsrc',
        'is-live=true',
        '!',
        'video/x-raw,width=320,height=240,format=I420,framerate=25/1',
        '!',
        'jpegenc',
        '!',
        'rtspclientsink',
        `location=${srv.url('live')}`,
        'protocols=tcp',
      ],
      { stdio: 'ignore' },
    )
    try {
      await waitForDescribe(srv.server.port, srv.url('live'))
      const r = await ffmpegDecode(srv.url('live'), 'tcp', 30)
      assert.equal(r.stderr.trim(), '')
      assert.equal(r.frames, 30)
      assert.ok(r.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
    } finally {
      pub.kill('SIGKILL')
    }
  })

  it('ffmpeg publishes H.264 with AAC; readers get both', async () => {
    await waitFree(srv, 'live')
    const pub = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-v',
        'error',
        ...LIVE_VIDEO_IN,
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=48000',
        '-map',
        '0:v',
        '-map',
        '1:a',
        ...H264_OUT,
        '-c:a',
        'aac',
        '-b:a',
        '128k',
        '-ac',
        '2',
        '-f',
        'rtsp',
        '-rtsp_transport',
        'tcp',
        srv.url('live'),
      ],
      { stdio: 'ignore' },
    )
    try {
      await waitForDescribe(srv.server.port, srv.url('live'))
      const [v, a] = await Promise.all([ffmpegDecode(srv.url('live'), 'tcp', 40), ffmpegDecodeAudio(srv.url('live'), 'udp', 1.5)])
      assert.equal(v.frames, 40)
      assert.equal(v.stderr.trim(), '')
      assert.equal(a.stderr.trim(), '')
      assert.ok(Math.abs(a.seconds - 1.5) < 0.1, `decoded ${a.seconds} s of audio`)
    } finally {
      pub.kill('SIGKILL')
    }
  })

  it('a codec rtspkit does not parse (MPEG-4 Part 2) is relayed unchanged; ffmpeg decodes it', async () => {
    await waitFree(srv, 'live')
    const pub = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-v',
        'error',
        ...LIVE_VIDEO_IN,
        '-c:v',
        'mpeg4',
        '-g',
        '25',
        '-q:v',
        '5',
        '-f',
        'rtsp',
        '-rtsp_transport',
        'tcp',
        srv.url('live'),
      ],
      { stdio: 'ignore' },
    )
    try {
      await waitForDescribe(srv.server.port, srv.url('live'))
      const codec = srv.server.getStream('live')!.tracks[0]!.media.codec
      assert.equal(codec, 'MP4V-ES')
      const [probe, r] = await Promise.all([ffprobe(srv.url('live'), 'tcp'), ffmpegDecode(srv.url('live'), 'udp', 30)])
      assert.deepEqual(probe, { codec: 'mpeg4', width: 320, height: 240 })
      assert.equal(r.frames, 30)
      assert.ok(r.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
    } finally {
      pub.kill('SIGKILL')
    }
  })

  it('ANNOUNCE on a path that is not open to publishers is refused', async () => {
    await waitFree(srv, 'live')
    const c = await RawRtspConnection.connect(srv.server.port)
    const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n'
    assert.equal((await c.request('ANNOUNCE', srv.url('other'), { 'Content-Type': 'application/sdp' }, sdp)).statusCode, 405)
    assert.equal((await c.request('ANNOUNCE', srv.url('nothere'), { 'Content-Type': 'application/sdp' }, sdp)).statusCode, 404)
    assert.equal((await c.request('ANNOUNCE', srv.url('live'), { 'Content-Type': 'text/plain' }, 'hello')).statusCode, 415)
    assert.equal((await c.request('DESCRIBE', srv.url('live'))).statusCode, 404, 'no publisher: nothing to describe')
    c.close()
  })
})
