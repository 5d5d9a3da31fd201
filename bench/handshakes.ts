/**
 * `npm run bench:handshakes` (and the last part of `npm run bench`): RTSP sessions set up and torn
 * down as fast as 16 clients in parallel can, rtspkit next to gst-rtsp-server. Each client, on a fresh
 * TCP connection: OPTIONS, DESCRIBE, SETUP, PLAY with `Range: npt=0.000-`, TEARDOWN, close. One
 * handshake is connect to TEARDOWN's answer; its time is a sample for p50/p99. A request without an
 * answer in REPLY_TIMEOUT_MS counts as a failure (gst-rtsp-server has been seen to hang on Range).
 *
 * The load comes from a C client (bench/rtsp-handshakes.ts runs bench/native/rtsp-handshakes.c) that
 * sends the same requests as handshake() below: the Node client took a core of its own at the rates
 * it measured. The client's own CPU is a column; above LOAD_CPU_WARN_PCT of a core the rate is the
 * client's, and the table says so.
 *
 * Knobs: BENCH_HS_PARALLEL=16  BENCH_HS_SECONDS=5  BENCH_HS_WARMUP=3 (seconds of handshakes before the window)  BENCH_HS_TRANSPORT=tcp|udp  BENCH_SERVERS=rtspkit,gst
 * (also `floor`: bench/handshake-floor.ts, a bare Node server with canned answers, the least a Node
 * server can spend on a handshake; BENCH_FLOOR_PORT=18854, BENCH_FLOOR_KEYFRAME=60000 bytes after PLAY)
 * BENCH_HS_CLIENT=c|node (default c; node, with a line saying why, when the C client cannot be built)
 * BENCH_WORKERS=1  BENCH_CPU_PROF=DIR (rtspkit runs under `node --cpu-prof`, profile written there).
 */
import net from 'node:net'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { listEnv, numberEnv, sleep } from './bench-env.js'
import { ensureFixture, MIN_FIXTURE_SECONDS } from './fixture.js'
import { clockTicksPerSecond, processTicks } from './proc-stats.js'
import { LOAD_CPU_WARN_PCT } from './run-report.js'
import { handshakeClientConfig, runNativeHandshakes, type HandshakeClientConfig } from './rtsp-handshakes.js'
import { DEFAULT_KEYFRAME_BYTES, FLOOR_LABEL, startFloor } from './handshake-floor.js'
import { HOST, SERVER_LABEL, startServer, type ServerName } from './server-process.js'
import { fmt, percentile, textTable } from './stats.js'

const REPLY_TIMEOUT_MS = 5000
/** The first DESCRIBE may wait for a server to prepare its media (gst-rtsp-server starts a pipeline). */
const FIRST_DESCRIBE_TIMEOUT_MS = 20_000
const HEADER_END = '\r\n\r\n'
const INTERLEAVED_MAGIC = 0x24
const INTERLEAVED_HEADER = 4
const MS_PER_S = 1000
const US_PER_MS = 1000

/** The servers of this bench: those of server-process.ts, and the bare Node floor. */
export type HandshakeServer = ServerName | 'floor'

export function handshakeServerLabel(name: HandshakeServer): string {
  return name === 'floor' ? FLOOR_LABEL : SERVER_LABEL[name]
}

export interface HandshakeResult {
  server: HandshakeServer
  workers: number | null
  parallel: number
  seconds: number
  done: number
  failed: number
  perSecond: number
  p50Ms: number
  p99Ms: number
  serverCpuPct: number
  /** Server CPU (utime + stime) per handshake: steadier than the rate on a busy machine. */
  cpuMsPerHandshake: number
  firstError: string | undefined
  /** Who made the handshakes: the C client, or handshake() in this process. */
  client: 'c' | 'node'
  /** The load client's CPU over the run, % of one core: above LOAD_CPU_WARN_PCT the rate is a floor. */
  clientCpuPct: number
}

/** One RTSP connection that sends a request and reads its answer, skipping interleaved media. */
export class Conn {
  private buf = Buffer.alloc(0)
  private waiter: ((res: { status: number; headers: string }) => void) | undefined
  private cseq = 0
  private failure: ((err: Error) => void) | undefined

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d])
      this.parse()
    })
    socket.on('error', (err) => this.failure?.(err))
    socket.on('close', () => this.failure?.(new Error('connection closed')))
  }

  /** `signal` destroys the socket when aborted, also while connecting (bench/attack-load.ts bounds its storm so). */
  static open(port: number, signal?: AbortSignal): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: HOST, ...(signal ? { signal } : {}) }, () => {
        s.off('error', reject)
        resolve(new Conn(s))
      })
      s.once('error', reject)
    })
  }

  private parse(): void {
    for (;;) {
      if (this.buf.length > 0 && this.buf[0] === INTERLEAVED_MAGIC) {
        if (this.buf.length < INTERLEAVED_HEADER) return
        const len = INTERLEAVED_HEADER + this.buf.readUInt16BE(2)
        if (this.buf.length < len) return
        this.buf = this.buf.subarray(len)
        continue
      }
      const end = this.buf.indexOf(HEADER_END)
      if (end < 0) return
      const head = this.buf.subarray(0, end).toString('latin1')
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head)
      const total = end + HEADER_END.length + (cl ? Number(cl[1]) : 0)
      if (this.buf.length < total) return
      this.buf = this.buf.subarray(total)
      const w = this.waiter
      this.waiter = undefined
      w?.({ status: Number(head.slice(9, 12)), headers: head })
    }
  }

  request(method: string, url: string, headers: string): Promise<{ status: number; headers: string }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS)
      this.waiter = (res) => {
        clearTimeout(timer)
        if (res.status !== 200) reject(new Error(`${method}: ${res.status}`))
        else resolve(res)
      }
      this.failure = (err) => {
        clearTimeout(timer)
        reject(err)
      }
      this.socket.write(`${method} ${url} RTSP/1.0\r\nCSeq: ${++this.cseq}\r\n${headers}\r\n`)
    })
  }

  /** The local TCP port (bench/attack-load.ts finds the connection in /proc/net/tcp by it). */
  get localPort(): number {
    return this.socket.localPort ?? 0
  }

  /**
   * Stops reading for good: once Node's buffer is full it stops reading the socket, the kernel's
   * receive buffer fills and the server's writes back up (a stalled TCP reader).
   */
  stopReading(): void {
    this.failure = undefined
    this.socket.pause()
  }

  close(): void {
    this.failure = undefined
    this.socket.destroy()
  }
}

/**
 * One full handshake; resolves with its duration in ms. `learnControl` must have run for `url`.
 * Aborting `signal` ends it at once (it then rejects).
 */
export async function handshake(
  port: number,
  url: string,
  transport: 'tcp' | 'udp',
  clientPort: number,
  signal?: AbortSignal,
): Promise<number> {
  const t0 = performance.now()
  const c = await Conn.open(port, signal)
  try {
    await c.request('OPTIONS', url, '')
    const d = await c.request('DESCRIBE', url, 'Accept: application/sdp\r\n')
    const base = /\r\ncontent-base:\s*(\S+)/i.exec(d.headers)?.[1] ?? `${url}/`
    const t = transport === 'tcp' ? 'RTP/AVP/TCP;unicast;interleaved=0-1' : `RTP/AVP;unicast;client_port=${clientPort}-${clientPort + 1}`
    const s = await c.request('SETUP', `${base}${trackControlOf(url)}`, `Transport: ${t}\r\n`)
    const session = /\r\nsession:\s*([^;\r]+)/i.exec(s.headers)?.[1] ?? ''
    await c.request('PLAY', url, `Session: ${session}\r\nRange: npt=0.000-\r\n`)
    await c.request('TEARDOWN', url, `Session: ${session}\r\n`)
    return performance.now() - t0
  } finally {
    c.close()
  }
}

/** Each server names its tracks its own way: the first a=control of the SDP, read once per URL. */
const trackControl = new Map<string, string>()

/** The track's control for `url` (read by `learnControl`). */
export function trackControlOf(url: string): string {
  return trackControl.get(url) ?? 'trackID=0'
}

export async function learnControl(port: number, url: string): Promise<void> {
  const body = await new Promise<string>((resolve, reject) => {
    const s = net.connect(port, HOST, () => s.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`))
    let text = ''
    s.on('data', (d) => {
      text += d.toString('latin1')
      // The first media section: split at line starts, since a value may contain 'm=' (gst-rtsp-server's a=control:stream=0).
      const m = /a=control:(?!\*)(\S+)\r?\n[\s\S]*$/.exec(text.split(/\nm=/)[1] ?? '')
      if (m) {
        s.destroy()
        resolve(m[1]!)
      }
    })
    s.on('error', reject)
    setTimeout(() => {
      s.destroy()
      reject(new Error('DESCRIBE: no SDP'))
    }, FIRST_DESCRIBE_TIMEOUT_MS).unref()
  })
  trackControl.set(url, body.replace(/^.*\//, ''))
}

export interface HandshakeOptions {
  parallel: number
  seconds: number
  /**
   * Handshakes run (and are not counted) for this long before the measured window, so a server that
   * compiles its code as it runs (rtspkit's JIT) is measured warm, as one that has served a while; 0: none.
   */
  warmupSeconds?: number
  transport: 'tcp' | 'udp'
  client: HandshakeClientConfig
  port: number
  clip: string
  logDir: string
  cpuProf?: string
  /** The floor server's keyframe after PLAY over TCP, bytes (default DEFAULT_KEYFRAME_BYTES). */
  floorKeyframeBytes?: number
}

/** What one load client measured, before the server's CPU is added. */
type ClientRun = Pick<HandshakeResult, 'done' | 'failed' | 'firstError' | 'p50Ms' | 'p99Ms' | 'seconds' | 'clientCpuPct'>

export async function runHandshakes(name: HandshakeServer, workers: number | null, opts: HandshakeOptions): Promise<HandshakeResult> {
  const extraArgs = workers ? ['--workers', String(workers)] : []
  const logPath = join(opts.logDir, `${name}-handshakes${workers ? `-w${workers}` : ''}.log`)
  const server =
    name === 'floor'
      ? startFloor(opts.port, logPath, opts.floorKeyframeBytes ?? DEFAULT_KEYFRAME_BYTES)
      : startServer(name, opts.port, opts.clip, logPath, {
          extraArgs,
          ...(opts.cpuProf && name === 'rtspkit' ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] } : {}),
        })
  try {
    await server.ready()
    await learnControl(opts.port, server.url)
    if (opts.warmupSeconds) {
      const warm = { ...opts, seconds: opts.warmupSeconds }
      await (opts.client.mode === 'c' ? cClient(opts.client.binary, server.url, warm) : nodeClient(server.url, warm))
    }
    const ticks = clockTicksPerSecond()
    const cpu0 = processTicks(server.pid)
    const t0 = performance.now()
    const run = opts.client.mode === 'c' ? await cClient(opts.client.binary, server.url, opts) : await nodeClient(server.url, opts)
    const cpuS = (processTicks(server.pid) - cpu0) / ticks
    return {
      server: name,
      workers,
      parallel: opts.parallel,
      ...run,
      perSecond: run.done / run.seconds,
      serverCpuPct: (cpuS / ((performance.now() - t0) / MS_PER_S)) * 100,
      cpuMsPerHandshake: (cpuS * MS_PER_S) / Math.max(1, run.done),
      client: opts.client.mode,
    }
  } finally {
    await server.stop()
  }
}

async function cClient(binary: string, url: string, opts: HandshakeOptions): Promise<ClientRun> {
  const { cpuSeconds, ...r } = await runNativeHandshakes(binary, {
    host: HOST,
    port: opts.port,
    url,
    control: trackControlOf(url),
    transport: opts.transport,
    parallel: opts.parallel,
    seconds: opts.seconds,
  })
  return { ...r, clientCpuPct: (cpuSeconds / r.seconds) * 100 }
}

/** `parallel` loops of handshake() in this process; its CPU is the whole process's. */
async function nodeClient(url: string, opts: HandshakeOptions): Promise<ClientRun> {
  const samples: number[] = []
  let failed = 0
  let firstError: string | undefined
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const end = t0 + opts.seconds * MS_PER_S
  const loop = async (k: number) => {
    let i = 0
    while (performance.now() < end) {
      try {
        samples.push(await handshake(opts.port, url, opts.transport, 40000 + 2 * ((k * 1000 + i++) % 10000)))
      } catch (err) {
        failed++
        firstError ??= (err as Error).message
        await sleep(10)
      }
    }
  }
  await Promise.all(Array.from({ length: opts.parallel }, (_, k) => loop(k)))
  const elapsed = (performance.now() - t0) / MS_PER_S
  const cpu = process.cpuUsage(cpu0)
  const cpuS = (cpu.user + cpu.system) / US_PER_MS / MS_PER_S
  return {
    seconds: elapsed,
    done: samples.length,
    failed,
    firstError,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    clientCpuPct: (cpuS / elapsed) * 100,
  }
}

/** The table, then a line on the load client: whether it kept up, or whether the rates are floors. */
export function handshakeTable(results: HandshakeResult[]): string {
  const table = textTable(
    [
      'server',
      'workers',
      'parallel',
      'handshakes',
      'per s',
      'p50 ms',
      'p99 ms',
      'failed',
      'server CPU %',
      'CPU ms/handshake',
      'client',
      'client CPU %',
    ],
    results.map((r) => [
      handshakeServerLabel(r.server),
      String(r.workers ?? '-'),
      String(r.parallel),
      String(r.done),
      fmt(r.perSecond, 0),
      fmt(r.p50Ms, 2),
      fmt(r.p99Ms, 2),
      String(r.failed) + (r.firstError ? ` (${r.firstError})` : ''),
      fmt(r.serverCpuPct, 0),
      fmt(r.cpuMsPerHandshake, 3),
      r.client === 'c' ? 'C' : 'Node',
      fmt(r.clientCpuPct, 0),
    ]),
    2,
  )
  if (results.length === 0) return table
  const busiest = Math.max(...results.map((r) => r.clientCpuPct))
  const verdict =
    busiest > LOAD_CPU_WARN_PCT
      ? `load client saturated: the rate is a floor (up to ${fmt(busiest, 0)}% of a core, above ${LOAD_CPU_WARN_PCT}%)`
      : `load client at most ${fmt(busiest, 0)}% of a core (under ${LOAD_CPU_WARN_PCT}%): it kept up`
  return `${table}\n${verdict}`
}

/** The BENCH_HS_* knobs; building the C client (once) is part of reading BENCH_HS_CLIENT. */
export function handshakeConfig(): Pick<HandshakeOptions, 'parallel' | 'seconds' | 'warmupSeconds' | 'transport' | 'client'> {
  return {
    parallel: numberEnv('BENCH_HS_PARALLEL', 16, 1, 256),
    seconds: numberEnv('BENCH_HS_SECONDS', 5, 1, 120),
    warmupSeconds: numberEnv('BENCH_HS_WARMUP', 3, 0, 60),
    transport: listEnv('BENCH_HS_TRANSPORT', 'tcp', ['tcp', 'udp'] as const)[0]!,
    client: handshakeClientConfig(),
  }
}

const DEFAULT_PORT: Record<HandshakeServer, number> = { rtspkit: 18554, gst: 18654, floor: 18854 }

async function main(): Promise<void> {
  const cfg = handshakeConfig()
  const servers = listEnv('BENCH_SERVERS', 'rtspkit,gst', ['rtspkit', 'gst', 'floor'] as const)
  const floorKeyframeBytes = numberEnv('BENCH_FLOOR_KEYFRAME', DEFAULT_KEYFRAME_BYTES, 0, 16 * 1024 * 1024)
  const workers = (process.env.BENCH_WORKERS ?? '1').split(',').map(Number)
  const cacheDir = process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench')
  const logDir = join(cacheDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const fixture = ensureFixture(cacheDir, MIN_FIXTURE_SECONDS)
  const cpuProf = process.env.BENCH_CPU_PROF
  if (cpuProf) mkdirSync(cpuProf, { recursive: true })
  const results: HandshakeResult[] = []
  console.log(`Load client: ${cfg.client.note}`)
  for (const name of servers) {
    for (const w of name === 'rtspkit' ? workers : [null]) {
      const port = numberEnv(`BENCH_${name.toUpperCase()}_PORT`, DEFAULT_PORT[name], 1024, 65535)
      process.stdout.write(`${handshakeServerLabel(name)} handshakes, ${cfg.parallel} in parallel … `)
      const opts = { ...cfg, port, clip: fixture.path, logDir, floorKeyframeBytes, ...(cpuProf ? { cpuProf } : {}) }
      const r = await runHandshakes(name, w, opts)
      results.push(r)
      console.log(
        `${fmt(r.perSecond, 0)}/s, p99 ${fmt(r.p99Ms, 2)} ms, ${fmt(r.cpuMsPerHandshake, 3)} CPU ms each, ${r.failed} failed, client ${fmt(r.clientCpuPct, 0)}% CPU`,
      )
    }
  }
  console.log(
    `\nHandshakes (OPTIONS, DESCRIBE, SETUP ${cfg.transport}, PLAY with Range, TEARDOWN; new connection each; ${cfg.warmupSeconds ?? 0} s of them unmeasured first):\n`,
  )
  console.log(handshakeTable(results))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  })
}
