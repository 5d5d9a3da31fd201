/**
 * The RTSP server (RFC 2326): a façade over its rooms — the path table (what is served where), the
 * session table (readers' sessions, their sweep and limits), play and record handling, and the
 * transport negotiation both use. It owns the listening socket, the connections and the dispatch
 * of each request.
 */
import { EventEmitter } from 'node:events'
import { ConfigError, StateError } from '../errors.js'
import type { RtspRequest, RtspResponse } from '../rtsp/message.js'
import { definedOnly } from '../util/defined.js'
import { AccessGate, type OtherAccessRequest, type OtherAccessResult } from './access-gate.js'
import type { ExternalPublisher, ExternalReader, ExternalSessionStatus } from './external-sessions.js'
import { ExternalAccess, type OpenPublisherRequest, type OpenReaderRequest } from './external-access.js'
import type { AccessPolicy, PathUsers } from './access.js'
import { logDialogue } from './dialogue-log.js'
import { Listeners, type TlsCredentials } from './listeners.js'
import { ConnectionIntake } from './connection-intake.js'
import { ConnectionGuard, type GuardCounters } from './connection-guard.js'
import type { ClusterHooks } from './cluster-hooks.js'
import type { ConnectionSocket } from '../transport/tunnel-socket.js'
import { normalizePath, PathTable, type StreamOptions } from './path-table.js'
import { pathStatus, serverStats } from './path-status.js'
import type { PerReaderSource } from './per-reader.js'
import { PlayHandler, sessionOptions } from './play-handler.js'
import { MulticastGroups } from './multicast-groups.js'
import { RecordHandler } from './record-handler.js'
import { routeRequest, type RouteDeps } from './request-router.js'
import { makeResponse, ServerConnection, type ConnectionHandler, type RequestFraming } from './server-connection.js'
import type { ServerContext } from './server-context.js'
import {
  defaultPublicHost,
  resolveOptions,
  SERVER_NAME,
  type OnDemandPath,
  type PathStatus,
  type PublishPathOptions,
  type ResolvedOptions,
  type RtspServerEvents,
  type RtspServerOptions,
} from './server-options.js'
import type { ServerSession } from './server-session.js'
import type { ServerStream, StreamSpec } from './server-stream.js'
import { SessionTable } from './session-table.js'
import { TransportNegotiator } from './transport-negotiation.js'
import type { UdpSendWorkers } from '../transport/udp-send-workers.js'
import { isTlsConnection } from './srtp-session.js'

export {
  SERVER_NAME,
  type ConnectionEvent,
  type OnDemandPath,
  type PathStatus,
  type PublishPathOptions,
  type RtspServerEvents,
  type RtspServerOptions,
  type SessionEvent,
} from './server-options.js'
export type { Logger } from '../log/logger.js'
export type { ClusterHooks, ClusterRefusal } from './cluster-hooks.js'
export type { OtherAccessRequest, OtherAccessResult } from './access-gate.js'
export type { ExternalPublisher, ExternalReader, ExternalSessionStatus, SessionProtocol } from './external-sessions.js'

/** How long stop() lets connections flush before cutting them (ms). */
const STOP_FLUSH_MS = 500

export class RtspServer extends EventEmitter<RtspServerEvents> implements ConnectionHandler {
  private readonly opts: ResolvedOptions
  private readonly paths: PathTable
  private readonly sessions: SessionTable
  private readonly connections = new Map<number, ServerConnection>()
  private readonly transports: TransportNegotiator
  private readonly access: AccessGate
  private readonly player: PlayHandler
  private readonly recorder: RecordHandler
  private readonly routes: RouteDeps
  private readonly externals: ExternalAccess
  private readonly multicast: MulticastGroups | undefined
  private readonly intake: ConnectionIntake
  private readonly guard: ConnectionGuard
  private readonly listening = new Listeners((socket) => this.intake.take(socket))
  private nextConnectionId = 1

  constructor(options: RtspServerOptions = {}) {
    super()
    const opts = resolveOptions(options)
    this.opts = opts
    this.paths = new PathTable(opts)
    this.sessions = new SessionTable(opts, (s, reason) => this.sessionClosed(s, reason))
    this.transports = new TransportNegotiator(opts)
    this.access = new AccessGate(opts)
    const ctx: ServerContext = {
      opts,
      paths: this.paths,
      sessions: this.sessions,
      transports: this.transports,
      port: () => this.port,
      connection: (id) => this.connections.get(id),
      addStream: (name, spec) => this.addStream(name, spec),
      removeStream: (name) => this.removeStream(name),
      emit: (event, e) => void this.emit(event, e),
      multicast: () => this.multicast,
    }
    this.guard = new ConnectionGuard({
      clock: opts.clock,
      logger: opts.logger,
      limits: () => opts.connectionLimits,
      maxConnections: () => opts.maxConnections,
      connections: () => this.connections.values(),
      busy: () => this.busyConnections(),
      expireUnsettled: (now, ms) => this.intake.expireUnsettled(now, ms),
      checkDescriptors: () => this.listening.acceptErrors?.check(),
    })
    this.intake = new ConnectionIntake({
      accept: (socket) => this.onConnection(socket),
      logger: opts.logger,
      admit: (socket) => this.guard.admit(socket),
      now: () => this.guard.now(),
    })
    this.player = new PlayHandler(ctx)
    this.recorder = new RecordHandler(ctx)
    this.routes = { player: this.player, recorder: this.recorder, sessions: this.sessions, logger: opts.logger }
    // Multicast is plain RTP to whoever joins: not under tcpOnly or strict encryption.
    this.multicast =
      opts.multicast === false || opts.tcpOnly || opts.encryption === 'strict'
        ? undefined
        : new MulticastGroups(opts.multicast ?? {}, {
            sessionOptions: () => sessionOptions(opts),
            newId: () => this.sessions.newId(),
            logger: opts.logger,
          })
    this.externals = new ExternalAccess({
      opts,
      paths: this.paths,
      sessions: this.sessions,
      recorder: this.recorder,
      onReader: (phase, e) => void this.emit(phase === 'open' ? 'readerOpened' : 'readerClosed', e),
      onRecord: (e) => void this.emit('record', e),
    })
  }

  // ---- paths ---------------------------------------------------------------------------------

  /** Creates a named stream (the URL path, e.g. 'cam' or 'live/cam1'). */
  addStream(name: string, spec: StreamSpec, options: StreamOptions = {}): ServerStream {
    const stream = this.paths.addStream(name, spec, options)
    this.emit('stream', stream)
    return stream
  }

  /**
   * Opens `name` to a publisher: an RTSP client that ANNOUNCEs an SDP and RECORDs into it (ffmpeg
   * `-f rtsp`, GStreamer rtspclientsink). Readers can play it while a publisher is on; when the
   * publisher leaves, readers get an RTCP BYE, their sessions end and the path is free again.
   */
  addPublishPath(name: string, options: PublishPathOptions = {}): void {
    this.paths.addPublishPath(name, options)
  }

  /**
   * A publish path whose publisher a reader can summon (runOnDemand): when a reader asks for `name`
   * and nothing publishes there, `demand` is awaited (it resolves once a publisher's stream exists;
   * a rejection answers 503). undefined removes it.
   */
  setPublishDemand(name: string, demand: (() => Promise<void>) | undefined): void {
    if (demand) this.paths.publishDemand.set(normalizePath(name), demand)
    else this.paths.publishDemand.delete(normalizePath(name))
  }

  /** Registers a path whose stream is created on demand (see OnDemandPath); the handler adds and removes the stream itself. */
  addOnDemandPath(name: string, handler: OnDemandPath): void {
    this.paths.addOnDemandPath(name, handler)
  }

  /**
   * A path where every reader gets its own playback (see per-reader.ts): `name` may be '' for the
   * root URL (`rtsp://host:port/`) or '*' for any path nothing else serves.
   */
  addPerReaderPath(name: string, source: PerReaderSource): void {
    this.paths.addPerReaderPath(name, source)
  }

  /**
   * Requires credentials on a path: every request on it (DESCRIBE, SETUP, PLAY, ANNOUNCE, RECORD…)
   * must carry an Authorization the path's users pass; others get 401 with the challenges.
   */
  protectPath(name: string, options: PathUsers): void {
    const key = normalizePath(name)
    if (options.users.length === 0) throw new ConfigError('ERR_AUTH_USERS', `path "${key}" needs at least one user`, { observed: [] })
    this.access.protect(key, options)
  }

  /**
   * Changes settings that need no restart (a config reload): they apply to new sessions and
   * connections; the listener and existing sessions keep theirs.
   */
  updateSettings(
    settings: Pick<
      RtspServerOptions,
      'sessionTimeout' | 'maxSessions' | 'maxConnections' | 'publicHost' | 'readerLimits' | 'connectionLimits'
    >,
  ): void {
    // The limits may be lifted (undefined = none); the session timeout always has a value.
    const { sessionTimeout, ...rest } = settings
    Object.assign(this.opts, rest, definedOnly({ sessionTimeout }))
  }

  /** Replaces who may read and publish where (a config reload); protectPath's passwords no longer apply. */
  setAccessPolicy(policy: AccessPolicy): void {
    this.access.setPolicy(policy)
  }

  getStream(name: string): ServerStream | undefined {
    return this.paths.streams.get(normalizePath(name))
  }

  /** Removes a stream; its sessions are torn down. */
  removeStream(name: string): boolean {
    const key = normalizePath(name)
    const stream = this.paths.streams.get(key)
    if (!stream) return false
    this.sessions.closeWhere((s) => s.stream === stream, 'stream removed')
    this.paths.streams.delete(key)
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
    const publisher = this.recorder.publishers.get(key)
    if (publisher) {
      this.recorder.end(publisher, reason, true)
      this.connections.get(publisher.connectionId)?.destroy()
    }
    this.paths.publishDemand.delete(key)
    if (this.paths.publishPaths.delete(key)) found = true
    const onDemand = this.paths.onDemand.get(key)
    if (onDemand) {
      this.paths.onDemand.delete(key)
      onDemand.close()
      found = true
    }
    if (this.paths.perReader.delete(key)) {
      this.sessions.closeWhere((s) => this.sessions.hasPlayback(s.id) && s.path === key, reason)
      found = true
    }
    return this.removeStream(key) || found
  }

  /**
   * Asked for a path nothing serves, before answering 404: a config with `~regex` paths adds it
   * (e.g. a publish path) and returns true.
   */
  setPathProvider(provider: ((path: string) => boolean) | undefined): void {
    this.paths.setProvider(provider)
  }

  /** Joins a cluster (src/cluster): its publish locks and reader redirects; undefined leaves it. */
  setClusterHooks(hooks: ClusterHooks | undefined): void {
    this.opts.cluster = hooks
  }

  /** The plain RTSP port (the bound one once started; the configured one when plain RTSP is off under `encryption: 'strict'`). */
  get port(): number {
    return this.listening.port ?? this.opts.port
  }

  /** The bound port of RTSP over HTTP alone, when `httpTunnelPort` is set. */
  get httpTunnelPort(): number | undefined {
    return this.listening.httpPort
  }

  /** The RTSPS port (the bound one once started). */
  get rtspsPort(): number {
    return this.listening.rtspsPort ?? this.opts.rtspsPort
  }

  /** Whether RTSPS is served. */
  get tlsEnabled(): boolean {
    return this.listening.rtspsPort !== undefined
  }

  /** TLS handshakes that failed since start. */
  get tlsFailures(): number {
    return this.listening.tlsFailures
  }

  /** New certificate and key for new RTSPS connections; sessions already open stay (a config reload). */
  setTlsCredentials(creds: TlsCredentials): void {
    this.opts.tls = creds
    this.listening.setCredentials(creds)
  }

  /**
   * The URL a player on the network would use for a stream: rtsps:// when plain RTSP is off
   * (`encryption: 'strict'`) or `secure` asks for it.
   */
  urlFor(
    name: string,
    host = this.opts.publicHost ?? defaultPublicHost(this.opts.host),
    secure = this.opts.encryption === 'strict',
  ): string {
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    return secure ? `rtsps://${h}:${this.rtspsPort}/${normalizePath(name)}` : `rtsp://${h}:${this.port}/${normalizePath(name)}`
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.listening.started) throw new StateError('ERR_SERVER_STARTED', 'server already started')
    await this.transports.start()
    const o = this.opts
    await this.listening.start({
      port: o.port,
      host: o.host,
      rtspsPort: o.rtspsPort,
      encryption: o.encryption,
      tls: o.tls,
      httpPort: o.httpTunnelPort,
      handshakeTimeoutMs: o.tlsHandshakeTimeoutMs,
      logger: o.logger,
    })
    this.sessions.startSweep((id) => this.connections.has(id))
    this.guard.start()
  }

  /** Tears down every session (with RTCP BYE), closes every connection and the listening socket. Idempotent. */
  async stop(): Promise<void> {
    this.sessions.stopSweep()
    this.guard.stop()
    this.externals.closeAll('server stopped')
    this.intake.close()
    this.recorder.endWhere(() => true, 'server stopped', true)
    for (const h of this.paths.onDemand.values()) h.close()
    this.transports.close()
    this.sessions.closeWhere(() => true, 'server stopped')
    const closing = this.listening.stop()
    for (const c of this.connections.values()) c.end()
    // Give connections a moment to flush, then cut them.
    setTimeout(() => {
      for (const c of this.connections.values()) c.destroy()
    }, STOP_FLUSH_MS).unref()
    await closing
  }

  /** The UDP send worker threads (option `workers` > 1), once started. */
  get sendWorkers(): UdpSendWorkers | undefined {
    return this.transports.sendWorkers
  }

  stats() {
    return serverStats(this.connections.size, this.paths, this.sessions)
  }

  /** What the connection limits did since start, the connections they count and the request bytes held now. */
  connectionLimitStats(): GuardCounters & { open: number; bufferedBytes: number } {
    return { ...this.guard.counters, open: this.guard.openConnections, bufferedBytes: this.guard.bufferedBytes }
  }

  /** Connections carrying a live session: a reader's, or a publisher's. */
  private busyConnections(): Set<number> {
    const ids = new Set<number>()
    for (const s of this.sessions.list()) ids.add(s.ownerId)
    for (const p of this.recorder.publishers.values()) ids.add(p.connectionId)
    return ids
  }

  /** Every path the server answers (streams, publish, on-demand and per-reader paths), as it is now. */
  pathStatus(): PathStatus[] {
    return pathStatus(this.paths, this.sessions, this.recorder.publishers)
  }

  /**
   * Ends a session from the server side, as an operator would: RTCP BYE on every track that sent
   * media, transports released, and the reader's RTSP connection closed (after the BYE) unless it
   * carries other sessions — a reader kicked before its first packet has no BYE to end on. False
   * when no such session exists.
   */
  kickSession(id: string): boolean {
    const external = this.externals.get(id)
    if (external) {
      external.close('kicked')
      return true
    }
    const s = this.sessions.get(id)
    if (!s) {
      const publisher = this.recorder.bySessionId(id)
      if (!publisher) return false
      this.recorder.end(publisher, 'publisher kicked')
      this.connections.get(publisher.connectionId)?.destroy()
      return true
    }
    this.sessions.close(s, 'kicked')
    const conn = this.connections.get(s.ownerId)
    const shared = this.sessions.list().some((o) => o.ownerId === s.ownerId) || this.recorder.publishesOn(s.ownerId)
    if (conn && !shared) conn.end()
    return true
  }

  // ---- sessions of other protocols (WebRTC, HLS) ----------------------------------------------

  /**
   * Whether a request that came over another protocol may read or publish `path`: the same policy,
   * users and failure throttle as RTSP requests. A 401 carries the WWW-Authenticate challenges.
   */
  authorize(req: OtherAccessRequest): Promise<OtherAccessResult> {
    return this.access.checkOther({ ...req, path: normalizePath(req.path) })
  }

  /** A viewer of `path` over another protocol (see ExternalAccess.openReader). */
  openReader(req: OpenReaderRequest): Promise<ExternalReader> {
    return this.externals.openReader(req)
  }

  /** In a cluster, the path's cluster-wide publish lock, taken before openPublisher (see ExternalAccess.claimPublish). */
  claimPublish(path: string): Promise<() => void> {
    return this.externals.claimPublish(path)
  }

  /** A publisher into `path` over another protocol, WHIP (see ExternalAccess.openPublisher). */
  openPublisher(req: OpenPublisherRequest): ExternalPublisher {
    return this.externals.openPublisher(req)
  }

  /** The sessions of other protocols, readers and publishers. */
  externalSessions(): ExternalSessionStatus[] {
    return this.externals.list().map((s) => s.status())
  }

  private onConnection(socket: ConnectionSocket): void {
    const id = this.nextConnectionId++
    // Connection caps are the guard's, at accept (connection-intake.ts): past them no ServerConnection is made.
    const conn = new ServerConnection(id, socket, this.opts.readerLimits ?? {}, this, this.guard)
    conn.serverName = SERVER_NAME
    this.connections.set(id, conn)
    this.opts.logger.debug(`connection from ${conn.remoteAddress}:${conn.remotePort}`, { conn: id })
    this.emit('connection', { id, remoteAddress: conn.remoteAddress, secure: isTlsConnection(conn) })
  }

  connectionClosed(conn: ServerConnection): void {
    this.connections.delete(conn.id)
    this.recorder.endWhere((p) => p.connectionId === conn.id, 'publisher disconnected')
    this.sessions.closeWhere((s) => s.ownerId === conn.id && s.boundToConnection, 'connection closed')
    this.emit('disconnect', { id: conn.id, remoteAddress: conn.remoteAddress, secure: isTlsConnection(conn) })
  }

  private sessionClosed(s: ServerSession, reason: string): void {
    const conn = this.connections.get(s.ownerId)
    this.emit('teardown', { path: s.path, sessionId: s.id, remoteAddress: conn?.remoteAddress ?? '', reason })
    // After the event, so the TEARDOWN line comes first; one line per session at info is the app's (session-log.ts).
    this.opts.logger.debug(`closed: ${reason}`, { session: s.id, path: s.path })
    this.guard.sessionEnded(conn, reason)
  }

  // ---- RTSP ----------------------------------------------------------------------------------

  handleInterleaved(conn: ServerConnection, channel: number, payload: Buffer): void {
    if (this.recorder.onInterleaved(conn.id, channel, payload)) return
    // RTCP receiver reports arrive on the odd channel of a track.
    this.sessions.onInterleavedRtcp(conn.id, channel, payload)
  }

  /** The RTSP dialogue, at debug level: each request and response as sent. */
  onDialogue(conn: ServerConnection, direction: 'recv' | 'send', message: RtspRequest | RtspResponse): void {
    logDialogue(this.opts.logger, conn.id, direction, message)
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
    return routeRequest(this.routes, conn, req, framing)
  }

  /** The access gate's answer for a request on a path; requests on no path ('*', OPTIONS) pass. */
  private async checkAccess(conn: ServerConnection, req: RtspRequest): Promise<RtspResponse | undefined> {
    if (req.uri === '*' || req.method === 'OPTIONS') return undefined
    let path: string
    try {
      path = this.paths.resolve(req.uri).path
    } catch {
      return undefined // a bad URI gets its own answer
    }
    return this.access.check(conn, req, path)
  }
}
