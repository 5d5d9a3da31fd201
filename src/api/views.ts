/**
 * What the HTTP API shows: JSON views of the server's paths and sessions, built from read-only
 * snapshots (RtspServer.pathStatus(), RtspServer.stats()). docs/openapi.json describes these shapes;
 * the contract tests hold the two together.
 */
import { createCodecRegistry, type CodecRegistry } from '../codecs/registry.js'
import { ConfigError } from '../errors.js'
import type { ExternalSessionStatus, PathStatus } from '../server/rtsp-server.js'
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
import type { PictureInfo } from './picture-info.js'
import { webrtcAudio } from './webrtc-audio.js'

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

/** The protocols a path's readers come over; other protocols count in `readers` only. */
export const READER_PROTOCOLS = ['rtsp', 'webrtc', 'hls'] as const
export type ReaderProtocol = (typeof READER_PROTOCOLS)[number]

export interface PublisherView {
  remoteAddress: string
  since: string
  /** 'rtsp' (ANNOUNCE/RECORD), 'webrtc' (WHIP) or 'rtmp'. */
  protocol: string
  /** DELETE /v1/sessions/{sessionId} kicks it; null before an RTSP publisher's SETUP gave it one. */
  sessionId: string | null
}

export interface PathView {
  name: string
  /** The RTSP URL players use for the path. */
  url: string
  source: { kind: string; description: string }
  state: PathState
  tracks: TrackView[]
  /** Counted readers of every protocol (the dashboard's previews are not readers). */
  readers: number
  readersByProtocol: Record<ReaderProtocol, number>
  /** The dashboard's own live previews (WebRTC or HLS viewers that are not readers). */
  previews: number
  /** Bits per second pushed into the path, over the last few seconds. */
  bitrateIn: number
  bytesIn: number
  bytesOut: number
  publisher: PublisherView | null
  /** Whether the path's audio can be played in a browser over WebRTC; false without audio. */
  webrtcAudio: boolean
  /** Why not, when webrtcAudio is false (the codec cannot be sent over WebRTC, or "no audio track"). */
  webrtcAudioReason: string | null
  /** The path's WebRTC player page (WHEP at `${webrtcUrl}/whep`); null when no WebRTC server runs. */
  webrtcUrl: string | null
  /** The path's HLS player page (playlist at `${hlsUrl}/index.m3u8`); null when no HLS server runs. */
  hlsUrl: string | null
}

/** What the API adds to a path's status besides its source info: other protocols, the SPS, the URLs. */
export interface PathExtras {
  /** The external sessions (WebRTC, HLS) on this path. */
  externals?: readonly ExternalSessionStatus[]
  /** Reads a live video track's SPS. */
  picture?: (track: ServerStream['tracks'][number]) => PictureInfo | undefined
  /** Video units per second over the last seconds (the frame rate when the SPS gives none). */
  measuredFps?: number
  webrtcUrl?: string | null
  hlsUrl?: string | null
}

export interface SessionTrackView {
  track: number
  transport: 'udp' | 'tcp' | 'multicast'
  bytesSent: number
  packetsSent: number
  framesSent: number
  /** Units not sent because the reader was too slow: dropped at a full queue, and skipped up to the next keyframe. */
  framesDropped: number
  /** RTP bytes of those units. */
  bytesDropped: number
  /** Units (and their bytes) in the reader's queue now: framesSent + framesDropped + framesQueued = units since PLAY (with the instant-start GOP). */
  framesQueued: number
  bytesQueued: number
  /** UDP datagrams the kernel refused to send. */
  sendErrors: number
  receiverReports: number
  fractionLost: number | null
  cumulativeLost: number | null
}

export interface SessionView {
  id: string
  /** 'rtsp', 'webrtc' or 'hls'. */
  protocol: string
  role: 'reader' | 'publisher'
  /** A dashboard preview: listed, but no reader anywhere (not counted, not limited). */
  preview: boolean
  path: string
  remoteAddress: string
  transport: 'udp' | 'tcp' | 'multicast'
  /** RTSP readers: init, ready, playing; publishers: ready (announced) or recording; other viewers: playing. */
  state: 'init' | 'ready' | 'playing' | 'recording'
  since: string
  bytesSent: number
  /** Media bytes a publisher pushed; 0 for readers. */
  bytesReceived: number
  packetsSent: number
  framesDropped: number
  bytesDropped: number
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

/** What a video track's live state adds to its spec: the SPS, and the rate its units arrive at. */
export interface VideoLive {
  picture?: PictureInfo | undefined
  measuredFps?: number | undefined
}

function trackView(
  kind: 'video' | 'audio',
  spec: VideoTrackSpec | AudioTrackSpec | RtpTrackSpec,
  live: ServerStream['tracks'][number] | undefined,
  codecs: CodecRegistry,
  video: VideoLive,
): TrackView {
  const pic = video.picture
  // The SPS first (what the encoder really makes), then the source's own word, then the arrival rate.
  const fps = (v: { fps?: number | undefined }) => pic?.fps ?? v.fps ?? (video.measuredFps || undefined)
  if (spec.codec === 'rtp') {
    const base: TrackView = { kind, codec: spec.encodingName.toLowerCase(), clockRate: live?.media.clockRate ?? spec.clockRate }
    return kind === 'video' && pic ? { ...base, ...definedOnly({ width: pic.width, height: pic.height, fps: fps({}) }) } : base
  }
  const codec = codecs.byName(spec.codec)
  const base: TrackView = { kind, codec: codec?.name ?? spec.codec, clockRate: live?.media.clockRate ?? specClockRate(kind, spec, codecs) }
  if (kind === 'video') {
    const v = spec as VideoTrackSpec
    return { ...base, ...definedOnly({ width: pic?.width ?? v.width, height: pic?.height ?? v.height, fps: fps(v) }) }
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

export function tracksOf(spec: StreamSpec | undefined, stream: ServerStream | undefined, video: VideoLive = {}): TrackView[] {
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
          kind === 'video' ? video : {},
        ),
      )
  }
  return out
}

export function pathView(p: PathStatus, info: PathInfo | undefined, bitrateIn: number, url: string, extras: PathExtras = {}): PathView {
  const streams = streamsOf(p)
  const live = p.stream ?? p.readerStreams[0]
  const liveVideo = live?.tracks.find((t) => t.media.kind === 'video')
  const tracks = tracksOf(p.spec, live, {
    picture: liveVideo && extras.picture?.(liveVideo),
    measuredFps: extras.measuredFps,
  })
  const byProtocol: Record<ReaderProtocol, number> = { rtsp: 0, webrtc: 0, hls: 0 }
  let others = 0
  let previews = 0
  for (const e of extras.externals ?? []) {
    if (e.role !== 'reader') continue
    if (!e.counted) previews++
    else if (e.protocol === 'webrtc' || e.protocol === 'hls') byProtocol[e.protocol]++
    else others++
  }
  // The stream counts every reader output (RTSP sessions and counted viewers of other protocols);
  // a viewer listed before its output is added must not make the RTSP count negative.
  byProtocol.rtsp = Math.max(0, p.readers - byProtocol.webrtc - byProtocol.hls - others)
  const pub = p.publisher
  return {
    name: p.name,
    url,
    source: { kind: info?.kind ?? SERVER_KIND[p.kind], description: info?.description ?? '' },
    state: pathState(p),
    tracks,
    readers: byProtocol.rtsp + byProtocol.webrtc + byProtocol.hls + others,
    readersByProtocol: byProtocol,
    previews,
    bitrateIn,
    bytesIn: bytesIn(p),
    bytesOut: sumTracks(streams, (t) => t.bytesOut),
    publisher: pub
      ? {
          remoteAddress: pub.remoteAddress,
          since: new Date(pub.since).toISOString(),
          protocol: pub.protocol,
          sessionId: pub.sessionId ?? null,
        }
      : null,
    ...webrtcAudio(tracks, createCodecRegistry()),
    webrtcUrl: extras.webrtcUrl ?? null,
    hlsUrl: extras.hlsUrl ?? null,
  }
}

type SessionStats = ReturnType<ServerSession['stats']>

export function sessionView(s: SessionStats): SessionView {
  const tracks: SessionTrackView[] = s.tracks.map((t) => ({
    track: t.track,
    transport: t.transport === 'tcp' || t.transport === 'multicast' ? t.transport : 'udp',
    bytesSent: t.bytesSent,
    packetsSent: t.packetsSent,
    framesSent: t.framesSent,
    framesDropped: t.framesDropped,
    bytesDropped: t.bytesDropped,
    framesQueued: t.framesQueued ?? 0,
    bytesQueued: t.bytesQueued ?? 0,
    sendErrors: t.sendErrors,
    receiverReports: t.receiverReports,
    fractionLost: t.fractionLost,
    cumulativeLost: t.cumulativeLost,
  }))
  const reported = tracks.filter((t) => t.fractionLost !== null)
  return {
    id: s.id,
    protocol: 'rtsp',
    role: 'reader',
    preview: false,
    path: s.path,
    remoteAddress: s.remoteAddress,
    transport: tracks.some((t) => t.transport === 'tcp') ? 'tcp' : tracks.some((t) => t.transport === 'multicast') ? 'multicast' : 'udp',
    state: s.state,
    since: new Date(s.createdAt).toISOString(),
    bytesSent: tracks.reduce((n, t) => n + t.bytesSent, 0),
    bytesReceived: 0,
    packetsSent: tracks.reduce((n, t) => n + t.packetsSent, 0),
    framesDropped: tracks.reduce((n, t) => n + t.framesDropped, 0),
    bytesDropped: tracks.reduce((n, t) => n + t.bytesDropped, 0),
    sendErrors: tracks.reduce((n, t) => n + t.sendErrors, 0),
    queuedBytes: s.queuedBytes ?? 0,
    fractionLost: reported.length ? Math.max(...reported.map((t) => t.fractionLost!)) : null,
    cumulativeLost: reported.length ? reported.reduce((n, t) => n + (t.cumulativeLost ?? 0), 0) : null,
    tracks,
  }
}

/** A session with nothing sent: the counters of a publisher, or of a viewer whose room counts bytes only. */
function quietSession(): Omit<
  SessionView,
  'id' | 'protocol' | 'role' | 'preview' | 'path' | 'remoteAddress' | 'transport' | 'state' | 'since'
> {
  return {
    bytesSent: 0,
    bytesReceived: 0,
    packetsSent: 0,
    framesDropped: 0,
    bytesDropped: 0,
    sendErrors: 0,
    queuedBytes: 0,
    fractionLost: null,
    cumulativeLost: null,
    tracks: [],
  }
}

/** An RTSP publisher (ANNOUNCE/RECORD) as a session; undefined while it has no session id yet. */
export function publisherSessionView(p: PathStatus): SessionView | undefined {
  const pub = p.publisher
  if (!pub || pub.protocol !== 'rtsp' || pub.sessionId === undefined) return undefined
  return {
    ...quietSession(),
    id: pub.sessionId,
    protocol: 'rtsp',
    role: 'publisher',
    preview: false,
    path: p.name,
    remoteAddress: pub.remoteAddress,
    transport: pub.transport ?? 'tcp',
    state: pub.recording ? 'recording' : 'ready',
    since: new Date(pub.since).toISOString(),
    bytesReceived: bytesIn(p),
  }
}

/** A WebRTC, HLS or RTMP viewer or publisher. WebRTC media goes over UDP (ICE), HLS and RTMP over TCP. */
export function externalSessionView(e: ExternalSessionStatus): SessionView {
  return {
    ...quietSession(),
    id: e.id,
    protocol: e.protocol,
    role: e.role,
    preview: !e.counted,
    path: e.path,
    remoteAddress: e.remoteAddress,
    transport: e.protocol === 'webrtc' ? 'udp' : 'tcp',
    state: e.role === 'publisher' ? 'recording' : 'playing',
    since: new Date(e.since).toISOString(),
    bytesSent: e.bytesSent,
    bytesReceived: e.bytesReceived,
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
