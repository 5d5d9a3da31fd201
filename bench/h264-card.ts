/**
 * The H.264 test card's cost and size at 640x480@25: milliseconds of one core to draw and encode an
 * IDR picture (every macroblock intra) and a P picture (changed macroblocks intra, the rest P_Skip),
 * the share of a core that 25 fps costs, and the bitrate of 10 s of pictures (an IDR every 2 s).
 * Run: npm run bench:h264card
 *
 * Times are medians after a warm-up (the first pictures run before the JIT has compiled the coder),
 * in CPU time of this process (process.cpuUsage), so that other processes on a shared machine do not
 * count; the wall-clock median is printed next to it.
 */
import { H264TestCard } from '../src/sources/h264-test-card.js'

const WIDTH = Number(process.env.BENCH_H264_WIDTH ?? 640)
const HEIGHT = Number(process.env.BENCH_H264_HEIGHT ?? 480)
const FPS = 25
const SECONDS = 10
const WARMUP_FRAMES = 100
const IDR_SAMPLES = 40
const NOON = Date.UTC(2024, 0, 2, 12, 34, 56, 789)

/** Runs `f` and returns [CPU ms, wall ms]. */
function timed<T>(f: () => T): [T, number, number] {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const out = f()
  const wall = performance.now() - t0
  const c = process.cpuUsage(c0)
  return [out, (c.user + c.system) / 1000, wall]
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]!
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!
}

// Bitrate and P pictures: the card as served, IDR every 2 s.
const card = new H264TestCard({ width: WIDTH, height: HEIGHT, fps: FPS })
for (let i = 0; i < WARMUP_FRAMES; i++) card.render(i, NOON + i * 40)
const pTimes: number[] = []
const pWall: number[] = []
let bytes = 0
let idrBytes = 0
let idrs = 0
const frames = SECONDS * FPS
for (let i = WARMUP_FRAMES; i < WARMUP_FRAMES + frames; i++) {
  const [out, ms, wall] = timed(() => card.render(i, NOON + i * 40))
  const size = out.nalus.reduce((s, n) => s + n.length, 0)
  bytes += size
  if (out.keyframe) {
    idrBytes += size
    idrs++
  } else {
    pTimes.push(ms)
    pWall.push(wall)
  }
}

// IDR pictures: a card that makes every picture a keyframe.
const allIdr = new H264TestCard({ width: WIDTH, height: HEIGHT, fps: FPS, keyframeInterval: 1 / FPS })
for (let i = 0; i < 10; i++) allIdr.render(i, NOON + i * 40)
const idrTimes: number[] = []
const idrWall: number[] = []
for (let i = 10; i < 10 + IDR_SAMPLES; i++) {
  const [, ms, wall] = timed(() => allIdr.render(i, NOON + i * 40))
  idrTimes.push(ms)
  idrWall.push(wall)
}

const pMs = median(pTimes)
const idrMs = median(idrTimes)
const keyframeFrames = card.keyframeFrames
const coreShare = (((pMs * (keyframeFrames - 1) + idrMs) / keyframeFrames) * FPS) / 10
console.log(`H.264 test card ${WIDTH}x${HEIGHT}@${FPS}, QP ${card.qp}, IDR every ${keyframeFrames} pictures`)
console.log(
  `  P picture:   ${pMs.toFixed(2)} ms CPU median, ${percentile(pTimes, 0.95).toFixed(2)} ms p95 (wall ${median(pWall).toFixed(2)} ms)`,
)
console.log(
  `  IDR picture: ${idrMs.toFixed(2)} ms CPU median, ${percentile(idrTimes, 0.95).toFixed(2)} ms p95 (wall ${median(idrWall).toFixed(2)} ms), ${Math.round(idrBytes / Math.max(1, idrs))} bytes`,
)
console.log(`  one core at ${FPS} fps: ${coreShare.toFixed(1)}%`)
console.log(`  bitrate over ${SECONDS} s: ${((bytes * 8) / SECONDS / 1e6).toFixed(3)} Mbit/s (${bytes} bytes)`)
