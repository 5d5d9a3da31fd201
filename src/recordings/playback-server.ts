/**
 * The playback server (`--playback-port`, config `playback:`), in MediaMTX's layout:
 *
 *   GET /list?path=NAME      [{"start": RFC 3339, "duration": seconds}, …]: the recorded spans
 *   GET /get?path=NAME&start=RFC3339&duration=SECONDS[&format=fmp4|mp4]   that stretch as one fragmented
 *       MP4 (the default), or as one plain MP4 with its moov first (mp4-progressive.ts)
 *
 * Who may use it is decided as for reading the path (the server's authorize, protocol 'playback':
 * users, IP ranges, the failure throttle); answers carry CORS headers so pages elsewhere can play them.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpError, ProtocolError } from '../errors.js'
import type { OtherAccessRequest, OtherAccessResult } from '../server/access-gate.js'
import { muxPlaybackMp4 } from './mp4-progressive.js'
import { muxPlayback, type PlaybackSink } from './playback-mux.js'
import { listRecordings, listSegments, spansOf } from './recording-store.js'
import { requestTarget } from '../util/request-target.js'

export interface PlaybackServerOptions {
  host?: string
  port: number
  /** The recordPath template of a path, or undefined when the path is not known / not recorded. */
  recordPathOf: (pathName: string) => string | undefined
  /** The RTSP server's authorize (read access to the path). */
  authorize: (req: OtherAccessRequest) => Promise<OtherAccessResult>
  /** Access-Control-Allow-Origin; default '*'. */
  allowOrigin?: string
  log?: (msg: string) => void
}

/** The longest stretch /get returns at once. */
export const MAX_GET_DURATION_S = 3600
const PATH_RE = /^[A-Za-z0-9._~\-/]+$/
/** The receiver left mid-answer (nginx's 499): nothing is sent or logged. */
const CLIENT_GONE = 499

export class PlaybackServer {
  private readonly http: http.Server

  constructor(private readonly opts: PlaybackServerOptions) {
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message)
        if (e.status === 500) opts.log?.(`playback: ${e.message}`)
        if (res.headersSent) return void res.destroy()
        res.writeHead(e.status, { ...this.cors(), 'Content-Type': 'text/plain; charset=utf-8', ...e.headers })
        res.end(`${e.message}\n`)
      })
    })
  }

  /** Listens; resolves with the port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject)
      this.http.listen(this.opts.port, this.opts.host || undefined, () => {
        this.http.off('error', reject)
        resolve((this.http.address() as AddressInfo).port)
      })
    })
  }

  get port(): number {
    return (this.http.address() as AddressInfo | null)?.port ?? 0
  }

  /** Idempotent. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.closeAllConnections()
      this.http.close(() => resolve())
    })
  }

  private cors(): Record<string, string> {
    return {
      'Access-Control-Allow-Origin': this.opts.allowOrigin ?? '*',
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Headers': 'Authorization, Range',
      'Access-Control-Allow-Methods': 'GET, OPTIONS',
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = requestTarget(req.url)
    if (!url) throw new HttpError(400, 'malformed request target')
    if (req.method === 'OPTIONS') {
      res.writeHead(204, this.cors())
      return void res.end()
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed`, { Allow: 'GET, OPTIONS' })
    if (url.pathname !== '/list' && url.pathname !== '/get') throw new HttpError(404, 'not found: use /list or /get')
    const pathName = (url.searchParams.get('path') ?? '').replace(/^\/+|\/+$/g, '')
    if (!pathName || !PATH_RE.test(pathName) || pathName.split('/').some((p) => p === '.' || p === '..'))
      throw new HttpError(400, 'path= names a path, e.g. /list?path=cam')
    await this.authorize(req, pathName)
    const template = this.opts.recordPathOf(pathName)
    if (!template) throw new HttpError(404, `no recordings of ${pathName}`)
    if (url.pathname === '/list') return this.list(res, template, pathName, req.method === 'HEAD')
    return this.get(res, url.searchParams, template, pathName, req.method === 'HEAD')
  }

  private async authorize(req: http.IncomingMessage, path: string): Promise<void> {
    const auth = await this.opts.authorize({
      action: 'read',
      path,
      remoteAddress: req.socket.remoteAddress ?? '',
      protocol: 'playback',
      method: req.method ?? 'GET',
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
    })
    if (auth.ok) return
    if (auth.status === 401) throw new HttpError(401, 'authentication required', { 'WWW-Authenticate': auth.challenges })
    throw new HttpError(403, `not allowed to read ${path}`)
  }

  private list(res: http.ServerResponse, template: string, pathName: string, head: boolean): void {
    const spans = spansOf(listRecordings(template, pathName))
    if (spans.length === 0) throw new HttpError(404, `no recordings of ${pathName}`)
    const body = JSON.stringify(spans.map((s) => ({ start: new Date(s.startMs).toISOString(), duration: s.durationMs / 1000 })))
    res.writeHead(200, { ...this.cors(), 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    res.end(head ? undefined : body)
  }

  private async get(res: http.ServerResponse, q: URLSearchParams, template: string, pathName: string, head: boolean): Promise<void> {
    const startMs = Date.parse(q.get('start') ?? '')
    if (!Number.isFinite(startMs)) throw new HttpError(400, 'start= must be an RFC 3339 time, e.g. 2026-12-07T10:00:00Z')
    const duration = Number(q.get('duration'))
    if (!(duration > 0 && duration <= MAX_GET_DURATION_S))
      throw new HttpError(400, `duration= must be a number of seconds from 0 to ${MAX_GET_DURATION_S}`)
    const format = q.get('format') ?? 'fmp4'
    if (format !== 'fmp4' && format !== 'mp4') throw new HttpError(400, `format=${format} is not served; use format=fmp4 or format=mp4`)
    const segments = listSegments(template, pathName)
    if (segments.length > 0 && segments.every((s) => s.format !== 'fmp4'))
      throw new HttpError(415, `${pathName} is recorded as Matroska; /get serves fMP4 recordings (download the .mkv files instead)`)
    // Sent as it is made, waiting for the receiver: memory does not grow with the duration.
    const sink: PlaybackSink = {
      begin: (length) => {
        const size: Record<string, string> = length === undefined ? {} : { 'Content-Length': String(length) }
        res.writeHead(200, { ...this.cors(), 'Content-Type': 'video/mp4', ...size, 'Cache-Control': 'no-store' })
        if (head) res.end()
        return !head
      },
      write: (b) => writeOrWait(res, b),
    }
    let ok: boolean
    try {
      ok = await (format === 'mp4' ? muxPlaybackMp4 : muxPlayback)(segments, startMs, duration * 1000, sink)
    } catch (err) {
      if (err instanceof ProtocolError) throw new HttpError(500, err.message)
      throw err
    }
    if (!ok) throw new HttpError(404, `no recording of ${pathName} between ${new Date(startMs).toISOString()} and +${duration} s`)
    if (!head) res.end()
  }
}

/** Writes `b`; when the socket is full, a promise of 'drain'. Rejects (CLIENT_GONE) once the receiver has left. */
function writeOrWait(res: http.ServerResponse, b: Buffer): Promise<void> | undefined {
  const gone = (): HttpError => new HttpError(CLIENT_GONE, 'the receiver left')
  if (res.destroyed) throw gone()
  if (res.write(b)) return undefined
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      res.off('drain', settle)
      res.off('close', settle)
      if (res.destroyed) reject(gone())
      else resolve()
    }
    res.on('drain', settle)
    res.on('close', settle)
  })
}
