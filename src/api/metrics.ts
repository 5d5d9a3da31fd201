/**
 * The metric families of `/metrics`: per path, per session, server-wide, and the process figures
 * Prometheus client libraries conventionally export (process_*, nodejs_*), so existing dashboards fit.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks'
import v8 from 'node:v8'
import { nativeUdpStatus } from '../transport/native-udp.js'
import type { MetricFamily, MetricType, Sample } from './prometheus.js'
import { READER_PROTOCOLS, type PathView, type SessionView } from './views.js'

const MS_PER_SECOND = 1000
const US_PER_SECOND = 1e6
const NS_PER_SECOND = 1e9
/** Event-loop delay sampling period (ms): fine enough to see a blocked loop, cheap enough to leave on. */
const EVENT_LOOP_RESOLUTION_MS = 10

function family(name: string, type: MetricType, help: string, samples: Sample[]): MetricFamily {
  return { name, type, help, samples }
}

function perPath(paths: readonly PathView[], value: (p: PathView) => number): Sample[] {
  return paths.map((p) => ({ labels: { path: p.name }, value: value(p) }))
}

function perSession(sessions: readonly SessionView[], value: (s: SessionView) => number | null): Sample[] {
  const out: Sample[] = []
  for (const s of sessions) {
    const v = value(s)
    if (v !== null) out.push({ labels: { path: s.path, session: s.id, transport: s.transport, protocol: s.protocol }, value: v })
  }
  return out
}

/** Sessions by protocol and role, previews left out; RTSP readers first (the figure this family gave before it had labels). */
function sessionCounts(sessions: readonly SessionView[]): Sample[] {
  const counts = new Map<string, { protocol: string; role: string; n: number }>()
  for (const protocol of READER_PROTOCOLS) counts.set(`${protocol} reader`, { protocol, role: 'reader', n: 0 })
  for (const protocol of ['rtsp', 'webrtc']) counts.set(`${protocol} publisher`, { protocol, role: 'publisher', n: 0 })
  for (const s of sessions) {
    if (s.preview) continue
    const key = `${s.protocol} ${s.role}`
    const c = counts.get(key) ?? { protocol: s.protocol, role: s.role, n: 0 }
    c.n++
    counts.set(key, c)
  }
  return [...counts.values()].map((c) => ({ labels: { protocol: c.protocol, role: c.role }, value: c.n }))
}

function previewCounts(sessions: readonly SessionView[]): Sample[] {
  return (['webrtc', 'hls'] as const).map((protocol) => ({
    labels: { protocol },
    value: sessions.filter((s) => s.preview && s.protocol === protocol).length,
  }))
}

export function serverFamilies(
  connections: number,
  paths: readonly PathView[],
  allSessions: readonly SessionView[],
  bytesSentByProtocol: ReadonlyMap<string, number> = new Map(),
): MetricFamily[] {
  // Per-session families are about readers: publishers and the dashboard's previews are left out.
  const sessions = allSessions.filter((s) => s.role === 'reader' && !s.preview)
  return [
    family('rtspkit_connections', 'gauge', 'Open RTSP connections.', [{ value: connections }]),
    family(
      'rtspkit_sessions',
      'gauge',
      'Sessions by protocol and role: readers (RTSP: set up or playing) and publishers; dashboard previews are not counted.',
      sessionCounts(allSessions),
    ),
    family('rtspkit_previews', 'gauge', "The dashboard's live previews (viewers that are not readers).", previewCounts(allSessions)),
    family(
      'rtspkit_bytes_sent_total',
      'counter',
      'Media bytes sent to viewers of each protocol, previews included.',
      [...bytesSentByProtocol].map(([protocol, value]) => ({ labels: { protocol }, value })),
    ),
    family('rtspkit_paths', 'gauge', 'Paths the server answers.', [{ value: paths.length }]),
    family(
      'rtspkit_path_ready',
      'gauge',
      '1 when the path can be played now, 0 while it waits for a publisher or an upstream.',
      perPath(paths, (p) => (p.state === 'ready' ? 1 : 0)),
    ),
    family(
      'rtspkit_path_readers',
      'gauge',
      'Readers of the path, every protocol (previews not counted).',
      perPath(paths, (p) => p.readers),
    ),
    family(
      'rtspkit_readers',
      'gauge',
      'Readers of the path by protocol (previews not counted).',
      paths.flatMap((p) =>
        READER_PROTOCOLS.map((protocol) => ({ labels: { path: p.name, protocol }, value: p.readersByProtocol[protocol] })),
      ),
    ),
    family(
      'rtspkit_path_publisher_connected',
      'gauge',
      '1 when a publisher (ANNOUNCE/RECORD) feeds the path.',
      perPath(paths, (p) => (p.publisher ? 1 : 0)),
    ),
    family(
      'rtspkit_path_bytes_received_total',
      'counter',
      'Media bytes pushed into the path by its source (restarts with a new publisher or upstream).',
      perPath(paths, (p) => p.bytesIn),
    ),
    family(
      'rtspkit_path_bytes_sent_total',
      'counter',
      "RTP bytes sent to the path's readers, all readers counted.",
      perPath(paths, (p) => p.bytesOut),
    ),
    family(
      'rtspkit_path_bitrate_in_bits',
      'gauge',
      'Bits per second pushed into the path over the last few seconds.',
      perPath(paths, (p) => p.bitrateIn),
    ),
    family(
      'rtspkit_session_bytes_sent_total',
      'counter',
      'Media bytes sent to the session (RTP for RTSP and WebRTC, segments for HLS).',
      perSession(sessions, (s) => s.bytesSent),
    ),
    family(
      'rtspkit_session_packets_sent_total',
      'counter',
      'RTP packets sent to the session.',
      perSession(sessions, (s) => s.packetsSent),
    ),
    family(
      'rtspkit_session_frames_dropped_total',
      'counter',
      "Frames the session's queue dropped because the reader did not keep up.",
      perSession(sessions, (s) => s.framesDropped),
    ),
    family(
      'rtspkit_session_bytes_dropped_total',
      'counter',
      "RTP bytes of the frames the session's queue dropped because the reader did not keep up.",
      perSession(sessions, (s) => s.bytesDropped),
    ),
    family(
      'rtspkit_session_send_errors_total',
      'counter',
      'UDP datagrams to the session that the kernel refused to send.',
      perSession(sessions, (s) => s.sendErrors),
    ),
    family(
      'rtspkit_session_queued_bytes',
      'gauge',
      'Bytes waiting for the reader: its queue, the socket buffer and UDP sends in flight.',
      perSession(sessions, (s) => s.queuedBytes),
    ),
    family(
      'rtspkit_session_packets_lost',
      'gauge',
      "Cumulative packets lost, from the reader's latest RTCP receiver reports.",
      perSession(sessions, (s) => s.cumulativeLost),
    ),
    family(
      'rtspkit_session_fraction_lost',
      'gauge',
      "Fraction of packets lost (0..1) in the reader's latest RTCP receiver report.",
      perSession(sessions, (s) => s.fractionLost),
    ),
  ]
}

/** V8's heap spaces (new, old, code, large_object…): committed and used bytes each. */
function heapSpaceFamilies(): MetricFamily[] {
  const spaces = v8.getHeapSpaceStatistics()
  const label = (name: string) => ({ space: name.replace(/_space$/, '') })
  return [
    family(
      'nodejs_heap_space_size_total_bytes',
      'gauge',
      'Committed size of each V8 heap space, in bytes.',
      spaces.map((sp) => ({ labels: label(sp.space_name), value: sp.space_size })),
    ),
    family(
      'nodejs_heap_space_size_used_bytes',
      'gauge',
      'Used size of each V8 heap space, in bytes.',
      spaces.map((sp) => ({ labels: label(sp.space_name), value: sp.space_used_size })),
    ),
  ]
}

/**
 * Process figures. Owns an event-loop delay monitor while open; close() stops it (idempotent).
 */
export class ProcessMetrics {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS })
  private closed = false

  constructor() {
    this.loop.enable()
  }

  families(): MetricFamily[] {
    const cpu = process.cpuUsage()
    const mem = process.memoryUsage()
    // Mean delay since the previous scrape; the histogram starts over so each scrape sees its own interval.
    const lag = this.loop.count > 0 ? this.loop.mean / NS_PER_SECOND : 0
    const lagMax = this.loop.count > 0 ? this.loop.max / NS_PER_SECOND : 0
    this.loop.reset()
    return [
      family('process_cpu_user_seconds_total', 'counter', 'User CPU time spent, in seconds.', [{ value: cpu.user / US_PER_SECOND }]),
      family('process_cpu_system_seconds_total', 'counter', 'System CPU time spent, in seconds.', [{ value: cpu.system / US_PER_SECOND }]),
      family('process_cpu_seconds_total', 'counter', 'User and system CPU time spent, in seconds.', [
        { value: (cpu.user + cpu.system) / US_PER_SECOND },
      ]),
      family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [{ value: mem.rss }]),
      family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use, in bytes.', [{ value: mem.heapUsed }]),
      family('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap committed, in bytes.', [{ value: mem.heapTotal }]),
      family('nodejs_external_memory_bytes', 'gauge', 'Memory of ArrayBuffers and Buffers outside the V8 heap, in bytes.', [
        { value: mem.external },
      ]),
      // Where a process's memory goes: most of what load adds is the young generation ("new") and
      // Buffers that wait for a collection (external), not what readers hold (README, "Less memory per reader").
      ...heapSpaceFamilies(),
      family('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch, in seconds.', [
        { value: Math.round(performance.timeOrigin) / MS_PER_SECOND },
      ]),
      family('nodejs_eventloop_lag_seconds', 'gauge', 'Mean event-loop delay since the previous scrape, in seconds.', [{ value: lag }]),
      family('nodejs_eventloop_lag_max_seconds', 'gauge', 'Largest event-loop delay since the previous scrape, in seconds.', [
        { value: lagMax },
      ]),
      family('rtspkit_native_udp', 'gauge', 'Whether UDP readers are sent to through the native sendmmsg sender (1) or node:dgram (0).', [
        { value: nativeUdpStatus().loaded ? 1 : 0 },
      ]),
      family(
        'rtspkit_native_udp_gso',
        'gauge',
        'Whether the native UDP sender sends runs of equal-size datagrams with UDP GSO (1) or not (0).',
        [{ value: nativeUdpStatus().gso ? 1 : 0 }],
      ),
    ]
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.loop.disable()
  }
}
