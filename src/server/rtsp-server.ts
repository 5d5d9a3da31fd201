import { EventEmitter } from 'node:events'
import net from 'node:net'
import os from 'node:os'
import { ConfigError, ParseError, RtspkitError, StateError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { serializeRequest, serializeResponse } from '../rtsp/message.js'
import { formatSdp, type SdpMedia, type SessionDescription } from '../sdp/sdp.js'
import { formatRtpInfo } from '../rtsp/headers/rtp-info.js'
import { formatSession, parseSession } from '../rtsp/headers/session.js'
import { formatTransport, parseTransport, type TransportSpec } from '../rtsp/headers/transport.js'
import type { RtspRequest, RtspResponse } from '../rtsp/message.js'
import type { RtspReaderLimits } from '../rtsp/reader.js'
import { parseRtspUrl, stripCredentials } from '../rtsp/url.js'
import { systemClock, type Clock } from '../util/clock.js'
import { definedOnly } from '../util/defined.js'
import { cryptoRandom, type Random } from '../util/random.js'
import { makeResponse, ServerConnection, type ConnectionHandler, type RequestFraming } from './server-connection.js'
import { isTeachingSetup, TEACHING_CLIENT_RECV_SIZE, WholeJpegSender } from './dialects/teaching.js'
import { ServerSession, TrackSetup, type TrackTransport } from './server-session.js'
import { ServerStream, type StreamSpec } from './server-stream.js'
import { sameLayout } from './stream-layout.js'
import { readAnnouncement } from './announce.js'
import { Publisher } from './publisher.js'
import { createCodecRegistry } from '../codecs/registry.js'
import { allocateUdpPair, bindUdpPair, type PortRange } from '../transport/udp-pair.js'
import { ownedLink, SharedUdpPair, type UdpLink } from '../transport/udp-link.js'
import { mediaSection } from '../codecs/media-track.js'
import { FailureThrottle, PathPasswords, type AccessPolicy, type PathUsers } from './access.js'
import type { PerReaderSource, ReaderPlayback } from './per-reader.js'
import { parseRange } from '../rtsp/headers/range.js'

export const SERVER_NAME = 'rtspkit/0.1'
const SUPPORTED_METHODS = [
  'OPTIONS',
  'DESCRIBE',
  'ANNOUNCE',
  'SETUP',
  'PLAY',
  'PAUSE',
  'RECORD',
  'TEARDOWN',
  'GET_PARAMETER',
  'SET_PARAMETER',
]
const SESSION_ID_DIGITS = 9 // fits a signed 32-bit integer, for clients that parse it as one
const TRACK_SUFFIX = /^(?:trackID|streamid|track)=?(\d+)$/i

export interface RtspServerOptions {
  /** RTSP TCP port (default 8554; 0 picks a free one). */
  port?: number
  /** Address to listen on (default: all interfaces). */
  host?: string
  /** Host name used in URLs the server prints (default: the first non-internal IPv4 address). */
  publicHost?: string
  /** UDP ports for RTP/RTCP pairs (default: ephemeral ports from the OS). */
  rtpPortRange?: PortRange
  /**
   * One RTP/RTCP pair for every IPv4 session instead of a pair each: RTP on this even port, RTCP on
   * the next (two firewall holes in all). IPv6 clients still get pairs of their own.
   */
  sharedRtpPort?: number
  /** Seconds a session lives without keep-alive (default 60). */
  sessionTimeout?: number
  maxSessions?: number
  maxConnections?: number
  /** Bytes a TCP reader may have queued before frames are dropped (default 2 MiB). */
  maxReaderQueueBytes?: number
  /** Largest RTP packet (default 1400 bytes, fits a 1500-byte MTU). */
  maxPacketSize?: number
  /** RTCP sender report interval in ms (default 5000). */
  rtcpInterval?: number
  /** Refuse RTP over UDP (461): readers and publishers must use TCP interleaved. */
  tcpOnly?: boolean
  /** How long DESCRIBE waits for in-band parameter sets of a stream before answering without them (ms). */
  describeWait?: number
  readerLimits?: Partial<RtspReaderLimits>
  clock?: Clock
  random?: Random
  logger?: Logger
}

/** What a publish path does when its publisher leaves, and when a second one arrives. */
export interface PublishPathOptions {
  /**
   * 'close' (default): readers get an RTCP BYE and their sessions end. 'stay': readers stay connected
   * and resume, from the next keyframe, when a publisher of the same format returns (a publisher of
   * another format ends them as with 'close').
   */
  onPublisherLeave?: 'close' | 'stay'
  /** 'refuse' (default): a second publisher gets 503. 'takeover': the new one replaces the old, whose connection is closed. */
  onSecondPublisher?: 'refuse' | 'takeover'
}

/**
 * A path whose stream is made when a reader asks for it: a relay pulled on demand. `demand()`
 * resolves with the stream once it exists (after the upstream answered), or rejects; the server
 * then answers 503.
 */
export interface OnDemandPath {
  demand(): Promise<ServerStream>
  /** The server stopped: release everything. */
  close(): void
  /** What the handler is doing, for status reports (a relay: idle, connecting, live, retrying). */
  readonly state?: string
}

/** One path the server answers and what feeds it now: a read-only snapshot for status reports. */
export interface PathStatus {
  name: string
  /** 'stream': added with addStream (a local source); 'publish', 'on-demand' (a relay), 'per-reader'. */
  kind: 'stream' | 'publish' | 'on-demand' | 'per-reader'
  /** The shared stream, when it exists now. */
  stream: ServerStream | undefined
  /** The track layout: the stream's, or a per-reader path's; undefined while unknown (no publisher yet). */
  spec: StreamSpec | undefined
  /** Sessions playing the path now. */
  readers: number
  publisher: { remoteAddress: string; since: number; recording: boolean } | undefined
  /** An on-demand path's handler state when it reports one. */
  onDemandState: string | undefined
  /** A per-reader path: the private streams of its sessions. */
  readerStreams: ServerStream[]
}

export type { Logger } from '../log/logger.js'

const silentLogger: Logger = { info() {}, warn() {}, debug() {} }

export interface SessionEvent {
  path: string
  sessionId: string
  remoteAddress: string
  /** SETUP: the transport chosen for the track. */
  transport?: string
  track?: number
  /** TEARDOWN: 'teardown', 'timeout', 'connection closed', 'server stopped', 'stream removed', 'kicked'. */
  reason?: string
}

export interface RtspServerEvents {
  /** A stream was added (by addStream, a publisher or a relay). */
  stream: [ServerStream]
  setup: [SessionEvent]
  play: [SessionEvent]
  pause: [SessionEvent]
  teardown: [SessionEvent]
}

interface Target {
  path: string
  stream: ServerStream | undefined
  trackIndex: number | undefined
  /** A per-reader path: `stream` is then its template (for DESCRIBE); each session gets its own. */
  perReader?: PerReaderSource
}

class RequestError extends RtspkitError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('ERR_RTSP_REQUEST', message, { status })
  }
}

export class RtspServer extends EventEmitter<RtspServerEvents> implements ConnectionHandler {
  private readonly opts: Required<
    Omit<
      RtspServerOptions,
      'host' | 'publicHost' | 'rtpPortRange' | 'maxSessions' | 'maxConnections' | 'readerLimits' | 'tcpOnly' | 'sharedRtpPort'
    >
  > &
    RtspServerOptions
  private readonly streams = new Map<string, ServerStream>()
  private readonly sessions = new Map<string, ServerSession>()
  private readonly connections = new Map<number, ServerConnection>()
  /** Paths open to one publisher each (ANNOUNCE/RECORD), and who publishes there now. */
  private readonly publishPaths = new Map<string, Required<PublishPathOptions>>()
  private readonly publishers = new Map<string, Publisher>()
  private readonly onDemand = new Map<string, OnDemandPath>()
  private pathProvider: ((path: string) => boolean) | undefined
  private readonly perReader = new Map<string, { source: PerReaderSource; template?: ServerStream }>()
  /** The playback of each session on a per-reader path. */
  private readonly playbacks = new Map<string, ReaderPlayback>()
  private access: AccessPolicy
  private readonly pathPasswords: PathPasswords
  private readonly throttle: FailureThrottle
  private readonly codecs = createCodecRegistry()
  private tcp: net.Server | undefined
  private sharedUdp: SharedUdpPair | undefined
  private sweepTimer: NodeJS.Timeout | undefined
  private nextConnectionId = 1
  private portHint = 0
  private boundPort: number | undefined

  constructor(options: RtspServerOptions = {}) {
    super()
    this.opts = {
      port: 8554,
      sessionTimeout: 60,
      maxReaderQueueBytes: 2 * 1024 * 1024,
      maxPacketSize: 1400,
      rtcpInterval: 5000,
      describeWait: 2000,
      clock: systemClock,
      random: cryptoRandom,
      logger: silentLogger,
      // An option given as undefined means "the default", as callers forwarding optional flags expect.
      ...(definedOnly(options) as RtspServerOptions),
    }
    if (!Number.isInteger(this.opts.port) || this.opts.port < 0 || this.opts.port > 65535) {
      throw new ConfigError('ERR_CONFIG_PORT', `port must be an integer 0-65535, got ${this.opts.port}`, {
        observed: this.opts.port,
        allowed: '0-65535',
      })
    }
    this.pathPasswords = new PathPasswords({ clock: this.opts.clock, random: this.opts.random })
    this.access = this.pathPasswords
    this.throttle = new FailureThrottle(this.opts.clock)
    for (const key of ['sessionTimeout', 'rtcpInterval', 'maxReaderQueueBytes', 'maxPacketSize'] as const) {
      const v = this.opts[key]
      if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
        throw new ConfigError('ERR_CONFIG_VALUE', `${key} must be a positive number, got ${String(v)}`, { observed: v, allowed: '> 0' })
      }
    }
  }

  // ---- streams -------------------------------------------------------------------------------

  /** Creates a named stream (the URL path, e.g. 'cam' or 'live/cam1'). */
  addStream(name: string, spec: StreamSpec): ServerStream {
    const key = normalizePath(name)
    if (!key || /[\s?#]/.test(key)) {
      throw new ConfigError('ERR_STREAM_NAME', `invalid stream name "${name}": use letters, digits, '-', '_', '.', '/'`, { observed: name })
    }
    if (this.streams.has(key)) throw new ConfigError('ERR_STREAM_EXISTS', `stream "${key}" already exists`, { observed: key })
    const stream = new ServerStream(key, spec, this.streamDeps())
    this.streams.set(key, stream)
    this.emit('stream', stream)
    return stream
  }

  /**
   * Opens `name` to a publisher: an RTSP client that ANNOUNCEs an SDP and RECORDs into it (ffmpeg
   * `-f rtsp`, GStreamer rtspclientsink). Readers can play it while a publisher is on; when the
   * publisher leaves, readers get an RTCP BYE, their sessions end and the path is free again.
   */
  addPublishPath(name: string, options: PublishPathOptions = {}): void {
    const key = normalizePath(name)
    if (!key || /[\s?#]/.test(key)) throw new ConfigError('ERR_STREAM_NAME', `invalid path name "${name}"`, { observed: name })
    if (this.streams.has(key) || this.publishPaths.has(key))
      throw new ConfigError('ERR_STREAM_EXISTS', `path "${key}" already exists`, { observed: key })
    this.publishPaths.set(key, {
      onPublisherLeave: options.onPublisherLeave ?? 'close',
      onSecondPublisher: options.onSecondPublisher ?? 'refuse',
    })
  }

  /** Registers a path whose stream is created on demand (see OnDemandPath); the handler adds and removes the stream itself. */
  addOnDemandPath(name: string, handler: OnDemandPath): void {
    const key = normalizePath(name)
    if (!key || /[\s?#]/.test(key)) throw new ConfigError('ERR_STREAM_NAME', `invalid path name "${name}"`, { observed: name })
    if (this.streams.has(key) || this.publishPaths.has(key) || this.onDemand.has(key))
      throw new ConfigError('ERR_STREAM_EXISTS', `path "${key}" already exists`, { observed: key })
    this.onDemand.set(key, handler)
  }

  /**
   * A path where every reader gets its own playback (see per-reader.ts): `name` may be '' for the
   * root URL (`rtsp://host:port/`) or '*' for any path nothing else serves.
   */
  addPerReaderPath(name: string, source: PerReaderSource): void {
    const key = name === '*' ? '*' : normalizePath(name)
    if (/[\s?#]/.test(key)) throw new ConfigError('ERR_STREAM_NAME', `invalid path name "${name}"`, { observed: name })
    if (this.streams.has(key) || this.publishPaths.has(key) || this.onDemand.has(key) || this.perReader.has(key)) {
      throw new ConfigError('ERR_STREAM_EXISTS', `path "${key}" already exists`, { observed: key })
    }
    this.perReader.set(key, { source })
  }

  /**
   * Requires credentials on a path: every request on it (DESCRIBE, SETUP, PLAY, ANNOUNCE, RECORD…)
   * must carry an Authorization the path's users pass; others get 401 with the challenges.
   */
  protectPath(name: string, options: PathUsers): void {
    const key = normalizePath(name)
    if (options.users.length === 0) throw new ConfigError('ERR_AUTH_USERS', `path "${key}" needs at least one user`, { observed: [] })
    this.pathPasswords.protect(key, options)
  }

  /**
   * Changes settings that need no restart (a config reload): they apply to new sessions and
   * connections; the listener and existing sessions keep theirs.
   */
  updateSettings(
    settings: Pick<RtspServerOptions, 'sessionTimeout' | 'maxSessions' | 'maxConnections' | 'publicHost' | 'readerLimits'>,
  ): void {
    // The limits may be lifted (undefined = none); the session timeout always has a value.
    const { sessionTimeout, ...rest } = settings
    Object.assign(this.opts, rest, definedOnly({ sessionTimeout }))
  }

  /** Replaces who may read and publish where (a config reload); protectPath's passwords no longer apply. */
  setAccessPolicy(policy: AccessPolicy): void {
    this.access = policy
  }

  getStream(name: string): ServerStream | undefined {
    return this.streams.get(normalizePath(name))
  }

  /** Removes a stream; its sessions are torn down. */
  removeStream(name: string): boolean {
    const key = normalizePath(name)
    const stream = this.streams.get(key)
    if (!stream) return false
    for (const s of [...this.sessions.values()]) if (s.stream === stream) this.closeSession(s, 'stream removed')
    this.streams.delete(key)
    stream.close()
    return true
  }

  /**
   * Removes whatever serves a path — a stream, a publish path (its publisher is disconnected), an
   * on-demand path or a per-reader path (their sessions end with BYE). Returns false if none did.
   */
  removePath(name: string, reason = 'path removed'): boolean {
    const key = name === '*' ? '*' : normalizePath(name)
    let found = false
    const publisher = this.publishers.get(key)
    if (publisher) {
      this.endPublisher(publisher, reason, true)
      this.connections.get(publisher.connectionId)?.destroy()
    }
    if (this.publishPaths.delete(key)) found = true
    const onDemand = this.onDemand.get(key)
    if (onDemand) {
      this.onDemand.delete(key)
      onDemand.close()
      found = true
    }
    if (this.perReader.delete(key)) {
      for (const s of [...this.sessions.values()]) if (this.playbacks.has(s.id) && s.path === key) this.closeSession(s, reason)
      found = true
    }
    return this.removeStream(key) || found
  }

  /**
   * Asked for a path nothing serves, before answering 404: a config with `~regex` paths adds it
   * (e.g. a publish path) and returns true.
   */
  setPathProvider(provider: ((path: string) => boolean) | undefined): void {
    this.pathProvider = provider
  }

  get port(): number {
    return this.boundPort ?? this.opts.port
  }

  /** The URL a player on the network would use for a stream. */
  urlFor(name: string, host = this.opts.publicHost ?? defaultPublicHost(this.opts.host)): string {
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    return `rtsp://${h}:${this.port}/${normalizePath(name)}`
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.tcp) throw new StateError('ERR_SERVER_STARTED', 'server already started')
    if (this.opts.sharedRtpPort !== undefined && !this.sharedUdp) {
      const port = this.opts.sharedRtpPort
      const pair = await bindUdpPair('udp4', this.opts.host && net.isIPv4(this.opts.host) ? this.opts.host : '0.0.0.0', port)
      if (!pair)
        throw new ConfigError(
          'ERR_PORT_IN_USE',
          `UDP ports ${port}-${port + 1} for the shared RTP/RTCP pair are taken (or ${port} is odd); choose another even port`,
          { observed: port },
        )
      this.sharedUdp = new SharedUdpPair(pair)
    }
    return this.listen()
  }

  private listen(): Promise<void> {
    const server = net.createServer((socket) => this.onConnection(socket))
    this.tcp = server
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.tcp = undefined
        const where = `${this.opts.host ?? '*'}:${this.opts.port}`
        if (err.code === 'EADDRINUSE') {
          reject(
            new ConfigError(
              'ERR_PORT_IN_USE',
              `port ${this.opts.port} is already in use (${where}); choose another with --port`,
              { observed: this.opts.port },
              { cause: err },
            ),
          )
        } else if (err.code === 'EACCES') {
          reject(
            new ConfigError(
              'ERR_PORT_ACCESS',
              `not allowed to listen on ${where}; use a port above 1023 or run with privileges`,
              { observed: this.opts.port },
              { cause: err },
            ),
          )
        } else {
          reject(new ConfigError('ERR_LISTEN', `cannot listen on ${where}: ${err.message}`, { observed: where }, { cause: err }))
        }
      }
      server.once('error', onError)
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', onError)
        server.on('error', (err) => this.opts.logger.warn(`server socket error: ${err.message}`))
        this.boundPort = (server.address() as net.AddressInfo).port
        const sweepMs = Math.min(5000, Math.max(250, (this.opts.sessionTimeout * 1000) / 4))
        this.sweepTimer = setInterval(() => this.sweep(), sweepMs)
        this.sweepTimer.unref()
        resolve()
      })
    })
  }

  /** Tears down every session (with RTCP BYE), closes every connection and the listening socket. Idempotent. */
  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    this.sweepTimer = undefined
    for (const p of [...this.publishers.values()]) this.endPublisher(p, 'server stopped', true)
    for (const h of this.onDemand.values()) h.close()
    this.sharedUdp?.close()
    this.sharedUdp = undefined
    for (const s of [...this.sessions.values()]) this.closeSession(s, 'server stopped')
    const server = this.tcp
    this.tcp = undefined
    for (const c of this.connections.values()) c.end()
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Give connections a moment to flush, then cut them.
        setTimeout(() => {
          for (const c of this.connections.values()) c.destroy()
        }, 500).unref()
      })
    }
  }

  stats() {
    return {
      connections: this.connections.size,
      sessions: [...this.sessions.values()].map((s) => s.stats()),
      streams: [...this.streams.values()].map((s) => ({
        name: s.name,
        readers: s.readerCount,
        tracks: s.tracks.map((t) => ({
          index: t.index,
          codec: t.media.codec,
          unitsIn: t.unitsIn,
          bytesIn: t.bytesIn,
          bytesOut: t.bytesOut,
        })),
      })),
    }
  }

  /** Every path the server answers (streams, publish, on-demand and per-reader paths), as it is now. */
  pathStatus(): PathStatus[] {
    const names = new Set([...this.streams.keys(), ...this.publishPaths.keys(), ...this.onDemand.keys(), ...this.perReader.keys()])
    return [...names].map((name) => {
      const stream = this.streams.get(name)
      const publisher = this.publishers.get(name)
      const perReader = this.perReader.get(name)
      // The '*' per-reader path serves every name nothing else does.
      const own = perReader
        ? [...this.sessions.values()].filter(
            (s) => this.playbacks.has(s.id) && (s.path === name || (name === '*' && !this.servesPath(s.path))),
          )
        : []
      const kind = this.publishPaths.has(name) ? 'publish' : this.onDemand.has(name) ? 'on-demand' : perReader ? 'per-reader' : 'stream'
      return {
        name,
        kind,
        stream,
        spec: stream?.spec ?? perReader?.source.spec,
        readers: perReader ? own.filter((s) => s.state === 'playing').length : (stream?.readerCount ?? 0),
        publisher: publisher && {
          remoteAddress: publisher.remoteAddress,
          since: publisher.since,
          recording: publisher.state === 'recording',
        },
        onDemandState: this.onDemand.get(name)?.state,
        readerStreams: own.map((s) => s.stream),
      }
    })
  }

  /**
   * Ends a session from the server side, as an operator would: RTCP BYE on every track that sent
   * media, transports released, and the reader's RTSP connection closed (after the BYE) unless it
   * carries other sessions — a reader kicked before its first packet has no BYE to end on. False
   * when no such session exists.
   */
  kickSession(id: string): boolean {
    const s = this.sessions.get(id)
    if (!s) return false
    this.closeSession(s, 'kicked')
    const conn = this.connections.get(s.ownerId)
    const shared =
      [...this.sessions.values()].some((o) => o.ownerId === s.ownerId) ||
      [...this.publishers.values()].some((p) => p.connectionId === s.ownerId)
    if (conn && !shared) conn.end()
    return true
  }

  private onConnection(socket: net.Socket): void {
    const id = this.nextConnectionId++
    const conn = new ServerConnection(id, socket, this.opts.readerLimits ?? {}, this)
    conn.serverName = SERVER_NAME
    // Over the limit: keep the socket just long enough to answer its first request with 503.
    conn.overLimit = this.opts.maxConnections !== undefined && this.connections.size >= this.opts.maxConnections
    this.connections.set(id, conn)
    this.opts.logger.debug(`connection from ${conn.remoteAddress}:${conn.remotePort}`, { conn: id })
  }

  connectionClosed(conn: ServerConnection): void {
    this.connections.delete(conn.id)
    for (const p of [...this.publishers.values()]) if (p.connectionId === conn.id) this.endPublisher(p, 'publisher disconnected')
    for (const s of [...this.sessions.values()]) {
      if (s.ownerId === conn.id && s.boundToConnection) this.closeSession(s, 'connection closed')
    }
  }

  private sweep(): void {
    const now = this.opts.clock.monoMs()
    for (const s of [...this.sessions.values()]) {
      const ownerOpen = this.connections.has(s.ownerId)
      if (s.boundToConnection && ownerOpen) continue // interleaved and teaching sessions live as long as their connection
      if (s.expired(now)) this.closeSession(s, 'timeout')
    }
  }

  private closeSession(s: ServerSession, reason: string): void {
    if (!this.sessions.delete(s.id)) return
    s.close()
    const playback = this.playbacks.get(s.id)
    if (playback) {
      this.playbacks.delete(s.id)
      playback.stop()
      s.stream.close()
    }
    this.opts.logger.info(`closed: ${reason}`, { session: s.id, path: s.path })
    this.emit('teardown', { path: s.path, sessionId: s.id, remoteAddress: this.connections.get(s.ownerId)?.remoteAddress ?? '', reason })
  }

  // ---- RTSP ----------------------------------------------------------------------------------

  handleInterleaved(conn: ServerConnection, channel: number, payload: Buffer): void {
    for (const p of this.publishers.values()) if (p.connectionId === conn.id && p.onInterleaved(channel, payload)) return
    // RTCP receiver reports arrive on the odd channel of a track.
    for (const s of this.sessions.values()) {
      if (s.ownerId !== conn.id) continue
      for (const setup of s.setups.values()) {
        const t = setup.transport
        if (t.kind === 'tcp' && t.rtcpChannel === channel) {
          s.onRtcp(setup, payload)
          return
        }
      }
    }
  }

  /** The RTSP dialogue, at debug level: each request and response as sent. */
  onDialogue(conn: ServerConnection, direction: 'recv' | 'send', message: RtspRequest | RtspResponse): void {
    const log = this.opts.logger
    if (log.enabled && !log.enabled('debug')) return
    const bytes = 'method' in message ? serializeRequest(message) : serializeResponse(message)
    const type = message.headers.get('Content-Type') ?? ''
    // Text bodies (SDP, parameters) are shown; anything else is summarized.
    const text =
      /^(application\/sdp|text\/)/i.test(type) || message.body.length === 0
        ? bytes.toString('latin1')
        : `${bytes.subarray(0, bytes.length - message.body.length).toString('latin1')}[${message.body.length} bytes]`
    // Credentials stay out of logs: the scheme is shown, not what follows it.
    const safe = text.trimEnd().replace(/^(Authorization:\s*\S+).*$/gim, '$1 [redacted]')
    log.debug(`${direction === 'recv' ? '<<' : '>>'} ${safe}`, { conn: conn.id })
  }

  async handleRequest(
    conn: ServerConnection,
    req: RtspRequest,
    framing: RequestFraming = { lfOnly: false, unterminated: false },
  ): Promise<RtspResponse> {
    if (req.headers.get('CSeq') === undefined) return makeResponse(400)
    if (!/^RTSP\/1\.\d$/.test(req.version)) return makeResponse(505)
    if (conn.overLimit) {
      return makeResponse(503, { Connection: 'close' })
    }
    const denied = await this.checkAccess(conn, req)
    if (denied) return denied
    try {
      switch (req.method) {
        case 'OPTIONS':
          this.touchSession(req)
          return makeResponse(200, { Public: SUPPORTED_METHODS.join(', ') })
        case 'DESCRIBE':
          return await this.describe(conn, req)
        case 'SETUP':
          return await this.setup(conn, req, framing)
        case 'ANNOUNCE':
          return this.announce(conn, req)
        case 'RECORD':
          return this.record(req)
        case 'PLAY':
          return this.play(conn, req)
        case 'PAUSE':
          return this.pause(conn, req)
        case 'TEARDOWN':
          return this.publisherBySession(req) ? this.teardownPublisher(req) : this.teardown(req)
        case 'GET_PARAMETER':
        case 'SET_PARAMETER':
          return this.keepAlive(req)
        default:
          return makeResponse(501, { Public: SUPPORTED_METHODS.join(', ') })
      }
    } catch (err) {
      if (err instanceof RequestError) return makeResponse(err.status)
      if (err instanceof ParseError) return makeResponse(400)
      this.opts.logger.warn(`${req.method} ${req.uri} failed: ${(err as Error).message}`)
      return makeResponse(500)
    }
  }

  /**
   * Asks the access policy about a request: nothing to check, 403, or credentials (401 with every
   * challenge until they pass). Failures from one address are answered more and more slowly.
   */
  private async checkAccess(conn: ServerConnection, req: RtspRequest): Promise<RtspResponse | undefined> {
    if (req.uri === '*' || req.method === 'OPTIONS') return undefined
    let path: string
    try {
      path = this.resolve(req.uri).path
    } catch {
      return undefined // a bad URI gets its own answer
    }
    const record =
      req.method === 'ANNOUNCE' ||
      req.method === 'RECORD' ||
      (req.method === 'SETUP' && /mode\s*=\s*"?record"?/i.test(req.headers.get('Transport') ?? ''))
    const ip = conn.remoteAddress.replace(/^::ffff:/, '')
    const decision = this.access.decide({ action: record ? 'publish' : 'read', path, ip })
    if (decision.kind === 'allow') return undefined
    if (decision.kind === 'forbid') {
      this.opts.logger.warn(`${req.method} forbidden: ${decision.reason}`, { path, remote: ip })
      return makeResponse(403)
    }
    const authorization = req.headers.get('Authorization')
    const result = decision.authenticator.verify(req.method, authorization)
    if (result.ok) {
      this.throttle.succeed(ip)
      if (decision.allowed(result.username)) return undefined
      this.opts.logger.warn(`${req.method} by ${result.username} forbidden: no ${record ? 'publish' : 'read'} permission`, {
        path,
        remote: ip,
      })
      return makeResponse(403)
    }
    if (authorization !== undefined && !result.stale) {
      const { delayMs, count } = this.throttle.fail(ip)
      this.opts.logger.warn(
        `${req.method} refused: ${result.reason} (${count} failure${count === 1 ? '' : 's'} from this address; next answer in ${delayMs} ms)`,
        { path, remote: ip },
      )
      await new Promise((r) => setTimeout(r, delayMs))
    }
    const res = makeResponse(401)
    for (const c of decision.authenticator.challenges({ stale: result.stale })) res.headers.append('WWW-Authenticate', c)
    return res
  }

  private resolve(uri: string): Target {
    if (uri === '*') return { path: '', stream: undefined, trackIndex: undefined }
    const path = pathOf(uri)
    const exact = this.streams.get(path)
    if (exact) return { path, stream: exact, trackIndex: undefined }
    const slash = path.lastIndexOf('/')
    const m = TRACK_SUFFIX.exec(path.slice(slash + 1))
    const base = m ? (slash >= 0 ? path.slice(0, slash) : '') : path
    const trackIndex = m ? Number(m[1]) : undefined
    const stream = this.streams.get(base)
    if (stream) return { path: base, stream, trackIndex }
    const entry = this.perReader.get(base) ?? (this.servesPath(base) ? undefined : this.perReader.get('*'))
    if (entry) {
      entry.template ??= new ServerStream(base, entry.source.spec, this.streamDeps())
      return { path: base, stream: entry.template, trackIndex, perReader: entry.source }
    }
    return { path: m ? base : path, stream: undefined, trackIndex }
  }

  /** Whether a path is served by something other than the '*' per-reader path. */
  private servesPath(path: string): boolean {
    return this.streams.has(path) || this.publishPaths.has(path) || this.onDemand.has(path) || (path !== '*' && this.perReader.has(path))
  }

  private streamDeps() {
    return { clock: this.opts.clock, random: this.opts.random, maxPacketSize: this.opts.maxPacketSize }
  }

  /** Content-Base and RTP-Info URLs: the scheme and authority the client used, without credentials. */
  private baseUrl(conn: ServerConnection, req: RtspRequest, streamName: string): string {
    const absolute = /^(rtsps?:\/\/[^/?#]+)/i.exec(stripCredentials(req.uri))
    if (absolute) return `${absolute[1]}/${streamName}/`
    // A bare path (old clients): use the Host header, else the address the client reached us on.
    const local = conn.localAddress.includes(':') ? `[${conn.localAddress}]` : conn.localAddress
    const authority = req.headers.get('Host') ?? `${local}:${this.port}`
    return `rtsp://${authority}/${streamName}/`
  }

  /** Resolves a request URI, first bringing up an on-demand path's stream if that is what it names. */
  private async resolveOnDemand(uri: string): Promise<Target> {
    let target = this.resolve(uri)
    if (target.stream) return target
    if (!this.servesPath(target.path) && this.pathProvider?.(target.path)) target = this.resolve(uri)
    if (target.stream) return target
    const handler = this.onDemand.get(target.path) ?? this.onDemand.get(pathOf(uri))
    if (!handler) return target
    try {
      await handler.demand()
    } catch (err) {
      this.opts.logger.warn((err as Error).message, { path: target.path })
      throw new RequestError(503, 'on-demand source unavailable')
    }
    return this.resolve(uri)
  }

  private async describe(conn: ServerConnection, req: RtspRequest): Promise<RtspResponse> {
    const target = await this.resolveOnDemand(req.uri)
    if (!target.stream || target.trackIndex !== undefined) return makeResponse(404)
    const stream = target.stream
    if (!stream.ready) await stream.waitReady(this.opts.describeWait)
    if (!target.perReader && !this.streams.has(stream.name)) return makeResponse(404)
    // A per-reader path's template may serve many names ('*'): the base is the one asked for.
    const name = target.perReader ? target.path : stream.name
    const base = this.baseUrl(conn, req, name)
    const sdp = this.buildSdp(stream, conn, target.perReader?.durationSeconds, name)
    return makeResponse(200, { 'Content-Base': base, 'Content-Type': 'application/sdp' }, Buffer.from(sdp))
  }

  private buildSdp(stream: ServerStream, conn: ServerConnection, durationSeconds?: number, name = stream.name): string {
    const addrType = conn.localAddress.includes(':') ? 'IP6' : 'IP4'
    const media: SdpMedia[] = stream.tracks.map((t) => mediaSection(t.media, t.control))
    const desc: SessionDescription = {
      version: 0,
      origin: {
        username: '-',
        sessionId: String(this.opts.random.u32()),
        sessionVersion: '1',
        netType: 'IN',
        addrType,
        address: conn.localAddress || '0.0.0.0',
      },
      sessionName: name,
      emails: [],
      phones: [],
      connection: `IN ${addrType} ${addrType === 'IP6' ? '::' : '0.0.0.0'}`,
      bandwidths: [],
      timing: ['0 0'],
      attributes: [
        { key: 'tool', value: SERVER_NAME },
        { key: 'type', value: durationSeconds === undefined ? 'broadcast' : 'recvonly' },
        { key: 'range', value: durationSeconds === undefined ? 'npt=now-' : `npt=0-${formatNpt(durationSeconds)}` },
      ],
      media,
    }
    return formatSdp(desc)
  }

  private sessionFrom(req: RtspRequest, required: true): ServerSession
  private sessionFrom(req: RtspRequest, required: false): ServerSession | undefined
  private sessionFrom(req: RtspRequest, required: boolean): ServerSession | undefined {
    const header = req.headers.get('Session')
    if (header === undefined) {
      if (required) throw new RequestError(454, 'no Session header')
      return undefined
    }
    const session = this.sessions.get(parseSession(header).id)
    if (!session) throw new RequestError(454, 'unknown session')
    session.touch()
    return session
  }

  private touchSession(req: RtspRequest): void {
    const header = req.headers.get('Session')
    if (header !== undefined) this.sessions.get(parseSession(header).id)?.touch()
  }

  private sessionHeader(s: ServerSession): Record<string, string> {
    // The teaching client reads the session as an integer: no timeout (its session ends with the connection).
    return { Session: s.teaching ? s.id : formatSession(s.id, this.opts.sessionTimeout) }
  }

  private async setup(conn: ServerConnection, req: RtspRequest, framing: RequestFraming): Promise<RtspResponse> {
    const publisher = [...this.publishers.values()].find((p) => p.connectionId === conn.id && p.state === 'announced')
    if (publisher && /mode\s*=\s*"?record"?/i.test(req.headers.get('Transport') ?? '')) return this.setupRecord(conn, req, publisher)
    const target = await this.resolveOnDemand(req.uri)
    if (!target.stream) return makeResponse(404)
    const existing = this.sessionFrom(req, false)
    // A per-reader path: the session's own stream, made at its first SETUP.
    const stream = !target.perReader
      ? target.stream
      : existing && this.playbacks.has(existing.id) && existing.path === target.path
        ? existing.stream
        : new ServerStream(target.path, target.perReader.spec, this.streamDeps())
    // VLC and others set up the aggregate URL of a single-track stream.
    const trackIndex = target.trackIndex ?? (stream.tracks.length === 1 ? 0 : undefined)
    if (trackIndex === undefined) return makeResponse(459)
    const track = stream.tracks[trackIndex]
    if (!track) return makeResponse(404)

    const transportHeader = req.headers.get('Transport')
    if (!transportHeader) return makeResponse(461)
    let specs: TransportSpec[]
    try {
      specs = parseTransport(transportHeader)
    } catch {
      return makeResponse(461)
    }

    let session = existing
    if (session) {
      if (session.stream !== stream) return makeResponse(459)
      if (session.state === 'playing') return makeResponse(455)
    } else if (this.opts.maxSessions !== undefined && this.sessions.size >= this.opts.maxSessions) {
      return makeResponse(503)
    }

    const chosen = specs.find((t) => isSupportedTransport(t) && (!this.opts.tcpOnly || t.lowerTransport === 'TCP'))
    if (!chosen) return makeResponse(461)
    const teaching = isTeachingSetup(chosen, req.uri, framing)
    if (teaching && (chosen.lowerTransport !== 'UDP' || track.media.codec !== 'JPEG')) {
      return { ...makeResponse(461), reason: 'Whole-JPEG Delivery Needs An MJPEG Path' }
    }

    let transport: TrackTransport
    let replySpec: Partial<TransportSpec> & { protocol: string }
    const ssrc = track.media.ssrc
    if (chosen.lowerTransport === 'TCP') {
      const [rtpCh, rtcpCh] = this.pickChannels(conn, chosen.interleaved, trackIndex)
      transport = { kind: 'tcp', sink: conn, rtpChannel: rtpCh, rtcpChannel: rtcpCh }
      replySpec = { protocol: 'RTP/AVP/TCP', delivery: 'unicast', interleaved: [rtpCh, rtcpCh], ssrc }
    } else {
      const [clientRtp, clientRtcp] = chosen.clientPort!
      const link = await this.udpLinkFor(conn, [clientRtp, clientRtcp], true)
      transport = { kind: 'udp', link, host: conn.remoteAddress, clientRtpPort: clientRtp, clientRtcpPort: clientRtcp }
      replySpec = {
        protocol: 'RTP/AVP',
        delivery: 'unicast',
        clientPort: [clientRtp, clientRtcp],
        serverPort: [link.rtpPort, link.rtcpPort],
        ssrc,
      }
    }

    if (!session) {
      session = new ServerSession(this.newSessionId(), stream, conn.id, {
        timeoutMs: this.opts.sessionTimeout * 1000,
        rtcpIntervalMs: this.opts.rtcpInterval,
        maxQueueBytes: this.opts.maxReaderQueueBytes,
        cname: `rtspkit@${os.hostname()}`,
        clock: this.opts.clock,
        remoteAddress: conn.remoteAddress,
        onDrop: (s, setup, reason) => {
          if (setup.stats.framesDropped === 1 || setup.stats.framesDropped % 100 === 0) {
            this.opts.logger.warn(`dropped ${setup.stats.framesDropped} frame(s) of track ${setup.track.index} (${reason})`, {
              session: s.id,
              path: s.path,
            })
          }
        },
      })
      this.sessions.set(session.id, session)
      if (target.perReader) this.openPlayback(session, target.perReader, conn.remoteAddress)
    }
    session.addSetup(new TrackSetup(track, transport, teaching ? this.wholeJpegSender(session.id, stream.name) : undefined))
    if (teaching)
      this.opts.logger.info(`session ${session.id} on /${stream.name}: the RTSP/RTP teaching project's client (whole JPEGs over UDP)`)
    if (session.state === 'init') session.state = 'ready'
    const transportText = formatTransport(replySpec)
    this.emit('setup', {
      path: stream.name,
      sessionId: session.id,
      remoteAddress: conn.remoteAddress,
      transport: transportText,
      track: trackIndex,
    })
    return makeResponse(200, { ...this.sessionHeader(session), Transport: transportText })
  }

  private wholeJpegSender(sessionId: string, path: string): WholeJpegSender {
    return new WholeJpegSender(this.opts.clock, (w) =>
      this.opts.logger.warn(
        w.kind === 'cut'
          ? `session ${sessionId} on /${path}: a ${w.bytes}-byte JPEG reaches the teaching client cut (it reads ${TEACHING_CLIENT_RECV_SIZE} bytes per datagram)`
          : `session ${sessionId} on /${path}: a ${w.bytes}-byte JPEG does not fit one UDP datagram; dropped`,
      ),
    )
  }

  /** Starts a per-reader session's own playback; its end ends the session (BYE). */
  private openPlayback(session: ServerSession, source: PerReaderSource, remoteAddress: string): void {
    const id = session.id
    const ended = () =>
      setImmediate(() => {
        const s = this.sessions.get(id)
        if (s) this.closeSession(s, 'end of stream')
      })
    this.playbacks.set(id, source.open(session.stream, { path: session.path, sessionId: id, remoteAddress }, ended))
  }

  /** Interleaved channels: the client's choice when free on this connection, else the next free pair. */
  private pickChannels(conn: ServerConnection, wanted: [number, number] | undefined, trackIndex: number): [number, number] {
    const used = new Set<number>()
    for (const s of this.sessions.values()) {
      if (s.ownerId !== conn.id) continue
      for (const setup of s.setups.values()) {
        if (setup.transport.kind === 'tcp') used.add(setup.transport.rtpChannel).add(setup.transport.rtcpChannel)
      }
    }
    if (wanted && !used.has(wanted[0]) && !used.has(wanted[1])) return wanted
    for (let ch = trackIndex * 2; ch < 255; ch += 2) if (!used.has(ch) && !used.has(ch + 1)) return [ch, ch + 1]
    throw new RequestError(453, 'no free interleaved channels')
  }

  /** The UDP side of a track: the shared pair (IPv4 clients, when configured), else a fresh pair of the client's family. */
  private async udpLinkFor(conn: ServerConnection, [rtpPort, rtcpPort]: [number, number], reader: boolean): Promise<UdpLink> {
    const peer = { host: conn.remoteAddress, rtpPort, rtcpPort }
    if (this.sharedUdp && !net.isIPv6(conn.remoteAddress)) return this.sharedUdp.link(peer)
    const family = net.isIPv6(conn.remoteAddress) ? 'udp6' : 'udp4'
    const pair = await allocateUdpPair(family, family === 'udp6' ? '::' : '0.0.0.0', this.opts.rtpPortRange, this.portHint++)
    return ownedLink(pair, peer, reader)
  }

  private newSessionId(): string {
    for (;;) {
      const id = this.opts.random.digits(SESSION_ID_DIGITS)
      if (!this.sessions.has(id)) return id
    }
  }

  // ---- publishing -------------------------------------------------------------------------

  private announce(conn: ServerConnection, req: RtspRequest): RtspResponse {
    const path = pathOf(req.uri)
    if (!this.servesPath(path)) this.pathProvider?.(path)
    const pathOptions = this.publishPaths.get(path)
    if (!pathOptions) {
      return makeResponse(
        this.streams.has(path) ? 405 : 404,
        this.streams.has(path) ? { Allow: 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER' } : {},
      )
    }
    const current = this.publishers.get(path)
    if (current && pathOptions.onSecondPublisher === 'refuse') return { ...makeResponse(503), reason: 'Path Already Has A Publisher' }
    const type = (req.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/sdp') return makeResponse(415, { Accept: 'application/sdp' })
    let announcement
    try {
      announcement = readAnnouncement(req.body, this.codecs)
    } catch (err) {
      return {
        ...makeResponse(err instanceof ParseError ? 400 : 415),
        reason: err instanceof ParseError ? 'Bad SDP' : 'No Supported Media',
      }
    }
    if (current) {
      this.endPublisher(current, `taken over by a publisher from ${conn.remoteAddress}`)
      if (current.connectionId !== conn.id) this.connections.get(current.connectionId)?.destroy()
    }
    // A stream kept for its readers is reused when the new publisher sends the same format.
    let stream = this.streams.get(path)
    if (stream && !sameLayout(stream.spec, announcement.spec)) {
      this.removeStream(path)
      stream = undefined
    }
    stream?.restartReaders()
    stream ??= this.addStream(path, announcement.spec)
    const publisher = new Publisher(path, conn.id, conn.remoteAddress, announcement, stream, this.opts.clock)
    this.publishers.set(path, publisher)
    this.opts.logger.info(`publisher announced ${stream.tracks.map((t) => t.media.codec).join(' + ')}`, {
      path,
      remote: conn.remoteAddress,
    })
    return makeResponse(200)
  }

  private async setupRecord(conn: ServerConnection, req: RtspRequest, publisher: Publisher): Promise<RtspResponse> {
    const index = publisher.trackFor(stripCredentials(req.uri))
    if (index === undefined) return makeResponse(404)
    let specs: TransportSpec[]
    try {
      specs = parseTransport(req.headers.get('Transport')!)
    } catch {
      return makeResponse(461)
    }
    const chosen = specs.find((t) => isSupportedTransport(t) && (!this.opts.tcpOnly || t.lowerTransport === 'TCP'))
    if (!chosen) return makeResponse(461)
    publisher.sessionId ??= this.newSessionId()
    let reply: Partial<TransportSpec> & { protocol: string }
    if (chosen.lowerTransport === 'TCP') {
      const channels = chosen.interleaved ?? [index * 2, index * 2 + 1]
      publisher.attachInterleaved(index, channels[0])
      reply = { protocol: 'RTP/AVP/TCP', delivery: 'unicast', interleaved: channels, mode: 'record' }
    } else {
      const link = await this.udpLinkFor(conn, chosen.clientPort!, false)
      publisher.attachUdp(index, link)
      reply = {
        protocol: 'RTP/AVP',
        delivery: 'unicast',
        clientPort: chosen.clientPort,
        serverPort: [link.rtpPort, link.rtcpPort],
        mode: 'record',
      }
    }
    return makeResponse(200, { Session: formatSession(publisher.sessionId, this.opts.sessionTimeout), Transport: formatTransport(reply) })
  }

  private publisherBySession(req: RtspRequest): Publisher | undefined {
    const header = req.headers.get('Session')
    if (header === undefined) return undefined
    const id = parseSession(header).id
    return [...this.publishers.values()].find((p) => p.sessionId === id)
  }

  private record(req: RtspRequest): RtspResponse {
    const publisher = this.publisherBySession(req)
    if (!publisher)
      return makeResponse(
        req.headers.get('Session') === undefined ? 454 : this.sessions.has(parseSession(req.headers.get('Session')!).id) ? 455 : 454,
      )
    publisher.record()
    this.opts.logger.info('publisher records', { path: publisher.path, session: publisher.sessionId })
    return makeResponse(200, { Session: formatSession(publisher.sessionId!, this.opts.sessionTimeout) })
  }

  private teardownPublisher(req: RtspRequest): RtspResponse {
    const publisher = this.publisherBySession(req)!
    this.endPublisher(publisher, 'publisher left')
    return makeResponse(200, { Session: publisher.sessionId! })
  }

  /**
   * The publisher is gone and the path is free for the next one. Its readers get a BYE and their
   * sessions end, unless the path keeps them for the next publisher.
   */
  private endPublisher(p: Publisher, reason: string, stopping = false): void {
    if (this.publishers.get(p.path) !== p) return
    this.publishers.delete(p.path)
    p.close()
    if (!stopping && this.publishPaths.get(p.path)?.onPublisherLeave === 'stay') {
      this.opts.logger.info(`${reason}; readers wait for the next publisher`, { path: p.path })
      return
    }
    for (const s of [...this.sessions.values()]) if (s.stream === p.stream) this.closeSession(s, reason)
    this.streams.delete(p.path)
    p.stream.close()
    this.opts.logger.info(reason, { path: p.path })
  }

  private play(conn: ServerConnection, req: RtspRequest): RtspResponse {
    const session = this.sessionFrom(req, true)
    if (session.state === 'init' || session.setups.size === 0) return makeResponse(455)
    const target = this.resolve(req.uri)
    const playback = this.playbacks.get(session.id)
    if (target.stream && target.stream !== session.stream && !(playback && target.perReader)) return makeResponse(459)
    if (target.trackIndex !== undefined && session.setups.size > 1) return makeResponse(460)
    // Per-reader playback may start elsewhere: `Range: npt=S-` seeks (RFC 2326 §12.29).
    let from: number | undefined
    const range = req.headers.get('Range')
    if (playback && range !== undefined) {
      const r = parseRange(range)
      if (r.unit !== 'npt') return makeResponse(457)
      if (typeof r.start === 'number') from = r.start
    }
    const base = this.baseUrl(conn, req, session.stream.name)
    const wasPlaying = session.state === 'playing'
    session.play(playback !== undefined && from === undefined)
    if (playback) {
      if (wasPlaying && from !== undefined) session.restartAtKeyframe()
      playback.play(from)
    }
    const now = this.opts.clock.wallMs()
    const next = playback?.nextPtsMs?.()
    // An instant start begins with the GOP so far: RTP-Info names its first packet.
    const rtpInfo = [...session.setups.values()].map((s) => {
      const start = session.startPoint(s.track.index)
      return {
        url: base + s.track.control,
        seq: start?.seq ?? s.track.media.nextSequence,
        rtptime: start?.rtptime ?? (next !== undefined ? s.track.rtpTimestampFor(next) : s.track.rtpTimeAt(now)),
      }
    })
    this.emit('play', { path: session.path, sessionId: session.id, remoteAddress: conn.remoteAddress })
    const duration = target.perReader?.durationSeconds
    const rangeOut = playback
      ? `npt=${formatNpt(playback.position?.() ?? from ?? 0)}-${duration !== undefined ? formatNpt(duration) : ''}`
      : 'npt=now-'
    return makeResponse(200, { ...this.sessionHeader(session), Range: rangeOut, 'RTP-Info': formatRtpInfo(rtpInfo) })
  }

  private pause(conn: ServerConnection, req: RtspRequest): RtspResponse {
    const session = this.sessionFrom(req, true)
    if (session.state === 'init') return makeResponse(455)
    const target = this.resolve(req.uri)
    if (target.trackIndex !== undefined && session.setups.size > 1) return makeResponse(460)
    this.playbacks.get(session.id)?.pause()
    session.pause()
    this.emit('pause', { path: session.path, sessionId: session.id, remoteAddress: conn.remoteAddress })
    return makeResponse(200, this.sessionHeader(session))
  }

  private teardown(req: RtspRequest): RtspResponse {
    const session = this.sessionFrom(req, true)
    this.closeSession(session, 'teardown')
    return makeResponse(200, { Session: session.id })
  }

  private keepAlive(req: RtspRequest): RtspResponse {
    const session = this.sessionFrom(req, false)
    return makeResponse(200, session ? this.sessionHeader(session) : {})
  }
}

/** Normal play time in seconds, to the millisecond (RFC 2326 §3.6). */
function formatNpt(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000)
}

function isSupportedTransport(t: TransportSpec): boolean {
  if (t.profile !== 'RTP/AVP') return false
  if (t.delivery === 'multicast') return false
  if (t.lowerTransport === 'TCP') return true
  return t.clientPort !== undefined
}

/** The stream path a request URI names: absolute (`rtsp://host/a/b`) or a bare path (`a/b`), without slashes around it. */
function pathOf(uri: string): string {
  return normalizePath(/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? parseRtspUrl(uri).path : decodeURIComponentSafe(uri.split('?')[0]!))
}

function normalizePath(p: string): string {
  return p.replace(/^\/+/, '').replace(/\/+$/, '')
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    throw new RequestError(400, 'bad percent-encoding in URI')
  }
}

function defaultPublicHost(listenHost: string | undefined): string {
  if (listenHost && listenHost !== '0.0.0.0' && listenHost !== '::') return listenHost
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '127.0.0.1'
}
