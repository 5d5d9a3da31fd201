/**
 * JPEG encoding speed at 640x480, quality 90: our pure-TS encoder (RawImageJpegEncoder, the path the
 * OpenMV-style server takes for every frame) next to ffmpeg's mjpeg encoder on the same pixels, RGB
 * and grey input, both converting to 4:2:0 YCbCr and encoding baseline JPEG on one thread.
 * Run: npm run bench:jpeg
 *
 * Reported: frames per second of one core, the share of a core that 30 fps costs (30 / fps), bytes per
 * frame, and ours / ffmpeg ratios. ffmpeg's time is its user + system CPU time from -benchmark, so
 * process start-up and file reading count against it (a few ms over hundreds of frames).
 * The frames are ffmpeg's testsrc2 pattern (gradients, text, moving shapes), 30 distinct frames.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { RawImageJpegEncoder } from '../src/codecs/jpeg/image-encoder.js'
import type { RawImage } from '../src/codecs/jpeg/i420.js'

const CACHE = process.env.BENCH_CACHE ?? path.join(os.tmpdir(), 'rtspkit-bench')
const SECONDS = Number(process.env.BENCH_JPEG_SECONDS ?? 3)
const WIDTH = 640
const HEIGHT = 480
const FRAMES = 30
const QUALITY = 90
/** ffmpeg's mjpeg -q:v giving about the bytes of our quality 90 (checked by the size column). */
const FFMPEG_QSCALE = '2'
const TARGET_FPS = 30
const REF_LOOPS = 20

type Format = 'rgb' | 'gray'
const FFMPEG_PIX: Record<Format, string> = { rgb: 'rgb24', gray: 'gray' }
const BPP: Record<Format, number> = { rgb: 3, gray: 1 }

function rawFrames(format: Format): string {
  const file = path.join(CACHE, `jpeg-bench-${WIDTH}x${HEIGHT}-${format}.raw`)
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true })
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${WIDTH}x${HEIGHT}:rate=30`,
      '-frames:v',
      String(FRAMES),
      '-f',
      'rawvideo',
      '-pix_fmt',
      FFMPEG_PIX[format],
      file,
    ])
  }
  return file
}

interface Result {
  fps: number
  bytes: number
}

function ours(format: Format): Result {
  const all = readFileSync(rawFrames(format))
  const size = WIDTH * HEIGHT * BPP[format]
  const images: RawImage[] = Array.from({ length: FRAMES }, (_, i) => ({
    width: WIDTH,
    height: HEIGHT,
    format,
    data: all.subarray(i * size, (i + 1) * size),
  }))
  const enc = new RawImageJpegEncoder(QUALITY)
  for (let i = 0; i < FRAMES * 2; i++) enc.encode(images[i % FRAMES]!) // warm-up: JIT
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let n = 0
  let bytes = 0
  while (performance.now() - t0 < SECONDS * 1000) {
    bytes += enc.encode(images[n % FRAMES]!).length
    n++
  }
  const cpu = process.cpuUsage(cpu0)
  return { fps: n / ((cpu.user + cpu.system) / 1e6), bytes: bytes / n }
}

function ffmpeg(format: Format): Result {
  const input = rawFrames(format)
  const out = path.join(CACHE, `jpeg-bench-${format}.mjpeg`)
  const stderr = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-benchmark',
      '-threads',
      '1',
      '-y',
      '-stream_loop',
      String(REF_LOOPS - 1),
      '-f',
      'rawvideo',
      '-pix_fmt',
      FFMPEG_PIX[format],
      '-s',
      `${WIDTH}x${HEIGHT}`,
      '-i',
      input,
      '-filter_threads',
      '1',
      '-c:v',
      'mjpeg',
      '-threads',
      '1',
      '-huffman',
      'default',
      '-pix_fmt',
      'yuvj420p',
      '-q:v',
      FFMPEG_QSCALE,
      '-f',
      'mjpeg',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  ).stderr
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr)
  if (!m) throw new Error(`no -benchmark line from ffmpeg: ${stderr.slice(-500)}`)
  const frames = FRAMES * REF_LOOPS
  return { fps: frames / (Number(m[1]) + Number(m[2])), bytes: readFileSync(out).length / frames }
}

const rows: string[] = []
for (const format of ['rgb', 'gray'] as const) {
  const a = ours(format)
  const b = ffmpeg(format)
  rows.push(
    `| ${format} | ${a.fps.toFixed(0)} | ${(TARGET_FPS / a.fps).toFixed(2)} | ${(a.bytes / 1024).toFixed(1)} | ${b.fps.toFixed(0)} | ${(TARGET_FPS / b.fps).toFixed(2)} | ${(b.bytes / 1024).toFixed(1)} | ${(a.fps / b.fps).toFixed(2)} |`,
  )
}
console.log(
  `\nJPEG encode ${WIDTH}x${HEIGHT}, quality ${QUALITY} (ffmpeg -q:v ${FFMPEG_QSCALE}), one core. Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}.\n`,
)
console.log(
  '| input | rtspkit fps | rtspkit core @30 fps | rtspkit KiB/frame | ffmpeg fps | ffmpeg core @30 fps | ffmpeg KiB/frame | speed rtspkit/ffmpeg |',
)
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
for (const r of rows) console.log(r)
