/**
 * `npm run bench:udpsend`: what one datagram costs to send, node:dgram against the native sendmmsg
 * sender (src/transport/native-udp.ts), as rtspkit sends to UDP readers: N connected sockets on
 * loopback, each handed a run of datagrams per round (one unit's packets for one reader).
 *
 * Modes, each for UDPSEND_SECONDS after a warm-up, as fast as one thread goes:
 *  - dgram: socket.send per datagram, a callback on each run's last one (server-session.ts today);
 *  - sendmmsg: UdpRunSender without UDP GSO, one system call per socket per round (the UDP send
 *    workers' path with RTSPKIT_UDP_GSO=0);
 *  - sendmmsg+gso: the same with UDP GSO: the run's equal-size datagrams in one message (the send
 *    workers' path by default);
 *  - sendmmsg+gso+microtask: DatagramBatcher, datagrams handed one by one and sent per socket in a
 *    microtask (a reader's own link on the main thread, workers 1), with GSO.
 * Reported: datagrams/s, and CPU ms (user + system, this process) per 1,000 datagrams.
 *
 * The sinks are bound sockets that are never read (recv stopped), so receiving costs this process
 * nothing; the kernel drops what overflows their buffers, the same for every mode. Each mode runs
 * twice, interleaved, and each figure is the better of the two (a shared machine's noise only makes
 * a run slower or costlier).
 *
 * Knobs: UDPSEND_SOCKETS=200  UDPSEND_RUN=8 (datagrams per socket per round)  UDPSEND_SIZE=1200
 * UDPSEND_TAIL=UDPSEND_SIZE (the run's last datagram: a unit's shorter tail, e.g. UDPSEND_RUN=15
 * UDPSEND_TAIL=600 for a unit of 14 × 1,200 B + 600 B)  UDPSEND_SECONDS=2  RTSPKIT_NATIVE_UDP=0
 * (dgram only)  RTSPKIT_UDP_GSO=0 (no GSO modes)
 */
import dgram from 'node:dgram'
import { ConfigError } from '../src/errors.js'
import { loadNativeUdp, nativeUdpStatus, type NativeUdp } from '../src/transport/native-udp.js'
import { DatagramBatcher, UdpRunSender } from '../src/transport/udp-batch-send.js'
import type { UdpSent } from '../src/transport/udp-link.js'
import { numberEnv } from './bench-env.js'

const SOCKETS = numberEnv('UDPSEND_SOCKETS', 200, 1, 2000)
const RUN = numberEnv('UDPSEND_RUN', 8, 1, 256)
const SIZE = numberEnv('UDPSEND_SIZE', 1200, 12, 1472)
const TAIL = numberEnv('UDPSEND_TAIL', SIZE, 12, 1472)
const SECONDS = numberEnv('UDPSEND_SECONDS', 2, 0.2, 30)
const WARMUP_S = 0.5
const REPEATS = 2

type Mode = 'dgram' | 'sendmmsg' | 'sendmmsg+gso' | 'sendmmsg+gso+microtask'

interface Result {
  datagrams: number
  seconds: number
  cpuMs: number
  userMs: number
  errors: number
}

interface Link {
  socket: dgram.Socket
  /** Without GSO. */
  runs: UdpRunSender
  /** With GSO (when the native sender has it). */
  gsoRuns: UdpRunSender
  batcher: DatagramBatcher | undefined
}

async function bindSink(): Promise<dgram.Socket> {
  const sink = dgram.createSocket('udp4')
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r))
  // Never read: receiving would cost this process CPU that is not the send path's.
  const state = Object.getOwnPropertySymbols(sink).find((s) => s.description === 'state symbol')
  const handle = state && (sink as unknown as Record<symbol, { handle?: { recvStop?: () => void } }>)[state]?.handle
  if (!handle?.recvStop) throw new ConfigError('ERR_BENCH_ENV', 'cannot stop a sink from reading (dgram internals changed)')
  handle.recvStop()
  return sink
}

async function connect(sink: dgram.Socket, native: NativeUdp | undefined): Promise<Link> {
  const socket = dgram.createSocket('udp4')
  socket.on('error', () => {})
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  await new Promise<void>((r) => socket.connect(sink.address().port, '127.0.0.1', r))
  const batcher = native ? new DatagramBatcher(socket, native) : undefined
  batcher?.markConnected()
  return { socket, runs: new UdpRunSender(socket, native && { ...native, gso: false }), gsoRuns: new UdpRunSender(socket, native), batcher }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r))

async function measure(mode: Mode, links: Link[], seconds: number): Promise<Result> {
  const packets = Array.from({ length: RUN }, (_, i) => Buffer.alloc(i === RUN - 1 ? TAIL : SIZE, i))
  let errors = 0
  const sent: UdpSent = (err) => {
    if (err) errors++
  }
  const callbacks: (UdpSent | undefined)[] = new Array<UdpSent | undefined>(RUN)
  callbacks[RUN - 1] = sent
  let datagrams = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const end = t0 + seconds * 1000
  while (performance.now() < end) {
    for (const link of links) {
      if (mode === 'dgram') {
        for (let i = 0; i < RUN - 1; i++) link.socket.send(packets[i]!)
        link.socket.send(packets[RUN - 1]!, sent)
      } else if (mode === 'sendmmsg') link.runs.send(packets, callbacks)
      else if (mode === 'sendmmsg+gso') link.gsoRuns.send(packets, callbacks)
      else for (let i = 0; i < RUN; i++) link.batcher!.send(packets[i]!, callbacks[i])
    }
    datagrams += links.length * RUN
    // A turn of the event loop: dgram's callbacks run, microtask batches went out before it.
    await turn()
  }
  // dgram's queue, if any, drains before the clock stops: what was handed over has been sent.
  while (links.some((l) => l.socket.getSendQueueCount() > 0)) await turn()
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  return { datagrams, seconds: wall, cpuMs: (cpu.user + cpu.system) / 1000, userMs: cpu.user / 1000, errors }
}

interface Best {
  /** The higher datagrams/s of the runs. */
  rate: number
  /** The run with the least CPU per datagram. */
  cheapest: Result
}

function row(mode: Mode, rate: number, r: Result): string {
  const per = (ms: number): string => ((ms / r.datagrams) * 1000).toFixed(3)
  return [
    mode.padEnd(24),
    `${Math.round(rate).toLocaleString('en-US').padStart(11)} datagrams/s`,
    `${per(r.cpuMs).padStart(7)} CPU ms / 1,000`,
    `(user ${per(r.userMs)}, sys ${per(r.cpuMs - r.userMs)})`,
    `${((r.cpuMs / 1000 / r.seconds) * 100).toFixed(0)} % of a core`,
    r.errors > 0 ? `${r.errors} send errors` : '',
  ].join('  ')
}

async function main(): Promise<void> {
  const native = loadNativeUdp()
  const status = nativeUdpStatus()
  console.log(
    `UDP send: ${SOCKETS} connected sockets, runs of ${TAIL === SIZE ? `${RUN} × ${SIZE} B` : `${RUN - 1} × ${SIZE} B + ${TAIL} B`} per socket per round, ${SECONDS} s per mode (best of ${REPEATS}), loopback`,
  )
  console.log(
    `native sender: ${status.loaded ? `loaded (${status.path}), UDP GSO ${status.gso ? 'on' : `off (${status.gsoReason})`}` : `not loaded: ${status.reason}`}`,
  )
  const modes: Mode[] = !native
    ? ['dgram']
    : native.gso
      ? ['dgram', 'sendmmsg', 'sendmmsg+gso', 'sendmmsg+gso+microtask']
      : ['dgram', 'sendmmsg']
  const sinks = await Promise.all(Array.from({ length: SOCKETS }, bindSink))
  const links = await Promise.all(sinks.map((s) => connect(s, native)))
  try {
    for (const mode of modes) await measure(mode, links, WARMUP_S)
    const runs = new Map<Mode, Result[]>(modes.map((m) => [m, []]))
    for (let k = 0; k < REPEATS; k++) for (const mode of modes) runs.get(mode)!.push(await measure(mode, links, SECONDS))
    const best = new Map<Mode, Best>()
    for (const mode of modes) {
      const rs = runs.get(mode)!
      const rate = Math.max(...rs.map((r) => r.datagrams / r.seconds))
      const cheapest = rs.reduce((a, b) => (b.cpuMs / b.datagrams < a.cpuMs / a.datagrams ? b : a))
      best.set(mode, { rate, cheapest })
      console.log(row(mode, rate, cheapest))
    }
    const d = best.get('dgram')!
    const perDatagram = (b: Best): number => b.cheapest.cpuMs / b.cheapest.datagrams
    for (const mode of modes.slice(1)) {
      const b = best.get(mode)!
      console.log(
        `${mode} vs dgram: ${(b.rate / d.rate).toFixed(2)}× the datagrams/s, ${(perDatagram(b) / perDatagram(d)).toFixed(2)}× the CPU per datagram`,
      )
    }
  } finally {
    for (const l of links) l.socket.close()
    for (const s of sinks) s.close()
  }
}

await main()
