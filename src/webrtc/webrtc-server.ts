/**
 * The WebRTC room: an HTTP server with MediaMTX's URL layout. GET /PATH is a player page; POST
 * /PATH/whep plays the path to a browser (WHEP), POST /PATH/whip publishes a browser into it (RFC
 * 9725); PATCH on the Location they return adds trickled candidates (RFC 8840 fragments), DELETE
 * ends the session. Reading and publishing go through the RTSP server's own authorization, session
 * table and limits (openReader/openPublisher), so WebRTC sessions are listed, counted and kickable.
 */
import { randomUUID } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { isIP, type AddressInfo } from 'node:net'
import type { RTCIceServer, RTCPeerConnection } from 'werift'
import { createCodecRegistry, type CodecRegistry } from '../codecs/registry.js'
import { HttpError, LimitError, RtspkitError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { getAttribute } from '../sdp/sdp.js'
import type { RtspServer } from '../server/rtsp-server.js'
import { systemClock, type Clock } from '../util/clock.js'
import { contentType, corsHeaders, readBody, sendText } from './http-util.js'
import { DEFAULT_LIFETIME, type LifetimeLimits } from './lifetime.js'
import { planWhep, planWhip, readOffer } from './negotiate.js'
import { keptCodecs, restrictOffer, type Offer } from './offer.js'
import { answer, createPeer, type IceSettings } from './peer.js'
import { playerPage } from './player-page.js'
import { publishSdp } from './publish-sdp.js'
import { parseSdpFrag } from './sdpfrag.js'
import { WhepSession } from './whep-session.js'
import { WhipSession } from './whip-session.js'

/**
 * What the room needs of the RTSP server. claimPublish, the path's cluster-wide
 * publish lock, is optional: a host outside a cluster (a test's) may leave it out.
 */
export type WebRtcHost = Pick<RtspServer, 'authorize' | 'openReader' | 'openPublisher'> & Partial<Pick<RtspServer, 'claimPublish'>>

export interface WebRtcServerOptions {
  server: WebRtcHost
  /** TCP port of the HTTP server (0 picks one). */
  port: number
  /** Address to listen on; '' or undefined: every interface. */
  host?: string
  /** Extra addresses (IPs or host names) announced as host candidates, for NAT and containers. */
  additionalHosts?: readonly string[]
  /** UDP ports ICE takes its sockets from (werift opens one socket per session and address). */
  icePortRange?: [number, number]
  iceServers?: readonly RTCIceServer[]
  /** Access-Control-Allow-Origin of every answer (default '*'). */
  allowOrigin?: string
  logger?: Logger
  clock?: Clock
  lifetime?: Partial<LifetimeLimits>
  /** Per-viewer queue bound (default 4 MiB): above it whole GOPs are dropped. */
  maxQueueBytes?: number
  codecs?: CodecRegistry
}

export interface WebRtcStats {
  whepSessions: number
  whipSessions: number
  whepOpened: number
  whipOpened: number
  /** Ended sessions by reason ('deleted', 'peer went silent', 'kicked'…). */
  closed: Record<string, number>
  /** Units dropped for viewers that could not keep up, ended sessions included. */
  framesDropped: number
  slowEpisodes: number
  pictureLossIndications: number
}

type Entry =
  | { kind: 'whep'; path: string; etag: string; ufrag: string | undefined; s: WhepSession }
  | { kind: 'whip'; path: string; etag: string; ufrag: string | undefined; s: WhipSession }

const DEFAULT_QUEUE_BYTES = 4 * 1024 * 1024
/** How long a WHEP request waits for an on-demand path's first parameters. */
const STREAM_READY_MS = 5000
const PATH_RE = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/
const SESSION_RE = /^(.+)\/(whep|whip)\/([0-9a-f-]{36})$/
const ENDPOINT_RE = /^(.+)\/(whep|whip)$/

/**
 * werift throws plain errors (TypeError…) at offers it cannot take — no ICE parameters, a media section
 * without a mid: the offer's fault, so 400 with the reason, not 500.
 */
function offerRefused(err: unknown): never {
  if (err instanceof RtspkitError) throw err
  throw new HttpError(400, `the offer cannot be negotiated: ${(err as Error).message}`)
}

export class WebRtcServer {
  private http: Server | undefined
  private readonly sessions = new Map<string, Entry>()
  private ice: IceSettings
  private readonly clock: Clock
  private readonly lifetime: LifetimeLimits
  private readonly codecs: CodecRegistry
  private readonly counters = { whepOpened: 0, whipOpened: 0, framesDropped: 0, slowEpisodes: 0, pli: 0 }
  private readonly closedBy: Record<string, number> = {}

  constructor(private readonly opts: WebRtcServerOptions) {
    this.clock = opts.clock ?? systemClock
    this.lifetime = { ...DEFAULT_LIFETIME, ...opts.lifetime }
    this.codecs = opts.codecs ?? createCodecRegistry()
    this.ice = {
      additionalHosts: [],
      iceServers: [...(opts.iceServers ?? [])],
      ...(opts.icePortRange ? { portRange: opts.icePortRange } : {}),
    }
  }

  get port(): number {
    return (this.http?.address() as AddressInfo | null)?.port ?? this.opts.port
  }

  /** http://HOST:PORT of the server (loopback when it listens everywhere). */
  get url(): string {
    const h = this.opts.host
    const host = !h || h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h
    return `http://${host}:${this.port}`
  }

  async start(): Promise<void> {
    this.ice.additionalHosts = await resolveHosts(this.opts.additionalHosts ?? [])
    const http = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err))
    })
    http.on('clientError', (_err, socket) => socket.destroy())
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(this.opts.port, this.opts.host || undefined, () => {
        http.off('error', reject)
        resolve()
      })
    })
    this.http = http
  }

  /** Ends every session and stops listening. Idempotent. */
  async close(): Promise<void> {
    for (const e of [...this.sessions.values()]) e.s.close('server stopped')
    const http = this.http
    this.http = undefined
    if (!http) return
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
  }

  stats(): WebRtcStats {
    let whep = 0
    let dropped = this.counters.framesDropped
    let slow = this.counters.slowEpisodes
    let pli = this.counters.pli
    for (const e of this.sessions.values()) {
      if (e.kind !== 'whep') continue
      whep++
      dropped += e.s.framesDropped
      slow += e.s.slowEpisodes
      pli += e.s.pictureLossIndications
    }
    return {
      whepSessions: whep,
      whipSessions: this.sessions.size - whep,
      whepOpened: this.counters.whepOpened,
      whipOpened: this.counters.whipOpened,
      closed: { ...this.closedBy },
      framesDropped: dropped,
      slowEpisodes: slow,
      pictureLossIndications: pli,
    }
  }

  /** The WHEP viewer behind a session id of the server's table, for tests and diagnostics. */
  whepSessions(): WhepSession[] {
    return [...this.sessions.values()].flatMap((e) => (e.kind === 'whep' ? [e.s] : []))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(corsHeaders(this.opts.allowOrigin ?? '*'))) res.setHeader(k, v)
    const method = req.method ?? 'GET'
    if (method === 'OPTIONS') {
      res.writeHead(204, { 'Accept-Post': 'application/sdp', 'Accept-Patch': 'application/trickle-ice-sdpfrag' })
      res.end()
      return
    }
    let pathname: string
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname).replace(/^\/+/, '')
    } catch {
      throw new HttpError(400, 'bad URL')
    }
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams
    const session = SESSION_RE.exec(pathname)
    if (session) return this.onResource(req, res, method, session[1]!, session[2] as 'whep' | 'whip', session[3]!)
    const endpoint = ENDPOINT_RE.exec(pathname)
    if (endpoint) {
      if (method !== 'POST') throw new HttpError(405, `${method} is not allowed here: POST an SDP offer`, { Allow: 'POST, OPTIONS' })
      const path = checkPath(endpoint[1]!)
      return endpoint[2] === 'whep' ? this.onWhep(req, res, path, query.get('preview') === '1') : this.onWhip(req, res, path)
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed here`, { Allow: 'GET, OPTIONS' })
    const path = checkPath(pathname.replace(/\/+$/, ''))
    await this.authorize(req, 'read', path)
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(method === 'HEAD' ? undefined : playerPage(path))
  }

  private async authorize(req: IncomingMessage, action: 'read' | 'publish', path: string): Promise<void> {
    const auth = await this.opts.server.authorize({
      action,
      path,
      remoteAddress: req.socket.remoteAddress ?? '',
      protocol: 'webrtc',
      method: req.method ?? 'GET',
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization, uri: req.url ?? '' } : {}),
    })
    if (auth.ok) return
    if (auth.status === 503) throw new HttpError(503, 'too many failed logins', { 'Retry-After': String(auth.retryAfterS ?? 1) })
    if (auth.status === 401) throw new HttpError(401, 'authentication required', { 'WWW-Authenticate': auth.challenges })
    throw new HttpError(403, `not allowed to ${action} ${path}`)
  }

  private async offerOf(req: IncomingMessage): Promise<{ offer: Offer; ufrag: string | undefined }> {
    if (contentType(req) !== 'application/sdp') throw new HttpError(415, 'the offer must be sent as Content-Type: application/sdp')
    const body = await readBody(req)
    const offer = readOffer(body.toString('utf8'))
    const ufrag =
      getAttribute(offer.sdp.attributes, 'ice-ufrag') ??
      offer.sdp.media.map((m) => getAttribute(m.attributes, 'ice-ufrag')).find((u) => u !== undefined)
    return { offer, ufrag }
  }

  private async onWhep(req: IncomingMessage, res: ServerResponse, path: string, preview: boolean): Promise<void> {
    await this.authorize(req, 'read', path)
    const { offer, ufrag } = await this.offerOf(req)
    const remoteAddress = req.socket.remoteAddress ?? ''
    const reader = await this.opts.server
      .openReader({ path, protocol: 'webrtc', remoteAddress, counted: !preview })
      .catch((err: unknown) => {
        throw asHttpError(err, false)
      })
    let pc: RTCPeerConnection | undefined
    try {
      const stream = reader.stream
      if (!stream.ready) await stream.waitReady(STREAM_READY_MS)
      const plan = planWhep(offer, stream.tracks)
      pc = createPeer(this.ice, keptCodecs(offer, plan.choices))
      const directions = new Map(plan.sends.map((s) => [s.section, 'sendonly' as const]))
      const { sdp, transceivers } = await answer(pc, restrictOffer(offer, plan.choices), directions).catch(offerRefused)
      if (reader.isClosed) throw new HttpError(404, 'the path went away')
      const id = randomUUID()
      const s = new WhepSession(
        id,
        reader,
        pc,
        plan.sends.map((x) => ({ track: x.track, sender: transceivers.get(x.section)!.sender })),
        {
          maxQueueBytes: this.opts.maxQueueBytes ?? DEFAULT_QUEUE_BYTES,
          lifetime: this.lifetime,
          clock: this.clock,
          random: Math.random,
          onClosed: (x, reason) => this.ended(id, reason, x),
          onSlow: (x) =>
            this.opts.logger?.warn('WebRTC viewer too slow: dropping up to the next keyframe', { session: x.session.id, path }),
        },
      )
      const etag = `"${randomUUID()}"`
      this.sessions.set(id, { kind: 'whep', path, etag, ufrag, s })
      this.counters.whepOpened++
      this.opts.logger?.info(`WHEP session ${id} (${plan.videoNote}; audio ${plan.audioNote})`, {
        session: reader.id,
        path,
        remote: remoteAddress,
      })
      res.writeHead(201, {
        'Content-Type': 'application/sdp',
        Location: `/${path}/whep/${id}`,
        ETag: etag,
        'Accept-Patch': 'application/trickle-ice-sdpfrag',
        'Cache-Control': 'no-store',
        'X-Rtspkit-Video': plan.videoNote,
        'X-Rtspkit-Audio': plan.audioNote,
      })
      res.end(sdp)
    } catch (err) {
      if (pc) void pc.close().catch(() => undefined)
      reader.close('negotiation failed')
      throw err
    }
  }

  private async onWhip(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    await this.authorize(req, 'publish', path)
    const { offer, ufrag } = await this.offerOf(req)
    const remoteAddress = req.socket.remoteAddress ?? ''
    const plan = planWhip(offer, (name) => this.codecs.byEncodingName(name) !== undefined)
    // In a cluster, the path's lock first (refused: 409, as for a publisher here).
    const unclaim = await this.opts.server.claimPublish?.(path).catch((err: unknown) => {
      throw asHttpError(err, true)
    })
    let publisher
    try {
      publisher = this.opts.server.openPublisher({
        path,
        protocol: 'webrtc',
        remoteAddress,
        sdp: publishSdp(plan.takes.map((t) => ({ kind: t.kind, codec: t.codec }))),
      })
    } catch (err) {
      unclaim?.()
      throw asHttpError(err, true)
    }
    let pc: RTCPeerConnection | undefined
    try {
      pc = createPeer(this.ice, keptCodecs(offer, plan.choices))
      const directions = new Map(plan.takes.map((t) => [t.section, 'recvonly' as const]))
      const { sdp, transceivers } = await answer(pc, restrictOffer(offer, plan.choices), directions).catch(offerRefused)
      if (publisher.isClosed) throw new HttpError(409, 'the publisher was replaced or kicked')
      const id = randomUUID()
      const s = new WhipSession(
        id,
        publisher,
        pc,
        plan.takes.map((t, i) => {
          const receiver = transceivers.get(t.section)!.receiver
          return { trackIndex: i, kind: t.kind, payloadType: t.codec.payloadType, receiver, track: receiver.track }
        }),
        { lifetime: this.lifetime, clock: this.clock, onClosed: (x, reason) => this.ended(id, reason, x) },
      )
      const etag = `"${randomUUID()}"`
      this.sessions.set(id, { kind: 'whip', path, etag, ufrag, s })
      this.counters.whipOpened++
      const what = plan.takes.map((t) => `${t.codec.encodingName}/${t.codec.clockRate}`).join(', ')
      this.opts.logger?.info(`WHIP session ${id} publishes ${what}`, { session: publisher.id, path, remote: remoteAddress })
      res.writeHead(201, {
        'Content-Type': 'application/sdp',
        Location: `/${path}/whip/${id}`,
        ETag: etag,
        'Accept-Patch': 'application/trickle-ice-sdpfrag',
        'Cache-Control': 'no-store',
      })
      res.end(sdp)
    } catch (err) {
      if (pc) void pc.close().catch(() => undefined)
      publisher.close('negotiation failed')
      throw err
    }
  }

  /** PATCH (trickled candidates) and DELETE on a session's Location. */
  private async onResource(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    kind: 'whep' | 'whip',
    id: string,
  ): Promise<void> {
    const e = this.sessions.get(id)
    if (!e || e.kind !== kind || e.path !== path) throw new HttpError(404, 'no such session')
    if (method === 'DELETE') {
      e.s.close('deleted')
      sendText(res, 200, '')
      return
    }
    if (method !== 'PATCH') throw new HttpError(405, `${method} is not allowed on a session`, { Allow: 'PATCH, DELETE, OPTIONS' })
    const ifMatch = req.headers['if-match']
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== e.etag) throw new HttpError(412, 'If-Match does not match the session ETag')
    if (contentType(req) !== 'application/trickle-ice-sdpfrag')
      throw new HttpError(415, 'candidates must be sent as Content-Type: application/trickle-ice-sdpfrag')
    let frag
    try {
      frag = parseSdpFrag(await readBody(req))
    } catch (err) {
      if (err instanceof LimitError) throw err
      throw new HttpError(400, (err as Error).message)
    }
    if (frag.ufrag !== undefined && e.ufrag !== undefined && frag.ufrag !== e.ufrag)
      throw new HttpError(501, 'ICE restart is not supported: start a new session')
    for (const c of frag.candidates) {
      try {
        await e.s.pc.addIceCandidate({
          candidate: c.candidate,
          sdpMLineIndex: c.sdpMLineIndex,
          ...(c.sdpMid !== undefined ? { sdpMid: c.sdpMid } : {}),
        })
      } catch {
        // A candidate werift cannot use (another family, an unknown mid) is not worth the session.
      }
    }
    res.writeHead(204, { ETag: e.etag })
    res.end()
  }

  private ended(id: string, reason: string, s: WhepSession | WhipSession): void {
    this.sessions.delete(id)
    const key = reason.startsWith('taken over') ? 'taken over' : reason
    this.closedBy[key] = (this.closedBy[key] ?? 0) + 1
    if (s instanceof WhepSession) {
      this.counters.framesDropped += s.framesDropped
      this.counters.slowEpisodes += s.slowEpisodes
      this.counters.pli += s.pictureLossIndications
    }
    this.opts.logger?.info(`${s instanceof WhepSession ? 'WHEP' : 'WHIP'} session ${id} ended: ${reason}`, {
      session: s.session.id,
      path: s.session.path,
    })
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (err instanceof HttpError) sendText(res, err.status, err.message, err.headers)
    else if (err instanceof LimitError) sendText(res, 413, err.message)
    else {
      this.opts.logger?.warn(`WebRTC request failed: ${(err as Error).message}`)
      sendText(res, 500, `internal error: ${(err as Error).message}`)
    }
  }
}

function checkPath(path: string): string {
  if (!PATH_RE.test(path)) throw new HttpError(404, `"${path}" is not a path name`)
  return path
}

/** openReader/openPublisher refusals (RequestError) as HTTP answers: a busy publish path is 409 for WHIP. */
function asHttpError(err: unknown, publish: boolean): unknown {
  const status = (err as { status?: unknown }).status
  if (typeof status !== 'number') return err
  const message = (err as Error).message
  if (publish && status === 503 && !/too many sessions/i.test(message))
    return new HttpError(409, `the path already has a publisher (${message})`)
  return new HttpError(status, message)
}

/** Host names of `additionalHosts` as IPv4 addresses (werift announces IP literals only). */
async function resolveHosts(hosts: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const h of hosts) {
    if (isIP(h) === 4) out.push(h)
    else if (isIP(h) === 0) out.push((await lookup(h, { family: 4 })).address)
  }
  return out
}
