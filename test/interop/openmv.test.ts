// The OpenMV-style callback server: every reader gets its own callback calls (its pathname, its session)
// and real players decode what the callbacks draw — ffmpeg and GStreamer at once on different paths,
// RGB, grey and pre-encoded JPEG frames, with the decoded pixels compared to the callback's.
import assert from 'node:assert/strict'
import { readFileSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { rtsp_server, type Image } from '../../src/compat/openmv.js'
import { RtspClient } from '../../src/client/rtsp-client.js'
import type { ClientFrame } from '../../src/client/track-receiver.js'
import { ffmpegDecode, gstDecode, run } from './harness.js'

type Call = [event: string, pathname: string, session: number]

function gradient(width: number, height: number, format: 'rgb' | 'gray' | 'rgba', n = 0): Image {
  const bpp = format === 'rgb' ? 3 : format === 'rgba' ? 4 : 1
  const data = new Uint8Array(width * height * bpp)
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p += bpp) {
      data[p] = Math.round((x * 255) / (width - 1) + n) & 0xff
      if (bpp > 1) {
        data[p + 1] = Math.round((y * 255) / (height - 1))
        data[p + 2] = 96
      }
      if (bpp === 4) data[p + 3] = 255
    }
  }
  return { width, height, format, data }
}

/** A server on 127.0.0.1 and a free port, streaming `cb`; `calls` records every callback with its arguments. */
async function startServer(
  cb: (pathname: string, session: number) => Image | Uint8Array,
  quality?: number,
): Promise<{ server: rtsp_server; calls: Call[]; warnings: Error[]; done: Promise<void> }> {
  const server = new rtsp_server({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', fps: 25 })
  const calls: Call[] = []
  const warnings: Error[] = []
  for (const ev of ['setup', 'play', 'pause', 'teardown'] as const) {
    server[`register_${ev}_cb`]((pathname, session) => calls.push([ev, pathname, session]))
  }
  server.on('warning', (err) => warnings.push(err))
  const listening = new Promise<void>((resolve) => server.once('listening', resolve))
  const done = server.stream((pathname, session) => {
    calls.push(['frame', pathname, session])
    return cb(pathname, session)
  }, quality)
  await Promise.race([listening, done])
  return { server, calls, warnings, done }
}

/** ffmpeg decodes one frame of `url` to raw pixels. */
async function decodeOne(url: string, pixFmt: 'rgb24' | 'gray'): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-openmv-'))
  const out = path.join(dir, 'frame.raw')
  const r = await run(
    'ffmpeg',
    ['-v', 'error', '-rtsp_transport', 'tcp', '-i', url, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', pixFmt, '-y', out],
    30_000,
  )
  assert.equal(r.code, 0, r.stderr)
  return readFileSync(out)
}

function meanAbsError(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length)
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!)
  return sum / a.length
}

function collectFrames(client: RtspClient, n: number, timeoutMs = 10_000): Promise<ClientFrame[]> {
  return new Promise((resolve, reject) => {
    const frames: ClientFrame[] = []
    const timer = setTimeout(() => reject(new Error(`only ${frames.length} of ${n} frames`)), timeoutMs)
    const onFrame = (f: ClientFrame): void => {
      frames.push(f)
      if (frames.length === n) {
        clearTimeout(timer)
        client.off('frame', onFrame)
        resolve(frames)
      }
    }
    client.on('frame', onFrame)
  })
}

describe('openmv rtsp_server', () => {
  it('ffmpeg on / and GStreamer on /cam2 at once: each decodes its own size, each reader has its own pathname and session', async () => {
    const { server, calls, done } = await startServer((pathname) =>
      pathname === '/' ? gradient(320, 240, 'rgb') : gradient(160, 128, 'rgb'),
    )
    try {
      const [ff, gst] = await Promise.all([
        ffmpegDecode(server.url('/'), 'tcp', 30),
        gstDecode(`rtspsrc location=${server.url('/cam2')} protocols=udp latency=100 ! rtpjpegdepay ! jpegdec ! fakesink name=sink`, 30),
      ])
      assert.equal(ff.stderr.trim(), '')
      assert.equal(ff.frames, 30)
      assert.ok(
        ff.frameSizes.every((s) => s === (320 * 240 * 3) / 2),
        'ffmpeg decodes 320x240',
      )
      assert.equal(gst.error, null)
      assert.equal(gst.frames, 30)
      assert.deepEqual([gst.width, gst.height], [160, 128], 'GStreamer decodes 160x128')
      const setups = calls.filter((c) => c[0] === 'setup')
      const root = setups.find((c) => c[1] === '/')
      const cam2 = setups.find((c) => c[1] === '/cam2')
      assert.ok(root && cam2, `setup callbacks: ${JSON.stringify(setups)}`)
      assert.ok(Number.isInteger(root[2]) && Number.isInteger(cam2[2]) && root[2] !== cam2[2], 'distinct numeric sessions')
      for (const [pathname, session] of [
        [root[1], root[2]],
        [cam2[1], cam2[2]],
      ] as const) {
        const frames = calls.filter((c) => c[0] === 'frame' && c[2] === session)
        assert.ok(frames.length >= 30, `${pathname}: ${frames.length} callback calls`)
        assert.ok(
          frames.every((c) => c[1] === pathname),
          `${pathname}'s frame calls carry its pathname`,
        )
      }
    } finally {
      await server.close()
    }
    await done
  })

  it('setup, play, pause, play, teardown reach the callbacks in order for a client, and frames stop while paused', async () => {
    const { server, calls, done } = await startServer(() => gradient(64, 48, 'gray'))
    const client = new RtspClient(server.url('/cam'), { transport: 'tcp' })
    try {
      await client.play()
      await collectFrames(client, 5)
      await client.pause()
      const session = calls.find((c) => c[0] === 'setup')![2]
      const framesAtPause = calls.filter((c) => c[0] === 'frame').length
      await new Promise((r) => setTimeout(r, 300))
      assert.ok(calls.filter((c) => c[0] === 'frame').length <= framesAtPause + 1, 'no callback calls while paused')
      await client.play()
      await collectFrames(client, 5)
      await client.close()
      await new Promise((r) => setTimeout(r, 100))
      const events = calls.filter((c) => c[0] !== 'frame')
      assert.deepEqual(events, [
        ['setup', '/cam', session],
        ['play', '/cam', session],
        ['pause', '/cam', session],
        ['play', '/cam', session],
        ['teardown', '/cam', session],
      ])
    } finally {
      await client.close()
      await server.close()
    }
    await done
  })

  it("RGB, RGBA, grey and pre-encoded JPEG frames all decode, and the decoded pixels are the callback's", async () => {
    const rgb = gradient(320, 240, 'rgb')
    const rgba = gradient(320, 240, 'rgba')
    const gray = gradient(320, 240, 'gray')
    // A JPEG made by ffmpeg's encoder (standard Huffman tables, 4:2:0), and what ffmpeg decodes it to.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-openmv-jpeg-'))
    const jpegFile = path.join(dir, 'card.jpg')
    const mk = await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=240x160:rate=1',
      '-frames:v',
      '1',
      '-c:v',
      'mjpeg',
      '-huffman',
      'default',
      '-pix_fmt',
      'yuvj420p',
      '-q:v',
      '3',
      '-y',
      jpegFile,
    ])
    assert.equal(mk.code, 0, mk.stderr)
    const jpeg = readFileSync(jpegFile)
    const frames: Record<string, Image | Uint8Array> = { '/rgb': rgb, '/rgba': rgba, '/gray': gray, '/jpeg': jpeg }
    const { server, done } = await startServer((pathname) => frames[pathname]!)
    try {
      const [gotRgb, gotRgba, gotGray, gotJpeg] = await Promise.all([
        decodeOne(server.url('/rgb'), 'rgb24'),
        decodeOne(server.url('/rgba'), 'rgb24'),
        decodeOne(server.url('/gray'), 'gray'),
        decodeOne(server.url('/jpeg'), 'rgb24'),
      ])
      const rgbOnly = Buffer.alloc(320 * 240 * 3)
      for (let i = 0, j = 0; i < rgba.data.length; i += 4, j += 3) rgbOnly.set(rgba.data.subarray(i, i + 3), j)
      assert.ok(meanAbsError(gotRgb, rgb.data) < 3, `rgb error ${meanAbsError(gotRgb, rgb.data)}`)
      assert.ok(meanAbsError(gotRgba, rgbOnly) < 3, `rgba error ${meanAbsError(gotRgba, rgbOnly)}`)
      assert.ok(meanAbsError(gotGray, gray.data) < 2, `gray error ${meanAbsError(gotGray, gray.data)}`)
      const refFile = path.join(dir, 'card.rgb')
      const ref = await run('ffmpeg', ['-v', 'error', '-i', jpegFile, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-y', refFile])
      assert.equal(ref.code, 0, ref.stderr)
      assert.equal(gotJpeg.length, 240 * 160 * 3)
      assert.ok(meanAbsError(gotJpeg, readFileSync(refFile)) < 1, 'the JPEG arrives as sent')
    } finally {
      await server.close()
    }
    await done
  })

  it('quality changes the size of the JPEGs on the wire', async () => {
    const sizes: number[] = []
    for (const quality of [90, 30]) {
      const { server, done } = await startServer((_p, _s) => gradient(320, 240, 'rgb', Math.floor(Math.random() * 4)), quality)
      const client = new RtspClient(server.url('/'), { transport: 'tcp' })
      try {
        await client.play()
        const frames = await collectFrames(client, 10)
        sizes.push(frames.reduce((n, f) => n + f.data.length, 0) / frames.length)
      } finally {
        await client.close()
        await server.close()
      }
      await done
    }
    assert.ok(sizes[1]! < sizes[0]! * 0.7, `quality 30 makes ${sizes[1]} bytes per frame, 90 makes ${sizes[0]}`)
  })

  it('a callback that throws or returns junk skips that frame: the reader keeps playing and a warning names the path', async () => {
    let n = 0
    const { server, warnings, calls, done } = await startServer(() => {
      n++
      if (n % 3 === 0) throw new Error('camera hiccup')
      if (n % 3 === 1 && n > 1) return Buffer.from('not a jpeg')
      return gradient(160, 120, 'rgb', n)
    })
    const pathWarnings: string[] = []
    server.on('warning', (_e, ctx) => pathWarnings.push(ctx.pathname))
    try {
      const ff = await ffmpegDecode(server.url('/flaky'), 'tcp', 10)
      assert.equal(ff.frames, 10)
      assert.ok(
        warnings.some((w) => w.message === 'camera hiccup'),
        'the thrown error is reported',
      )
      assert.ok(
        warnings.some((w) => (w as Error & { code?: string }).code === 'ERR_OPENMV_FRAME'),
        'the junk frame is reported',
      )
      assert.ok(pathWarnings.every((p) => p === '/flaky') && pathWarnings.length > 0)
      assert.ok(
        calls.some((c) => c[0] === 'teardown'),
        'the reader ended normally',
      )
    } finally {
      await server.close()
    }
    await done
  })

  it('close() ends every reader (teardown callbacks fire) and resolves stream(); a second stream() while running is refused', async () => {
    const { server, calls, done } = await startServer(() => gradient(64, 64, 'gray'))
    await assert.rejects(
      server.stream(() => gradient(8, 8, 'gray')),
      (e: unknown) => (e as { code?: string }).code === 'ERR_OPENMV_STREAMING',
    )
    await assert.rejects(
      new rtsp_server({ port: 0 }).stream(() => gradient(8, 8, 'gray'), 101),
      (e: unknown) => (e as { code?: string }).code === 'ERR_OPENMV_QUALITY',
    )
    const clients = [new RtspClient(server.url('/a')), new RtspClient(server.url('/a'))]
    try {
      await Promise.all(clients.map((c) => c.play()))
      await Promise.all(clients.map((c) => collectFrames(c, 3)))
      const sessions = new Set(calls.filter((c) => c[0] === 'setup').map((c) => c[2]))
      assert.equal(sessions.size, 2, 'two readers of one path, two sessions')
      await server.close()
      await done
      const teardowns = calls.filter((c) => c[0] === 'teardown').map((c) => c[2])
      assert.deepEqual(new Set(teardowns), sessions)
    } finally {
      await Promise.all(clients.map((c) => c.close()))
      await server.close()
    }
  })
})
