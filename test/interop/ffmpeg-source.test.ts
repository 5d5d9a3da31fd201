// ffmpeg: paths — ffmpeg's H.264 served on demand; ffmpeg, GStreamer and OpenCV decode it; failures
// reach the reader as 503 and the log as ffmpeg's own last line; the process ends after the last reader.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { FfmpegPath, type FfmpegPathEvents } from '../../src/server/ffmpeg-path.js'
import { RtspServer, type Logger } from '../../src/server/rtsp-server.js'
import { ffmpegDecode, gstDecode, h264File, opencvRead, run, startServer, type TestServer } from './harness.js'

const TESTSRC = 'ffmpeg:-re -f lavfi -i testsrc2=size=320x240:rate=25'
const YUV_320x240 = (320 * 240 * 3) / 2

function collectingLogger(lines: string[]): Logger {
  return {
    info: (m) => lines.push(m),
    warn: (m, f) => lines.push(`warn: ${f?.path !== undefined ? `/${f.path}: ` : ''}${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function nextExit(path: FfmpegPath): Promise<FfmpegPathEvents['exit'][0]> {
  return new Promise((resolve) => path.processes.once('exit', resolve))
}

describe('ffmpeg: paths', () => {
  let srv: TestServer
  const log: string[] = []
  before(async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    srv = await startServer(
      {
        live: TESTSRC,
        copy: `ffmpeg:-re -stream_loop -1 -i ${clip} -c:v copy`,
        nocam: 'ffmpeg:-f v4l2 -i /dev/video-rtspkit-missing',
      },
      { logger: collectingLogger(log) },
      { ffmpeg: { closeAfterMs: 2000 }, log: (m) => log.push(m), debug: (m) => log.push(`debug: ${m}`) },
    )
  })
  after(() => srv.stop())

  it('ffmpeg, GStreamer and OpenCV decode 320x240 frames of one ffmpeg process at once', async () => {
    const [ff, gst, cv] = await Promise.all([
      ffmpegDecode(srv.url('live'), 'tcp', 50),
      gstDecode(
        `rtspsrc location=${srv.url('live')} protocols=tcp latency=200 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
        50,
      ),
      opencvRead(srv.url('live'), 30),
    ])
    assert.equal(ff.frames, 50, ff.stderr)
    assert.ok(ff.frameSizes.every((s) => s === YUV_320x240))
    assert.equal(gst.error, null)
    assert.equal(gst.frames, 50)
    assert.deepEqual([gst.width, gst.height], [320, 240])
    assert.equal(cv.opened, true)
    assert.equal(cv.frames, 30)
    assert.deepEqual(cv.shape, [240, 320, 3])
    assert.equal(
      log.filter((l) => /ffmpeg \/live: ffmpeg \(pid \d+\) started: H\.264 320x240/.test(l)).length,
      1,
      'one process for all three readers',
    )
  })

  it('-c:v copy serves an H.264 input without re-encoding, over UDP too', async () => {
    const r = await ffmpegDecode(srv.url('copy'), 'udp', 40)
    assert.equal(r.frames, 40, r.stderr)
    assert.ok(r.frameSizes.every((s) => s === YUV_320x240))
  })

  it("a bad input: the reader gets 503, the log has ffmpeg's reason", async () => {
    const r = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', srv.url('nocam')], 20_000)
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /DESCRIBE failed: 503/)
    assert.ok(
      log.some((l) => l === 'warn: /nocam: ffmpeg: /dev/video-rtspkit-missing: No such file or directory'),
      log.join('\n'),
    )
    assert.ok(
      log.some((l) => l.startsWith('debug: ffmpeg /nocam: ')),
      'stderr lines logged at debug',
    )
  })
})

describe('ffmpeg: path lifecycle', () => {
  let server: RtspServer
  before(async () => {
    server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
    await server.start()
  })
  after(() => server.stop())

  it('starts ffmpeg at the first reader and stops it a set time after the last one leaves', async () => {
    const path = new FfmpegPath(
      'cam',
      ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25'],
      server,
      {},
      { closeAfterMs: 300 },
    ).attach()
    try {
      const spawned: (number | undefined)[] = []
      path.processes.on('spawn', (pid) => spawned.push(pid))
      assert.equal(spawned.length, 0, 'nothing runs before a reader asks')
      const exited = nextExit(path)
      const r = await ffmpegDecode(server.urlFor('cam'), 'tcp', 20)
      assert.equal(r.frames, 20, r.stderr)
      assert.equal(spawned.length, 1)
      const readerLeft = Date.now()
      const exit = await exited
      assert.equal(exit.pid, spawned[0])
      assert.equal(exit.stopped, true)
      assert.ok(Date.now() - readerLeft >= 250, 'kept for closeAfterMs')
      assert.equal(isAlive(spawned[0]!), false)
      assert.equal(server.getStream('cam'), undefined)
      assert.equal(path.state, 'idle')
    } finally {
      path.close()
    }
  })

  it('restarts ffmpeg with backoff when it dies while a reader watches; the reader keeps decoding', async () => {
    const path = new FfmpegPath(
      'cam2',
      ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25'],
      server,
      {},
      { closeAfterMs: 300, retryInitialMs: 200 },
    ).attach()
    try {
      const spawned: number[] = []
      path.processes.on('spawn', (pid) => spawned.push(pid!))
      const reading = ffmpegDecode(server.urlFor('cam2'), 'tcp', 100, 30_000)
      const died = nextExit(path)
      await new Promise((r) => setTimeout(r, 2000))
      process.kill(spawned[0]!, 'SIGKILL')
      const exit = await died
      assert.equal(exit.stopped, false)
      assert.equal(exit.signal, 'SIGKILL')
      const r = await reading
      assert.equal(r.frames, 100, r.stderr)
      assert.equal(spawned.length, 2)
      assert.equal(path.opens, 2)
    } finally {
      path.close()
    }
  })

  it('close() stops a process that is still starting', async () => {
    // At 1 fps the first picture is known complete only when the second starts, a second later:
    // demand() is still pending when the path closes.
    const path = new FfmpegPath('cam3', ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=1'], server, {}, {}).attach()
    const spawned = new Promise<number>((resolve) => path.processes.once('spawn', (pid) => resolve(pid!)))
    const exited = nextExit(path)
    const demand = path.demand().then(
      () => 'resolved',
      (e: Error) => e.message,
    )
    const pid = await spawned
    path.close()
    const exit = await exited
    assert.equal(exit.pid, pid)
    assert.equal(isAlive(pid), false)
    assert.match(await demand, /closed|ffmpeg/)
  })
})
