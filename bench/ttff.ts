/**
 * `npm run bench:ttff`: time to first frame for a player joining a live stream at a random moment,
 * rtspkit (with and without instant start, when the build has the flag) next to gst-rtsp-server.
 *
 * Per server: start it, attach one reader that stays for the whole run (so the stream is live and
 * gst-rtsp-server's shared pipeline keeps running between probes; it also notes when keyframes
 * arrive, so each probe's place in the GOP is known), then
 * BENCH_TTFF_RUNS times per transport: wait a random 0–2000 ms (seeded, the same sequence for every
 * server) and time `ffmpeg -v error -rtsp_transport T -i URL -frames:v 1 -f null -` from spawn to
 * exit (bench/ttff-probe.ts). Reports median and p90 per server and transport, the median minus
 * ffmpeg's own start-up (a generated picture as input), and the ratio of each rtspkit median to gst's.
 *
 * Knobs: BENCH_TTFF_RUNS=15  BENCH_SEED=1  BENCH_TRANSPORTS=tcp,udp
 * BENCH_SERVERS=rtspkit,rtspkit-no-instant,gst (rtspkit-no-instant only when the flag exists)
 * BENCH_TTFF_BASELINE_RUNS=5  BENCH_CACHE  BENCH_RTSPKIT_PORT=18554  BENCH_GST_PORT=18654
 * BENCH_TTFF_OUT=bench/ttff-results.json
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { listEnv, numberEnv, ROOT, tryExec } from './bench-env.js'
import { ensureFixture, gstVersion, MIN_FIXTURE_SECONDS } from './fixture.js'
import { ReferenceReader } from './lag-readers.js'
import { LiveServer, serverLog } from './live-server.js'
import type { BenchTransport } from './load-client.js'
import { defaultVariants, hasInstantStart, SERVER_VARIANTS, variantSpec, type VariantSpec } from './server-process.js'
import { fmt, median, seededRandom, textTable } from './stats.js'
import {
  BASELINE_ARGS,
  DEFAULT_PROBE_TIMEOUT_MS,
  ffmpegBaseline,
  MAX_JOIN_WAIT_MS,
  probeTtff,
  summarizeTtff,
  type TtffRun,
  type TtffSummary,
} from './ttff-probe.js'

/** Clip time one probe may need at most: the wait, the probe's timeout, and a margin. */
const PROBE_NEEDS_S = (MAX_JOIN_WAIT_MS + DEFAULT_PROBE_TIMEOUT_MS) / 1000 + 3

interface TtffConfig {
  runs: number
  seed: number
  transports: BenchTransport[]
  variants: VariantSpec[]
  baselineRuns: number
  cacheDir: string
  ports: { rtspkit: number; gst: number }
  out: string
}

function readConfig(instantStart: boolean): TtffConfig {
  return {
    runs: numberEnv('BENCH_TTFF_RUNS', 15, 1, 500),
    seed: numberEnv('BENCH_SEED', 1, 0, 0xffffffff),
    transports: listEnv('BENCH_TRANSPORTS', 'tcp,udp', ['tcp', 'udp'] as const),
    variants: listEnv('BENCH_SERVERS', defaultVariants(instantStart), SERVER_VARIANTS).map((id) => variantSpec(id, instantStart)),
    baselineRuns: numberEnv('BENCH_TTFF_BASELINE_RUNS', 5, 0, 100),
    cacheDir: process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench'),
    ports: { rtspkit: numberEnv('BENCH_RTSPKIT_PORT', 18554, 1024, 65535), gst: numberEnv('BENCH_GST_PORT', 18654, 1024, 65535) },
    out: process.env.BENCH_TTFF_OUT ?? join(ROOT, 'bench', 'ttff-results.json'),
  }
}

interface VariantResult {
  variant: VariantSpec['id']
  label: string
  restarts: number
  /** Each probe, with how long after the last keyframe it started. */
  runs: (TtffRun & { gopPhaseMs: number })[]
  summary: Partial<Record<BenchTransport, TtffSummary>>
}

async function main(): Promise<number> {
  const instantStart = hasInstantStart()
  const cfg = readConfig(instantStart)
  const gst = cfg.variants.some((v) => v.server === 'gst') ? gstVersion() : undefined
  const fixture = ensureFixture(cfg.cacheDir, MIN_FIXTURE_SECONDS)
  const logDir = join(cfg.cacheDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const commit = tryExec('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) ?? 'unknown'

  const live = new Set<LiveServer<ReferenceReader>>()
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping servers`)
    for (const s of live) s.kill()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.once('exit', () => live.forEach((s) => s.kill()))

  const started = new Date()
  console.log(`rtspkit time-to-first-frame bench, ${started.toISOString()}, commit ${commit}`)
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}${gst ? `; ${gst}` : ''}`)
  console.log(`ffmpeg: ${tryExec('ffmpeg', ['-version'])?.split('\n')[0] ?? 'missing'}`)
  console.log(
    instantStart
      ? 'this build has --no-instant-start: rtspkit runs with instant start (default) and without'
      : 'this build has no --no-instant-start: rtspkit waits for the next keyframe (today’s behaviour)',
  )
  console.log(
    `clip: ${fixture.path}; ${cfg.runs} probes per server and transport, random wait 0–${MAX_JOIN_WAIT_MS} ms, seed ${cfg.seed}\n`,
  )

  const baseline = await ffmpegBaseline(cfg.baselineRuns)
  const baselineMs = median(baseline)
  console.log(`ffmpeg start-up baseline (ffmpeg ${BASELINE_ARGS.join(' ')}, ${baseline.length} runs): median ${fmt(baselineMs)} ms\n`)

  const results: VariantResult[] = []
  for (const variant of cfg.variants) {
    // The attached reader keeps the stream live and notes keyframe arrivals: where in the GOP each probe joined.
    const server = new LiveServer(variant, cfg.ports[variant.server], fixture, serverLog(logDir, 'ttff', variant), (url) =>
      ReferenceReader.start(url, 'udp'),
    )
    const phases: number[] = []
    live.add(server)
    try {
      await server.ensure(PROBE_NEEDS_S)
      const runs = await probeTtff({
        url: server.url,
        transports: cfg.transports,
        runs: cfg.runs,
        // The same waits for every server: a fair draw of join moments.
        random: seededRandom(cfg.seed),
        beforeEach: () => server.ensure(PROBE_NEEDS_S),
        onRun: (r, i) => {
          if (!r.ok) server.markUnhealthy()
          const key = server.attached.lastKeyframe(r.startedAt)
          const phase = key === undefined ? NaN : r.startedAt - key
          phases.push(phase)
          console.log(
            `${variant.label.padEnd(24)} ${r.transport} #${String(i + 1).padEnd(3)} joined ${fmt(phase).padStart(4)} ms into the GOP → ${r.ok ? `${fmt(r.ms)} ms` : `FAILED (${r.error})`}`,
          )
        },
      })
      const summary: VariantResult['summary'] = {}
      for (const t of cfg.transports) summary[t] = summarizeTtff(runs.filter((r) => r.transport === t))
      results.push({
        variant: variant.id,
        label: variant.label,
        restarts: server.restarts,
        runs: runs.map((r, i) => ({ ...r, gopPhaseMs: phases[i] ?? NaN })),
        summary,
      })
    } catch (err) {
      console.log(`${variant.label}: FAILED: ${(err as Error).message}`)
    } finally {
      await server.stop()
      live.delete(server)
    }
  }

  const gstResult = results.find((r) => r.variant === 'gst')
  const rows: string[][] = []
  for (const t of cfg.transports) {
    for (const r of results) {
      const s = r.summary[t]
      if (!s) continue
      const g = gstResult?.summary[t]
      const ratio = g && r !== gstResult ? fmt(s.medianMs / g.medianMs, 2) : ''
      rows.push([
        r.label,
        t,
        `${s.ok}/${s.runs}`,
        fmt(s.medianMs),
        fmt(s.p90Ms),
        `${fmt(s.minMs)}–${fmt(s.maxMs)}`,
        fmt(s.medianMs - baselineMs),
        ratio,
      ])
    }
  }
  console.log(`\nTime to first frame (ffmpeg spawn → exit after 1 decoded frame), ms; baseline ${fmt(baselineMs)} ms:\n`)
  console.log(textTable(['server', 'transport', 'ok', 'median', 'p90', 'min–max', 'median − baseline', 'median / gst'], rows))

  writeFileSync(
    cfg.out,
    JSON.stringify(
      {
        date: started.toISOString(),
        commit,
        instantStartFlag: instantStart,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, gstreamer: gst ?? null },
        config: {
          runs: cfg.runs,
          seed: cfg.seed,
          transports: cfg.transports,
          servers: cfg.variants.map((v) => v.id),
          maxWaitMs: MAX_JOIN_WAIT_MS,
        },
        baseline: { runsMs: baseline, medianMs: baselineMs },
        results,
      },
      null,
      2,
    ) + '\n',
  )
  console.log(`\nwrote ${cfg.out}`)
  const failed = results.length < cfg.variants.length || results.some((r) => Object.values(r.summary).some((s) => s.ok < s.runs))
  return failed ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    console.error(`bench:ttff: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  },
)
