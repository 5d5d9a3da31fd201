/**
 * `npm run bench:hls`: how far behind live HLS viewers are, Low-Latency HLS next to plain fMP4 HLS,
 * on loopback, and how soon a player shows its first frame.
 *
 * Source: an H.264 (1 s GOP, no B-frames) + AAC MP4, served in real time as a path (`file:`). The
 * playlists' EXT-X-PROGRAM-DATE-TIME is the wall clock at which each frame reached the server, so
 * for hls.js in headless Chromium the latency is simply `now - hls.playingDate`, sampled every
 * 250 ms once playback settled. Time to first frame: ffmpeg from spawn to its first decoded frame
 * (framemd5 on stdout), with the path's muxer cold (first request starts it) and warm; hls.js from
 * page load to `currentTime > 0`.
 *
 * Knobs: BENCH_HLS_SAMPLE_S=12  BENCH_HLS_RUNS=5
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { addPath } from '../src/app/add-path.js'
import { HlsServer } from '../src/hls/hls-server.js'
import type { HlsVariant } from '../src/hls/muxer.js'
import { RtspServer } from '../src/server/rtsp-server.js'
import { parseSourceSpec } from '../src/sources/source-spec.js'
import { numberEnv, sleep, tryExec, wallMs } from './bench-env.js'
import { fmt, median, percentile, textTable } from './stats.js'

const SAMPLE_S = numberEnv('BENCH_HLS_SAMPLE_S', 12, 2, 600)
const RUNS = numberEnv('BENCH_HLS_RUNS', 5, 1, 100)
const WARMUP_MS = 4000
const SAMPLE_EVERY_MS = 250
const COLD_CLOSE_AFTER_MS = 1000

function fixture(): string {
  const dir = join(tmpdir(), 'rtspkit-bench')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'hls-640x360-25fps-g25-aac-60s.mp4')
  if (!existsSync(file)) {
    const out = tryExec('ffmpeg', [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '25', '-keyint_min', '25',
      '-sc_threshold', '0', '-bf', '0', '-c:a', 'aac', file,
    ]) // prettier-ignore
    if (out === undefined || !existsSync(file)) throw new Error('ffmpeg could not make the fixture')
  }
  return file
}

/** ms from spawn to ffmpeg's first decoded video frame. */
function ffmpegFirstFrame(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn('ffmpeg', ['-v', 'error', '-i', url, '-map', '0:v:0', '-frames:v', '1', '-f', 'framemd5', '-'])
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (/^\s*0,/m.test(out)) {
        resolve(performance.now() - t0)
        child.kill('SIGKILL')
      }
    })
    child.on('close', () => reject(new Error(`ffmpeg ended without a frame: ${url}`)))
  })
}

interface VariantResult {
  variant: HlsVariant
  latency: number[]
  firstFrameHlsJs: number
  ffmpegCold: number[]
  ffmpegWarm: number[]
}

async function measure(rtsp: RtspServer, variant: HlsVariant): Promise<VariantResult> {
  const hls = new HlsServer({ server: rtsp, host: '127.0.0.1', port: 0, variant })
  await hls.start()
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
  })
  const result: VariantResult = { variant, latency: [], firstFrameHlsJs: NaN, ffmpegCold: [], ffmpegWarm: [] }
  try {
    const page = await browser.newPage()
    const t0 = performance.now()
    await page.goto(`${hls.url}/clip`)
    await page.waitForFunction('document.getElementById("video").currentTime > 0', undefined, { timeout: 30_000 })
    result.firstFrameHlsJs = performance.now() - t0
    await sleep(WARMUP_MS)
    const end = performance.now() + SAMPLE_S * 1000
    while (performance.now() < end) {
      const playing = await page.evaluate<number | null>('window.rtspkitHls.playingDate ? window.rtspkitHls.playingDate.getTime() : null')
      if (playing !== null) result.latency.push(wallMs() - playing)
      await sleep(SAMPLE_EVERY_MS)
    }
    await page.close()
    // Warm: the muxer runs (the page just used it).
    for (let i = 0; i < RUNS; i++) result.ffmpegWarm.push(await ffmpegFirstFrame(`${hls.url}/clip/index.m3u8`))
  } finally {
    await browser.close()
    await hls.close()
  }
  // Cold: the muxer closes between runs, so each request starts one.
  const cold = new HlsServer({
    server: rtsp,
    host: '127.0.0.1',
    port: 0,
    variant,
    muxerCloseAfterMs: COLD_CLOSE_AFTER_MS,
    viewerTimeoutMs: 500,
  })
  await cold.start()
  try {
    for (let i = 0; i < RUNS; i++) {
      while (cold.muxedPaths.length > 0) await sleep(100)
      result.ffmpegCold.push(await ffmpegFirstFrame(`${cold.url}/clip/index.m3u8`))
      await sleep(COLD_CLOSE_AFTER_MS + 1200 + Math.random() * 1000)
    }
  } finally {
    await cold.close()
  }
  return result
}

async function main(): Promise<void> {
  const rtsp = new RtspServer({ port: 0, host: '127.0.0.1' })
  const handle = addPath(rtsp, 'clip', parseSourceSpec(`file:${fixture()}`))
  await rtsp.start()
  const results: VariantResult[] = []
  try {
    for (const v of ['lowLatency', 'fmp4'] as const) results.push(await measure(rtsp, v))
  } finally {
    handle.stop()
    await rtsp.stop()
  }
  const rows = results.map((r) => [
    r.variant,
    `${fmt(median(r.latency))} (${fmt(percentile(r.latency, 10))}–${fmt(percentile(r.latency, 90))})`,
    fmt(r.firstFrameHlsJs),
    fmt(median(r.ffmpegCold)),
    fmt(median(r.ffmpegWarm)),
  ])
  console.log(
    textTable(['variant', 'hls.js latency ms, median (p10–p90)', 'hls.js first frame ms', 'ffmpeg first frame ms, cold', 'warm'], rows, 1),
  )
  console.log(JSON.stringify(results.map((r) => ({ ...r, latency: { median: median(r.latency), n: r.latency.length } }))))
}

await main()
