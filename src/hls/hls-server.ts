/**
 * The HLS output over HTTP: Low-Latency HLS (or plain HLS with fMP4 segments) of every path the RTSP
 * server serves, with the same permissions (HTTP Basic or Digest against the path's readers). One
 * muxer per path, made at the first request and stopped after `muxerCloseAfterMs` without one;
 * viewers are sessions of the RTSP server (protocol 'hls'), see viewer.ts. Routes: routes.ts.
 * CORS headers on every answer; OPTIONS preflights get 204.
 */
import http from 'node:http'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { HttpError, ProtocolError, RtspkitError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import type { ExternalReader, RtspServer } from '../server/rtsp-server.js'
import type { Stream } from '../stream/stream.js'
import { systemClock, type Clock } from '../util/clock.js'
import { cryptoRandom, type Random } from '../util/random.js'
import { parseBlockingRequest } from './blocking-params.js'
import { HlsCodecError, HlsMuxer, type HlsContinuation, type HlsVariant, type Wait } from './muxer.js'
import { playerPage, unplayablePage } from './player-page.js'
import { MEDIA_PLAYLIST, MULTIVARIANT_PLAYLIST, parseRoute, SCRIPT_FILE, type HlsRoute } from './routes.js'
import { HlsViewer } from './viewer.js'
import { requestTarget } from '../util/request-target.js'

export const DEFAULT_HLS_PORT = 8888
export const DEFAULT_HLS_OPTIONS = {
  variant: 'lowLatency' as HlsVariant,
  segmentCount: 7,
  segmentDurationMs: 1000,
  partDurationMs: 200,
  muxerCloseAfterMs: 60_000,
  allowOrigin: '*',
}
/** A viewer expires after this many target durations without a request… */
const VIEWER_TIMEOUT_TARGETS = 3
/** …and never sooner than this. */
const MIN_VIEWER_TIMEOUT_MS = 5000
const SWEEP_MS = 1000
/** Tokens of kicked viewers remembered (so their players get 403 instead of a new session). */
const MAX_KICKED = 1000
const TOKEN_WORDS = 4
/** Paths whose last muxer's numbers are remembered (so a path that comes back continues them). */
const MAX_REMEMBERED_PATHS = 1000
const M3U8_TYPE = 'application/vnd.apple.mpegurl'

/** What the HLS server needs of the RTSP server. */
export type HlsHost = Pick<RtspServer, 'authorize' | 'openReader' | 'urlFor'>

export interface HlsServerOptions {
  server: HlsHost
  /** Default: every interface. */
  host?: string | undefined
  /** Default 8888; 0 picks a free port. */
  port?: number | undefined
  variant?: HlsVariant | undefined
  segmentCount?: number | undefined
  segmentDurationMs?: number | undefined
  partDurationMs?: number | undefined
  muxerCloseAfterMs?: number | undefined
  allowOrigin?: string | undefined
  /** Default: 3 target durations, at least 5 s. */
  viewerTimeoutMs?: number | undefined
  clock?: Clock | undefined
  random?: Random | undefined
  logger?: Logger | undefined
}

interface MuxerEntry {
  muxer: HlsMuxer
  lastRequestMono: number
  detach: () => void
}

export class HlsServer {
  private readonly opts: Required<Omit<HlsServerOptions, 'host' | 'viewerTimeoutMs' | 'logger'>> &
    Pick<HlsServerOptions, 'host' | 'viewerTimeoutMs' | 'logger'>
  private readonly http: http.Server
  private readonly muxers = new Map<string, MuxerEntry>()
  private readonly creating = new Map<string, Promise<HlsMuxer>>()
  private readonly viewers = new Map<string, HlsViewer>()
  private readonly kicked = new Set<string>()
  /** Per path, where its next muxer continues the numbering. */
  private readonly continuations = new Map<string, HlsContinuation>()
  private script: Promise<Buffer> | undefined
  private sweeper: NodeJS.Timeout | undefined
  private closing: Promise<void> | undefined

  constructor(options: HlsServerOptions) {
    this.opts = {
      ...DEFAULT_HLS_OPTIONS,
      port: DEFAULT_HLS_PORT,
      clock: systemClock,
      random: cryptoRandom,
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as HlsServerOptions),
    }
    this.http = http.createServer((req, res) => void this.handle(req, res))
  }

  get port(): number {
    return (this.http.address() as AddressInfo | null)?.port ?? this.opts.port
  }

  /** http://HOST:PORT of the server (loopback when it listens on every interface). */
  get url(): string {
    const h = this.opts.host && this.opts.host !== '0.0.0.0' && this.opts.host !== '::' ? this.opts.host : '127.0.0.1'
    return `http://${h.includes(':') ? `[${h}]` : h}:${this.port}`
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject)
      this.http.listen(this.opts.port, this.opts.host, () => {
        this.http.off('error', reject)
        resolve()
      })
    })
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS)
    this.sweeper.unref()
  }

  /** Ends every viewer and muxer and closes the port. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.sweeper) clearInterval(this.sweeper)
      for (const v of [...this.viewers.values()]) v.close('HLS server stopped')
      for (const path of [...this.muxers.keys()]) this.stopMuxer(path, 'HLS server stopped')
      this.http.closeAllConnections()
      await new Promise<void>((resolve) => this.http.close(() => resolve()))
    })()
    return this.closing
  }

  /** Paths with a running muxer (for tests and the log). */
  get muxedPaths(): string[] {
    return [...this.muxers.keys()]
  }

  // ---- requests -------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('Access-Control-Allow-Origin', this.opts.allowOrigin)
    if (this.opts.allowOrigin !== '*') res.setHeader('Access-Control-Allow-Credentials', 'true')
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
          'Access-Control-Allow-Headers': 'Authorization, Range',
          'Access-Control-Max-Age': '86400',
        })
        res.end()
        return
      }
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new HttpError(405, 'only GET, HEAD and OPTIONS', { Allow: 'GET, HEAD, OPTIONS' })
      const url = requestTarget(req.url)
      if (!url) throw new HttpError(400, 'malformed request target')
      const route = parseRoute(url.pathname)
      if (!route) throw new HttpError(400, 'bad path')
      if (route.file.kind === 'script') return await this.sendScript(res)
      if (route.path === '') throw new HttpError(404, 'name a path: http://HOST:PORT/PATH')
      await this.serve(req, res, url, route)
    } catch (err) {
      this.sendError(res, err)
    }
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL, route: HlsRoute): Promise<void> {
    const now = this.opts.clock.monoMs()
    const remote = req.socket.remoteAddress ?? ''
    const clientKey = `${remote}|${req.headers['user-agent'] ?? ''}`
    const token = url.searchParams.get('session') ?? undefined
    let viewer = token !== undefined ? this.viewers.get(token) : undefined
    if (viewer && viewer.path !== route.path) viewer = undefined
    if (!viewer) {
      if (token !== undefined && this.kicked.has(token)) throw new HttpError(403, 'this session was ended')
      // A viewer's token stands for the login that opened it; anything else logs in again.
      const auth = await this.opts.server.authorize({
        action: 'read',
        path: route.path,
        remoteAddress: remote,
        protocol: 'hls',
        method: req.method ?? 'GET',
        ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization, uri: req.url ?? '' } : {}),
      })
      if (!auth.ok)
        throw new HttpError(auth.status, auth.status === 401 ? 'authentication required' : 'forbidden', {
          ...(auth.challenges.length > 0 ? { 'WWW-Authenticate': auth.challenges } : {}),
        })
    }
    const preview = url.searchParams.get('preview') === '1'
    const file = route.file
    switch (file.kind) {
      case 'page':
        return this.sendPage(res, route.path, url, remote)
      case 'index': {
        // Every start of playback is a viewer of its own.
        viewer ??= await this.openViewer(route.path, remote, clientKey, preview, now)
        const muxer = await this.muxerFor(route.path, remote, viewer)
        const r = await muxer.multivariantPlaylist(`${MEDIA_PLAYLIST}?session=${viewer.token}`)
        return this.sendWait(res, r, M3U8_TYPE, viewer)
      }
      case 'media': {
        let block
        try {
          block = parseBlockingRequest(url.searchParams)
        } catch (err) {
          if (err instanceof ProtocolError) throw new HttpError(400, err.message)
          throw err
        }
        viewer ??= this.byClientKey(route.path, clientKey) ?? (await this.openViewer(route.path, remote, clientKey, preview, now))
        const muxer = await this.muxerFor(route.path, remote, viewer)
        viewer.served(now, 0)
        return this.sendWait(res, await muxer.mediaPlaylist(block, `session=${viewer.token}`), M3U8_TYPE, viewer)
      }
      case 'init':
      case 'segment':
      case 'part': {
        const muxer = await this.muxerFor(route.path, remote, viewer)
        viewer?.served(now, 0)
        const r =
          file.kind === 'init' ? await muxer.initSegment() : file.kind === 'segment' ? muxer.segment(file.msn) : await muxer.part(file.id)
        return this.sendWait(res, r, 'video/mp4', viewer)
      }
    }
  }

  private async openViewer(path: string, remote: string, clientKey: string, preview: boolean, now: number): Promise<HlsViewer> {
    const session = await this.opts.server.openReader({ path, protocol: 'hls', remoteAddress: remote, counted: !preview })
    const viewer = new HlsViewer(this.newToken(), path, clientKey, session, now)
    session.onClose = (reason) => this.viewerGone(viewer, reason)
    this.viewers.set(viewer.token, viewer)
    return viewer
  }

  private viewerGone(viewer: HlsViewer, reason: string): void {
    this.viewers.delete(viewer.token)
    viewer.close(reason)
    if (reason === 'kicked') {
      this.kicked.add(viewer.token)
      if (this.kicked.size > MAX_KICKED) this.kicked.delete(this.kicked.values().next().value!)
    }
  }

  private byClientKey(path: string, key: string): HlsViewer | undefined {
    for (const v of this.viewers.values()) if (v.path === path && v.clientKey === key) return v
    return undefined
  }

  private newToken(): string {
    let t = ''
    for (let i = 0; i < TOKEN_WORDS; i++) t += this.opts.random.u32().toString(16).padStart(8, '0')
    return t
  }

  /** The path's muxer: the running one when it reads the viewer's stream, else a new one. */
  private async muxerFor(path: string, remote: string, viewer: HlsViewer | undefined): Promise<HlsMuxer> {
    const e = this.muxers.get(path)
    const now = this.opts.clock.monoMs()
    if (e && !e.muxer.isClosed && (!viewer || e.muxer.stream === viewer.session.stream)) {
      e.lastRequestMono = now
      return e.muxer
    }
    if (viewer) return this.startMuxer(path, viewer.session.stream)
    const pending = this.creating.get(path)
    if (pending) return pending
    // Nobody watches yet (the player page, a segment asked for directly): an uncounted session
    // brings the path up long enough to start the muxer.
    const made = (async (): Promise<HlsMuxer> => {
      let probe: ExternalReader | undefined
      try {
        probe = await this.opts.server.openReader({ path, protocol: 'hls', remoteAddress: remote, counted: false })
        return this.startMuxer(path, probe.stream)
      } finally {
        probe?.close('HLS muxer started')
      }
    })()
    this.creating.set(path, made)
    try {
      return await made
    } finally {
      this.creating.delete(path)
    }
  }

  private startMuxer(path: string, stream: Stream): HlsMuxer {
    const old = this.muxers.get(path)
    if (old && !old.muxer.isClosed && old.muxer.stream === stream) return old.muxer
    if (old) this.stopMuxer(path, 'the path has a new stream')
    const muxer = new HlsMuxer(stream, {
      variant: this.opts.variant,
      segmentCount: this.opts.segmentCount,
      segmentMs: this.opts.segmentDurationMs,
      partMs: this.opts.partDurationMs,
      clock: this.opts.clock,
      continueFrom: this.continuations.get(path),
    })
    const onClose = (): void => this.stopMuxer(path, 'stream removed')
    stream.once('close', onClose)
    this.muxers.set(path, { muxer, lastRequestMono: this.opts.clock.monoMs(), detach: () => stream.off('close', onClose) })
    this.opts.logger?.info(`HLS muxer started (${this.opts.variant})`, { path })
    return muxer
  }

  private stopMuxer(path: string, reason: string): void {
    const e = this.muxers.get(path)
    if (!e) return
    this.muxers.delete(path)
    e.detach()
    e.muxer.close()
    // A player still polling this path's playlist sees it go on, not restart at segment 0.
    this.continuations.delete(path)
    this.continuations.set(path, e.muxer.continuation)
    if (this.continuations.size > MAX_REMEMBERED_PATHS) this.continuations.delete(this.continuations.keys().next().value!)
    this.opts.logger?.info(`HLS muxer stopped: ${reason}`, { path })
  }

  private sweep(): void {
    const now = this.opts.clock.monoMs()
    for (const v of [...this.viewers.values()]) {
      const target = this.muxers.get(v.path)?.muxer.targetDurationMs ?? this.opts.segmentDurationMs
      const timeout = this.opts.viewerTimeoutMs ?? Math.max(MIN_VIEWER_TIMEOUT_MS, VIEWER_TIMEOUT_TARGETS * target)
      if (now - v.lastSeenMono > timeout) {
        this.viewers.delete(v.token)
        v.close(`no HLS request for ${Math.round(timeout / 1000)} s`)
      }
    }
    for (const [path, e] of [...this.muxers])
      if (e.muxer.isClosed || now - e.lastRequestMono > this.opts.muxerCloseAfterMs) this.stopMuxer(path, 'no request')
  }

  // ---- answers --------------------------------------------------------------------------------

  private async sendPage(res: http.ServerResponse, path: string, url: URL, remote: string): Promise<void> {
    const base = `/${path.split('/').map(encodeURIComponent).join('/')}`
    let muxer: HlsMuxer
    try {
      muxer = await this.muxerFor(path, remote, undefined)
    } catch (err) {
      if (!(err instanceof HlsCodecError)) throw err
      const html = unplayablePage({ path, reason: err.message, rtspUrl: this.opts.server.urlFor(path) })
      return this.send(res, 404, 'text/html; charset=utf-8', html)
    }
    const preview = url.searchParams.get('preview') === '1' ? '?preview=1' : ''
    const html = playerPage({
      path,
      scriptUrl: `${base}/${SCRIPT_FILE}`,
      playlistUrl: `${base}/${MULTIVARIANT_PLAYLIST}${preview}`,
      lowLatency: muxer.lowLatency,
      notes: muxer.notes,
    })
    this.send(res, 200, 'text/html; charset=utf-8', html)
  }

  private async sendScript(res: http.ServerResponse): Promise<void> {
    this.script ??= readFile(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'))
    const body = await this.script
    this.send(res, 200, 'text/javascript; charset=utf-8', body, 'max-age=86400')
  }

  private sendWait(res: http.ServerResponse, r: Wait<string | Buffer>, type: string, viewer: HlsViewer | undefined): void {
    if (!r.ok) throw new HttpError(r.status, r.message)
    const body = typeof r.value === 'string' ? Buffer.from(r.value) : r.value
    viewer?.served(this.opts.clock.monoMs(), body.length)
    // Playlists change all the time; segments and parts never do once made.
    this.send(res, 200, type, body, type === M3U8_TYPE ? 'no-cache' : 'max-age=3600')
  }

  private send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-cache'): void {
    const buf = typeof body === 'string' ? Buffer.from(body) : body
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': buf.length, 'Cache-Control': cache })
    res.end(buf)
  }

  private sendError(res: http.ServerResponse, err: unknown): void {
    let status = 500
    let message = 'internal error'
    let headers: Record<string, string | string[]> = {}
    if (err instanceof HttpError) ({ status, message, headers } = err)
    else if (err instanceof HlsCodecError) [status, message] = [404, err.message]
    else if (err instanceof RtspkitError && typeof err.details.status === 'number') [status, message] = [err.details.status, err.message]
    else this.opts.logger?.warn(`HLS request failed: ${(err as Error).message}`)
    if (res.headersSent) {
      res.destroy()
      return
    }
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
    this.send(res, status, 'text/plain; charset=utf-8', `${message}\n`)
  }
}
