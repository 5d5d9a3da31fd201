// The playback server against a real recording: `rtspkit serve --record --record-segment 1
// --playback-port 0` records the H.264 test card in 2-second segments; /list gives one span; /get of a
// stretch across three segments is decoded by ffmpeg frame for frame equal to the recorded frames from
// the keyframe at or before the start to the end, with timestamps continuous at the seams; Chromium's
// <video> plays it (from another origin, with CORS). format=mp4 gives the same frames with the same
// timestamps as one plain MP4 (ftyp, moov, mdat: no fragments) that ffprobe, ffmpeg and Chromium read.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { readBoxes } from '../../src/formats/mp4/box-reader.js'
import { FileByteSource } from '../../src/formats/mp4/byte-source.js'
import { demuxMp4 } from '../../src/formats/mp4/demuxer.js'
import { listSegments, type RecordingSegment } from '../../src/recordings/recording-store.js'
import { tempDir } from '../helpers/audio-interop.js'
import { MALFORMED_TARGETS, rawStatusLine } from '../helpers/raw-http.js'
import { serveRtspkit, type ServedRtspkit } from '../rtp/cli-process.js'
import { launchChromium } from '../view/chromium.js'

const RECORD_MS = 7500
const PLAY_TIMEOUT_MS = 20_000

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string; ok: boolean }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => resolve({ stdout, stderr, ok: !err })),
  )
}

/** MD5 of each decoded picture (ffmpeg's framemd5), in order. */
async function frameMd5s(file: string): Promise<string[]> {
  const r = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-f', 'framemd5', '-'])
  assert.equal(r.stderr.trim(), '', `${file} decodes`)
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim())
}

/** Decode times of the first video track's packets (ffprobe), in seconds. */
async function videoDts(file: string): Promise<number[]> {
  const probe = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=dts_time', '-of', 'csv=p=0', file])
  assert.ok(probe.ok, probe.stderr)
  return probe.stdout.trim().split('\n').map(Number)
}

interface RecordedFrame {
  /** Which segment it is in. */
  seg: number
  wallMs: number
  keyframe: boolean
  md5: string
}

async function recordedFrames(segs: readonly RecordingSegment[]): Promise<RecordedFrame[]> {
  const out: RecordedFrame[] = []
  for (const [n, seg] of segs.entries()) {
    const src = new FileByteSource(seg.file)
    const video = demuxMp4(src).tracks.find((t) => t.handler === 'vide')!
    src.close()
    const md5 = await frameMd5s(seg.file)
    assert.equal(md5.length, video.samples.count, `${seg.file}: every sample decodes`)
    for (let i = 0; i < video.samples.count; i++)
      out.push({
        seg: n,
        wallMs: seg.startMs + (video.samples.pts[i]! * 1000) / video.timescale,
        keyframe: video.samples.keyframe[i]!,
        md5: md5[i]!,
      })
  }
  return out
}

describe('playback server (/list, /get) over a real recording', () => {
  const tmp = tempDir('playback')
  let srv: ServedRtspkit
  let base: string
  let browser: Browser | undefined
  let segs: RecordingSegment[]
  const template = (): string => path.join(tmp.dir, 'rec', '%path/%Y-%m-%d_%H-%M-%S-%f')

  before(async () => {
    srv = await serveRtspkit(
      [
        '--port',
        '0',
        '--no-api',
        '--no-hls',
        '--no-webrtc',
        '--record',
        path.join(tmp.dir, 'rec'),
        '--record-segment',
        '1',
        '--playback-port',
        '0',
        '--path',
        'cam=test:h264',
      ],
      30_000,
    )
    const m = /playback of recordings on (http:\/\/[\d.]+:\d+)/.exec(srv.out())
    assert.ok(m, srv.out())
    base = m[1]!
    await new Promise((r) => setTimeout(r, RECORD_MS))
    await srv.stop()
    // A second server for playback only: the recordings are complete files now.
    srv = await serveRtspkit(
      [
        '--port',
        '0',
        '--no-api',
        '--no-hls',
        '--no-webrtc',
        '--record',
        path.join(tmp.dir, 'rec'),
        '--playback-port',
        '0',
        '--path',
        'cam=publish',
      ],
      30_000,
    )
    base = /playback of recordings on (http:\/\/[\d.]+:\d+)/.exec(srv.out())![1]!
    segs = listSegments(template(), 'cam')
  })
  after(async () => {
    await browser?.close()
    await srv?.stop()
    tmp.cleanup()
  })

  it('/list: the segments form one span', async () => {
    assert.ok(segs.length >= 3, `${segs.length} segments`)
    const res = await fetch(`${base}/list?path=cam`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('access-control-allow-origin'), '*')
    const list = (await res.json()) as { start: string; duration: number }[]
    assert.equal(list.length, 1, JSON.stringify(list))
    assert.equal(Date.parse(list[0]!.start), segs[0]!.startMs)
    assert.ok(list[0]!.duration > 5 && list[0]!.duration < 10, JSON.stringify(list))
    assert.equal((await fetch(`${base}/list?path=nothing`)).status, 404)
    assert.equal((await fetch(`${base}/list`)).status, 400)
  })

  it('/get across three segments: frame-exact from the keyframe at or before start, continuous at the seams', async () => {
    const frames = await recordedFrames(segs)
    const startMs = segs[0]!.startMs + 1500
    const durationS = 4
    let from = 0
    frames.forEach((f, i) => {
      if (f.keyframe && f.wallMs <= startMs) from = i
    })
    const expected = frames.slice(from).filter((f) => f.wallMs < startMs + durationS * 1000)
    const res = await fetch(`${base}/get?path=cam&start=${new Date(startMs).toISOString()}&duration=${durationS}&format=fmp4`)
    assert.equal(res.status, 200, await res.clone().text())
    assert.equal(res.headers.get('content-type'), 'video/mp4')
    const file = path.join(tmp.dir, 'get.mp4')
    writeFileSync(file, Buffer.from(await res.arrayBuffer()))
    const got = await frameMd5s(file)
    assert.equal(got.length, expected.length)
    assert.deepEqual(
      got,
      expected.map((f) => f.md5),
    )
    // The stretch crosses segment boundaries without a gap or an overlap in time.
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=dts_time',
      '-of',
      'csv=p=0',
      file,
    ])
    const dts = probe.stdout.trim().split('\n').map(Number)
    assert.equal(dts.length, expected.length)
    let seams = 0
    for (let i = 1; i < dts.length; i++) {
      const step = (dts[i]! - dts[i - 1]!) * 1000
      if (expected[i]!.seg !== expected[i - 1]!.seg) {
        // A new segment continues one frame (40 ms at 25 fps) after the last one's final frame.
        seams++
        assert.ok(Math.abs(step - 40) < 15, `seam before frame ${i}: ${dts[i - 1]} -> ${dts[i]}`)
      } else {
        const recorded = expected[i]!.wallMs - expected[i - 1]!.wallMs
        assert.ok(Math.abs(step - recorded) < 2, `frame ${i}: ${step} ms after the last, recorded ${recorded} ms`)
      }
    }
    assert.ok(seams >= 2, `the stretch crosses ${seams} segment boundaries`)
  })

  it('/get format=mp4: one plain MP4, moov before mdat, frame-exact at the cuts and equal to the fMP4 answer across the seams', async () => {
    const frames = await recordedFrames(segs)
    // Two cuts: mid-GOP in the first segment (the stretch crosses two joins), and one later and shorter.
    for (const [offsetMs, durationS] of [
      [1500, 4],
      [3700, 2.5],
    ] as const) {
      const startMs = segs[0]!.startMs + offsetMs
      let from = 0
      frames.forEach((f, i) => {
        if (f.keyframe && f.wallMs <= startMs) from = i
      })
      const expected = frames.slice(from).filter((f) => f.wallMs < startMs + durationS * 1000)
      const query = `path=cam&start=${new Date(startMs).toISOString()}&duration=${durationS}`
      const files: Record<string, string> = {}
      for (const format of ['mp4', 'fmp4']) {
        const res = await fetch(`${base}/get?${query}&format=${format}`)
        assert.equal(res.status, 200, await res.clone().text())
        assert.equal(res.headers.get('content-type'), 'video/mp4')
        files[format] = path.join(tmp.dir, `get-${offsetMs}.${format}.mp4`)
        writeFileSync(files[format], Buffer.from(await res.arrayBuffer()))
      }
      const mp4 = readFileSync(files.mp4!)
      const top = readBoxes(mp4)
      assert.deepEqual(
        top.map((b) => b.type),
        ['ftyp', 'moov', 'mdat'],
        'faststart: moov first, one mdat, no fragments',
      )
      assert.ok(!readBoxes(top[1]!.body).some((b) => b.type === 'mvex'), 'no mvex: not fragmented')
      const src = new FileByteSource(files.mp4!)
      const movie = demuxMp4(src)
      src.close()
      assert.equal(movie.fragmented, false)
      const probe = await run('ffprobe', [
        '-v',
        'error',
        '-show_entries',
        'format=format_name,duration:stream=codec_name,nb_frames',
        '-of',
        'json',
        files.mp4!,
      ])
      assert.ok(probe.ok && probe.stderr.trim() === '', probe.stderr)
      const info = JSON.parse(probe.stdout) as {
        format: { format_name: string; duration: string }
        streams: { codec_name: string; nb_frames: string }[]
      }
      assert.match(info.format.format_name, /mp4/)
      assert.equal(info.streams[0]!.codec_name, 'h264')
      assert.equal(Number(info.streams[0]!.nb_frames), expected.length, 'the sample table counts every frame')
      // The moov's duration: up to the end of the last frame, as the fMP4 answer's runs.
      const dts = await videoDts(files.mp4!)
      const lastEnd = dts.at(-1)! + (dts.at(-1)! - dts.at(-2)!)
      assert.ok(Math.abs(Number(info.format.duration) - lastEnd) < 0.05, `duration ${info.format.duration}, last frame ends at ${lastEnd}`)

      const got = await frameMd5s(files.mp4!)
      assert.deepEqual(
        got,
        expected.map((f) => f.md5),
        `cut at +${offsetMs} ms: the recorded frames from the keyframe at or before start`,
      )
      assert.deepEqual(got, await frameMd5s(files.fmp4!))
      assert.deepEqual(dts, await videoDts(files.fmp4!), 'the same decode times as the fMP4 answer')
      const seams = expected.filter((f, i) => i > 0 && f.seg !== expected[i - 1]!.seg).length
      assert.ok(seams >= (offsetMs === 1500 ? 2 : 1), `+${offsetMs} ms crosses ${seams} segment joins`)
    }
  })

  it('/get is sent as it is made: format=mp4 with its Content-Length (HEAD too), fMP4 chunked; a receiver that leaves harms nothing', async () => {
    const query = `path=cam&start=${new Date(segs[0]!.startMs).toISOString()}&duration=6`
    const mp4 = await fetch(`${base}/get?${query}&format=mp4`)
    const body = Buffer.from(await mp4.arrayBuffer())
    assert.equal(mp4.headers.get('content-length'), String(body.length))
    const head = await fetch(`${base}/get?${query}&format=mp4`, { method: 'HEAD' })
    assert.deepEqual(
      [head.status, head.headers.get('content-length'), (await head.arrayBuffer()).byteLength],
      [200, String(body.length), 0],
    )
    const fmp4 = await fetch(`${base}/get?${query}`)
    assert.equal(fmp4.headers.get('transfer-encoding'), 'chunked')
    await fmp4.arrayBuffer()
    for (const format of ['mp4', 'fmp4']) {
      const abort = new AbortController()
      const res = await fetch(`${base}/get?${query}&format=${format}`, { signal: abort.signal })
      await res.body!.getReader().read() // the first bytes, then gone
      abort.abort()
    }
    const again = await fetch(`${base}/get?${query}&format=mp4`)
    assert.equal(Buffer.from(await again.arrayBuffer()).compare(body), 0, 'the same answer after receivers left')
  })

  it('answers bad requests with 400 and unknown stretches with 404', async () => {
    const start = new Date(segs[0]!.startMs).toISOString()
    assert.equal((await fetch(`${base}/get?path=cam&start=yesterday&duration=1`)).status, 400)
    assert.equal((await fetch(`${base}/get?path=cam&start=${start}&duration=-1`)).status, 400)
    assert.equal((await fetch(`${base}/get?path=cam&start=${start}&duration=1&format=webm`)).status, 400)
    assert.equal((await fetch(`${base}/get?path=cam&start=2001-01-01T00:00:00Z&duration=1`)).status, 404)
    assert.equal((await fetch(`${base}/get?path=../etc&start=${start}&duration=1`)).status, 400)
    for (const target of MALFORMED_TARGETS) assert.match(await rawStatusLine(base, target), /^HTTP\/1\.1 400 /, target)
    const pre = await fetch(`${base}/get?path=cam`, { method: 'OPTIONS' })
    assert.equal(pre.status, 204)
    assert.equal(pre.headers.get('access-control-allow-origin'), '*')
  })

  /** Plays `src` in Chromium's <video>: currentTime advances, no error; returns the element's duration. */
  async function playsInChromium(src: string): Promise<number> {
    browser ??= await launchChromium()
    const page = await browser.newPage()
    try {
      await page.setContent(`<video id="v" muted autoplay playsinline crossorigin="anonymous" src="${src}"></video>`)
      await page.waitForFunction('document.getElementById("v").currentTime > 1', undefined, { timeout: PLAY_TIMEOUT_MS })
      const t0 = await page.evaluate<number>('document.getElementById("v").currentTime')
      await new Promise((r) => setTimeout(r, 1500))
      const t1 = await page.evaluate<number>('document.getElementById("v").currentTime')
      assert.ok(t1 - t0 > 0.8, `currentTime went from ${t0} to ${t1}`)
      assert.equal(await page.evaluate<number | null>('document.getElementById("v").error?.code ?? null'), null)
      return await page.evaluate<number>('document.getElementById("v").duration')
    } finally {
      await page.close()
    }
  }

  it("plays in Chromium's <video>: currentTime advances", async () => {
    await playsInChromium(`${base}/get?path=cam&start=${new Date(segs[0]!.startMs).toISOString()}&duration=6`)
  })

  it("format=mp4 plays in Chromium's <video>, its duration known from the moov", async () => {
    const duration = await playsInChromium(`${base}/get?path=cam&start=${new Date(segs[0]!.startMs).toISOString()}&duration=6&format=mp4`)
    assert.ok(duration > 5 && duration < 6.5, `duration ${duration}`)
  })
})

describe('playback format=mp4 of an ffmpeg publication with AAC and B-frames', () => {
  const tmp = tempDir('playback-av')
  let srv: ServedRtspkit | undefined
  after(async () => {
    await srv?.stop()
    tmp.cleanup()
  })

  it('video (with composition offsets) and audio: the same frames and timestamps as the fMP4 answer, across joins', async () => {
    const rec = path.join(tmp.dir, 'rec')
    srv = await serveRtspkit(
      [
        '--port',
        '0',
        '--no-api',
        '--no-hls',
        '--no-webrtc',
        '--record',
        rec,
        '--record-segment',
        '1',
        '--playback-port',
        '0',
        '--path',
        'av=publish',
      ],
      30_000,
    )
    const base = /playback of recordings on (http:\/\/[\d.]+:\d+)/.exec(srv.out())![1]!
    // libx264's defaults reorder frames (B-frames), so samples carry composition offsets (ctts).
    const pub = await run('ffmpeg', [
      ...['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '5'],
      ...['-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'rtsp', `rtsp://127.0.0.1:${srv.port}/av`],
    ])
    assert.ok(pub.ok, pub.stderr)
    await new Promise((r) => setTimeout(r, 500)) // the last segment is finished when the publisher leaves
    const segs = listSegments(path.join(rec, '%path/%Y-%m-%d_%H-%M-%S-%f'), 'av')
    assert.ok(segs.length >= 3, `${segs.length} segments`)
    const startMs = segs[0]!.startMs + 1300
    const joins = segs.filter((g) => g.startMs > startMs && g.startMs < startMs + 2500).length
    assert.ok(joins >= 1, `the stretch crosses ${joins} segment joins`)
    const query = `path=av&start=${new Date(startMs).toISOString()}&duration=2.5`
    const files: Record<string, string> = {}
    for (const format of ['mp4', 'fmp4']) {
      const res = await fetch(`${base}/get?${query}&format=${format}`)
      assert.equal(res.status, 200, await res.clone().text())
      files[format] = path.join(tmp.dir, `av.${format}.mp4`)
      writeFileSync(files[format], Buffer.from(await res.arrayBuffer()))
    }
    assert.deepEqual(
      readBoxes(readFileSync(files.mp4!)).map((b) => b.type),
      ['ftyp', 'moov', 'mdat'],
    )
    const src = new FileByteSource(files.mp4!)
    const tracks = demuxMp4(src).tracks
    src.close()
    assert.deepEqual(
      tracks.map((t) => t.handler),
      ['vide', 'soun'],
    )
    const v = tracks[0]!.samples
    assert.ok(
      v.pts.some((p, i) => p !== v.dts[i]),
      'composition offsets kept',
    )
    for (const stream of ['0:v', '0:a']) {
      const md5 = async (file: string): Promise<string> => {
        const r = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', stream, '-f', 'framemd5', '-'])
        assert.equal(r.stderr.trim(), '', `${file} ${stream} decodes`)
        return r.stdout
          .split('\n')
          .filter((l) => l && !l.startsWith('#'))
          .join('\n')
      }
      const got = await md5(files.mp4!)
      assert.ok(got.split('\n').length > 50, `${stream}: ${got.split('\n').length} frames`)
      // framemd5 lines carry each frame's timestamps too.
      assert.equal(got, await md5(files.fmp4!), `${stream}: the same frames at the same times`)
    }
  })
})
