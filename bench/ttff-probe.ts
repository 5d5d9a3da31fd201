/**
 * Time to first frame, as a player sees it: wall time from spawning
 *
 *     ffmpeg -v error -rtsp_transport tcp|udp -i URL -frames:v 1 -f null -
 *
 * to its exit. That covers process start-up, OPTIONS/DESCRIBE/SETUP/PLAY, waiting for a picture the
 * decoder can show, decoding it, TEARDOWN and exit. The baseline is ffmpeg's own start-up and exit:
 * the same command with a tiny generated picture as input (`-f lavfi -i color=…`), so raw − baseline
 * is what the stream side adds (RTSP, waiting for a decodable picture, ffmpeg's stream probing).
 *
 * Used by bench/ttff.ts (its own runner) and bench/run.ts (a column of the fan-out table).
 */
import { spawn } from 'node:child_process'
import type { BenchTransport } from './load-client.js'
import { sleep, wallMs } from './bench-env.js'
import { median, percentile } from './stats.js'

/** A probe that has not exited by then is killed and counted as failed. */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000
/** Each probe starts after a random wait up to this long, so joins fall at every phase of the 2 s GOP. */
export const MAX_JOIN_WAIT_MS = 2000
const STDERR_TAIL_CHARS = 300

export interface TimedExit {
  /** Wall-clock ms (Unix epoch) at spawn. */
  startedAt: number
  ms: number
  ok: boolean
  /** Why it failed: exit code or signal, and the end of stderr. */
  error?: string
}

/** Spawns `file args`, resolves with the wall time to its exit; killed (and not ok) after `timeoutMs`. */
export function timeProcess(file: string, args: string[], timeoutMs: number): Promise<TimedExit> {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const startedAt = wallMs()
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    let timedOut = false
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL_CHARS)
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    const finish = (error?: string) => {
      clearTimeout(timer)
      const ms = performance.now() - t0
      resolve(error === undefined ? { startedAt, ms, ok: true } : { startedAt, ms, ok: false, error })
    }
    child.once('error', (err) => finish(`cannot run ${file}: ${err.message}`))
    child.once('exit', (code, signal) => {
      if (timedOut) finish(`no frame within ${timeoutMs} ms`)
      else if (code !== 0) finish(`exit ${signal ?? code}: ${stderr.trim().split('\n').pop() ?? ''}`)
      else finish()
    })
  })
}

export function firstFrameArgs(url: string, transport: BenchTransport): string[] {
  return ['-v', 'error', '-rtsp_transport', transport, '-i', url, '-frames:v', '1', '-f', 'null', '-']
}

/** Input for the baseline: one 16x16 black picture from libavfilter, nothing to wait for or probe. */
export const BASELINE_ARGS = ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=black:s=16x16:r=30', '-frames:v', '1', '-f', 'null', '-']

/** ffmpeg's own start-up and exit: BASELINE_ARGS `runs` times; the wall times of those that succeeded. */
export async function ffmpegBaseline(runs: number, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < runs; i++) {
    const r = await timeProcess('ffmpeg', BASELINE_ARGS, timeoutMs)
    if (r.ok) out.push(r.ms)
  }
  return out
}

export interface TtffRun extends TimedExit {
  transport: BenchTransport
  /** The random wait before this probe, ms. */
  waitMs: number
}

export interface ProbeOptions {
  url: string
  transports: readonly BenchTransport[]
  /** Probes per transport. */
  runs: number
  /** Uniform in [0, 1); seeded by the caller so the waits repeat. */
  random: () => number
  timeoutMs?: number
  maxWaitMs?: number
  /** Called after each probe (progress output). */
  onRun?: (run: TtffRun, index: number) => void
  /** Awaited before each probe's wait (e.g. to restart a server whose clip is about to end). */
  beforeEach?: () => Promise<void>
}

/**
 * `runs` rounds; each round probes every transport in turn, each after a random wait. Interleaving the
 * transports keeps slow drifts of the machine from favouring one of them.
 */
export async function probeTtff(opts: ProbeOptions): Promise<TtffRun[]> {
  const out: TtffRun[] = []
  const maxWait = opts.maxWaitMs ?? MAX_JOIN_WAIT_MS
  for (let i = 0; i < opts.runs; i++) {
    for (const transport of opts.transports) {
      await opts.beforeEach?.()
      const waitMs = Math.round(opts.random() * maxWait)
      await sleep(waitMs)
      const r = await timeProcess('ffmpeg', firstFrameArgs(opts.url, transport), opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS)
      const run: TtffRun = { ...r, transport, waitMs }
      out.push(run)
      opts.onRun?.(run, i)
    }
  }
  return out
}

export interface TtffSummary {
  runs: number
  ok: number
  medianMs: number
  p90Ms: number
  minMs: number
  maxMs: number
}

/** Over the probes that got a frame; NaN when none did. */
export function summarizeTtff(runs: readonly TimedExit[]): TtffSummary {
  const ms = runs.filter((r) => r.ok).map((r) => r.ms)
  return {
    runs: runs.length,
    ok: ms.length,
    medianMs: median(ms),
    p90Ms: percentile(ms, 90),
    minMs: ms.length > 0 ? Math.min(...ms) : NaN,
    maxMs: ms.length > 0 ? Math.max(...ms) : NaN,
  }
}
