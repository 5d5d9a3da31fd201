/**
 * The C receive side of the UDP load readers: compiles bench/native/udp-sink.c with the system's gcc
 * (once; again when the source is newer than the binary) and drives one or more sink processes.
 *
 * Why: 500 UDP readers of a 4 Mbit/s stream are ~190k datagrams/s. Read by `dgram` in the Node load
 * process that is a whole core, which on a 2-core machine starves the server under test, so every
 * server shows loss. The sink reads them with epoll and recvmmsg and counts exactly what TrackStats
 * counts; the Node readers keep doing the RTSP side (handshakes, keep-alives) and pull the counters
 * with refresh(). Protocol: see the head of udp-sink.c.
 *
 * Knobs: BENCH_UDP_SINK=c|node (default c; node when gcc is missing or the build fails),
 * BENCH_UDP_SINKS=1 (processes; readers are dealt to them in turn), BENCH_SINK_LINGER_US=1000.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { StateError } from '../src/errors.js'
import { listEnv, numberEnv } from './bench-env.js'
import { buildNative, nativeProgram, type NativeBuild } from './native-build.js'
import { TrackStats } from './track-stats.js'
import { MAX_PORT, MAX_PORT_ATTEMPTS, noPorts, UDP_RECV_BUFFER, UdpPortAllocator, type UdpPair, type UdpReceiver } from './udp-receiver.js'

const SINK = nativeProgram('udp-sink')
export const SINK_SOURCE = SINK.source
export const SINK_BINARY = SINK.binary
/** A sink that does not answer a command in this long is taken for hung. */
const COMMAND_TIMEOUT_MS = 10_000
const EXIT_WAIT_MS = 2000
const MAX_SINKS = 16
const MAX_LINGER_US = 100_000
/**
 * On loopback the sender's send() runs the receive path, including waking a receiver that sleeps in
 * epoll_wait: a sink that is always idle makes the server under test pay one wakeup per datagram
 * (measured at 500 readers: rtspkit 3.06 → 3.88 Mbit/s per reader with 1 ms, gst-rtsp-server 17 %
 * less CPU, the sink 40 → 18 % of a core). Sleeping 1 ms after a busy round avoids that, and each
 * recvmmsg then returns more datagrams; first-packet times may be up to 1 ms late.
 */
const DEFAULT_LINGER_US = 1000
const NS_PER_MS = 1e6

export type SinkBuild = NativeBuild

/** Compiles the sink unless the binary is newer than its source (bench/native-build.ts). */
export function buildUdpSink(source = SINK_SOURCE, binary = SINK_BINARY): SinkBuild {
  return buildNative(source, binary)
}

/** How the bench receives UDP: read once from the environment, then one receiver per scenario. */
export type UdpSinkConfig =
  { mode: 'c'; binary: string; processes: number; lingerUs: number; note: string } | { mode: 'node'; note: string }

export function udpSinkConfig(): UdpSinkConfig {
  const [wanted] = listEnv('BENCH_UDP_SINK', 'c', ['c', 'node'] as const)
  if (wanted === 'node') return { mode: 'node', note: 'Node dgram sockets in the load process (BENCH_UDP_SINK=node)' }
  const build = buildUdpSink()
  if (!build.ok) return { mode: 'node', note: `Node dgram sockets in the load process: the C sink is unavailable (${build.reason})` }
  const processes = numberEnv('BENCH_UDP_SINKS', 1, 1, MAX_SINKS)
  const lingerUs = numberEnv('BENCH_SINK_LINGER_US', DEFAULT_LINGER_US, 0, MAX_LINGER_US)
  return {
    mode: 'c',
    binary: build.binary,
    processes,
    lingerUs,
    note: `C sink (bench/native/udp-sink.c, epoll + recvmmsg) in ${processes} process${processes > 1 ? 'es' : ''}${lingerUs > 0 ? `, ${lingerUs} µs linger` : ''}`,
  }
}

/** A receiver as configured: the C sink processes, or the Node allocator. */
export function createUdpReceiver(cfg: UdpSinkConfig, base: number, host: string): UdpReceiver {
  return cfg.mode === 'c'
    ? new UdpSinkReceiver({ binary: cfg.binary, processes: cfg.processes, lingerUs: cfg.lingerUs, base, host })
    : new UdpPortAllocator(base, host)
}

export interface UdpSinkOptions {
  binary: string
  processes: number
  base: number
  host: string
  lingerUs?: number
  /** SO_RCVBUF asked for each RTP socket (default BENCH_RCVBUF's UDP_RECV_BUFFER). */
  rcvbuf?: number
}

/** One udp-sink process and its line protocol: every command gets one line back, in order. */
class SinkProcess {
  readonly child: ChildProcessWithoutNullStreams
  /** Pair id in this sink → its counters and error listener. */
  readonly pairs = new Map<number, { stats: TrackStats; onError: (message: string) => void }>()
  private readonly waiters: { resolve: (line: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }[] = []
  private pending = ''
  private stderr = ''
  private exited: string | undefined

  constructor(binary: string, args: string[]) {
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    this.child.stdout.setEncoding('utf8')
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk))
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-1000)
    })
    // A broken pipe shows up as the exit below.
    this.child.stdin.on('error', () => {})
    this.child.on('error', (err) => this.onExit(`udp-sink failed to start: ${err.message}`))
    this.child.on('exit', (code, signal) => this.onExit(`udp-sink exited (${signal ?? `code ${code}`}) ${this.stderr.trim()}`))
  }

  command(line: string): Promise<string> {
    if (this.exited !== undefined) return Promise.reject(new StateError('ERR_BENCH_SINK', this.exited))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.onExit(`udp-sink did not answer "${line}" in ${COMMAND_TIMEOUT_MS} ms`), COMMAND_TIMEOUT_MS)
      this.waiters.push({ resolve, reject, timer })
      this.child.stdin.write(`${line}\n`)
    })
  }

  private onData(chunk: string): void {
    this.pending += chunk
    for (let nl = this.pending.indexOf('\n'); nl >= 0; nl = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, nl)
      this.pending = this.pending.slice(nl + 1)
      const waiter = this.waiters.shift()
      if (!waiter) continue
      clearTimeout(waiter.timer)
      waiter.resolve(line)
    }
  }

  private onExit(message: string): void {
    if (this.exited !== undefined) return
    this.exited = message
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer)
      w.reject(new StateError('ERR_BENCH_SINK', message))
    }
    for (const p of this.pairs.values()) p.onError(message)
    if (this.child.exitCode === null) this.child.kill()
  }

  /** Ends stdin (the sink exits on end of input); kills it if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.exited ??= 'udp-sink stopped'
    this.child.stdin.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_WAIT_MS)
    await exited
    clearTimeout(timer)
  }
}

/** Columns of one snapshot row, in udp-sink.c's order. */
const Col = { Id: 0, Packets: 1, Bytes: 2, Malformed: 3, Late: 4, FirstSeq: 5, HighestSeq: 6, FirstPacketNs: 7, FirstIdrNs: 8 } as const

/** UdpReceiver over C sink processes: pairs are dealt to them in turn, ports from `base` upwards. */
export class UdpSinkReceiver implements UdpReceiver {
  private readonly sinks: SinkProcess[]
  private next: number
  private dealt = 0
  /** CLOCK_MONOTONIC ms (the sink's clock, and libuv's) minus performance.now(). */
  private readonly clockOffsetMs = Number(process.hrtime.bigint()) / NS_PER_MS - performance.now()

  constructor(options: UdpSinkOptions) {
    const args = ['--rcvbuf', String(options.rcvbuf ?? UDP_RECV_BUFFER), '--host', options.host]
    if (options.lingerUs) args.push('--linger-us', String(options.lingerUs))
    this.sinks = Array.from({ length: options.processes }, () => new SinkProcess(options.binary, args))
    this.next = options.base + (options.base % 2)
  }

  get pids(): number[] {
    return this.sinks.map((s) => s.child.pid ?? 0).filter((pid) => pid > 0)
  }

  async bindPair(onError: (message: string) => void): Promise<UdpPair> {
    const sink = this.sinks[this.dealt++ % this.sinks.length]!
    for (let attempt = 0; attempt < MAX_PORT_ATTEMPTS && this.next + 1 <= MAX_PORT; attempt++) {
      const port = this.next
      this.next += 2
      const [word, id, rcvbuf] = (await sink.command(`open ${port}`)).split(' ')
      if (word !== 'ok') continue
      const stats = new TrackStats()
      const pairId = Number(id)
      sink.pairs.set(pairId, { stats, onError })
      return {
        port,
        rcvbuf: Number(rcvbuf),
        stats,
        close: () => {
          if (!sink.pairs.delete(pairId)) return
          sink.command(`close ${pairId}`).catch(() => {})
        },
      }
    }
    throw noPorts(this.next)
  }

  async refresh(): Promise<void> {
    await Promise.all(this.sinks.map((s) => this.refreshOne(s)))
  }

  private async refreshOne(sink: SinkProcess): Promise<void> {
    const snap = JSON.parse(await sink.command('snap')) as { readers: number[][] }
    const at = (ns: number) => (ns < 0 ? -1 : ns / NS_PER_MS - this.clockOffsetMs)
    for (const row of snap.readers) {
      const t = sink.pairs.get(row[Col.Id]!)?.stats
      if (!t) continue
      t.packets = row[Col.Packets]!
      t.bytes = row[Col.Bytes]!
      t.malformed = row[Col.Malformed]!
      t.late = row[Col.Late]!
      t.firstSeq = row[Col.FirstSeq]!
      t.highestSeq = row[Col.HighestSeq]!
      t.firstPacketAt = at(row[Col.FirstPacketNs]!)
      t.firstIdrAt = at(row[Col.FirstIdrNs]!)
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.stop()))
  }
}
