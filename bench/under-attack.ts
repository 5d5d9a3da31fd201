/**
 * `npm run bench:attack`: do steady readers notice bad input? (issue 13, "Bad input under load").
 * rtspkit, and gst-rtsp-server next to it in the same run, serve the bench clip (bench/fixture.ts) to
 * N steady readers (bench/load-client.ts). Once they all play and a warm-up has passed, two windows of
 * BENCH_SECONDS each measure them: a quiet one, then one during an attack that starts all at once
 * (bench/attack-load.ts):
 *  - a handshake storm: BENCH_ATTACK_STORM clients in parallel, each looping OPTIONS … PLAY with
 *    Range … TEARDOWN on a new connection (bench/handshakes.ts) until the window ends;
 *  - BENCH_ATTACK_IDLE connections that never send a byte, opened as the window starts;
 *  - BENCH_ATTACK_STALLED TCP readers that PLAY and then never read.
 * The idle and stalled connections are watched up to BENCH_ATTACK_TAIL seconds more after the window
 * (less once the server has closed them all): servers cut them after timeouts as long as the window or
 * longer (rtspkit: 10 s by default; a stalled reader's 10 s start once its socket buffers are full).
 *
 * Per window: the readers' mean and slowest Mbit/s (RTP header + payload), sequence loss, how many
 * received nothing, server CPU (utime + stime over the window) and RSS, and the load process's own
 * CPU: above 70 % of a core it may be what falls behind, and the output says so.
 *
 * Knobs: BENCH_ATTACK_READERS=500 (1–1000)  BENCH_ATTACK_STORM=200  BENCH_ATTACK_IDLE=1000
 * BENCH_ATTACK_STALLED=1  BENCH_ATTACK_TAIL=30  BENCH_SECONDS=10  BENCH_WARMUP=3  BENCH_TRANSPORTS=udp
 * BENCH_WORKERS=1 (e.g. 1,2)  BENCH_SERVERS=rtspkit,gst  BENCH_RCVBUF=bytes  BENCH_CACHE=<tmpdir>/rtspkit-bench
 * BENCH_RTSPKIT_PORT=18554  BENCH_GST_PORT=18654  BENCH_UDP_BASE=30000  BENCH_OUT=bench/attack-results.json
 * BENCH_UDP_SINK=c|node (UDP readers' packets counted by the C sink of bench/udp-sink.ts, the default, or in this process)
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, StateError } from '../src/errors.js'
import {
  HandshakeStorm,
  IdleConnections,
  StalledReader,
  StallWatch,
  type IdleResult,
  type StalledResult,
  type StormResult,
} from './attack-load.js'
import { listEnv, numberEnv, ROOT, sleep } from './bench-env.js'
import { ensureFixture, FIXTURE, FIXTURE_MARGIN_S, gstVersion, MIN_FIXTURE_SECONDS, type Fixture } from './fixture.js'
import { learnControl } from './handshakes.js'
import { startReaders } from './reader-pool.js'
import { LoadReader, UDP_RECV_BUFFER, UdpPortAllocator, type ReaderSnapshot } from './load-client.js'
import { clockTicksPerSecond, processRssKb, processTicks, udpDropCounters } from './proc-stats.js'
import { createUdpReceiver, udpSinkConfig, type UdpSinkConfig } from './udp-sink.js'
import type { UdpReceiver } from './udp-receiver.js'
import { LOAD_CPU_WARN_PCT } from './run-report.js'
import { CLI, HOST, SERVER_LABEL, startServer, type ServerName, type ServerProcess } from './server-process.js'
import { fmt, textTable } from './stats.js'

const DEFAULT_RESULTS = join(ROOT, 'bench', 'attack-results.json')
const MAX_READERS = 1000
const FIRST_PACKET_TIMEOUT_MS = 10_000
const FIRST_PACKET_POLL_MS = 20
const IDLE_SETTLE_MS = 1000
/** Seconds of clip per reader set up (gst-rtsp-server's shared pipeline runs from the first DESCRIBE and does not loop). */
const SETUP_BUDGET_S_PER_READER = 0.05
/** How often the tail checks whether the server has closed every idle and stalled connection. */
const TAIL_POLL_MS = 250
/** Clip lengths are rounded up to this, so runs with nearby knobs share one cached clip. */
const FIXTURE_STEP_S = 30

interface AttackConfig {
  readers: number
  storm: number
  idle: number
  stalled: number
  tail: number
  seconds: number
  warmup: number
  transports: ('tcp' | 'udp')[]
  workers: number[]
  servers: ServerName[]
  cacheDir: string
  ports: Record<ServerName, number>
  udpBase: number
  resultsPath: string
}

function readConfig(): AttackConfig {
  return {
    readers: numberEnv('BENCH_ATTACK_READERS', 500, 1, MAX_READERS),
    storm: numberEnv('BENCH_ATTACK_STORM', 200, 0, 1000),
    idle: numberEnv('BENCH_ATTACK_IDLE', 1000, 0, 5000),
    stalled: numberEnv('BENCH_ATTACK_STALLED', 1, 0, 10),
    tail: numberEnv('BENCH_ATTACK_TAIL', 30, 0, 120),
    seconds: numberEnv('BENCH_SECONDS', 10, 1, 600),
    warmup: numberEnv('BENCH_WARMUP', 3, 0, 60),
    transports: listEnv('BENCH_TRANSPORTS', 'udp', ['tcp', 'udp'] as const),
    workers: (process.env.BENCH_WORKERS ?? '1').split(',').map((s) => {
      const n = Number(s.trim())
      if (!Number.isInteger(n) || n < 1 || n > 64)
        throw new ConfigError('ERR_BENCH_ENV', `BENCH_WORKERS: "${s}" is not an integer from 1 to 64`, { observed: s, allowed: '1-64' })
      return n
    }),
    servers: listEnv('BENCH_SERVERS', 'rtspkit,gst', ['rtspkit', 'gst'] as const),
    cacheDir: process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench'),
    ports: { rtspkit: numberEnv('BENCH_RTSPKIT_PORT', 18554, 1024, 65535), gst: numberEnv('BENCH_GST_PORT', 18654, 1024, 65535) },
    udpBase: numberEnv('BENCH_UDP_BASE', 30000, 1024, 64000),
    resultsPath: process.env.BENCH_OUT ?? DEFAULT_RESULTS,
  }
}

interface WindowResult {
  windowS: number
  meanMbps: number
  slowestMbps: number
  lossPct: number
  lostPackets: number
  expectedPackets: number
  /** Readers that received no packet in the window. */
  stopped: number
  serverCpuPct: number
  serverRssKb: number
  loadCpuPct: number
  /** The C UDP sink's processes together (0 when Node reads the packets). */
  sinkCpuPct: number
  /** Datagrams the kernel dropped for full receive buffers, machine-wide (the load client falling behind). */
  udpRcvbufErrors: number
}

interface AttackResult {
  server: ServerName
  workers: number | null
  transport: 'tcp' | 'udp'
  readers: number
  playing: number
  idleRssKb: number
  quiet: WindowResult
  attack: WindowResult
  storm: StormResult | null
  idle: IdleResult | null
  stalled: StalledResult[]
  serverRunning: boolean
  errors: string[]
}

/** Everything to close on Ctrl+C. */
interface Tracked {
  servers: Set<ServerProcess>
  readers: Set<LoadReader>
  attacks: Set<{ close(): void }>
}

/** The readers, the server and the load process over the next `seconds` (whatever else runs meanwhile). */
async function measureWindow(
  server: ServerProcess,
  readers: LoadReader[],
  ports: UdpReceiver,
  seconds: number,
  ticksPerS: number,
): Promise<WindowResult> {
  const sinkTicks = () => ports.pids.reduce((sum, pid) => sum + processTicks(pid), 0)
  await ports.refresh()
  const t0 = performance.now()
  const cpu0 = processTicks(server.pid)
  const load0 = process.cpuUsage()
  const sink0 = sinkTicks()
  const udp0 = udpDropCounters()
  const before = readers.map((r) => r.snapshot())
  await sleep(seconds * 1000)
  await ports.refresh()
  const after = readers.map((r) => r.snapshot())
  const load = process.cpuUsage(load0)
  const sinkCpuS = (sinkTicks() - sink0) / ticksPerS
  const udp1 = udpDropCounters()
  const windowS = (performance.now() - t0) / 1000
  const cpu1 = server.running ? processTicks(server.pid) : cpu0
  return {
    windowS,
    ...readerStats(before, after, windowS),
    serverCpuPct: ((cpu1 - cpu0) / ticksPerS / windowS) * 100,
    serverRssKb: processRssKb(server.pid),
    loadCpuPct: ((load.user + load.system) / 1e6 / windowS) * 100,
    sinkCpuPct: (sinkCpuS / windowS) * 100,
    udpRcvbufErrors: udp1.rcvbuf - udp0.rcvbuf,
  }
}

function readerStats(
  before: ReaderSnapshot[],
  after: ReaderSnapshot[],
  windowS: number,
): Pick<WindowResult, 'meanMbps' | 'slowestMbps' | 'lossPct' | 'lostPackets' | 'expectedPackets' | 'stopped'> {
  let expected = 0
  let lost = 0
  let stopped = 0
  const rates = before.map((b, i) => {
    const a = after[i]!
    const received = a.packets - b.packets
    const exp = a.expected - b.expected
    if (received === 0) stopped++
    expected += exp
    // Late or duplicated packets can make received exceed expected; they are not negative loss.
    lost += Math.max(0, exp - received)
    return ((a.bytes - b.bytes) * 8) / windowS / 1e6
  })
  return {
    meanMbps: rates.reduce((x, y) => x + y, 0) / Math.max(1, rates.length),
    slowestMbps: Math.min(...rates),
    lossPct: expected > 0 ? (lost / expected) * 100 : 0,
    lostPackets: lost,
    expectedPackets: expected,
    stopped,
  }
}

async function runScenario(
  name: ServerName,
  workers: number | null,
  transport: 'tcp' | 'udp',
  cfg: AttackConfig,
  fixture: Fixture,
  ticksPerS: number,
  tracked: Tracked,
  sink: UdpSinkConfig,
): Promise<AttackResult> {
  const logPath = join(cfg.cacheDir, 'logs', `${name}-attack-${transport}-${cfg.readers}${workers ? `-w${workers}` : ''}.log`)
  const server = startServer(name, cfg.ports[name], fixture.path, logPath, workers ? { extraArgs: ['--workers', String(workers)] } : {})
  tracked.servers.add(server)
  const errors: string[] = []
  let readers: LoadReader[] = []
  // UDP readers' packets are counted by the C sink (bench/udp-sink.ts), as in `npm run bench`: read in
  // this process, 500 readers' datagrams took the load process's whole core.
  const ports = transport === 'udp' ? createUdpReceiver(sink, cfg.udpBase, HOST) : new UdpPortAllocator(cfg.udpBase, HOST)
  const attacks: { close(): void }[] = []
  const attack = <T extends { close(): void }>(a: T): T => {
    attacks.push(a)
    tracked.attacks.add(a)
    return a
  }
  try {
    await server.ready()
    await sleep(IDLE_SETTLE_MS)
    const idleRssKb = processRssKb(server.pid)
    await learnControl(cfg.ports[name], server.url)
    readers = await startReaders(server.url, transport, cfg.readers, ports, tracked.readers, errors)
    const playing = readers.filter((r) => r.error === undefined && r.tracks.length > 0)
    if (playing.length === 0)
      throw new StateError(
        'ERR_BENCH_NO_READERS',
        `no reader could play from ${SERVER_LABEL[name]}: ${errors[0] ?? 'unknown'}\n${server.lastLines()}`,
      )
    const waitUntil = performance.now() + FIRST_PACKET_TIMEOUT_MS
    for (;;) {
      await ports.refresh()
      if (playing.every((r) => r.receiving) || performance.now() >= waitUntil) break
      await sleep(FIRST_PACKET_POLL_MS)
    }
    await sleep(cfg.warmup * 1000)

    const quiet = await measureWindow(server, playing, ports, cfg.seconds, ticksPerS)

    const t0 = performance.now()
    const end = t0 + cfg.seconds * 1000
    const idle = cfg.idle > 0 ? attack(new IdleConnections(cfg.ports[name], cfg.idle, t0)) : undefined
    const stalled = Array.from({ length: cfg.stalled }, () => attack(new StalledReader(cfg.ports[name], server.url, t0)))
    const watch = attack(new StallWatch(stalled))
    const storm = cfg.storm > 0 ? attack(new HandshakeStorm(cfg.ports[name], server.url, cfg.storm, end)) : undefined
    const during = await measureWindow(server, playing, ports, cfg.seconds, ticksPerS)
    const stormResult = storm ? await storm.finish() : null
    // The idle and stalled connections stay a while longer, until the server has closed them all or the
    // tail ends: its timeouts may well be as long as the window (rtspkit's are 10 s by default).
    const tailEnd = end + cfg.tail * 1000
    while (performance.now() < tailEnd && !((idle?.allClosed ?? true) && stalled.every((s) => s.settled))) {
      await sleep(TAIL_POLL_MS)
      watch.poll()
    }
    for (const r of readers) if (r.error !== undefined) errors.push(`reader: ${r.error}`)
    return {
      server: name,
      workers,
      transport,
      readers: cfg.readers,
      playing: playing.length,
      idleRssKb,
      quiet,
      attack: during,
      storm: stormResult,
      idle: idle ? idle.result(cfg.seconds) : null,
      stalled: await Promise.all(stalled.map((s) => s.result())),
      serverRunning: server.running,
      errors: [...new Set(errors)],
    }
  } finally {
    for (const a of attacks) {
      a.close()
      tracked.attacks.delete(a)
    }
    await Promise.all(readers.map((r) => r.close()))
    for (const r of readers) tracked.readers.delete(r)
    await ports.close()
    await server.stop()
    tracked.servers.delete(server)
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const mb = (kb: number) => fmt(kb / 1024, 0)
const secs = (s: number) => (Number.isNaN(s) ? '-' : fmt(s, 1))

function windowTable(results: AttackResult[]): string {
  return textTable(
    ['workers', 'transport', 'window', 'readers', 'Mbit/s mean', 'slowest', 'loss %', 'stopped', 'server CPU %', 'RSS MB', 'load CPU %'],
    results.flatMap((r) =>
      (['quiet', 'attack'] as const).map((w) => [
        String(r.workers ?? '-'),
        r.transport,
        w,
        `${r.playing}/${r.readers}`,
        fmt(r[w].meanMbps, 2),
        fmt(r[w].slowestMbps, 2),
        fmt(r[w].lossPct, 3),
        String(r[w].stopped),
        fmt(r[w].serverCpuPct, 0),
        mb(r[w].serverRssKb),
        r[w].sinkCpuPct > 0 ? `${fmt(r[w].loadCpuPct, 0)} + sink ${fmt(r[w].sinkCpuPct, 0)}` : fmt(r[w].loadCpuPct, 0),
      ]),
    ),
    3,
  )
}

function attackTable(results: AttackResult[]): string {
  return textTable(
    [
      'workers',
      'transport',
      'storm done',
      'failed',
      'unfinished',
      'per s',
      'p99 ms',
      'idle connected',
      'closed in window',
      'closed by tail',
      'closes at s',
      'stalled cut at s',
    ],
    results.map((r) => [
      String(r.workers ?? '-'),
      r.transport,
      String(r.storm?.done ?? '-'),
      String(r.storm?.failed ?? '-'),
      String(r.storm?.unfinished ?? '-'),
      fmt(r.storm?.perSecond, 0),
      fmt(r.storm?.p99Ms, 1),
      r.idle ? `${r.idle.connected}/${r.idle.opened}` : '-',
      String(r.idle?.closedInWindow ?? '-'),
      String(r.idle?.closedByEnd ?? '-'),
      r.idle && r.idle.closedByEnd > 0 ? `${secs(r.idle.closeFirstS)}…${secs(r.idle.closeLastS)}` : '-',
      r.stalled.length === 0
        ? '-'
        : r.stalled.map((s) => (s.playing ? (Number.isNaN(s.cutAtS) ? 'not cut' : secs(s.cutAtS)) : 'no PLAY')).join(','),
    ]),
    2,
  )
}

function summaryLine(results: AttackResult[], loadMax: number): string {
  const pick = (w: WindowResult) => ({
    meanMbps: +w.meanMbps.toFixed(3),
    slowestMbps: +w.slowestMbps.toFixed(3),
    lossPct: +w.lossPct.toFixed(4),
    stopped: w.stopped,
    serverCpuPct: +w.serverCpuPct.toFixed(1),
    rssKb: w.serverRssKb,
  })
  return `ATTACK RESULT ${JSON.stringify({
    loadCpuMaxPct: +loadMax.toFixed(1),
    loadKeptUp: loadMax <= LOAD_CPU_WARN_PCT,
    runs: results.map((r) => ({
      server: r.server,
      workers: r.workers,
      transport: r.transport,
      readers: r.readers,
      playing: r.playing,
      quiet: pick(r.quiet),
      attack: pick(r.attack),
      storm: r.storm && { done: r.storm.done, failed: r.storm.failed, unfinished: r.storm.unfinished, p99Ms: +r.storm.p99Ms.toFixed(2) },
      idle: r.idle && {
        connected: r.idle.connected,
        closedInWindow: r.idle.closedInWindow,
        closedByTail: r.idle.closedByEnd,
        lastCloseS: Number.isNaN(r.idle.closeLastS) ? null : +r.idle.closeLastS.toFixed(2),
      },
      stalledCutAtS: r.stalled.map((s) => (Number.isNaN(s.cutAtS) ? null : +s.cutAtS.toFixed(2))),
      serverRunning: r.serverRunning,
    })),
  })}`
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const cfg = readConfig()
  const gst = cfg.servers.includes('gst') ? gstVersion() : undefined
  if (cfg.servers.includes('rtspkit') && !existsSync(CLI))
    throw new ConfigError('ERR_BENCH_NO_BUILD', `${CLI} is missing: run npm run build first`)
  const needS = cfg.warmup + 2 * cfg.seconds + cfg.tail + cfg.readers * SETUP_BUDGET_S_PER_READER + FIXTURE_MARGIN_S
  const fixture = ensureFixture(cfg.cacheDir, Math.max(MIN_FIXTURE_SECONDS, Math.ceil(needS / FIXTURE_STEP_S) * FIXTURE_STEP_S))
  mkdirSync(join(cfg.cacheDir, 'logs'), { recursive: true })
  const ticksPerS = clockTicksPerSecond()

  const tracked: Tracked = { servers: new Set(), readers: new Set(), attacks: new Set() }
  const killAll = () => {
    for (const a of tracked.attacks) a.close()
    for (const s of tracked.servers) s.kill()
  }
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping servers, readers and attack connections`)
    killAll()
    void Promise.all([...tracked.readers].map((r) => r.close())).finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.once('exit', killAll)

  const started = new Date()
  console.log(`rtspkit under attack, ${started.toISOString()}`)
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}${gst ? `; ${gst}` : ''}`)
  console.log(`clip: ${fixture.path} (${FIXTURE.width}x${FIXTURE.height} ${FIXTURE.fps} fps, ${fmt(fixture.mbps, 3)} Mbit/s)`)
  console.log(
    `${cfg.readers} steady ${cfg.transports.join(',')} readers; a quiet window of ${cfg.seconds} s, then ${cfg.seconds} s under attack: ` +
      `a storm of ${cfg.storm} parallel handshakes, ${cfg.idle} idle connections, ${cfg.stalled} stalled TCP reader(s), watched up to ${cfg.tail} s more\n`,
  )

  const sink: UdpSinkConfig = cfg.transports.includes('udp') ? udpSinkConfig() : { mode: 'node', note: '' }
  if (cfg.transports.includes('udp')) console.log(`UDP readers' packets received by: ${sink.note}\n`)
  const results: AttackResult[] = []
  const failures: string[] = []
  for (const transport of cfg.transports) {
    for (const name of cfg.servers) {
      for (const w of name === 'rtspkit' ? cfg.workers : [null]) {
        const label = `${SERVER_LABEL[name]}${w ? ` w${w}` : ''}`
        process.stdout.write(`${label.padEnd(15)} ${transport} ×${cfg.readers} … `)
        try {
          const r = await runScenario(name, w, transport, cfg, fixture, ticksPerS, tracked, sink)
          results.push(r)
          console.log(
            `quiet ${fmt(r.quiet.meanMbps, 2)} Mbit/s (slowest ${fmt(r.quiet.slowestMbps, 2)}), attack ${fmt(r.attack.meanMbps, 2)} (slowest ${fmt(r.attack.slowestMbps, 2)}), loss ${fmt(r.attack.lossPct, 3)}%`,
          )
        } catch (err) {
          const msg = (err as Error).message
          failures.push(`${label} ${transport}: ${msg}`)
          console.log(`FAILED: ${msg.split('\n')[0]}`)
        }
      }
    }
  }
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)

  for (const name of cfg.servers) {
    const mine = results.filter((r) => r.server === name)
    if (mine.length === 0) continue
    console.log(
      `\n${SERVER_LABEL[name]}: steady readers, quiet window then attack window (Mbit/s: RTP header + payload; stopped: received nothing)\n`,
    )
    console.log(windowTable(mine))
    console.log(`\n${SERVER_LABEL[name]}: the attack (storm: new connection per handshake; closes: seconds from the attack's start)\n`)
    console.log(attackTable(mine))
    for (const r of mine) {
      const notes = [
        ...(r.storm?.firstError ? [`storm's first error: ${r.storm.firstError}`] : []),
        ...r.stalled.filter((s) => s.setupError).map((s) => `stalled reader could not play: ${s.setupError}`),
        ...(r.serverRunning ? [] : ['the server exited']),
        ...r.errors.slice(0, 3),
      ]
      if (notes.length > 0) console.log(`  ${r.transport}${r.workers ? ` w${r.workers}` : ''}: ${notes.join('; ')}`)
    }
  }

  const windows = results.flatMap((r) => [r.quiet, r.attack])
  // The Node load process and the C sink are separate processes, each with a core's worth to use.
  const loadMax = Math.max(0, ...windows.map((w) => Math.max(w.loadCpuPct, w.sinkCpuPct)))
  const drops = windows.reduce((sum, w) => sum + w.udpRcvbufErrors, 0)
  console.log(
    `\nLoad generator: at most ${fmt(loadMax, 1)}% of one core in a window (warning above ${LOAD_CPU_WARN_PCT}%), ` +
      `${drops} UDP datagrams dropped for full receive buffers` +
      (loadMax <= LOAD_CPU_WARN_PCT ? ': it kept up.' : ': it may have been the bottleneck.'),
  )
  if (cfg.transports.includes('udp')) console.log(`UDP readers' receive buffer: asked ${UDP_RECV_BUFFER} bytes each (BENCH_RCVBUF).`)
  for (const f of failures) console.log(`FAILED: ${f}`)
  console.log(summaryLine(results, loadMax))

  writeFileSync(
    cfg.resultsPath,
    JSON.stringify(
      {
        date: started.toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, gstreamer: gst ?? null },
        config: { ...cfg, cacheDir: undefined, resultsPath: undefined },
        fixture: { file: fixture.path.split('/').pop(), seconds: fixture.seconds, mbps: fixture.mbps },
        loadCpuMaxPct: loadMax,
        loadKeptUp: loadMax <= LOAD_CPU_WARN_PCT,
        results,
        failures,
      },
      // NaN (no sample) is written as null.
      (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v),
      2,
    ) + '\n',
  )
  console.log(`wrote ${cfg.resultsPath}`)
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
