/**
 * `npm run bench`: fan-out of one ~4 Mbit/s 720p30 H.264 file to N readers over TCP interleaved and
 * UDP, rtspkit side by side with gst-rtsp-server (shared media factory) in the same run.
 *
 * For every (transport, N) both servers run in turn, each as a fresh child process, read by the same
 * in-process load client (bench/load-client.ts). After all readers play and a warm-up, a window of
 * BENCH_SECONDS measures:
 *  - delivered Mbit/s: RTP bytes (header + payload, no interleave/UDP/IP framing) per reader;
 *  - loss: RTP sequence gaps / expected packets (RFC 3550 A.3), over all readers;
 *  - server CPU: utime + stime of the server process from /proc/PID/stat, per reader-minute;
 *  - the load process's own CPU (process.cpuUsage), the C UDP sink's (/proc/PID/stat) and the
 *    machine's (/proc/stat), so a saturated load generator or machine is visible next to the numbers
 *    it would distort.
 * UDP readers' packets are received and counted by a small C program (bench/udp-sink.ts compiles
 * bench/native/udp-sink.c with gcc): read by Node, 500 readers' datagrams took a core of their own
 * and starved the server under test. BENCH_UDP_SINK=node (or no gcc) keeps them in this process.
 * Before the window, during the warm-up, BENCH_TTFF_PROBES ffmpeg players join one after another
 * (bench/ttff-probe.ts) and the median time to their first decoded frame is a column too.
 *
 * Server memory per reader: the server's RSS at the end of the window minus its RSS once listening and
 * settled before the first reader, over the readers playing (KB beyond the idle footprint). And beyond
 * one reader: the first reader plays alone for 2 s, the RSS then is the footprint of a stream being
 * served, and what the other n - 1 add beyond it, per reader, is each reader's own cost.
 * rtspkit runs once per BENCH_WORKERS count (`--workers`: UDP send threads), a column of its own.
 *
 * Then the handshakes scenario (bench/handshakes.ts; BENCH_HANDSHAKES=0 skips it, BENCH_HS_* knobs).
 *
 * Knobs (environment): BENCH_READERS=1,10,50 (up to 1000)  BENCH_WORKERS=1 (e.g. 1,2)  BENCH_RCVBUF=bytes
 * BENCH_SECONDS=15  BENCH_WARMUP=3
 * BENCH_TRANSPORTS=tcp,udp  BENCH_SERVERS=rtspkit,gst  BENCH_CACHE=<tmpdir>/rtspkit-bench
 * BENCH_RTSPKIT_PORT=18554  BENCH_GST_PORT=18654  BENCH_UDP_BASE=30000  BENCH_OUT=bench/results.json
 * BENCH_TTFF_PROBES=3  BENCH_SEED=1  BENCH_UDP_SINK=c|node  BENCH_UDP_SINKS=1  BENCH_SINK_LINGER_US=1000
 * BENCH_READER_PROCS=1 (TCP readers after the first in that many child processes: bench/remote-readers.ts)
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { ConfigError, StateError } from '../src/errors.js'
import { listEnv, numberEnv, ROOT, sleep } from './bench-env.js'
import { ensureFixture, FIXTURE, FIXTURE_MARGIN_S, fixtureArgs, gstVersion, MIN_FIXTURE_SECONDS, type Fixture } from './fixture.js'
import type { BenchTransport } from './load-client.js'
import { RemoteReaders, type BenchReader } from './remote-readers.js'
import type { ReaderSnapshot } from './track-stats.js'
import { UDP_RECV_BUFFER, UdpPortAllocator } from './udp-receiver.js'
import { createUdpReceiver, udpSinkConfig, type UdpSinkConfig } from './udp-sink.js'
import { startReaders } from './reader-pool.js'
import { handshakeConfig, handshakeTable, runHandshakes, type HandshakeResult } from './handshakes.js'
import { clockTicksPerSecond, machineTicks, processRssKb, processTicks, udpDropCounters } from './proc-stats.js'
import {
  checks,
  f,
  LOAD_CPU_WARN_PCT,
  loadCpu,
  RATE_TOLERANCE,
  ratios,
  ratioTable,
  resultsTable,
  type ScenarioResult,
} from './run-report.js'
import { CLI, HOST, SERVER_LABEL, startServer, type ServerName, type ServerProcess } from './server-process.js'
import { fmt, seededRandom } from './stats.js'
import { probeTtff, summarizeTtff } from './ttff-probe.js'

const DEFAULT_RESULTS = join(ROOT, 'bench', 'results.json')
/** Expected wall time of one first-frame probe (wait + join + GOP wait), for sizing the clip. */
const PROBE_BUDGET_S = 4
/** Event-loop delay sampling period; the histogram includes it, so it is subtracted from the result. */
const LOOP_DELAY_RESOLUTION_MS = 2
/** Longest wait, after PLAY, for every reader's first RTP packet before the warm-up starts anyway. */
const FIRST_PACKET_TIMEOUT_MS = 10_000
const FIRST_PACKET_POLL_MS = 20
/** After the last first-frame probe, the window waits at least this long (its TEARDOWN settles). */
const MIN_SETTLE_AFTER_PROBES_MS = 1000
const MAX_READERS = 1000
/** After the server listens, its RSS is read this long later as the idle footprint. */
const IDLE_SETTLE_MS = 1000
/** How long the first reader plays alone before the server's footprint with one reader is read. */
const ONE_READER_SETTLE_MS = 2000

interface BenchConfig {
  readers: number[]
  /** rtspkit's --workers counts, one run each. */
  workers: number[]
  seconds: number
  warmup: number
  transports: BenchTransport[]
  servers: ServerName[]
  cacheDir: string
  ports: Record<ServerName, number>
  udpBase: number
  resultsPath: string
  /** ffmpeg first-frame probes per scenario, and the seed of their random waits. */
  ttffProbes: number
  seed: number
  /** TCP readers (after the first) in this many child processes; 1: all in this process. */
  readerProcs: number
}

function readConfig(): BenchConfig {
  const readers = (process.env.BENCH_READERS ?? '1,10,50').split(',').map((s) => {
    const n = Number(s.trim())
    if (!Number.isInteger(n) || n < 1 || n > MAX_READERS)
      throw new ConfigError('ERR_BENCH_ENV', `BENCH_READERS: "${s}" is not an integer from 1 to ${MAX_READERS}`, {
        observed: s,
        allowed: `1-${MAX_READERS}`,
      })
    return n
  })
  return {
    readers,
    workers: (process.env.BENCH_WORKERS ?? '1').split(',').map((s) => {
      const n = Number(s.trim())
      if (!Number.isInteger(n) || n < 1 || n > 64)
        throw new ConfigError('ERR_BENCH_ENV', `BENCH_WORKERS: "${s}" is not an integer from 1 to 64`, { observed: s, allowed: '1-64' })
      return n
    }),
    seconds: numberEnv('BENCH_SECONDS', 15, 1, 600),
    warmup: numberEnv('BENCH_WARMUP', 3, 0, 60),
    transports: listEnv('BENCH_TRANSPORTS', 'tcp,udp', ['tcp', 'udp'] as const),
    servers: listEnv('BENCH_SERVERS', 'rtspkit,gst', ['rtspkit', 'gst'] as const),
    cacheDir: process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench'),
    ports: { rtspkit: numberEnv('BENCH_RTSPKIT_PORT', 18554, 1024, 65535), gst: numberEnv('BENCH_GST_PORT', 18654, 1024, 65535) },
    udpBase: numberEnv('BENCH_UDP_BASE', 30000, 1024, 64000),
    resultsPath: process.env.BENCH_OUT ?? DEFAULT_RESULTS,
    ttffProbes: numberEnv('BENCH_TTFF_PROBES', 3, 0, 50),
    readerProcs: numberEnv('BENCH_READER_PROCS', 1, 1, 8),
    seed: numberEnv('BENCH_SEED', 1, 0, 0xffffffff),
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Tracked {
  servers: Set<ServerProcess>
  readers: Set<BenchReader>
}

async function runScenario(
  name: ServerName,
  transport: BenchTransport,
  n: number,
  cfg: BenchConfig,
  fixture: Fixture,
  ticksPerS: number,
  tracked: Tracked,
  workers: number | null,
  sink: UdpSinkConfig,
): Promise<ScenarioResult> {
  const logPath = join(cfg.cacheDir, 'logs', `${name}-${transport}-${n}${workers ? `-w${workers}` : ''}.log`)
  const server = startServer(name, cfg.ports[name], fixture.path, logPath, workers ? { extraArgs: ['--workers', String(workers)] } : {})
  tracked.servers.add(server)
  const readers: BenchReader[] = []
  const errors: string[] = []
  const ports = transport === 'udp' ? createUdpReceiver(sink, cfg.udpBase, HOST) : new UdpPortAllocator(cfg.udpBase, HOST)
  // TCP readers after the first in child processes (BENCH_READER_PROCS): one process reading 1,000 of them took a core.
  const remote = transport === 'tcp' && cfg.readerProcs > 1 && n > 1 ? new RemoteReaders(cfg.readerProcs) : undefined
  const refresh = async (): Promise<void> => {
    await ports.refresh()
    await remote?.refresh()
  }
  try {
    await server.ready()
    await sleep(IDLE_SETTLE_MS)
    const idleRssKb = processRssKb(server.pid)
    // One reader first: the footprint of a stream being served (its packets made, framed, cached, the
    // code of the send path paged in). What the other n - 1 add beyond it is each reader's own cost.
    readers.push(...(await startReaders(server.url, transport, 1, ports, tracked.readers, errors)))
    await sleep(ONE_READER_SETTLE_MS)
    const oneReaderRssKb = processRssKb(server.pid)
    if (n > 1 && remote) {
      const rs = await remote.start(server.url, n - 1, errors)
      for (const r of rs) tracked.readers.add(r)
      readers.push(...rs)
      await remote.refresh()
    } else if (n > 1) readers.push(...(await startReaders(server.url, transport, n - 1, ports, tracked.readers, errors)))
    const playing = readers.filter((r) => r.error === undefined && r.tracks.length > 0)
    if (playing.length === 0)
      throw new StateError(
        'ERR_BENCH_NO_READERS',
        `no reader could play from ${SERVER_LABEL[name]}: ${errors[0] ?? 'unknown'}\n${server.lastLines()}`,
      )
    // A server may hold a new reader back until the next keyframe: the warm-up starts once every
    // reader receives (or the wait times out), so the window measures steady delivery only.
    const waitUntil = performance.now() + FIRST_PACKET_TIMEOUT_MS
    for (;;) {
      await refresh()
      if (playing.every((r) => r.receiving) || performance.now() >= waitUntil) break
      await sleep(FIRST_PACKET_POLL_MS)
    }
    const defined = (ms: number | undefined): ms is number => ms !== undefined
    const firstPacket = playing.map((r) => r.firstPacketMs).filter(defined)
    // Time to first frame for one more player joining while the N readers play. The probes run
    // during the warm-up, which lasts at least as long as configured after them; each server gets
    // the same seeded waits.
    const warmupEnd = performance.now() + cfg.warmup * 1000
    const ttff = summarizeTtff(
      await probeTtff({ url: server.url, transports: [transport], runs: cfg.ttffProbes, random: seededRandom(cfg.seed) }),
    )
    await sleep(Math.max(warmupEnd - performance.now(), cfg.ttffProbes > 0 ? MIN_SETTLE_AFTER_PROBES_MS : 0))

    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS })
    loopDelay.enable()
    const sinkTicks = () => [...ports.pids, ...(remote?.pids ?? [])].map((pid) => processTicks(pid))
    await refresh()
    const t0 = performance.now()
    const cpu0 = processTicks(server.pid)
    const load0 = process.cpuUsage()
    const sink0 = sinkTicks()
    const machine0 = machineTicks()
    const udp0 = udpDropCounters()
    const snaps0 = playing.map((r) => r.snapshot())
    await sleep(cfg.seconds * 1000)
    await refresh()
    const snaps1 = playing.map((r) => r.snapshot())
    const firstIdr = playing.map((r) => r.firstIdrMs).filter(defined)
    const machine1 = machineTicks()
    const udp1 = udpDropCounters()
    const load = process.cpuUsage(load0)
    const sinkPct = sinkTicks().map((t, i) => ((t - sink0[i]!) / ticksPerS / ((performance.now() - t0) / 1000)) * 100)
    loopDelay.disable()
    if (!server.running)
      throw new StateError('ERR_BENCH_SERVER_EXIT', `${SERVER_LABEL[name]} exited during the window:\n${server.lastLines()}`)
    const cpu1 = processTicks(server.pid)
    const rssKb = processRssKb(server.pid)
    const windowS = (performance.now() - t0) / 1000

    for (const r of readers) if (r.error !== undefined) errors.push(`reader: ${r.error}`)
    const result = summarize(snaps0, snaps1, windowS, fixture)
    const serverCpuS = (cpu1 - cpu0) / ticksPerS
    const machineTotal = machine1.total - machine0.total
    const machineBusyPct = machineTotal > 0 ? ((machine1.busy - machine0.busy) / machineTotal) * cpus().length * 100 : 0
    const loadCpuPct = ((load.user + load.system) / 1e6 / windowS) * 100
    const sinkCpuPct = sinkPct.reduce((a, b) => a + b, 0)
    return {
      server: name,
      workers,
      transport,
      readers: n,
      memPerReaderKb: (rssKb - idleRssKb) / playing.length,
      memBeyondOneKb: playing.length > 1 ? (rssKb - oneReaderRssKb) / (playing.length - 1) : null,
      rcvbufBytes: Math.max(0, ...playing.map((r) => r.rcvbufGranted)),
      playing: playing.length,
      firstPacketMs: meanMax(firstPacket),
      firstIdrMs: meanMax(firstIdr),
      ttff,
      windowS,
      ...result,
      serverCpuS,
      serverCpuPerReaderMin: serverCpuS / (playing.length * (windowS / 60)),
      loadCpuPct,
      udpSink: transport === 'udp' ? sink.mode : null,
      readerProcs: remote ? cfg.readerProcs : 0,
      sinkCpuPct,
      sinkMaxCpuPct: Math.max(0, ...sinkPct),
      loadLoopP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS),
      machineBusyPct,
      otherBusyPct: Math.max(0, machineBusyPct - loadCpuPct - sinkCpuPct - (serverCpuS / windowS) * 100),
      udpRcvbufErrors: udp1.rcvbuf - udp0.rcvbuf,
      udpSndbufErrors: udp1.sndbuf - udp0.sndbuf,
      serverWarnings: server.warnings,
      errors: [...new Set(errors)],
    }
  } finally {
    await Promise.all(readers.map((r) => r.close()))
    for (const r of readers) tracked.readers.delete(r)
    await remote?.close()
    await ports.close()
    await server.stop()
    tracked.servers.delete(server)
  }
}

function meanMax(values: number[]): { mean: number; max: number } {
  return { mean: values.reduce((x, y) => x + y, 0) / Math.max(1, values.length), max: Math.max(0, ...values) }
}

function summarize(
  before: ReaderSnapshot[],
  after: ReaderSnapshot[],
  windowS: number,
  fixture: Fixture,
): Pick<ScenarioResult, 'stalled' | 'perReaderMbps' | 'totalMbps' | 'rateVsFile' | 'expectedPackets' | 'lostPackets' | 'lossPct'> {
  const rates: number[] = []
  let expected = 0
  let lost = 0
  let stalled = 0
  for (let i = 0; i < before.length; i++) {
    const b = before[i]!
    const a = after[i]!
    const received = a.packets - b.packets
    const exp = a.expected - b.expected
    if (received === 0) stalled++
    expected += exp
    // Late or duplicated packets can make received exceed expected; they are not negative loss.
    lost += Math.max(0, exp - received)
    rates.push(((a.bytes - b.bytes) * 8) / windowS / 1e6)
  }
  const total = rates.reduce((x, y) => x + y, 0)
  const mean = total / rates.length
  return {
    stalled,
    perReaderMbps: { mean, min: Math.min(...rates), max: Math.max(...rates) },
    totalMbps: total,
    rateVsFile: mean / fixture.mbps,
    expectedPackets: expected,
    lostPackets: lost,
    lossPct: expected > 0 ? (lost / expected) * 100 : 0,
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const cfg = readConfig()
  const gst = cfg.servers.includes('gst') ? gstVersion() : undefined
  if (cfg.servers.includes('rtspkit') && !existsSync(CLI))
    throw new ConfigError('ERR_BENCH_NO_BUILD', `${CLI} is missing: run npm run build first`)
  const fixtureSeconds = Math.max(
    MIN_FIXTURE_SECONDS,
    Math.ceil(cfg.warmup + cfg.seconds + cfg.ttffProbes * PROBE_BUDGET_S + FIXTURE_MARGIN_S),
  )
  const fixture = ensureFixture(cfg.cacheDir, fixtureSeconds)
  mkdirSync(join(cfg.cacheDir, 'logs'), { recursive: true })
  const ticksPerS = clockTicksPerSecond()
  const sink = cfg.transports.includes('udp') ? udpSinkConfig() : undefined

  const tracked: Tracked = { servers: new Set(), readers: new Set() }
  const killAll = () => {
    for (const s of tracked.servers) s.kill()
  }
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping servers and readers`)
    killAll()
    void Promise.all([...tracked.readers].map((r) => r.close())).finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.once('exit', killAll)

  const started = new Date()
  console.log(`rtspkit fan-out bench, ${started.toISOString()}`)
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}${gst ? `; ${gst}` : ''}`)
  console.log(
    `clip: ${fixture.path} (${FIXTURE.width}x${FIXTURE.height} ${FIXTURE.fps} fps, ${fixture.seconds} s, ${f(fixture.mbps, 3)} Mbit/s)`,
  )
  console.log(
    `readers ${cfg.readers.join(',')} × ${cfg.transports.join(',')} × ${cfg.servers.map((s) => SERVER_LABEL[s]).join(',')}; warm-up ${cfg.warmup} s, window ${cfg.seconds} s; server logs in ${join(cfg.cacheDir, 'logs')}`,
  )
  console.log(`${sink ? `UDP readers' packets received by: ${sink.note}` : ''}\n`)

  const results: ScenarioResult[] = []
  const failures: string[] = []
  for (const transport of cfg.transports) {
    for (const n of cfg.readers) {
      const runs = cfg.servers.flatMap((name): { name: ServerName; w: number | null }[] =>
        name === 'rtspkit' ? cfg.workers.map((w) => ({ name, w })) : [{ name, w: null }],
      )
      for (const { name, w } of runs) {
        const label = `${SERVER_LABEL[name]}${w ? ` w${w}` : ''}`
        process.stdout.write(`${label.padEnd(15)} ${transport} ×${String(n).padEnd(4)} … `)
        try {
          const r = await runScenario(name, transport, n, cfg, fixture, ticksPerS, tracked, w, sink ?? { mode: 'node', note: '' })
          results.push(r)
          console.log(
            `${f(r.perReaderMbps.mean)} Mbit/s/reader, loss ${f(r.lossPct, 3)}%, ${f(r.serverCpuPerReaderMin, 3)} CPU s/reader-min, ${f(r.memPerReaderKb, 0)} KB/reader (${r.memBeyondOneKb === null ? 'n/a' : f(r.memBeyondOneKb, 0)} beyond one), load ${loadCpu(r)}%, TTFF ${fmt(r.ttff.medianMs)} ms`,
          )
        } catch (err) {
          const msg = (err as Error).message
          failures.push(`${label} ${transport} ×${n}: ${msg}`)
          console.log(`FAILED: ${msg.split('\n')[0]}`)
        }
      }
    }
  }
  // The handshakes scenario (bench/handshakes.ts), unless BENCH_HANDSHAKES=0.
  const handshakes: HandshakeResult[] = []
  if (numberEnv('BENCH_HANDSHAKES', 1, 0, 1) === 1) {
    const hs = handshakeConfig()
    console.log(`Handshakes' load client: ${hs.client.note}`)
    for (const name of cfg.servers) {
      for (const w of name === 'rtspkit' ? cfg.workers : [null]) {
        process.stdout.write(`${`${SERVER_LABEL[name]}${w ? ` w${w}` : ''}`.padEnd(15)} handshakes ×${hs.parallel} … `)
        try {
          const opts = { ...hs, port: cfg.ports[name], clip: fixture.path, logDir: join(cfg.cacheDir, 'logs') }
          const r = await runHandshakes(name, w, opts)
          handshakes.push(r)
          console.log(
            `${fmt(r.perSecond, 0)}/s, p99 ${fmt(r.p99Ms, 2)} ms, ${fmt(r.cpuMsPerHandshake, 3)} CPU ms each, ${r.failed} failed, client ${fmt(r.clientCpuPct, 0)}% CPU`,
          )
        } catch (err) {
          failures.push(`${SERVER_LABEL[name]} handshakes: ${(err as Error).message}`)
          console.log(`FAILED: ${(err as Error).message.split('\n')[0]}`)
        }
      }
    }
  }
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)

  const rs = ratios(results)
  console.log('\nResults (window averages; Mbit/s counts RTP header + payload; CPU is utime+stime of the server process):\n')
  console.log(resultsTable(results))
  if (rs.length > 0) {
    console.log('\nRatios rtspkit / gst-rtsp-server (Mbit/s: higher is better; loss and CPU: lower is better):\n')
    console.log(ratioTable(rs, results))
  }
  if (handshakes.length > 0) {
    console.log('\nHandshakes (new connection each: OPTIONS, DESCRIBE, SETUP, PLAY with Range, TEARDOWN):\n')
    console.log(handshakeTable(handshakes))
  }
  const warnings = [...checks(results, fixture.mbps), ...failures]
  const maxLoad = Math.max(0, ...results.map((r) => Math.max(r.loadCpuPct, r.sinkMaxCpuPct)))
  const maxLag = Math.max(0, ...results.map((r) => r.loadLoopP99Ms))
  const rcvbufDrops = results.reduce((sum, r) => sum + r.udpRcvbufErrors, 0)
  console.log(
    `\nLoad generator: at most ${f(maxLoad, 1)}% of one core per process (warning above ${LOAD_CPU_WARN_PCT}%), ` +
      `event-loop delay p99 at most ${f(maxLag, 1)} ms, ${rcvbufDrops} UDP datagrams dropped for full receive buffers` +
      (maxLoad <= LOAD_CPU_WARN_PCT ? ': it kept up.' : ': it may have been the bottleneck.'),
  )
  const rcvbuf = Math.max(0, ...results.map((r) => r.rcvbufBytes))
  if (rcvbuf > 0) console.log(`UDP readers' receive buffer: ${rcvbuf} bytes granted each (asked ${UDP_RECV_BUFFER}; BENCH_RCVBUF).`)
  console.log(
    warnings.length === 0
      ? `Checks: all readers played, every reader within ±${RATE_TOLERANCE * 100}% of the file bitrate, no warnings.`
      : `Checks:\n  - ${warnings.join('\n  - ')}`,
  )

  writeFileSync(
    cfg.resultsPath,
    JSON.stringify(
      {
        date: started.toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, gstreamer: gst ?? null },
        config: { ...cfg, cacheDir: undefined, resultsPath: undefined, udpSink: sink?.note },
        fixture: {
          file: fixture.path.split('/').pop(),
          bytes: fixture.bytes,
          seconds: fixture.seconds,
          mbps: fixture.mbps,
          ffmpegArgs: fixtureArgs('OUT.264', fixture.seconds),
        },
        results,
        ratios: rs,
        handshakes,
        warnings,
      },
      null,
      2,
    ) + '\n',
  )
  console.log(`\nwrote ${cfg.resultsPath}`)
  return failures.length > 0 ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  },
)
