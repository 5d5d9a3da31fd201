/**
 * The HTTP API of a running RtspServer, on its own port: paths, sessions (and kicking one), the
 * effective config, Prometheus metrics, and a dashboard page at `/` with previews of the paths. JSON everywhere, errors as
 * `{ "error": { "code": "ERR_API_…", "message": "…" } }` with the HTTP status that fits.
 * docs/openapi.json describes every endpoint; test/api/ checks every response against it.
 *
 * Independent of the CLI: the application hands in the server, what it knows about each path's
 * source, the effective config and, to lock it down, an `authorize` callback (HTTP Basic, RFC 7617).
 * Without one the API is open, and so may only listen on a loopback address.
 */
import { createCodecRegistry } from '../codecs/registry.js'
import http from 'node:http'
import type net from 'node:net'
import { ConfigError, StateError } from '../errors.js'
import { checkApiAccess, isLoopback, type ApiAction, type ApiAuthorize, type TrustLoopback } from './api-access.js'
import { ApiError } from './api-error.js'
import { readJsonBody } from './request-body.js'
import type { Logger, PathStatus, RtspServer } from '../server/rtsp-server.js'
import { systemClock, type Clock } from '../util/clock.js'
import { BitrateMeter, DEFAULT_BITRATE_WINDOW_MS } from './bitrate.js'
import { ProcessMetrics, serverFamilies } from './metrics.js'
import { DASHBOARD_PAGE } from './dashboard-page.js'
import { PREVIEW_CONTENT_TYPE, pushesJpeg, servePreview } from './mjpeg-preview.js'
import { HlsScript } from './hls-script.js'
import { clusterFamilies, clusterRoutes, type ClusterView } from './cluster-routes.js'
import { PictureInfoCache, roundFps } from './picture-info.js'
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from './prometheus.js'
import { ProtocolBytes } from './protocol-bytes.js'
import { SnapshotError, Snapshotter } from './snapshot.js'
import {
  bytesIn,
  externalSessionView,
  pathState,
  pathView,
  publisherSessionView,
  redact,
  sessionView,
  type PathInfo,
  type PathView,
  type SessionView,
} from './views.js'

export const DEFAULT_API_PORT = 9997
export const DEFAULT_API_HOST = '127.0.0.1'
export const API_PREFIX = '/v1'
const DEFAULT_REALM = 'rtspkit'
const DEFAULT_SAMPLE_INTERVAL_MS = 1000
/** Bounds how long a slow or idle client may hold a request open. */
const REQUEST_TIMEOUT_MS = 10_000

export { ApiError, isLoopback, type ApiAction, type ApiAuthorize, type TrustLoopback }

export interface ApiServerOptions {
  server: RtspServer
  /** What the application knows about each path's source (kind, description); default: the server's view. */
  paths?: () => readonly PathInfo[]
  /** The effective configuration; shown with secrets redacted. */
  config?: () => unknown
  /** HTTP Basic credentials check; without it the API is open and must listen on loopback. */
  authorize?: ApiAuthorize
  /**
   * What requests from a loopback address may do without credentials (default: 'all' without
   * `authorize`, 'none' with it). 'read': status only; writes need a user `authorize` lets write.
   */
  trustLoopback?: TrustLoopback
  /** More endpoints (the config writes of src/api/config-routes.ts); tried after the built-in ones. */
  routes?: readonly ApiRoute[]
  /** Default 127.0.0.1. */
  host?: string
  /** Default 9997; 0 picks a free port. */
  port?: number
  realm?: string
  clock?: Clock
  logger?: Logger
  /** How often path byte counters are sampled for bitrates (default 1000 ms). */
  sampleIntervalMs?: number
  /** The window bitrates are averaged over (default 5000 ms). */
  bitrateWindowMs?: number
  /** The RTSP URL shown for a path (default: the server's urlFor). */
  urlFor?: (name: string) => string
  /**
   * The URL the API's own ffmpeg reads for a snapshot, with credentials in it when the path needs
   * them (default: the path on 127.0.0.1 at the server's port, which fits a server listening on all
   * interfaces or on loopback).
   */
  snapshotUrl?: (name: string) => string
  /** The ffmpeg executable for snapshots (default 'ffmpeg', looked up on PATH). */
  ffmpegPath?: string
  /** How long a snapshot may take (default 10000 ms). */
  snapshotTimeoutMs?: number
  /**
   * The path's page on the WebRTC server (`http://host:8889/NAME`; WHEP is at `…/whep`), or undefined
   * while none runs: asked at each request, so a server started or stopped later shows. A host of
   * 0.0.0.0 or :: tells the dashboard to use the host it was loaded from.
   */
  webrtcUrl?: (name: string) => string | undefined
  /** The path's page on the HLS server (`http://host:8888/NAME`; the playlist is `…/index.m3u8`), as webrtcUrl. */
  hlsUrl?: (name: string) => string | undefined
  /** The cluster this node belongs to, if any (cluster-routes.ts); asked at each request. */
  cluster?: () => ClusterView | undefined
}

export interface ApiReply {
  status: number
  /** Sent as JSON. */
  body?: unknown
  /** Sent as it is, with `contentType`. */
  raw?: string | Buffer
  contentType?: string
  headers?: Record<string, string>
  /** A response that goes on (a preview): it writes the body once status and headers are set. */
  pipe?: (res: http.ServerResponse) => void
}

/** `params`: the pattern's groups, percent-decoded; `body`: the JSON body of a write, if any; `query`: the URL's. */
export type ApiHandler = (params: string[], body: unknown, query?: URLSearchParams) => ApiReply | Promise<ApiReply>

export interface ApiRoute {
  pattern: RegExp
  methods: Readonly<Record<string, ApiHandler>>
}

export class ApiServer {
  private readonly opts: ApiServerOptions & { host: string; port: number; clock: Clock }
  private readonly routes: ApiRoute[]
  private readonly meter: BitrateMeter
  /** Video units per second of each path: the frame rate of a stream whose SPS does not say it. */
  private readonly unitRate: BitrateMeter
  private readonly pictures = new PictureInfoCache(createCodecRegistry())
  private readonly protocolBytes = new ProtocolBytes()
  private readonly snapshots: Snapshotter
  private readonly hlsJs: HlsScript
  /** Made at start(): it runs an event-loop delay monitor until close(). */
  private processMetrics: ProcessMetrics | undefined
  private http: http.Server | undefined
  private sampleTimer: NodeJS.Timeout | undefined
  private boundPort: number | undefined
  private closing: Promise<void> | undefined

  constructor(options: ApiServerOptions) {
    this.opts = {
      ...options,
      host: options.host ?? DEFAULT_API_HOST,
      port: options.port ?? DEFAULT_API_PORT,
      clock: options.clock ?? systemClock,
    }
    const port = this.opts.port
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError('ERR_CONFIG_PORT', `API port must be an integer 0-65535, got ${port}`, { observed: port, allowed: '0-65535' })
    }
    if (!options.authorize && !isLoopback(this.opts.host)) {
      throw new ConfigError(
        'ERR_API_OPEN',
        `the HTTP API on ${this.opts.host} needs users: without them it may only listen on a loopback address`,
        { observed: this.opts.host, allowed: '127.0.0.1, ::1, localhost' },
      )
    }
    this.meter = new BitrateMeter(options.bitrateWindowMs ?? DEFAULT_BITRATE_WINDOW_MS)
    this.unitRate = new BitrateMeter(options.bitrateWindowMs ?? DEFAULT_BITRATE_WINDOW_MS)
    this.hlsJs = new HlsScript((m) => this.opts.logger?.warn(m))
    this.snapshots = new Snapshotter({ ffmpegPath: options.ffmpegPath, timeoutMs: options.snapshotTimeoutMs })
    this.routes = [
      {
        pattern: /^\/$/,
        methods: {
          GET: () => ({
            status: 200,
            raw: DASHBOARD_PAGE,
            contentType: 'text/html; charset=utf-8',
            headers: { 'X-Frame-Options': 'DENY' },
          }),
        },
      },
      { pattern: /^\/hls\.min\.js$/, methods: { GET: () => this.hlsScript() } },
      { pattern: /^\/v1\/paths\/(.+)\/preview\.mjpeg$/, methods: { GET: ([name]) => this.preview(name!) } },
      { pattern: /^\/v1\/paths\/(.+)\/snapshot\.jpg$/, methods: { GET: ([name]) => this.snapshot(name!) } },
      { pattern: /^\/v1\/paths$/, methods: { GET: () => ({ status: 200, body: { items: this.pathViews() } }) } },
      { pattern: /^\/v1\/paths\/(.+)$/, methods: { GET: ([name]) => ({ status: 200, body: this.onePath(name!) }) } },
      { pattern: /^\/v1\/sessions$/, methods: { GET: () => ({ status: 200, body: { items: this.sessionViews() } }) } },
      {
        pattern: /^\/v1\/sessions\/([^/]+)$/,
        methods: { GET: ([id]) => ({ status: 200, body: this.oneSession(id!) }), DELETE: ([id]) => this.kick(id!) },
      },
      { pattern: /^\/v1\/config$/, methods: { GET: () => ({ status: 200, body: redact(this.opts.config?.() ?? {}) ?? {} }) } },
      ...clusterRoutes(options.cluster, () => {
        throw new ApiError(404, 'ERR_API_NO_CLUSTER', 'this node is not part of a cluster (cluster.redis)')
      }),
      { pattern: /^\/metrics$/, methods: { GET: () => ({ status: 200, raw: this.metricsText(), contentType: PROMETHEUS_CONTENT_TYPE }) } },
      ...(options.routes ?? []),
    ]
  }

  get port(): number {
    return this.boundPort ?? this.opts.port
  }

  /** The base URL clients use (`http://127.0.0.1:9997`). */
  get url(): string {
    const h = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host
    return `http://${h}:${this.port}`
  }

  start(): Promise<void> {
    if (this.http || this.closing)
      return Promise.reject(new StateError('ERR_API_STARTED', this.closing ? 'API server closed' : 'API server already started'))
    const server = http.createServer((req, res) => void this.handle(req, res))
    server.requestTimeout = REQUEST_TIMEOUT_MS
    server.headersTimeout = REQUEST_TIMEOUT_MS
    this.http = server
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.http = undefined
        const where = `${this.opts.host}:${this.opts.port}`
        const code = err.code === 'EADDRINUSE' ? 'ERR_PORT_IN_USE' : err.code === 'EACCES' ? 'ERR_PORT_ACCESS' : 'ERR_LISTEN'
        reject(new ConfigError(code, `HTTP API cannot listen on ${where}: ${err.message}`, { observed: where }, { cause: err }))
      }
      server.once('error', onError)
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', onError)
        server.on('error', (err) => this.opts.logger?.warn(`API socket error: ${err.message}`))
        this.boundPort = (server.address() as net.AddressInfo).port
        this.processMetrics = new ProcessMetrics()
        this.sampleTimer = setInterval(() => this.sampleBitrates(), this.opts.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS)
        this.sampleTimer.unref()
        resolve()
      })
    })
  }

  /** Stops listening, drops open connections, clears timers. Idempotent; the same promise each time. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.sampleTimer) clearInterval(this.sampleTimer)
      this.sampleTimer = undefined
      this.processMetrics?.close()
      this.snapshots.close()
      const server = this.http
      this.http = undefined
      if (!server) return resolve()
      server.close(() => resolve())
      server.closeAllConnections()
    })
    return this.closing
  }

  // ---- views -----------------------------------------------------------------------------------

  private sampleBitrates(): void {
    const now = this.opts.clock.monoMs()
    const names = new Set<string>()
    for (const p of this.opts.server.pathStatus()) {
      names.add(p.name)
      this.meter.sample(p.name, bytesIn(p), now)
      const video = p.stream?.video
      if (video) this.unitRate.sample(p.name, video.unitsIn, now)
    }
    this.meter.retain(names)
    this.unitRate.retain(names)
    this.protocolBytes.update(this.sessionViews())
  }

  pathViews(): PathView[] {
    this.sampleBitrates()
    const infos = new Map((this.opts.paths?.() ?? []).map((i) => [normalizeName(i.name), i]))
    const urlFor = this.opts.urlFor ?? ((name: string) => this.opts.server.urlFor(name))
    const externals = this.opts.server.externalSessions()
    return this.opts.server.pathStatus().map((p) =>
      pathView(p, infos.get(p.name), this.meter.bitsPerSecond(p.name), urlFor(p.name), {
        externals: externals.filter((e) => e.path === p.name),
        picture: (track) => this.pictures.of(track),
        measuredFps: roundFps(this.unitRate.perSecond(p.name)),
        webrtcUrl: this.opts.webrtcUrl?.(p.name) ?? null,
        hlsUrl: this.opts.hlsUrl?.(p.name) ?? null,
      }),
    )
  }

  /** Every session: RTSP readers, RTSP publishers, then WebRTC and HLS viewers and publishers (previews marked). */
  sessionViews(): SessionView[] {
    const publishers: SessionView[] = []
    for (const p of this.opts.server.pathStatus()) {
      const v = publisherSessionView(p)
      if (v) publishers.push(v)
    }
    return [
      ...this.opts.server.stats().sessions.map(sessionView),
      ...publishers,
      ...this.opts.server.externalSessions().map(externalSessionView),
    ]
  }

  metricsText(): string {
    const stats = this.opts.server.stats()
    const sessions = this.sessionViews()
    return formatPrometheus([
      ...serverFamilies(stats.connections, this.pathViews(), sessions, this.protocolBytes.update(sessions)),
      ...(this.processMetrics?.families() ?? []),
      ...clusterFamilies(this.opts.cluster?.()),
    ])
  }

  /** hls.js for the dashboard's HLS previews. */
  private async hlsScript(): Promise<ApiReply> {
    const script = await this.hlsJs.get()
    if (!script) throw new ApiError(404, 'ERR_API_NOT_FOUND', 'hls.js is not installed')
    return { status: 200, raw: script, contentType: 'text/javascript; charset=utf-8', headers: { 'Cache-Control': 'max-age=86400' } }
  }

  private onePath(name: string): PathView {
    const key = this.pathStatus(name).name
    return this.pathViews().find((p) => p.name === key)!
  }

  private pathStatus(name: string): PathStatus {
    const key = normalizeName(name)
    const status = this.opts.server.pathStatus().find((p) => p.name === key)
    if (!status) throw new ApiError(404, 'ERR_API_PATH_NOT_FOUND', `no path "${key}"`)
    return status
  }

  private preview(name: string): ApiReply {
    const p = this.pathStatus(name)
    const stream = p.stream
    if (!stream || !p.spec) throw new ApiError(409, 'ERR_API_PATH_NOT_LIVE', `path "${p.name}" has no shared stream now (${pathState(p)})`)
    if (!pushesJpeg(p.spec)) {
      throw new ApiError(
        409,
        'ERR_API_NOT_JPEG',
        `path "${p.name}" does not carry JPEG frames (${p.spec.video?.codec ?? 'no video'}); ask for its snapshot.jpg`,
      )
    }
    return { status: 200, contentType: PREVIEW_CONTENT_TYPE, pipe: (res) => servePreview(stream, res, this.opts.clock) }
  }

  private async snapshot(name: string): Promise<ApiReply> {
    const key = this.pathStatus(name).name
    const url = this.opts.snapshotUrl?.(key) ?? this.opts.server.urlFor(key, '127.0.0.1')
    try {
      return { status: 200, raw: await this.snapshots.take(url), contentType: 'image/jpeg' }
    } catch (err) {
      if (!(err instanceof SnapshotError)) throw err
      // ERR_SNAPSHOT_NO_FFMPEG → ERR_API_SNAPSHOT_NO_FFMPEG: the page stops asking when ffmpeg is missing.
      throw new ApiError(503, err.code.replace(/^ERR_/, 'ERR_API_'), `no snapshot of "${key}": ${err.message}`)
    }
  }

  private oneSession(id: string): SessionView {
    const view = this.sessionViews().find((s) => s.id === id)
    if (!view) throw new ApiError(404, 'ERR_API_SESSION_NOT_FOUND', `no session "${id}"`)
    return view
  }

  private kick(id: string): ApiReply {
    if (!this.opts.server.kickSession(id)) throw new ApiError(404, 'ERR_API_SESSION_NOT_FOUND', `no session "${id}"`)
    this.opts.logger?.info(`API: session ${id} kicked`)
    return { status: 204 }
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let reply: ApiReply
    let headers: Record<string, string> = {}
    try {
      reply = await this.route(req)
    } catch (err) {
      req.resume() // a body not read (refused before it was): drain it
      if (err instanceof ApiError) {
        headers = err.headers
        reply = { status: err.status, body: { error: { code: err.code, message: err.message } } }
      } else {
        this.opts.logger?.warn(`API ${req.method} ${req.url} failed: ${(err as Error)?.message ?? String(err)}`)
        reply = { status: 500, body: { error: { code: 'ERR_API_INTERNAL', message: 'internal error' } } }
      }
    }
    const payload = reply.raw ?? (reply.body === undefined ? undefined : JSON.stringify(reply.body))
    res.statusCode = reply.status
    res.setHeader('Cache-Control', 'no-store') // a reply may say otherwise (the static hls.js)
    for (const [k, v] of Object.entries({ ...headers, ...reply.headers })) res.setHeader(k, v)
    if (reply.pipe) {
      res.setHeader('Content-Type', reply.contentType ?? 'application/octet-stream')
      reply.pipe(res)
      return
    }
    if (payload === undefined) {
      res.end()
      return
    }
    res.setHeader('Content-Type', reply.contentType ?? 'application/json; charset=utf-8')
    res.setHeader('Content-Length', Buffer.byteLength(payload))
    res.end(payload)
  }

  private async route(req: http.IncomingMessage): Promise<ApiReply> {
    const method = req.method ?? 'GET'
    const action: ApiAction = method === 'GET' || method === 'HEAD' ? 'read' : 'write'
    if (action === 'read') req.resume() // reads take no body
    const access = await checkApiAccess(req, action, {
      authorize: this.opts.authorize,
      trustLoopback: this.opts.trustLoopback ?? (this.opts.authorize ? 'none' : 'all'),
      host: this.opts.host,
      realm: this.opts.realm ?? DEFAULT_REALM,
    })
    let pathname: string
    let query: URLSearchParams
    try {
      const url = new URL(req.url ?? '/', 'http://api.invalid')
      pathname = url.pathname
      query = url.searchParams
    } catch {
      throw new ApiError(400, 'ERR_API_BAD_URL', 'malformed request target')
    }
    if (pathname.length > 1) pathname = pathname.replace(/\/+$/, '')
    for (const r of this.routes) {
      const m = r.pattern.exec(pathname)
      if (!m) continue
      const handler = r.methods[method]
      const allow = Object.keys(r.methods).join(', ')
      if (!handler) throw new ApiError(405, 'ERR_API_METHOD', `${method} is not allowed on ${pathname}; use ${allow}`, { Allow: allow })
      if (access.forbidden)
        throw new ApiError(
          403,
          'ERR_API_FORBIDDEN',
          `user "${access.username}" may not ${action === 'read' ? 'read the API' : 'change anything'}`,
        )
      const params = m.slice(1).map(decodeParam)
      return handler(params, action === 'write' ? await readJsonBody(req) : undefined, query)
    }
    throw new ApiError(404, 'ERR_API_NOT_FOUND', `no endpoint ${pathname}`)
  }
}

function normalizeName(name: string): string {
  return name.replace(/^\/+/, '').replace(/\/+$/, '')
}

function decodeParam(p: string | undefined): string {
  try {
    return decodeURIComponent(p ?? '')
  } catch {
    throw new ApiError(400, 'ERR_API_BAD_URL', `bad percent-encoding in "${p}"`)
  }
}
