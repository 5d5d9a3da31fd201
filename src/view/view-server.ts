/**
 * The HTTP side of `rtspkit view`: the page, a small JSON API whose buttons drive one ViewSession, and
 * the video as a stream of wire messages (video-wire.ts).
 *
 *   GET  /                         the page
 *   GET  /state                    ViewStatus as JSON
 *   POST /setup /play /pause /teardown   the RTSP operation; 200 with the new status, 409 when the
 *                                  state does not allow it, 502 when the RTSP server refused or failed
 *   GET  /video                    application/octet-stream, one message per picture, until closed
 *
 * Every page shares the one RTSP session, like several people looking at one client window. Each
 * video reader has its own bounded backlog: past MAX_BACKLOG_BYTES pictures are dropped and counted,
 * so a slow browser never slows the RTSP client or the other pages (an H.264 reader then waits for
 * the next keyframe). Requests must name this server in Host, so another site's page cannot drive it
 * through the browser (DNS rebinding).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RtspClientOptions } from '../client/rtsp-client.js'
import { ConfigError, StateError } from '../errors.js'
import { VIEW_PAGE } from './page.js'
import { ViewSession, type ViewFrame, type ViewStatus } from './view-session.js'

export const DEFAULT_VIEW_HOST = '127.0.0.1'
/** Bytes a video reader may have queued before pictures are dropped (a few whole pictures, a GOP's start). */
export const MAX_BACKLOG_BYTES = 1 << 20
const LOCAL_HOST_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

export interface ViewServerOptions {
  /** The RTSP URL to view. */
  url: string
  /** HTTP port; 0 (default) picks a free one. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  client?: RtspClientOptions
}

export interface ViewServerStats {
  readers: number
  /** Pictures not sent to a reader whose backlog was full. */
  dropped: number
}

interface VideoReader {
  res: http.ServerResponse
  /** The H.264 configuration message last sent. */
  config: Buffer | undefined
  /** H.264 only: skip pictures until a keyframe (at the start, and after a drop). */
  waitForKeyframe: boolean
}

const ACTIONS = {
  '/setup': (s: ViewSession) => s.setup(),
  '/play': (s: ViewSession) => s.play(),
  '/pause': (s: ViewSession) => s.pause(),
  '/teardown': (s: ViewSession) => s.teardown(),
} as const

export class ViewServer {
  readonly session: ViewSession
  private readonly opts: ViewServerOptions
  private readonly http: http.Server
  private readonly readers = new Set<VideoReader>()
  private dropped = 0
  private closing: Promise<void> | undefined

  constructor(options: ViewServerOptions) {
    this.opts = options
    this.session = new ViewSession(options.url, options.client ? { client: options.client } : {})
    this.session.on('frame', (f) => this.fanOut(f))
    this.http = http.createServer((req, res) => this.handle(req, res))
  }

  /** Listens; a port in use is ConfigError ERR_VIEW_LISTEN. */
  start(): Promise<void> {
    const host = this.opts.host ?? DEFAULT_VIEW_HOST
    const port = this.opts.port ?? 0
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          new ConfigError(
            'ERR_VIEW_LISTEN',
            `cannot listen on http://${host}:${port}/: ${err.code ?? err.message}`,
            { observed: port },
            { cause: err },
          ),
        )
      }
      this.http.once('error', onError)
      this.http.listen(port, host, () => {
        this.http.off('error', onError)
        resolve()
      })
    })
  }

  /** The page's address, e.g. http://127.0.0.1:40123/ (after start()). */
  get pageUrl(): string {
    const a = this.http.address() as AddressInfo
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
    return `http://${host}:${a.port}/`
  }

  stats(): ViewServerStats {
    return { readers: this.readers.size, dropped: this.dropped }
  }

  /** TEARDOWN, end the video streams, stop listening. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.session.close()
      for (const r of this.readers) r.res.end()
      this.readers.clear()
      await new Promise<void>((resolve) => {
        this.http.close(() => resolve())
        this.http.closeAllConnections()
      })
    })()
    return this.closing
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!
    if (!this.fromHere(req)) return reply(res, 403, { error: `Host "${req.headers.host ?? ''}" is not this server` })
    if (path === '/' || path === '/index.html') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, { error: 'GET only' })
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Length': Buffer.byteLength(VIEW_PAGE),
      })
      res.end(req.method === 'HEAD' ? undefined : VIEW_PAGE)
      return
    }
    if (path === '/state') {
      if (req.method !== 'GET') return reply(res, 405, { error: 'GET only' })
      return reply(res, 200, this.session.status())
    }
    if (path === '/video') {
      if (req.method !== 'GET') return reply(res, 405, { error: 'GET only' })
      return this.addReader(res)
    }
    const action = Object.hasOwn(ACTIONS, path) ? ACTIONS[path as keyof typeof ACTIONS] : undefined
    if (!action) return reply(res, 404, { error: `no ${path} here` })
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' })
    req.resume() // any body is ignored
    action(this.session).then(
      (status) => reply(res, 200, status),
      (err: unknown) =>
        reply(res, err instanceof StateError ? 409 : 502, {
          ...this.session.status(),
          error: err instanceof Error ? err.message : String(err),
        }),
    )
  }

  /** Host names this server by a loopback name and its own port (browsers always send Host). */
  private fromHere(req: http.IncomingMessage): boolean {
    const host = req.headers.host
    if (host === undefined) return false
    const m = /^(.*):(\d+)$/.exec(host)
    if (!m || Number(m[2]) !== (this.http.address() as AddressInfo).port) return false
    const name = m[1]!.toLowerCase()
    return LOCAL_HOST_NAMES.has(name) || name === (this.opts.host ?? DEFAULT_VIEW_HOST)
  }

  private addReader(res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' })
    res.flushHeaders()
    const reader: VideoReader = { res, config: undefined, waitForKeyframe: true }
    this.readers.add(reader)
    res.on('close', () => this.readers.delete(reader))
  }

  private fanOut(f: ViewFrame): void {
    for (const r of this.readers) {
      if (f.codec === 'h264') {
        if (r.waitForKeyframe && !f.keyframe) continue
        if (r.res.writableLength > MAX_BACKLOG_BYTES) {
          r.waitForKeyframe = true
          this.dropped++
          continue
        }
        r.waitForKeyframe = false
        if (r.config !== f.config) {
          r.config = f.config
          r.res.write(f.config)
        }
      } else if (r.res.writableLength > MAX_BACKLOG_BYTES) {
        this.dropped++
        continue
      }
      r.res.write(f.message)
    }
  }
}

function reply(res: http.ServerResponse, status: number, body: ViewStatus | { error: string }): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
  })
  res.end(text)
}
