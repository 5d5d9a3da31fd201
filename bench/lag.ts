/**
 * `npm run bench:lag`: how far behind live a player is a few seconds after joining a running stream
 * mid-GOP — rtspkit with instant start, rtspkit waiting for the next keyframe (--no-instant-start, or
 * a build without the flag), and gst-rtsp-server, each read by ffmpeg and by GStreamer over TCP and UDP.
 *
 * Per server: start it with a reference reader attached (bench/lag-readers.ts: a reader that does not
 * buffer notes when each access unit arrives). Then BENCH_LAG_ROUNDS rounds; in each, every
 * (player, transport) joins once, at its own random moment 0–2000 ms into the round (seeded: the same
 * moments for every server), plays for BENCH_LAG_TO_S seconds and is stopped. The lag of one join is
 * the median, over BENCH_LAG_FROM_S–BENCH_LAG_TO_S seconds after joining, of (output time − reference
 * arrival) of the access units it output (bench/lag-analysis.ts). The players of a round run at the
 * same time: four processes on loopback that decode nothing.
 *
 * Knobs: BENCH_LAG_ROUNDS=3  BENCH_LAG_PLAYERS=ffmpeg,gst  BENCH_TRANSPORTS=tcp,udp
 * BENCH_SERVERS=rtspkit,rtspkit-no-instant,gst (rtspkit-no-instant only when the flag exists)
 * BENCH_LAG_FROM_S=5  BENCH_LAG_TO_S=8  BENCH_LAG_TOLERANCE_MS=50  BENCH_LAG_REFERENCE=udp  BENCH_SEED=1  BENCH_CACHE
 * BENCH_RTSPKIT_PORT=18554  BENCH_GST_PORT=18654  BENCH_LAG_OUT=bench/lag-results.json
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../src/errors.js'
import { listEnv, numberEnv, ROOT, sleep, tryExec, wallMs } from './bench-env.js'
import { ensureFixture, gstVersion, MIN_FIXTURE_SECONDS } from './fixture.js'
import { acceptance, measureLag, type LagResult } from './lag-analysis.js'
import { PlayerReader, ReferenceReader, type PlayerKind } from './lag-readers.js'
import { LiveServer, serverLog } from './live-server.js'
import type { BenchTransport } from './load-client.js'
import { defaultVariants, hasInstantStart, SERVER_VARIANTS, variantSpec, type ServerVariant, type VariantSpec } from './server-process.js'
import { fmt, median, seededRandom, textTable } from './stats.js'
import { MAX_JOIN_WAIT_MS } from './ttff-probe.js'

/** Players keep running this long past the window's end, so its last samples are complete. */
const STOP_AFTER_WINDOW_MS = 300
const PAUSE_BETWEEN_ROUNDS_MS = 500
/** Clip time a round needs beyond its joins and window (start-up, stopping). */
const ROUND_MARGIN_S = 5

interface LagConfig {
  rounds: number
  players: PlayerKind[]
  transports: BenchTransport[]
  variants: VariantSpec[]
  fromS: number
  toS: number
  toleranceMs: number
  /** How the reference reader reads (bench/lag-readers.ts says why UDP is the default). */
  referenceTransport: BenchTransport
  seed: number
  cacheDir: string
  ports: { rtspkit: number; gst: number }
  out: string
}

function readConfig(instantStart: boolean): LagConfig {
  const fromS = numberEnv('BENCH_LAG_FROM_S', 5, 0, 60)
  const toS = numberEnv('BENCH_LAG_TO_S', 8, 0.5, 60)
  if (toS <= fromS)
    throw new ConfigError('ERR_BENCH_ENV', `BENCH_LAG_TO_S (${toS}) must be after BENCH_LAG_FROM_S (${fromS})`, {
      observed: toS,
      allowed: `> ${fromS}`,
    })
  return {
    rounds: numberEnv('BENCH_LAG_ROUNDS', 3, 1, 100),
    players: listEnv('BENCH_LAG_PLAYERS', 'ffmpeg,gst', ['ffmpeg', 'gst'] as const),
    transports: listEnv('BENCH_TRANSPORTS', 'tcp,udp', ['tcp', 'udp'] as const),
    variants: listEnv('BENCH_SERVERS', defaultVariants(instantStart), SERVER_VARIANTS).map((id) => variantSpec(id, instantStart)),
    fromS,
    toS,
    toleranceMs: numberEnv('BENCH_LAG_TOLERANCE_MS', 50, 0, 10_000),
    referenceTransport: listEnv('BENCH_LAG_REFERENCE', 'udp', ['tcp', 'udp'] as const)[0]!,
    seed: numberEnv('BENCH_SEED', 1, 0, 0xffffffff),
    cacheDir: process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench'),
    ports: { rtspkit: numberEnv('BENCH_RTSPKIT_PORT', 18554, 1024, 65535), gst: numberEnv('BENCH_GST_PORT', 18654, 1024, 65535) },
    out: process.env.BENCH_LAG_OUT ?? join(ROOT, 'bench', 'lag-results.json'),
  }
}

interface JoinResult {
  variant: ServerVariant
  player: PlayerKind
  transport: BenchTransport
  round: number
  /** The random wait into the round before joining. */
  waitMs: number
  /** How long after the reference's last keyframe the player joined: where in the GOP. */
  gopPhaseMs: number
  lag: LagResult
  error?: string
}

interface Tracked {
  servers: Set<LiveServer<ReferenceReader>>
  players: Set<PlayerReader>
}

/** One round on a running server: every (player, transport) joins once, at its own random moment. */
async function runRound(
  server: LiveServer<ReferenceReader>,
  variant: VariantSpec,
  round: number,
  cfg: LagConfig,
  random: () => number,
  tracked: Tracked,
): Promise<JoinResult[]> {
  const combos = cfg.players.flatMap((player) => cfg.transports.map((transport) => ({ player, transport })))
  const waits = combos.map(() => Math.round(random() * MAX_JOIN_WAIT_MS))
  const reference = server.attached
  const joins = combos.map(async ({ player, transport }, i): Promise<JoinResult> => {
    await sleep(waits[i]!)
    const reader = PlayerReader.spawn(player, server.url, transport)
    tracked.players.add(reader)
    try {
      await sleep(cfg.toS * 1000 + STOP_AFTER_WINDOW_MS)
    } finally {
      await reader.stop()
      tracked.players.delete(reader)
    }
    const lastKey = reference.lastKeyframe(reader.joinedAt)
    const lag = measureLag(reader.samples, reader.joinedAt, (hash, notAfter) => reference.arrival(hash, notAfter), {
      fromMs: cfg.fromS * 1000,
      toMs: cfg.toS * 1000,
    })
    const result: JoinResult = {
      variant: variant.id,
      player,
      transport,
      round,
      waitMs: waits[i]!,
      gopPhaseMs: lastKey === undefined ? NaN : reader.joinedAt - lastKey,
      lag,
    }
    if (reader.error !== undefined) result.error = reader.error
    else if (lag.matched === 0)
      result.error =
        `no output access unit in the window matched the reference (${lag.samples} output, ${reader.samples.length} in all)` +
        (reader.stderrTail === '' ? '' : `; stderr: ${reader.stderrTail.split('\n').slice(-2).join(' | ')}`)
    return result
  })
  return Promise.all(joins)
}

interface Summary {
  variant: ServerVariant
  label: string
  player: PlayerKind
  transport: BenchTransport
  joins: number
  ok: number
  /** Median over joins of each join's median lag in the window. */
  lagMs: number
  lagMinMs: number
  lagMaxMs: number
  firstOutputMs: number
  firstLagMs: number
  matchedPct: number
}

function summarize(results: JoinResult[], variants: VariantSpec[], cfg: LagConfig): Summary[] {
  const out: Summary[] = []
  for (const v of variants)
    for (const player of cfg.players)
      for (const transport of cfg.transports) {
        const rs = results.filter((r) => r.variant === v.id && r.player === player && r.transport === transport)
        if (rs.length === 0) continue
        const ok = rs.filter((r) => r.error === undefined)
        const lags = ok.map((r) => r.lag.medianMs)
        const samples = rs.reduce((n, r) => n + r.lag.samples, 0)
        out.push({
          variant: v.id,
          label: v.label,
          player,
          transport,
          joins: rs.length,
          ok: ok.length,
          lagMs: median(lags),
          lagMinMs: lags.length > 0 ? Math.min(...lags) : NaN,
          lagMaxMs: lags.length > 0 ? Math.max(...lags) : NaN,
          firstOutputMs: median(ok.map((r) => r.lag.firstOutputMs)),
          firstLagMs: median(ok.map((r) => r.lag.firstLagMs)),
          matchedPct: samples > 0 ? (rs.reduce((n, r) => n + r.lag.matched, 0) / samples) * 100 : NaN,
        })
      }
  return out
}

async function main(): Promise<number> {
  const instantStart = hasInstantStart()
  const cfg = readConfig(instantStart)
  const gst = cfg.variants.some((v) => v.server === 'gst') || cfg.players.includes('gst') ? gstVersion() : undefined
  const fixture = ensureFixture(cfg.cacheDir, MIN_FIXTURE_SECONDS)
  const logDir = join(cfg.cacheDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const commit = tryExec('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) ?? 'unknown'
  const roundNeedsS = MAX_JOIN_WAIT_MS / 1000 + cfg.toS + ROUND_MARGIN_S

  const tracked: Tracked = { servers: new Set(), players: new Set() }
  const killAll = () => {
    for (const p of tracked.players) p.kill()
    for (const s of tracked.servers) s.kill()
  }
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping players and servers`)
    killAll()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.once('exit', killAll)

  const started = new Date()
  console.log(`rtspkit lag-to-live bench, ${started.toISOString()}, commit ${commit}`)
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}${gst ? `; ${gst}` : ''}`)
  console.log(
    instantStart
      ? 'this build has --no-instant-start: rtspkit runs with instant start (default) and without'
      : 'this build has no --no-instant-start: rtspkit waits for the next keyframe (today’s behaviour)',
  )
  console.log(
    `clip: ${fixture.path}; ${cfg.rounds} rounds; players ${cfg.players.join(',')} × ${cfg.transports.join(',')}; ` +
      `join 0–${MAX_JOIN_WAIT_MS} ms into each round (seed ${cfg.seed}); lag = median over ${cfg.fromS}–${cfg.toS} s after joining; ` +
      `reference reads over ${cfg.referenceTransport}\n`,
  )

  const results: JoinResult[] = []
  const failures: string[] = []
  for (const variant of cfg.variants) {
    const server = new LiveServer(variant, cfg.ports[variant.server], fixture, serverLog(logDir, 'lag', variant), (url) =>
      ReferenceReader.start(url, cfg.referenceTransport),
    )
    tracked.servers.add(server)
    const random = seededRandom(cfg.seed)
    try {
      for (let round = 1; round <= cfg.rounds; round++) {
        await server.ensure(roundNeedsS)
        const joins = await runRound(server, variant, round, cfg, random, tracked)
        if (joins.some((r) => r.error !== undefined)) server.markUnhealthy()
        for (const r of joins) {
          results.push(r)
          console.log(
            `${variant.label.padEnd(24)} round ${round} ${r.player.padEnd(6)} ${r.transport}  joined ${fmt(r.gopPhaseMs).padStart(5)} ms into the GOP → ` +
              (r.error === undefined
                ? `lag ${fmt(r.lag.medianMs)} ms (first picture after ${fmt(r.lag.firstOutputMs)} ms, ${fmt(r.lag.firstLagMs)} ms old)`
                : `FAILED: ${r.error}`),
          )
        }
        await sleep(PAUSE_BETWEEN_ROUNDS_MS)
      }
    } catch (err) {
      failures.push(`${variant.label}: ${(err as Error).message}`)
      console.log(`${variant.label}: FAILED: ${(err as Error).message}`)
    } finally {
      await server.stop()
      tracked.servers.delete(server)
    }
  }

  const summaries = summarize(results, cfg.variants, cfg)
  console.log(`\nLag to live ${cfg.fromS}–${cfg.toS} s after joining mid-GOP (ms; median over joins of each join's median):\n`)
  console.log(
    textTable(
      ['server', 'player', 'transport', 'ok', 'lag', 'min–max', 'first picture after', 'first picture age', 'matched %'],
      summaries.map((s) => [
        s.label,
        s.player,
        s.transport,
        `${s.ok}/${s.joins}`,
        fmt(s.lagMs),
        `${fmt(s.lagMinMs)}–${fmt(s.lagMaxMs)}`,
        fmt(s.firstOutputMs),
        fmt(s.firstLagMs),
        fmt(s.matchedPct, 1),
      ]),
      3,
    ),
  )

  const checks: { player: PlayerKind; transport: BenchTransport; instantMs: number; keyframeWaitMs: number; pass: boolean }[] = []
  const instant = summaries.filter((s) => s.variant === 'rtspkit')
  const waiting = summaries.filter((s) => s.variant === 'rtspkit-no-instant')
  if (instantStart && instant.length > 0 && waiting.length > 0) {
    console.log(`\nAcceptance: instant-start lag ≤ keyframe-wait lag + ${cfg.toleranceMs} ms:`)
    for (const i of instant) {
      const w = waiting.find((s) => s.player === i.player && s.transport === i.transport)
      if (!w) continue
      const pass = acceptance(i.lagMs, w.lagMs, cfg.toleranceMs)
      checks.push({ player: i.player, transport: i.transport, instantMs: i.lagMs, keyframeWaitMs: w.lagMs, pass })
      console.log(`  ${pass ? 'PASS' : 'FAIL'}  ${i.player} ${i.transport}: ${fmt(i.lagMs)} ms vs ${fmt(w.lagMs)} ms`)
    }
  } else {
    console.log('\nAcceptance check skipped: it needs rtspkit with and without instant start (a build with --no-instant-start).')
  }
  for (const f of failures) console.log(`FAILED: ${f}`)

  writeFileSync(
    cfg.out,
    JSON.stringify(
      {
        date: started.toISOString(),
        commit,
        instantStartFlag: instantStart,
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, gstreamer: gst ?? null },
        config: { ...cfg, variants: cfg.variants.map((v) => v.id), cacheDir: undefined, out: undefined, maxJoinWaitMs: MAX_JOIN_WAIT_MS },
        summaries,
        acceptance: checks,
        joins: results,
        failures,
      },
      null,
      2,
    ) + '\n',
  )
  console.log(`\nwrote ${cfg.out} (finished ${fmt((wallMs() - started.getTime()) / 1000)} s after start)`)
  const failed = failures.length > 0 || results.some((r) => r.error !== undefined) || checks.some((c) => !c.pass)
  return failed ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    console.error(`bench:lag: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  },
)
