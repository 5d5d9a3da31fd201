// The OpenMV-style callback server: every reader gets its own callback calls (its pathname, its session)
// and real players decode what the callbacks draw — ffmpeg and GStreamer at once on different paths,
// RGB, grey and pre-encoded JPEG frames, with the decoded pixels compared to the callback's.
import assert from 'node:assert/strict'
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { rtsp_server, type Image } from '../../src/compat/openmv.js'
import { RtspClient } from '../../src/client/rtsp-client.js'
import type { ClientFrame } from '../../src/client/track-receiver.js'
import { parseJfif } from '../../src/codecs/jpeg/jfif.js'
import { STD_HUFFMAN_TABLES } from '../../src/codecs/jpeg/tables.js'
import { CodecError } from '../../src/errors.js'
import { ffmpegDecode, gstDecode, opencvRead, run } from './harness.js'
import { ODD_JPEG_KINDS, oddJpegs } from './odd-jpegs.js'

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

/** ffmpeg decodes `frames` frames of `url` to raw pixels; the last one's. */
async function decodeOne(url: string, pixFmt: 'rgb24' | 'gray', frames = 1): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-openmv-'))
  const out = path.join(dir, 'frame.raw')
  const r = await run(
    'ffmpeg',
    ['-v', 'error', '-rtsp_transport', 'tcp', '-i', url, '-frames:v', String(frames), '-f', 'rawvideo', '-pix_fmt', pixFmt, '-y', out],
    30_000,
  )
  assert.equal(r.code, 0, r.stderr)
  const all = readFileSync(out)
  return all.subarray((all.length / frames) * (frames - 1))
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

/** Whether each Huffman table the JPEG's DHT segments define is T.81 Annex K's (the ones RFC 2435 receivers assume). */
function huffmanTablesStandard(jpeg: Buffer): boolean[] {
  const out: boolean[] = []
  // Marker segments: FF <code> <16-bit length incl. itself> <body>, up to SOS (FF DA).
  for (let pos = 2; pos + 4 <= jpeg.length && jpeg[pos] === 0xff && jpeg[pos + 1] !== 0xda; pos += 2 + jpeg.readUInt16BE(pos + 2)) {
    if (jpeg[pos + 1] !== 0xc4) continue
    const end = pos + 2 + jpeg.readUInt16BE(pos + 2)
    // DHT body: per table Tc/Th (1 byte), 16 code counts, then the symbols.
    for (let o = pos + 4; o < end;) {
      const bits = jpeg.subarray(o + 1, o + 17)
      const n = bits.reduce((a, b) => a + b, 0)
      const std = STD_HUFFMAN_TABLES.find((t) => t.tcTh === jpeg[o])
      out.push(std !== undefined && bits.equals(std.spec.bits) && jpeg.subarray(o + 17, o + 17 + n).equals(std.spec.values))
      o += 17 + n
    }
  }
  return out
}

/** GStreamer (rtspsrc ! rtpjpegdepay ! jpegdec) decodes `frames` frames of `url`; the last one's RGB pixels. */
async function gstDecodeRgb(url: string, width: number, height: number, frames: number): Promise<Buffer> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'rtspkit-openmv-gst-')), 'frames.rgb')
  const r = await run(
    'gst-launch-1.0',
    [
      '-q',
      ...`rtspsrc location=${url} protocols=tcp ! rtpjpegdepay ! jpegdec ! videoconvert ! video/x-raw,format=RGB`.split(' '),
      ...`! identity eos-after=${frames} ! filesink location=${out}`.split(' '),
    ],
    30_000,
  )
  assert.equal(r.code, 0, r.stderr)
  const all = readFileSync(out)
  const size = width * height * 3
  assert.ok(all.length >= size, `GStreamer wrote ${all.length} bytes`)
  return all.subarray(all.length - (all.length % size) - size, all.length - (all.length % size))
}

/** OpenCV (FFmpeg backend) reads `frames` frames of `url`; the last one's pixels, as RGB. */
async function opencvDecodeRgb(url: string, frames: number): Promise<Buffer> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'rtspkit-openmv-cv-')), 'frame.bgr')
  const r = await opencvRead(url, frames, 'tcp', out)
  assert.equal(r.frames, frames, JSON.stringify(r))
  const bgr = readFileSync(out)
  const rgb = Buffer.alloc(bgr.length)
  for (let i = 0; i < bgr.length; i += 3) {
    rgb[i] = bgr[i + 2]!
    rgb[i + 1] = bgr[i + 1]!
    rgb[i + 2] = bgr[i]!
  }
  return rgb
}

/** What ffmpeg decodes a JPEG file to, as RGB. */
async function referenceRgb(jpegFile: string): Promise<Buffer> {
  const out = `${jpegFile}.rgb`
  const r = await run('ffmpeg', ['-v', 'error', '-i', jpegFile, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-y', out])
  assert.equal(r.code, 0, r.stderr)
  return readFileSync(out)
}

interface Warning {
  code: string | undefined
  message: string
  session: number
}

/** The warnings of `server` with the session they name. */
function recordWarnings(server: rtsp_server): Warning[] {
  const warnings: Warning[] = []
  server.on('warning', (err, ctx) => warnings.push({ code: (err as { code?: string }).code, message: err.message, session: ctx.session }))
  return warnings
}

describe('openmv rtsp_server: JPEGs RTP/JPEG cannot carry as they are', () => {
  it('an ffmpeg JPEG (optimised Huffman tables, 4:4:4) is re-encoded: ffmpeg, GStreamer and OpenCV decode it like the source, one warning per reader', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-openmv-odd-'))
    const jpegFile = path.join(dir, 'out.jpg')
    const mk = await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240',
      '-frames:v',
      '1',
      '-q:v',
      '3',
      '-y',
      jpegFile,
    ])
    assert.equal(mk.code, 0, mk.stderr)
    const jpeg = readFileSync(jpegFile)
    const tables = huffmanTablesStandard(jpeg)
    assert.ok(tables.length >= 4 && tables.every((std) => !std), `ffmpeg wrote optimised Huffman tables: ${JSON.stringify(tables)}`)
    assert.throws(
      () => parseJfif(jpeg),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_JPEG_UNSUPPORTED',
    )
    const ref = await referenceRgb(jpegFile)
    const { server, calls, done } = await startServer(() => jpeg)
    const warnings = recordWarnings(server)
    const FRAMES = 10
    try {
      const [ff, gst, cv] = await Promise.all([
        decodeOne(server.url('/ffmpeg'), 'rgb24', FRAMES),
        gstDecodeRgb(server.url('/gst'), 320, 240, FRAMES),
        opencvDecodeRgb(server.url('/cv'), FRAMES),
      ])
      for (const [peer, got] of [
        ['ffmpeg', ff],
        ['GStreamer', gst],
        ['OpenCV', cv],
      ] as const) {
        assert.equal(got.length, ref.length, peer)
        const err = meanAbsError(got, ref)
        assert.ok(err < 3, `${peer}: mean abs error ${err.toFixed(2)} against the source`)
      }
      await new Promise((r) => setTimeout(r, 100))
      const sessions = new Set(calls.filter((c) => c[0] === 'setup').map((c) => c[2]))
      assert.ok(sessions.size >= 3, `${sessions.size} sessions`)
      for (const session of sessions) {
        const frames = calls.filter((c) => c[0] === 'frame' && c[2] === session).length
        const mine = warnings.filter((w) => w.session === session)
        if (frames === 0) continue // a session that never played (none expected, but not this test's subject)
        assert.ok(frames >= FRAMES, `session ${session}: ${frames} frames`)
        assert.equal(mine.length, 1, `session ${session}: ${frames} frames, warnings ${JSON.stringify(mine)}`)
        assert.equal(mine[0]!.code, 'ERR_OPENMV_JPEG_REENCODED')
        assert.match(mine[0]!.message, /re-encoded as baseline 4:2:0 at quality 90.*because RFC 2435 cannot carry this JPEG: /)
      }
      assert.ok(warnings.every((w) => sessions.has(w.session)))
    } finally {
      await server.close()
    }
    await done
  })

  it('optimised Huffman 4:2:0, 4:4:4, progressive and grey are re-encoded and decode like their source; baseline goes byte for byte, no warning', async () => {
    const jpegs = await oddJpegs(320, 240)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-openmv-kinds-'))
    const refs = await Promise.all(
      jpegs.map((j, i) => {
        const file = path.join(dir, `${ODD_JPEG_KINDS[i]}.jpg`)
        writeFileSync(file, j)
        return referenceRgb(file)
      }),
    )
    const byPath = new Map(ODD_JPEG_KINDS.map((k, i) => [`/${k}`, jpegs[i]!]))
    const { server, calls, done } = await startServer((pathname) => byPath.get(pathname)!, 80)
    const warnings = recordWarnings(server)
    const client = new RtspClient(server.url('/baseline'), { transport: 'tcp' })
    try {
      const [decoded, received] = await Promise.all([
        Promise.all(ODD_JPEG_KINDS.filter((k) => k !== 'baseline').map((k) => decodeOne(server.url(`/${k}`), 'rgb24', 5))),
        client.play().then(() => collectFrames(client, 5)),
      ])
      ODD_JPEG_KINDS.filter((k) => k !== 'baseline').forEach((kind, i) => {
        const err = meanAbsError(decoded[i]!, refs[ODD_JPEG_KINDS.indexOf(kind)]!)
        assert.ok(err < 3, `${kind}: mean abs error ${err.toFixed(2)} against the source`)
      })
      // RFC 2435 carries the scan and the quantization tables; the receiver rebuilds the headers.
      const sent = parseJfif(jpegs[ODD_JPEG_KINDS.indexOf('baseline')]!)
      for (const f of received) {
        const got = parseJfif(f.data)
        assert.ok(got.scan.equals(sent.scan), 'the baseline scan arrives byte for byte')
        assert.deepEqual(got.quantTables, sent.quantTables)
      }
      await client.close()
      await new Promise((r) => setTimeout(r, 100))
      for (const kind of ODD_JPEG_KINDS) {
        const sessions = new Set(calls.filter((c) => c[0] === 'setup' && c[1] === `/${kind}`).map((c) => c[2]))
        const mine = warnings.filter((w) => sessions.has(w.session))
        assert.equal(sessions.size, 1, kind)
        assert.deepEqual(
          mine.map((w) => w.code),
          kind === 'baseline' ? [] : ['ERR_OPENMV_JPEG_REENCODED'],
          kind,
        )
      }
    } finally {
      await client.close()
      await server.close()
    }
    await done
  })
})
