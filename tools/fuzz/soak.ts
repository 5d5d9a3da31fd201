/**
 * `npm run soak`: `--minutes` of handshake churn (readers that connect, DESCRIBE, SETUP, PLAY with
 * Range and TEARDOWN at once, over TCP and UDP by turns) beside steady readers that count RTP
 * sequence gaps (bench/load-client.ts), plus idle and slowloris connections
 * (tools/fuzz/idle-conns.ts). Fails (exit 1) on any loss or error for the steady readers, handshake
 * p99 above `--max-p99-ms`, failed handshakes past `--max-failed`, RSS or descriptor drift (the
 * median over the last tenth of the run against the median just after warm-up) past its bound, a
 * crash, or — with `--expect-close-s` — idle or slowloris connections still open that long.
 *
 *   npm run soak -- --minutes 30
 *   npm run soak -- --target gst --minutes 3
 */
import { LoadReader, UdpPortAllocator, type BenchTransport } from '../../bench/load-client.js'
import { udpDropCounters } from '../../bench/proc-stats.js'
import { fmt, percentile, textTable } from '../../bench/stats.js'
import { flagHelp, parseFlags, runTool } from './flags.js'
import { IdleConnections } from './idle-conns.js'
import { Rng } from './mutate.js'
import { ProcWatch, sampleProc } from './proc-watch.js'
import { largest, mib, printVerdict } from './report.js'
import { startTarget, TARGETS, type TargetName } from './target.js'

const FLAGS = {
  target: { kind: 'string', default: 'rtspkit', allowed: TARGETS, help: 'server under test: rtspkit or gst' },
  minutes: { kind: 'number', default: 5, min: 0.1, max: 10_080, help: 'length of the soak' },
  'tcp-readers': { kind: 'number', default: 20, min: 0, max: 1000, help: 'steady readers over TCP interleaved' },
  'udp-readers': { kind: 'number', default: 20, min: 0, max: 1000, help: 'steady readers over UDP' },
  churn: { kind: 'number', default: 2, min: 0, max: 64, help: 'handshake loops running at once' },
  idle: { kind: 'number', default: 50, min: 0, max: 100_000, help: 'connections that never send a byte' },
  slowloris: { kind: 'number', default: 50, min: 0, max: 100_000, help: 'connections sending a header one byte at a time' },
  'slowloris-every-s': { kind: 'number', default: 5, min: 0.1, max: 3600, help: 'seconds between their bytes' },
  'expect-close-s': { kind: 'number', default: 0, min: 0, max: 86_400, help: 'fail if idle/slowloris ones outlive this (0: only report)' },
  'max-p99-ms': { kind: 'number', default: 500, min: 1, max: 600_000, help: 'bound on the p99 handshake (OPTIONS to PLAY) latency' },
  'max-failed': { kind: 'number', default: 0, min: 0, max: 1e9, help: 'failed handshakes allowed' },
  'max-loss': { kind: 'number', default: 0, min: 0, max: 1e9, help: 'RTP packets the steady readers may lose in all' },
  'max-rss-drift-mb': { kind: 'number', default: 64, min: 0, max: 1e6, help: 'bound on RSS drift (MiB)' },
  'max-fd-drift': { kind: 'number', default: 20, min: 0, max: 1e6, help: 'bound on open-descriptor drift' },
  seed: { kind: 'number', default: 1, min: 0, max: 2 ** 32 - 1, help: 'seed for the churn (transport order, UDP port bases)' },
  'server-arg': { kind: 'string', default: '', help: 'extra rtspkit serve arguments, space-separated (e.g. limits)' },
  help: { kind: 'boolean', help: 'this help' },
} as const

const SAMPLE_EVERY_MS = 1000
/** Drift compares the median of a window after warm-up with the median of the run's last window. */
const WARMUP_FRACTION = 0.15
const MAX_WARMUP_MS = 30_000
const WINDOW_FRACTION = 0.1
const MIN_WINDOW_MS = 5000
const UDP_PORT_FLOOR = 20_000
const UDP_PORT_SPAN = 40_000
const START_BATCH = 5

interface Churn {
  handshakes: number
  failed: number
  latenciesMs: number[]
  firstError?: string
}

async function churnLoop(url: string, rng: Rng, until: () => boolean, out: Churn): Promise<void> {
  while (until()) {
    const transport: BenchTransport = rng.chance(0.5) ? 'tcp' : 'udp'
    // A fresh allocator each time: a soak binds far more pairs than one allocator's range holds.
    const ports = new UdpPortAllocator(UDP_PORT_FLOOR + 2 * rng.int(UDP_PORT_SPAN / 2), '127.0.0.1')
    const reader = new LoadReader({ url, transport, ports })
    const t0 = performance.now()
    try {
      await reader.start()
      out.latenciesMs.push(performance.now() - t0)
      out.handshakes++
    } catch (err) {
      out.failed++
      out.firstError ??= (err as Error).message
    } finally {
      await reader.close()
    }
  }
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), FLAGS)
  if (flags.help) {
    console.log(`Usage: npm run soak -- [options]\n\n${flagHelp(FLAGS)}`)
    return 0
  }
  const name = flags.target as TargetName
  const runMs = flags.minutes * 60_000
  const extra = flags['server-arg'].split(' ').filter((s) => s !== '')
  const target = await startTarget(name, { seconds: runMs / 1000 + 60, extraArgs: name === 'rtspkit' ? extra : [] })
  const pid = target.process.pid
  console.log(`soaking ${name} (pid ${pid}) at ${target.url} for ${flags.minutes} min; log ${target.logPath}`)
  const onSignal = () => target.process.kill()
  process.once('SIGINT', onSignal)

  // Steady readers first, a few at a time, so their start is not itself a burst.
  const steady: { reader: LoadReader; transport: BenchTransport }[] = []
  const steadyErrors: string[] = []
  const ports = new UdpPortAllocator(UDP_PORT_FLOOR - 4000, '127.0.0.1')
  const kinds: BenchTransport[] = [
    ...Array<BenchTransport>(flags['tcp-readers']).fill('tcp'),
    ...Array<BenchTransport>(flags['udp-readers']).fill('udp'),
  ]
  for (let i = 0; i < kinds.length; i += START_BATCH) {
    const batch = kinds
      .slice(i, i + START_BATCH)
      .map((transport) => ({ reader: new LoadReader({ url: target.url, transport, ports }), transport }))
    const started = await Promise.allSettled(batch.map((r) => r.reader.start()))
    started.forEach((s, k) => (s.status === 'fulfilled' ? steady.push(batch[k]!) : steadyErrors.push(String(s.reason))))
  }
  const held = new IdleConnections(target.host, target.ports.rtsp)
  await held.open(flags.idle, flags.slowloris, flags['slowloris-every-s'] * 1000)

  const watch = new ProcWatch(pid, SAMPLE_EVERY_MS)
  const udpBefore = udpDropCounters()
  const t0 = performance.now()
  const end = t0 + runMs
  const churn: Churn = { handshakes: 0, failed: 0, latenciesMs: [] }
  const until = () => target.process.running && performance.now() < end
  const loops = Array.from({ length: flags.churn }, (_, i) => churnLoop(target.url, new Rng(flags.seed * 1000 + i), until, churn))
  const progress = setInterval(() => {
    const s = ((performance.now() - t0) / 1000).toFixed(0)
    const last = watch.samples.at(-1)
    console.log(
      `  ${s} s: ${churn.handshakes} handshakes (${churn.failed} failed), held open ${held.stillOpen}, RSS ${mib(last?.rssBytes ?? NaN)} MiB, fds ${last?.fds}`,
    )
  }, 30_000)
  progress.unref()
  // Also wakes on a crash: until() turns false and the loops return.
  while (until()) await new Promise((r) => setTimeout(r, 250))
  await Promise.all(loops)
  clearInterval(progress)
  const seconds = (performance.now() - t0) / 1000
  const crashed = !target.process.running
  const final = sampleProc(pid)
  watch.close()
  const udpAfter = udpDropCounters()

  const snaps = steady.map(({ reader, transport }) => ({
    transport,
    snap: reader.snapshot(),
    error: reader.error,
    late: reader.tracks.reduce((a, t) => a + t.late, 0),
  }))
  const stillOpen = held.stillOpen
  const heldStats = held.stats()
  held.close()
  await Promise.all(steady.map((r) => r.reader.close()))
  await target.process.stop()

  // Drift windows.
  const warm = Math.min(MAX_WARMUP_MS, runMs * WARMUP_FRACTION)
  const win = Math.max(MIN_WINDOW_MS, runMs * WINDOW_FRACTION)
  const rssBase = watch.medianBetween('rssBytes', t0 + warm, t0 + warm + win)
  const rssEnd = watch.medianBetween('rssBytes', end - win, end + 1)
  const fdBase = watch.medianBetween('fds', t0 + warm, t0 + warm + win)
  const fdEnd = watch.medianBetween('fds', end - win, end + 1)

  const byTransport = (t: BenchTransport) => {
    const mine = snaps.filter((s) => s.transport === t)
    const packets = mine.reduce((a, s) => a + s.snap.packets, 0)
    const expected = mine.reduce((a, s) => a + s.snap.expected, 0)
    return {
      n: mine.length,
      packets,
      lost: Math.max(0, expected - packets),
      late: mine.reduce((a, s) => a + s.late, 0),
      errors: mine.filter((s) => s.error).length,
    }
  }
  const tcp = byTransport('tcp')
  const udp = byTransport('udp')
  const lost = tcp.lost + udp.lost
  const p99 = percentile(churn.latenciesMs, 99)

  const failures: string[] = []
  if (crashed)
    failures.push(
      `crash: ${name} exited (${target.process.child.exitCode ?? target.process.child.signalCode}); last lines:\n${target.process.lastLines()}`,
    )
  if (steadyErrors.length > 0) failures.push(`${steadyErrors.length} steady readers failed to start: ${steadyErrors[0]}`)
  const readerErrors = snaps.filter((s) => s.error)
  if (readerErrors.length > 0) failures.push(`${readerErrors.length} steady readers lost their connection: ${readerErrors[0]!.error}`)
  if (lost > flags['max-loss'])
    failures.push(`steady readers lost ${lost} RTP packets (tcp ${tcp.lost}, udp ${udp.lost}; bound ${flags['max-loss']})`)
  if (churn.failed > flags['max-failed'])
    failures.push(`${churn.failed} handshakes failed (bound ${flags['max-failed']}); first: ${churn.firstError}`)
  if (!(p99 <= flags['max-p99-ms'])) failures.push(`handshake p99 ${fmt(p99, 1)} ms (bound ${flags['max-p99-ms']} ms)`)
  if (rssEnd - rssBase > flags['max-rss-drift-mb'] * 2 ** 20)
    failures.push(`RSS drifted ${mib(rssEnd - rssBase)} MiB (bound ${flags['max-rss-drift-mb']} MiB)`)
  if (fdEnd - fdBase > flags['max-fd-drift']) failures.push(`descriptors drifted by ${fdEnd - fdBase} (bound ${flags['max-fd-drift']})`)
  if (flags['expect-close-s'] > 0 && flags['expect-close-s'] * 1000 < runMs && stillOpen > 0)
    failures.push(
      `${stillOpen} idle/slowloris connections still open after ${seconds.toFixed(0)} s (expected closed within ${flags['expect-close-s']} s)`,
    )

  console.log(`\n${name}: ${seconds.toFixed(0)} s soak, seed ${flags.seed}\n`)
  console.log(
    textTable(
      ['handshakes', 'failed', 'per s', 'p50 ms', 'p99 ms', 'max ms'],
      [
        [
          String(churn.handshakes),
          String(churn.failed),
          fmt(churn.handshakes / seconds, 1),
          fmt(percentile(churn.latenciesMs, 50), 1),
          fmt(p99, 1),
          fmt(largest(churn.latenciesMs), 1),
        ],
      ],
      0,
    ),
  )
  console.log()
  console.log(
    textTable(
      ['steady readers', 'n', 'RTP packets', 'lost', 'late', 'errors'],
      [
        ['TCP', String(tcp.n), String(tcp.packets), String(tcp.lost), String(tcp.late), String(tcp.errors)],
        ['UDP', String(udp.n), String(udp.packets), String(udp.lost), String(udp.late), String(udp.errors)],
      ],
      1,
    ),
  )
  console.log(`kernel UDP receive-buffer drops during the run (all sockets): ${udpAfter.rcvbuf - udpBefore.rcvbuf}`)
  console.log()
  console.log(
    textTable(
      ['held connections', 'opened', 'closed by server', 'median s to close', 'open at end'],
      heldStats.map((h) => [
        h.kind,
        String(h.opened),
        String(h.closedByServer),
        fmt(h.medianCloseS, 1),
        String(h.opened - h.closedByServer),
      ]),
      1,
    ),
  )
  console.log()
  console.log(
    textTable(
      ['resource', 'after warm-up', 'end', 'drift', 'peak', 'bound'],
      [
        ['RSS MiB', mib(rssBase), mib(rssEnd), mib(rssEnd - rssBase), mib(watch.peak('rssBytes')), String(flags['max-rss-drift-mb'])],
        ['fds', fmt(fdBase), fmt(fdEnd), fmt(fdEnd - fdBase), String(watch.peak('fds')), String(flags['max-fd-drift'])],
      ],
      1,
    ),
  )
  printVerdict(
    'SOAK',
    {
      target: name,
      seconds,
      handshakes: churn.handshakes,
      failed: churn.failed,
      p50Ms: percentile(churn.latenciesMs, 50),
      p99Ms: p99,
      steady: { tcp, udp },
      held: heldStats,
      rssBaseMiB: rssBase / 2 ** 20,
      rssEndMiB: rssEnd / 2 ** 20,
      fdBase,
      fdEnd,
      finalFds: final.fds,
      crashed,
    },
    { failures },
  )
  process.off('SIGINT', onSignal)
  return failures.length === 0 ? 0 : 1
}

runTool(main)
