// The compatibility examples run as documented and real players decode what they serve.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ROOT, ffmpegDecode, ffmpegDecodeAudio, gstDecode } from './harness.js'

/** A port the OS had free a moment ago, for programs that take PORT from the environment. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

function start(
  example: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/examples', example)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, output: () => out, exited }
}

async function waitFor(output: () => string, pattern: RegExp, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!pattern.test(output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  assert.match(output(), pattern)
}

describe('examples/k230-server', () => {
  it('prints the URL, ffmpeg decodes its video and tone, and it stops by itself after SECONDS_TO_RUN', async () => {
    const port = await freePort()
    const ex = start('k230-server.js', { PORT: String(port), SECONDS_TO_RUN: '5', ENABLE_AUDIO: '1' })
    try {
      await waitFor(ex.output, /rtsp server start: rtsp:\/\/.+:\d+\/test/)
      const url = `rtsp://127.0.0.1:${port}/test`
      const [video, audio] = await Promise.all([ffmpegDecode(url, 'tcp', 25), ffmpegDecodeAudio(url, 'udp', 1.5)])
      assert.equal(video.stderr.trim(), '')
      assert.equal(video.frames, 25)
      assert.ok(
        video.frameSizes.every((s) => s === (640 * 480 * 3) / 2),
        'the default 640x480',
      )
      assert.ok(audio.seconds >= 1.4, `decoded ${audio.seconds} s of audio`)
      assert.equal(await ex.exited, 0)
      assert.match(ex.output(), /rtsp server stop\nrtsp server done/)
    } finally {
      ex.child.kill('SIGKILL')
    }
  })
})

describe('examples/openmv-server', () => {
  it('ffmpeg on / and GStreamer on /gray decode its frames; the callbacks print each pathname and session', async () => {
    const port = await freePort()
    const ex = start('openmv-server.js', { PORT: String(port) })
    try {
      await waitFor(ex.output, /rtsp_server: rtsp:\/\/.+\/gray/)
      const [rgb, gray] = await Promise.all([
        ffmpegDecode(`rtsp://127.0.0.1:${port}/`, 'tcp', 15),
        gstDecode(
          `rtspsrc location=rtsp://127.0.0.1:${port}/gray protocols=tcp latency=100 ! rtpjpegdepay ! jpegdec ! fakesink name=sink`,
          15,
        ),
      ])
      assert.equal(rgb.frames, 15)
      assert.ok(rgb.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
      assert.equal(gray.error, null)
      assert.equal(gray.frames, 15)
      assert.deepEqual([gray.width, gray.height], [320, 240])
      await waitFor(ex.output, /teardown: pathname=\/gray session=\d+/)
      assert.match(ex.output(), /setup: pathname=\/ session=\d+/)
      assert.match(ex.output(), /play: pathname=\/gray session=\d+/)
      ex.child.kill('SIGINT')
      assert.equal(await ex.exited, 0)
      assert.match(ex.output(), /rtsp_server stopped/)
    } finally {
      ex.child.kill('SIGKILL')
    }
  })
})
