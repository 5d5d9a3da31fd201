/**
 * What the HTTP API shows: JSON views of the server's paths and sessions, built from read-only
 * snapshots (RtspServer.pathStatus(), RtspServer.stats()). docs/openapi.json describes these shapes;
 * the contract tests hold the two together.
 */
import { createCodecRegistry, type CodecRegistry } from '../codecs/registry.js'
import { ConfigError } from '../errors.js'
import type { PathStatus } from '../server/rtsp-server.js'
import type { ServerSession } from '../server/server-session.js'
import {
  trackInfoOf,
  type AudioTrackSpec,
  type RtpTrackSpec,
  type ServerStream,
  type StreamSpec,
  type VideoTrackSpec,
} from '../server/server-stream.js'
import { definedOnly } from '../util/defined.js'

/** What the embedding application knows about a path's source (the server only knows how it is served). */
export interface PathInfo {
  name: string
  /** The source kind: test, file, unshared, publish, relay, ffmpeg… */
  kind: string
  /** One line, secrets removed (see PathHandle.description). */
  description: string
}

export type PathState = 'ready' | 'waiting-publisher' | 'idle' | 'pulling' | 'retrying'

export interface TrackView {
  kind: 'video' | 'audio'
  /** The codec's registry name (codecs/registry.ts), or a relayed format's RTP encoding name in lower case. */
  codec: string
  /** RTP clock rate (Hz); null while the track layout is known only by a codec without a fixed rate. */
  clockRate: number | null
  width?: number
  height?: number
  fps?: number
  sampleRate?: number
  channels?: number
}

export interface PathView {
  name: string
  /** The RTSP URL players use for the path. */
  url: string
  source: { kind: string; description: string }
  state: PathState
  tracks: TrackView[]
  readers: number
  /** Bits per second pushed into the path, over the last few seconds. */
  bitrateIn: number
  bytesIn: number
  bytesOut: number
  publisher: { remoteAddress: string; since: string } | null
}

export interface SessionTrackView {
  track: number
  transport: 'udp' | 'tcp'
  bytesSent: number
  packetsSent: number
  framesSent: number
  framesDropped: number
  /** UDP datagrams the kernel refused to send. */
  sendErrors: number
  receiverReports: number
  fractionLost: number | null
  cumulativeLost: number | null
}

export interface SessionView {
  id: string
  path: string
  remoteAddress: string
  transport: 'udp' | 'tcp'
  state: 'init' | 'ready' | 'playing'
  since: string
  bytesSent: number
  packetsSent: number
  framesDropped: number
  sendErrors: number
  /** Bytes waiting for the reader (its queue, the socket buffer, UDP sends in flight). */
  queuedBytes: number
  /** The worst fraction lost any track's latest receiver report gave (0..1); null before any report. */
  fractionLost: number | null
  /** Cumulative packets lost over all tracks, from their latest receiver reports; null before any report. */
  cumulativeLost: number | null
  tracks: SessionTrackView[]
}

/** The server's own word for a path's source, when the application does not say more. */
const SERVER_KIND: Record<PathStatus['kind'], string> = {
  stream: 'local',
  publish: 'publish',
  'on-demand': 'relay',
  'per-reader': 'unshared',
}

export function pathState(p: PathStatus): PathState {
  switch (p.kind) {
    case 'publish':
      return p.publisher ? 'ready' : 'waiting-publisher'
    case 'on-demand':
      if (p.onDemandState === 'connecting') return 'pulling'
      if (p.onDemandState === 'retrying') return 'retrying'
      return p.stream ? 'ready' : 'idle'
    default:
      return 'ready'
  }
}

/** The path's streams whose bytes count for it: the shared one, or a per-reader path's private ones. */
export function streamsOf(p: PathStatus): ServerStream[] {
  return p.stream ? [p.stream, ...p.readerStreams] : p.readerStreams
}

export function bytesIn(p: PathStatus): number {
  return sumTracks(streamsOf(p), (t) => t.bytesIn)
}

function sumTracks(streams: readonly ServerStream[], pick: (t: ServerStream['tracks'][number]) => number): number {
  let n = 0
  for (const s of streams) for (const t of s.tracks) n += pick(t)
  return n
}

function trackView(
  kind: 'video' | 'audio',
  spec: VideoTrackSpec | AudioTrackSpec | RtpTrackSpec,
  live: ServerStream['tracks'][number] | undefined,
  codecs: CodecRegistry,
): TrackView {
  if (spec.codec === 'rtp') return { kind, codec: spec.encodingName.toLowerCase(), clockRate: live?.media.clockRate ?? spec.clockRate }
  const codec = codecs.byName(spec.codec)
  const base: TrackView = { kind, codec: codec?.name ?? spec.codec, clockRate: live?.media.clockRate ?? specClockRate(kind, spec, codecs) }
  if (kind === 'video') {
    const v = spec as VideoTrackSpec
    return { ...base, ...definedOnly({ width: v.width, height: v.height, fps: v.fps }) }
  }
  const a = spec as AudioTrackSpec
  return { ...base, ...definedOnly({ sampleRate: a.sampleRate ?? codec?.defaultSampleRate, channels: a.channels }) }
}

/** The RTP clock the codec will run for the spec; null while it depends on a sampling rate not known yet. */
function specClockRate(kind: 'video' | 'audio', spec: VideoTrackSpec | AudioTrackSpec, codecs: CodecRegistry): number | null {
  const codec = codecs.byName(spec.codec)
  if (!codec) return null
  try {
    return codec.clockRateFor(trackInfoOf(kind, spec, codecs))
  } catch (err) {
    if (err instanceof ConfigError) return null // an audio spec without its sampling rate
    throw err
  }
}

export function tracksOf(spec: StreamSpec | undefined, stream: ServerStream | undefined): TrackView[] {
  if (!spec) return []
  const codecs = createCodecRegistry()
  const out: TrackView[] = []
  for (const [kind, t] of [
    ['video', spec.video],
    ['audio', spec.audio],
  ] as const) {
    if (t)
      out.push(
        trackView(
          kind,
          t,
          stream?.tracks.find((x) => x.media.kind === kind),
          codecs,
        ),
      )
  }
  return out
}

export function pathView(p: PathStatus, info: PathInfo | undefined, bitrateIn: number, url: string): PathView {
  const streams = streamsOf(p)
  return {
    name: p.name,
    url,
    source: { kind: info?.kind ?? SERVER_KIND[p.kind], description: info?.description ?? '' },
    state: pathState(p),
    tracks: tracksOf(p.spec, p.stream ?? p.readerStreams[0]),
    readers: p.readers,
    bitrateIn,
    bytesIn: bytesIn(p),
    bytesOut: sumTracks(streams, (t) => t.bytesOut),
    publisher: p.publisher ? { remoteAddress: p.publisher.remoteAddress, since: new Date(p.publisher.since).toISOString() } : null,
  }
}

type SessionStats = ReturnType<ServerSession['stats']>

export function sessionView(s: SessionStats): SessionView {
  const tracks: SessionTrackView[] = s.tracks.map((t) => ({
    track: t.track,
    transport: t.transport === 'tcp' ? 'tcp' : 'udp',
    bytesSent: t.bytesSent,
    packetsSent: t.packetsSent,
    framesSent: t.framesSent,
    framesDropped: t.framesDropped,
    sendErrors: t.sendErrors,
    receiverReports: t.receiverReports,
    fractionLost: t.fractionLost,
    cumulativeLost: t.cumulativeLost,
  }))
  const reported = tracks.filter((t) => t.fractionLost !== null)
  return {
    id: s.id,
    path: s.path,
    remoteAddress: s.remoteAddress,
    transport: tracks.some((t) => t.transport === 'tcp') ? 'tcp' : 'udp',
    state: s.state,
    since: new Date(s.createdAt).toISOString(),
    bytesSent: tracks.reduce((n, t) => n + t.bytesSent, 0),
    packetsSent: tracks.reduce((n, t) => n + t.packetsSent, 0),
    framesDropped: tracks.reduce((n, t) => n + t.framesDropped, 0),
    sendErrors: tracks.reduce((n, t) => n + t.sendErrors, 0),
    queuedBytes: s.queuedBytes ?? 0,
    fractionLost: reported.length ? Math.max(...reported.map((t) => t.fractionLost!)) : null,
    cumulativeLost: reported.length ? reported.reduce((n, t) => n + (t.cumulativeLost ?? 0), 0) : null,
    tracks,
  }
}

const SECRET_KEY = /pass(word)?|secret|token|credential|api[-_]?key|private[-_]?key/i
export const REDACTED = '[redacted]'

/**
 * A copy of a config object for display: values under secret-looking keys replaced, and
 * user:password@ removed from URLs in strings (relay sources carry them).
 */
export function redact(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@')
  if (typeof value === 'bigint') return value.toString()
  if (typeof value !== 'object' || value === null) return typeof value === 'function' || typeof value === 'symbol' ? undefined : value
  if (seen.has(value)) return '[circular]'
  seen.add(value)
  try {
    const plain: object = value instanceof Map ? Object.fromEntries<unknown>(value) : value instanceof Set ? [...value] : value
    if (Array.isArray(plain)) return plain.map((v) => redact(v, seen) ?? null)
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(plain)) {
      const shown = SECRET_KEY.test(k) && v !== null && typeof v !== 'object' ? REDACTED : redact(v, seen)
      if (shown !== undefined) out[k] = shown
    }
    return out
  } finally {
    seen.delete(value) // only an ancestor makes a cycle; an object shown twice side by side is fine
  }
}
