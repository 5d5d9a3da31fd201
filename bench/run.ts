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
 *  - the load process's own CPU (process.cpuUsage) and the machine's (/proc/stat), so a saturated
 *    load generator or machine is visible next to the numbers it would distort.
 *
 * Knobs (environment): BENCH_READERS=1,10,50  BENCH_SECONDS=15  BENCH_WARMUP=3
 * BENCH_TRANSPORTS=tcp,udp  BENCH_SERVERS=rtspkit,gst  BENCH_CACHE=<tmpdir>/rtspkit-bench
 * BENCH_RTSPKIT_PORT=18554  BENCH_GST_PORT=18654  BENCH_UDP_BASE=30000  BENCH_OUT=bench/results.json
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type WriteStream } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { ConfigError, StateError } from '../src/errors.js'
import { LoadReader, UdpPortAllocator, type BenchTransport, type ReaderSnapshot } from './load-client.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js')
const GST_SERVER = join(ROOT, 'bench', 'gst-server.py')
const DEFAULT_RESULTS = join(ROOT, 'bench', 'results.json')
/** Debian's interpreter: python3-gi and the GstRtspServer typelib are installed for it, not for pyenv's. */
const SYSTEM_PYTHON = '/usr/bin/python3'
const HOST = '127.0.0.1'
const MOUNT = 'bench'

/** The fixture: 720p30, ~4 Mbit/s capped, GOP 60, a moving test pattern that does not compress to nothing. */
const FIXTURE = { width: 1280, height: 720, fps: 30, bitrate: '4M', maxrate: '4M', bufsize: '2M', gop: 60 }
const MIN_FIXTURE_SECONDS = 60
/** gst-rtsp-server does not loop: the clip must outlast setup + warm-up + window with this margin. */
const FIXTURE_MARGIN_S = 30

const SERVER_START_TIMEOUT_MS = 20_000
const SERVER_STOP_TIMEOUT_MS = 5_000
/** Above this share of one core, the load process may be what limits delivery. */
const LOAD_CPU_WARN_PCT = 70
/** Delivered rate per reader vs the file's bitrate: outside this band the run is suspicious. */
const RATE_TOLERANCE = 0.05
const SERVER_LOG_TAIL = 20
/** Event-loop delay sampling period; the histogram includes it, so it is subtracted from the result. */
const LOOP_DELAY_RESOLUTION_MS = 2
/** Longest wait, after PLAY, for every reader's first RTP packet before the warm-up starts anyway. */
const FIRST_PACKET_TIMEOUT_MS = 10_000
const FIRST_PACKET_POLL_MS = 20
/** Sessions set up at once. */
const CONNECT_CONCURRENCY = 5
/** Stop opening sessions for a scenario after this many failed. */
const MAX_FAILED_STARTS = 5
/** Other programs using more than this share of one core during a window make its numbers noisy. */
const OTHER_CPU_WARN_PCT = 50

type ServerName = 'rtspkit' | 'gst'
const SERVER_LABEL: Record<ServerName, string> = { rtspkit: 'rtspkit', gst: 'gst-rtsp-server' }

interface BenchConfig {
  readers: number[]
  seconds: number
  warmup: number
  transports: BenchTransport[]
  servers: ServerName[]
  cacheDir: string
  ports: Record<ServerName, number>
  udpBase: number
  resultsPath: string
}

function listEnv<T extends string>(name: string, fallback: string, allowed: readonly T[]): T[] {
  const items = (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new ConfigError('ERR_BENCH_ENV', `${name}: "${item}" is not one of ${allowed.join(', ')}`, { observed: item, allowed })
  }
  if (items.length === 0) throw new ConfigError('ERR_BENCH_ENV', `${name} is empty`, { observed: '', allowed })
  return items as T[]
}

function numberEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ConfigError('ERR_BENCH_ENV', `${name} must be a number from ${min} to ${max}, got "${raw}"`, {
      observed: raw,
      allowed: `${min}-${max}`,
    })
  return n
}

function readConfig(): BenchConfig {
  const readers = (process.env.BENCH_READERS ?? '1,10,50').split(',').map((s) => {
    const n = Number(s.trim())
    if (!Number.isInteger(n) || n < 1 || n > 500)
      throw new ConfigError('ERR_BENCH_ENV', `BENCH_READERS: "${s}" is not an integer from 1 to 500`, { observed: s, allowed: '1-500' })
    return n
  })
  return {
    readers,
    seconds: numberEnv('BENCH_SECONDS', 15, 1, 600),
    warmup: numberEnv('BENCH_WARMUP', 3, 0, 60),
    transports: listEnv('BENCH_TRANSPORTS', 'tcp,udp', ['tcp', 'udp'] as const),
    servers: listEnv('BENCH_SERVERS', 'rtspkit,gst', ['rtspkit', 'gst'] as const),
    cacheDir: process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench'),
    ports: { rtspkit: numberEnv('BENCH_RTSPKIT_PORT', 18554, 1024, 65535), gst: numberEnv('BENCH_GST_PORT', 18654, 1024, 65535) },
    udpBase: numberEnv('BENCH_UDP_BASE', 30000, 1024, 64000),
    resultsPath: process.env.BENCH_OUT ?? DEFAULT_RESULTS,
  }
}

// ---------------------------------------------------------------------------------------------
// Environment: tools, fixture, /proc readings

function tryExec(file: string, args: string[]): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
  } catch {
    return undefined
  }
}

const GST_CHECK =
  "import gi; gi.require_version('Gst','1.0'); gi.require_version('GstRtspServer','1.0'); " +
  'from gi.repository import Gst, GstRtspServer; Gst.init(None); print(Gst.version_string())'

function gstVersion(): string {
  const v = tryExec(SYSTEM_PYTHON, ['-c', GST_CHECK])
  if (v === undefined) {
    throw new ConfigError(
      'ERR_BENCH_NO_GST',
      `gst-rtsp-server is not usable from ${SYSTEM_PYTHON}; install gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-bad (scripts/install-peers.sh does), or set BENCH_SERVERS=rtspkit`,
    )
  }
  return v
}

interface Fixture {
  path: string
  bytes: number
  seconds: number
  /** Elementary-stream bitrate: file bytes × 8 / duration. */
  mbps: number
}

function ensureFixture(cacheDir: string, seconds: number): Fixture {
  const f = FIXTURE
  const path = join(cacheDir, `testsrc2-${f.width}x${f.height}p${f.fps}-${f.bitrate}-g${f.gop}-${seconds}s.264`)
  if (!existsSync(path)) {
    if (tryExec('ffmpeg', ['-version']) === undefined)
      throw new ConfigError('ERR_BENCH_NO_FFMPEG', 'ffmpeg is needed to make the bench clip (apt-get install ffmpeg)')
    mkdirSync(cacheDir, { recursive: true })
    const partial = `${path}.partial`
    console.log(`making ${seconds} s fixture ${path} …`)
    execFileSync('ffmpeg', fixtureArgs(partial, seconds), { stdio: ['ignore', 'ignore', 'inherit'] })
    renameSync(partial, path)
  }
  const bytes = statSync(path).size
  return { path, bytes, seconds, mbps: (bytes * 8) / seconds / 1e6 }
}

/** Also printed into BENCHMARKS.md, so the clip can be remade by hand. */
function fixtureArgs(out: string, seconds: number): string[] {
  const f = FIXTURE
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${f.width}x${f.height}:rate=${f.fps}`,
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'high',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    f.bitrate,
    '-maxrate',
    f.maxrate,
    '-bufsize',
    f.bufsize,
    '-g',
    String(f.gop),
    '-keyint_min',
    String(f.gop),
    '-sc_threshold',
    '0',
    // SPS/PPS before every IDR, as cameras send them, so a reader can start at any keyframe.
    '-x264-params',
    'repeat-headers=1',
    '-f',
    'h264',
    out,
  ]
}

/** utime + stime of a process in clock ticks, fields 14 and 15 of /proc/PID/stat (proc(5)). */
function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Field 2 (comm) is parenthesized and may contain spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const UTIME = 11 // field 14, the 12th after comm (state is field 3)
  const STIME = 12
  return Number(fields[UTIME]) + Number(fields[STIME])
}

/** Busy and total ticks summed over all CPUs, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const IDLE = 3
  const IOWAIT = 4
  const STEAL_END = 8 // user nice system idle iowait irq softirq steal; guest time is already in user
  const total = v.slice(0, STEAL_END).reduce((a, b) => a + b, 0)
  return { busy: total - v[IDLE]! - (v[IOWAIT] ?? 0), total }
}

/**
 * The kernel's UDP drop counters for this network namespace (/proc/net/snmp, RFC 4113 names):
 * RcvbufErrors counts datagrams dropped because a receiving socket's buffer was full — on loopback
 * that is the load client falling behind; SndbufErrors counts sends refused for a full send buffer.
 */
function udpDropCounters(): { rcvbuf: number; sndbuf: number } {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'))
  const names = lines[0]?.split(/\s+/) ?? []
  const values = lines[1]?.split(/\s+/) ?? []
  const get = (name: string) => Number(values[names.indexOf(name)] ?? 0)
  return { rcvbuf: get('RcvbufErrors'), sndbuf: get('SndbufErrors') }
}

function clockTicksPerSecond(): number {
  const n = Number(tryExec('getconf', ['CLK_TCK']))
  return Number.isInteger(n) && n > 0 ? n : 100
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// Server processes

class ServerProcess {
  readonly child: ChildProcess
  readonly url: string
  private readonly log: WriteStream
  private readonly tail: string[] = []
  warnings = 0
  private exited = false
  private stopping: Promise<void> | undefined

  constructor(
    readonly name: ServerName,
    command: string,
    args: string[],
    port: number,
    logPath: string,
  ) {
    this.url = `rtsp://${HOST}:${port}/${MOUNT}`
    this.log = createWriteStream(logPath)
    this.log.write(`$ ${command} ${args.join(' ')}\n`)
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT })
    this.child.once('exit', () => {
      this.exited = true
    })
    // Always drain: a server writing to a full pipe would block (Node's stdout on a pipe is synchronous).
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding('utf8')
      stream.on('data', (text: string) => this.onOutput(text))
    }
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get running(): boolean {
    return !this.exited && this.child.exitCode === null && this.child.signalCode === null
  }

  lastLines(): string {
    return this.tail.join('\n')
  }

  private onOutput(text: string): void {
    this.log.write(text)
    for (const line of text.split('\n')) {
      if (line === '') continue
      if (/warn|error|drop/i.test(line)) this.warnings++
      this.tail.push(line)
      if (this.tail.length > SERVER_LOG_TAIL) this.tail.shift()
    }
  }

  /** Resolves when the server has printed that it listens. */
  async ready(): Promise<void> {
    const ready = /listening/
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          done(
            new StateError('ERR_BENCH_SERVER_START', `${this.name} did not start in ${SERVER_START_TIMEOUT_MS} ms:\n${this.lastLines()}`),
          ),
        SERVER_START_TIMEOUT_MS,
      )
      const onData = (text: string) => {
        if (ready.test(text)) done()
      }
      const onExit = (code: number | null, signal: string | null) =>
        done(new StateError('ERR_BENCH_SERVER_EXIT', `${this.name} exited (${signal ?? code}) before listening:\n${this.lastLines()}`))
      const done = (err?: Error) => {
        clearTimeout(timer)
        this.child.stdout!.off('data', onData)
        this.child.off('exit', onExit)
        if (err) reject(err)
        else resolve()
      }
      this.child.stdout!.on('data', onData)
      this.child.once('exit', onExit)
    })
  }

  /** SIGTERM, then SIGKILL if it has not exited in time. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.running) {
        const exit = once(this.child, 'exit')
        this.child.kill('SIGTERM')
        const timer = setTimeout(() => this.child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS)
        await exit
        clearTimeout(timer)
      }
      await new Promise<void>((resolve) => this.log.end(resolve))
    })()
    return this.stopping
  }

  /** Synchronous last resort for exit paths. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL')
  }
}

function startServer(name: ServerName, cfg: BenchConfig, fixture: Fixture, logPath: string): ServerProcess {
  const port = cfg.ports[name]
  if (name === 'rtspkit') {
    return new ServerProcess(
      name,
      process.execPath,
      [CLI, 'serve', '--port', String(port), '--host', HOST, '--path', `${MOUNT}=file:${fixture.path}`],
      port,
      logPath,
    )
  }
  return new ServerProcess(
    name,
    SYSTEM_PYTHON,
    [GST_SERVER, '--host', HOST, '--port', String(port), '--mount', MOUNT, '--file', fixture.path, '--fps', String(FIXTURE.fps)],
    port,
    logPath,
  )
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface ScenarioResult {
  server: ServerName
  transport: BenchTransport
  readers: number
  /** Readers that completed PLAY. */
  playing: number
  /** Readers that received nothing during the window. */
  stalled: number
  /** Milliseconds from the PLAY response to a reader's first RTP packet, over readers that got one. */
  firstPacketMs: { mean: number; max: number }
  /** Same, to the first packet of an H.264 IDR picture: when a decoder could show a picture. */
  firstIdrMs: { mean: number; max: number }
  windowS: number
  perReaderMbps: { mean: number; min: number; max: number }
  totalMbps: number
  /** Mean per-reader rate over the file's bitrate. */
  rateVsFile: number
  expectedPackets: number
  lostPackets: number
  lossPct: number
  serverCpuS: number
  serverCpuPerReaderMin: number
  /** Load process CPU over the window, % of one core. */
  loadCpuPct: number
  /** 99th percentile of the load process's event-loop delay over the window: how late packets could be read. */
  loadLoopP99Ms: number
  /** Whole machine, % of one core (so up to 100 × cores). */
  machineBusyPct: number
  /** Machine busy time not spent in the server or the load process (other programs, kernel), % of one core. */
  otherBusyPct: number
  /** Machine-wide UDP datagrams dropped for a full receive / send buffer during the window. */
  udpRcvbufErrors: number
  udpSndbufErrors: number
  serverWarnings: number
  errors: string[]
}

interface Tracked {
  servers: Set<ServerProcess>
  readers: Set<LoadReader>
}

async function runScenario(
  name: ServerName,
  transport: BenchTransport,
  n: number,
  cfg: BenchConfig,
  fixture: Fixture,
  ticksPerS: number,
  tracked: Tracked,
): Promise<ScenarioResult> {
  const logPath = join(cfg.cacheDir, 'logs', `${name}-${transport}-${n}.log`)
  const server = startServer(name, cfg, fixture, logPath)
  tracked.servers.add(server)
  const readers: LoadReader[] = []
  const errors: string[] = []
  try {
    await server.ready()
    const ports = new UdpPortAllocator(cfg.udpBase, HOST)
    // A few sessions at a time: this measures steady fan-out, not a connection storm (gst-rtsp-server
    // listens with a backlog of 5 and drops the excess, which then stalls in TCP retransmission).
    let next = 0
    let failedStarts = 0
    const worker = async () => {
      // Once the server refuses or ignores several sessions, the rest would only wait for timeouts.
      while (next < n && failedStarts < MAX_FAILED_STARTS) {
        next++
        const reader = new LoadReader({ url: server.url, transport, ports })
        tracked.readers.add(reader)
        readers.push(reader)
        await reader.start().catch((err: Error) => {
          failedStarts++
          errors.push(`start: ${err.message}`)
        })
      }
    }
    await Promise.all(Array.from({ length: Math.min(n, CONNECT_CONCURRENCY) }, worker))
    const playing = readers.filter((r) => r.error === undefined && r.tracks.length > 0)
    if (playing.length === 0)
      throw new StateError(
        'ERR_BENCH_NO_READERS',
        `no reader could play from ${SERVER_LABEL[name]}: ${errors[0] ?? 'unknown'}\n${server.lastLines()}`,
      )
    // A server may hold a new reader back until the next keyframe: the warm-up starts once every
    // reader receives (or the wait times out), so the window measures steady delivery only.
    const waitUntil = performance.now() + FIRST_PACKET_TIMEOUT_MS
    while (!playing.every((r) => r.receiving) && performance.now() < waitUntil) await sleep(FIRST_PACKET_POLL_MS)
    const defined = (ms: number | undefined): ms is number => ms !== undefined
    const firstPacket = playing.map((r) => r.firstPacketMs).filter(defined)
    await sleep(cfg.warmup * 1000)

    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS })
    loopDelay.enable()
    const t0 = performance.now()
    const cpu0 = processTicks(server.pid)
    const load0 = process.cpuUsage()
    const machine0 = machineTicks()
    const udp0 = udpDropCounters()
    const snaps0 = playing.map((r) => r.snapshot())
    await sleep(cfg.seconds * 1000)
    const snaps1 = playing.map((r) => r.snapshot())
    const firstIdr = playing.map((r) => r.firstIdrMs).filter(defined)
    const machine1 = machineTicks()
    const udp1 = udpDropCounters()
    const load = process.cpuUsage(load0)
    loopDelay.disable()
    if (!server.running)
      throw new StateError('ERR_BENCH_SERVER_EXIT', `${SERVER_LABEL[name]} exited during the window:\n${server.lastLines()}`)
    const cpu1 = processTicks(server.pid)
    const windowS = (performance.now() - t0) / 1000

    for (const r of readers) if (r.error !== undefined) errors.push(`reader: ${r.error}`)
    const result = summarize(snaps0, snaps1, windowS, fixture)
    const serverCpuS = (cpu1 - cpu0) / ticksPerS
    const machineTotal = machine1.total - machine0.total
    const machineBusyPct = machineTotal > 0 ? ((machine1.busy - machine0.busy) / machineTotal) * cpus().length * 100 : 0
    const loadCpuPct = ((load.user + load.system) / 1e6 / windowS) * 100
    return {
      server: name,
      transport,
      readers: n,
      playing: playing.length,
      firstPacketMs: meanMax(firstPacket),
      firstIdrMs: meanMax(firstIdr),
      windowS,
      ...result,
      serverCpuS,
      serverCpuPerReaderMin: serverCpuS / (playing.length * (windowS / 60)),
      loadCpuPct,
      loadLoopP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS),
      machineBusyPct,
      otherBusyPct: Math.max(0, machineBusyPct - loadCpuPct - (serverCpuS / windowS) * 100),
      udpRcvbufErrors: udp1.rcvbuf - udp0.rcvbuf,
      udpSndbufErrors: udp1.sndbuf - udp0.sndbuf,
      serverWarnings: server.warnings,
      errors: [...new Set(errors)],
    }
  } finally {
    await Promise.all(readers.map((r) => r.close()))
    for (const r of readers) tracked.readers.delete(r)
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
// Report

interface Ratio {
  transport: BenchTransport
  readers: number
  perReaderMbps: number | null
  totalMbps: number | null
  /** null when gst lost nothing (rtspkit's loss % is then shown as is). */
  loss: number | null
  cpuPerReaderMin: number | null
}

const div = (a: number, b: number): number | null => (b > 0 ? a / b : null)

function ratios(results: ScenarioResult[]): Ratio[] {
  const out: Ratio[] = []
  for (const k of results.filter((r) => r.server === 'rtspkit')) {
    const g = results.find((r) => r.server === 'gst' && r.transport === k.transport && r.readers === k.readers)
    if (!g) continue
    out.push({
      transport: k.transport,
      readers: k.readers,
      perReaderMbps: div(k.perReaderMbps.mean, g.perReaderMbps.mean),
      totalMbps: div(k.totalMbps, g.totalMbps),
      loss: div(k.lossPct, g.lossPct),
      cpuPerReaderMin: div(k.serverCpuPerReaderMin, g.serverCpuPerReaderMin),
    })
  }
  return out
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

const f = (n: number, digits = 2): string => n.toFixed(digits)
const fr = (n: number | null): string => (n === null ? 'n/a' : n.toFixed(2))

function resultsTable(results: ScenarioResult[]): string {
  return table(
    [
      'server',
      'transport',
      'readers',
      '1st pkt / IDR ms',
      'Mbit/s per reader (min)',
      'total Mbit/s',
      'vs file',
      'loss %',
      'server CPU s',
      'CPU s/reader-min',
      'load CPU %',
      'load lag p99 ms',
      'other CPU %',
    ],
    results.map((r) => [
      SERVER_LABEL[r.server],
      r.transport,
      String(r.readers) + (r.playing < r.readers ? ` (${r.playing} played)` : ''),
      `${f(r.firstPacketMs.mean, 0)} / ${f(r.firstIdrMs.mean, 0)}`,
      `${f(r.perReaderMbps.mean)} (${f(r.perReaderMbps.min)})`,
      f(r.totalMbps, 1),
      f(r.rateVsFile, 3),
      f(r.lossPct, 3),
      f(r.serverCpuS),
      f(r.serverCpuPerReaderMin, 3),
      f(r.loadCpuPct, 1),
      f(r.loadLoopP99Ms, 1),
      f(r.otherBusyPct, 0),
    ]),
  )
}

function ratioTable(rs: Ratio[], results: ScenarioResult[]): string {
  return table(
    ['transport', 'readers', '', 'Mbit/s per reader', 'total Mbit/s', 'loss', 'CPU s/reader-min'],
    rs.map((r) => {
      const k = results.find((x) => x.server === 'rtspkit' && x.transport === r.transport && x.readers === r.readers)!
      const loss = r.loss !== null ? fr(r.loss) : k.lossPct === 0 ? 'both 0' : `gst 0, rtspkit ${f(k.lossPct, 3)}%`
      return [r.transport, String(r.readers), '', fr(r.perReaderMbps), fr(r.totalMbps), loss, fr(r.cpuPerReaderMin)]
    }),
  )
}

/** Warnings about the measurement itself: a saturated load generator, off-rate delivery, failures. */
function checks(results: ScenarioResult[], fileMbps: number): string[] {
  const out: string[] = []
  for (const r of results) {
    const id = `${SERVER_LABEL[r.server]} ${r.transport} ×${r.readers}`
    if (r.loadCpuPct > LOAD_CPU_WARN_PCT)
      out.push(`${id}: load process used ${f(r.loadCpuPct, 0)}% of a core (> ${LOAD_CPU_WARN_PCT}%): it may be the bottleneck`)
    if (Math.abs(r.rateVsFile - 1) > RATE_TOLERANCE)
      out.push(`${id}: mean delivered rate is ${f(r.rateVsFile, 3)} × the file bitrate (outside ±${RATE_TOLERANCE * 100}%)`)
    else if (r.perReaderMbps.min < fileMbps * (1 - RATE_TOLERANCE))
      out.push(`${id}: slowest reader got ${f(r.perReaderMbps.min)} Mbit/s, more than ${RATE_TOLERANCE * 100}% under the file bitrate`)
    if (r.otherBusyPct > OTHER_CPU_WARN_PCT)
      out.push(`${id}: other programs used ${f(r.otherBusyPct, 0)}% of a core during the window: numbers may be disturbed`)
    if (r.udpRcvbufErrors > 0)
      out.push(`${id}: the kernel dropped ${r.udpRcvbufErrors} UDP datagrams for full receive buffers (a reader fell behind)`)
    if (r.udpSndbufErrors > 0) out.push(`${id}: the kernel refused ${r.udpSndbufErrors} UDP sends for full send buffers`)
    if (r.playing < r.readers) out.push(`${id}: only ${r.playing} of ${r.readers} readers played`)
    if (r.stalled > 0) out.push(`${id}: ${r.stalled} readers received nothing during the window`)
    for (const e of r.errors.slice(0, 3)) out.push(`${id}: ${e}`)
    if (r.serverWarnings > 0) out.push(`${id}: server printed ${r.serverWarnings} warning/error lines (see its log)`)
  }
  return out
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const cfg = readConfig()
  const gst = cfg.servers.includes('gst') ? gstVersion() : undefined
  if (cfg.servers.includes('rtspkit') && !existsSync(CLI))
    throw new ConfigError('ERR_BENCH_NO_BUILD', `${CLI} is missing: run npm run build first`)
  const fixtureSeconds = Math.max(MIN_FIXTURE_SECONDS, Math.ceil(cfg.warmup + cfg.seconds + FIXTURE_MARGIN_S))
  const fixture = ensureFixture(cfg.cacheDir, fixtureSeconds)
  mkdirSync(join(cfg.cacheDir, 'logs'), { recursive: true })
  const ticksPerS = clockTicksPerSecond()

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
    `readers ${cfg.readers.join(',')} × ${cfg.transports.join(',')} × ${cfg.servers.map((s) => SERVER_LABEL[s]).join(',')}; warm-up ${cfg.warmup} s, window ${cfg.seconds} s; server logs in ${join(cfg.cacheDir, 'logs')}\n`,
  )

  const results: ScenarioResult[] = []
  const failures: string[] = []
  for (const transport of cfg.transports) {
    for (const n of cfg.readers) {
      for (const name of cfg.servers) {
        process.stdout.write(`${SERVER_LABEL[name].padEnd(15)} ${transport} ×${String(n).padEnd(3)} … `)
        try {
          const r = await runScenario(name, transport, n, cfg, fixture, ticksPerS, tracked)
          results.push(r)
          console.log(
            `${f(r.perReaderMbps.mean)} Mbit/s/reader, loss ${f(r.lossPct, 3)}%, ${f(r.serverCpuPerReaderMin, 3)} CPU s/reader-min, load ${f(r.loadCpuPct, 0)}%`,
          )
        } catch (err) {
          const msg = (err as Error).message
          failures.push(`${SERVER_LABEL[name]} ${transport} ×${n}: ${msg}`)
          console.log(`FAILED: ${msg.split('\n')[0]}`)
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
  const warnings = [...checks(results, fixture.mbps), ...failures]
  const maxLoad = Math.max(0, ...results.map((r) => r.loadCpuPct))
  const maxLag = Math.max(0, ...results.map((r) => r.loadLoopP99Ms))
  const rcvbufDrops = results.reduce((sum, r) => sum + r.udpRcvbufErrors, 0)
  console.log(
    `\nLoad generator: at most ${f(maxLoad, 1)}% of one core (warning above ${LOAD_CPU_WARN_PCT}%), ` +
      `event-loop delay p99 at most ${f(maxLag, 1)} ms, ${rcvbufDrops} UDP datagrams dropped for full receive buffers.`,
  )
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
        config: { ...cfg, cacheDir: undefined, resultsPath: undefined },
        fixture: {
          file: fixture.path.split('/').pop(),
          bytes: fixture.bytes,
          seconds: fixture.seconds,
          mbps: fixture.mbps,
          ffmpegArgs: fixtureArgs('OUT.264', fixture.seconds),
        },
        results,
        ratios: rs,
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
