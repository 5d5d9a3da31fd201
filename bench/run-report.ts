/**
 * The fan-out bench's report (bench/run.ts): the results table, the rtspkit / gst-rtsp-server ratio
 * table, and the checks that flag a measurement that cannot be trusted.
 */
import type { BenchTransport } from './load-client.js'
import { SERVER_LABEL, type ServerName } from './server-process.js'
import { fmt } from './stats.js'
import type { TtffSummary } from './ttff-probe.js'

/** Above this share of one core, the load process may be what limits delivery. */
export const LOAD_CPU_WARN_PCT = 70
/** Delivered rate per reader vs the file's bitrate: outside this band the run is suspicious. */
export const RATE_TOLERANCE = 0.05
/** Other programs using more than this share of one core during a window make its numbers noisy. */
const OTHER_CPU_WARN_PCT = 50

export interface ScenarioResult {
  server: ServerName
  /** rtspkit's --workers (UDP send threads); null for gst-rtsp-server. */
  workers: number | null
  /** Server RSS growth from idle to the end of the window, per playing reader (KB). */
  memPerReaderKb: number
  /** RSS the other readers added beyond the server's footprint with one reader playing, per reader (null for one reader). */
  memBeyondOneKb: number | null
  /** UDP: receive buffer granted to each load reader (bytes); 0 over TCP. */
  rcvbufBytes: number
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
  /** ffmpeg's time to first frame (bench/ttff-probe.ts) while the N readers play; NaN without probes. */
  ttff: TtffSummary
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
  /** Who received the UDP readers' packets: the C sink (bench/udp-sink.ts) or the load process; null over TCP. */
  udpSink: 'c' | 'node' | null
  /** TCP readers in this many child processes (bench/remote-readers.ts), their CPU counted as the sink's; 0: none. */
  readerProcs: number
  /** The C sink processes' CPU over the window, % of one core: all of them, and the busiest one (0 without). */
  sinkCpuPct: number
  sinkMaxCpuPct: number
  /** 99th percentile of the load process's event-loop delay over the window: how late packets could be read. */
  loadLoopP99Ms: number
  /** Whole machine, % of one core (so up to 100 × cores). */
  machineBusyPct: number
  /** Machine busy time not spent in the server or the load processes (other programs, kernel), % of one core. */
  otherBusyPct: number
  /** Machine-wide UDP datagrams dropped for a full receive / send buffer during the window. */
  udpRcvbufErrors: number
  udpSndbufErrors: number
  serverWarnings: number
  errors: string[]
}

export interface Ratio {
  transport: BenchTransport
  readers: number
  workers: number | null
  perReaderMbps: number | null
  totalMbps: number | null
  /** null when gst lost nothing (rtspkit's loss % is then shown as is). */
  loss: number | null
  cpuPerReaderMin: number | null
  memPerReaderKb: number | null
  memBeyondOneKb: number | null
  ttff: number | null
}

const div = (a: number, b: number): number | null => (b > 0 ? a / b : null)

export function ratios(results: ScenarioResult[]): Ratio[] {
  const out: Ratio[] = []
  for (const k of results.filter((r) => r.server === 'rtspkit')) {
    const g = results.find((r) => r.server === 'gst' && r.transport === k.transport && r.readers === k.readers)
    if (!g) continue
    out.push({
      transport: k.transport,
      readers: k.readers,
      workers: k.workers,
      perReaderMbps: div(k.perReaderMbps.mean, g.perReaderMbps.mean),
      totalMbps: div(k.totalMbps, g.totalMbps),
      loss: div(k.lossPct, g.lossPct),
      cpuPerReaderMin: div(k.serverCpuPerReaderMin, g.serverCpuPerReaderMin),
      memPerReaderKb: div(k.memPerReaderKb, g.memPerReaderKb),
      memBeyondOneKb: k.memBeyondOneKb === null || g.memBeyondOneKb === null ? null : div(k.memBeyondOneKb, g.memBeyondOneKb),
      ttff: Number.isNaN(k.ttff.medianMs) || Number.isNaN(g.ttff.medianMs) ? null : div(k.ttff.medianMs, g.ttff.medianMs),
    })
  }
  return out
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export const f = (n: number, digits = 2): string => n.toFixed(digits)
/** The load client's CPU %: the Node process, plus the C sink's when it received the UDP packets. */
export const loadCpu = (r: ScenarioResult): string =>
  r.udpSink === 'c'
    ? `${f(r.loadCpuPct, 1)} + sink ${f(r.sinkCpuPct, 1)}`
    : r.readerProcs > 0
      ? `${f(r.loadCpuPct, 1)} + ${r.readerProcs} readers' ${f(r.sinkCpuPct, 1)}`
      : f(r.loadCpuPct, 1)
const fr = (n: number | null): string => (n === null ? 'n/a' : n.toFixed(2))

export function resultsTable(results: ScenarioResult[]): string {
  return table(
    [
      'server',
      'workers',
      'transport',
      'readers',
      '1st pkt / IDR ms',
      'TTFF ms (ffmpeg)',
      'Mbit/s per reader (min)',
      'total Mbit/s',
      'vs file',
      'loss %',
      'server CPU s',
      'CPU s/reader-min',
      'KB/reader',
      'KB/reader beyond 1',
      'load CPU %',
      'load lag p99 ms',
      'other CPU %',
    ],
    results.map((r) => [
      SERVER_LABEL[r.server],
      r.workers === null ? '-' : String(r.workers),
      r.transport,
      String(r.readers) + (r.playing < r.readers ? ` (${r.playing} played)` : ''),
      `${f(r.firstPacketMs.mean, 0)} / ${f(r.firstIdrMs.mean, 0)}`,
      r.ttff.ok < r.ttff.runs ? `${fmt(r.ttff.medianMs)} (${r.ttff.ok}/${r.ttff.runs} ok)` : fmt(r.ttff.medianMs),
      `${f(r.perReaderMbps.mean)} (${f(r.perReaderMbps.min)})`,
      f(r.totalMbps, 1),
      f(r.rateVsFile, 3),
      f(r.lossPct, 3),
      f(r.serverCpuS),
      f(r.serverCpuPerReaderMin, 3),
      f(r.memPerReaderKb, 1),
      r.memBeyondOneKb === null ? 'n/a' : f(r.memBeyondOneKb, 1),
      loadCpu(r),
      f(r.loadLoopP99Ms, 1),
      f(r.otherBusyPct, 0),
    ]),
  )
}

export function ratioTable(rs: Ratio[], results: ScenarioResult[]): string {
  return table(
    [
      'transport',
      'readers',
      'workers',
      'Mbit/s per reader',
      'total Mbit/s',
      'loss',
      'CPU s/reader-min',
      'KB/reader',
      'KB/reader beyond 1',
      'TTFF',
    ],
    rs.map((r) => {
      const k = results.find(
        (x) => x.server === 'rtspkit' && x.transport === r.transport && x.readers === r.readers && x.workers === r.workers,
      )!
      const loss = r.loss !== null ? fr(r.loss) : k.lossPct === 0 ? 'both 0' : `gst 0, rtspkit ${f(k.lossPct, 3)}%`
      return [
        r.transport,
        String(r.readers),
        String(r.workers ?? '-'),
        fr(r.perReaderMbps),
        fr(r.totalMbps),
        loss,
        fr(r.cpuPerReaderMin),
        fr(r.memPerReaderKb),
        fr(r.memBeyondOneKb),
        fr(r.ttff),
      ]
    }),
  )
}

/** Warnings about the measurement itself: a saturated load generator, off-rate delivery, failures. */
export function checks(results: ScenarioResult[], fileMbps: number): string[] {
  const out: string[] = []
  for (const r of results) {
    const id = `${SERVER_LABEL[r.server]}${r.workers ? ` w${r.workers}` : ''} ${r.transport} ×${r.readers}`
    if (r.loadCpuPct > LOAD_CPU_WARN_PCT)
      out.push(`${id}: load process used ${f(r.loadCpuPct, 0)}% of a core (> ${LOAD_CPU_WARN_PCT}%): it may be the bottleneck`)
    if (r.sinkMaxCpuPct > LOAD_CPU_WARN_PCT)
      out.push(
        r.readerProcs > 0
          ? `${id}: a reader process used ${f(r.sinkMaxCpuPct, 0)}% of a core (> ${LOAD_CPU_WARN_PCT}%): try BENCH_READER_PROCS=${r.readerProcs + 1}`
          : `${id}: a C UDP sink process used ${f(r.sinkMaxCpuPct, 0)}% of a core (> ${LOAD_CPU_WARN_PCT}%): try BENCH_UDP_SINKS=2`,
      )
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
    if (r.ttff.ok < r.ttff.runs) out.push(`${id}: ${r.ttff.runs - r.ttff.ok} of ${r.ttff.runs} ffmpeg first-frame probes failed`)
    for (const e of r.errors.slice(0, 3)) out.push(`${id}: ${e}`)
    if (r.serverWarnings > 0) out.push(`${id}: server printed ${r.serverWarnings} warning/error lines (see its log)`)
  }
  return out
}
