/**
 * RTSP 1.0 client (RFC 2326), after gortsplib's client.go: DESCRIBE → SETUP per track (one aggregate
 * session) → PLAY, or ANNOUNCE → SETUP mode=record → RECORD; keep-alive at half the session timeout
 * (section 12.37); RTP over UDP or interleaved on the connection; RTCP receiver or sender reports.
 *
 * Policy lives here; bytes live elsewhere: ClientConnection (socket, reader, CSeq matching),
 * client-transport.ts (UDP pairs, interleaved channels), TrackReceiver (RTP → frames), description.ts
 * (SDP → tracks), publisher.ts (record), rtsp/auth (Basic, Digest).
 *
 * Behaviour worth knowing:
 *  - transport 'auto' tries UDP; a 461 to SETUP, or no RTP within `udpTimeoutMs` of PLAY, switches to
 *    TCP (on a new connection: some servers bind a session's transport to its connection).
 *  - 401: the strongest offered scheme is answered once; its authenticator then signs every request.
 *    Digest stale=true is retried silently. A second 401 is AuthError ERR_AUTH_REJECTED.
 *  - 301/302/303/307 with Location to DESCRIBE is followed (up to `maxRedirects`).
 *  - Credentials come from the options or the URL's userinfo, and never appear in a request URI.
 *  - With `reconnect`, a lost connection or `readTimeoutMs` without RTP while playing reconnects with
 *    exponential backoff ('reconnecting', then 'reconnected'); frames keep increasing ptsMs.
 *  - 'error' is emitted only when someone listens; 'close' always comes last, with the error if any.
 *  - dialect 'auto' (the default) recognises the RTSP/RTP teaching project's server, which answers
 *    neither OPTIONS nor DESCRIBE (teaching-dialect.ts): silence to OPTIONS for TEACHING_PROBE_MS makes
 *    the client speak its dialect on a new connection ('dialect' event): no DESCRIBE, requests written
 *    as its Client.py writes them, RTP over UDP only, whole-JPEG payloads, no keep-alive, and frames
 *    stopping for TEACHING_END_SILENCE_MS end the session without an error (its server does not loop).
 */
import { RtcpGoodbye } from '../rtcp/goodbye.js'
import { EventEmitter } from 'node:events'
import { createCodecRegistry, type CodecRegistry } from '../codecs/registry.js'
import { AuthError, ConfigError, ProtocolError, RtspkitError, StateError } from '../errors.js'
import type { RtcpPacket } from '../rtcp/compound.js'
import type { RtpPacket } from '../rtp/rtp-packet.js'
import { ClientAuthenticator, type Credentials } from '../rtsp/auth/client-authenticator.js'
import { RtspHeaders } from '../rtsp/headers.js'
import { parseSession } from '../rtsp/headers/session.js'
import { formatTransport, parseTransport, type TransportSpec } from '../rtsp/headers/transport.js'
import type { RtspResponse } from '../rtsp/message.js'
import { DEFAULT_RTSP_PORT, parseRtspUrl, stripCredentials } from '../rtsp/url.js'
import type { TrackInfo } from '../sources/source.js'
import { systemClock, type Clock } from '../util/clock.js'
import { cryptoRandom, type Random } from '../util/random.js'
import { ClientConnection, type DialogueHook } from './client-connection.js'
import { ChannelRouter, InterleavedTrackTransport, UdpTrackTransport, type TrackSink, type TrackTransport } from './client-transport.js'
import { describeResponse, resolveControl, type ClientDescription, type ClientTrack } from './description.js'
import { DEFAULT_RTCP_INTERVAL_MS, RecordSession, planPublishTracks, publishSdp, type ClientPublisher } from './publisher.js'
import { TrackReceiver, type ClientFrame, type ClientTrackStats } from './track-receiver.js'
import {
  formatTeachingRequest,
  TEACHING_END_SILENCE_MS,
  TEACHING_PROBE_MS,
  teachingDescription,
  teachingFileName,
  teachingSink,
  type TeachingMethod,
} from './teaching-dialect.js'

export const DEFAULT_USER_AGENT = 'rtspkit/0.1.0'
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const DEFAULT_UDP_TIMEOUT_MS = 3000
export const DEFAULT_READ_TIMEOUT_MS = 10_000
export const DEFAULT_MAX_REDIRECTS = 5
/** RFC 2326 12.37: "the default is 60 seconds". */
const DEFAULT_SESSION_TIMEOUT_S = 60
const MIN_KEEPALIVE_MS = 1000
const TEARDOWN_TIMEOUT_MS = 1000
const MAX_STALE_RETRIES = 2
const DEFAULT_RECONNECT_INITIAL_MS = 500
const DEFAULT_RECONNECT_MAX_MS = 10_000
const WATCHDOG_PERIOD_MS = 500
const REDIRECT_STATUSES = new Set([301, 302, 303, 305, 307])
const MS_PER_SECOND = 1000

export type ClientTransportMode = 'udp' | 'tcp' | 'auto'
/** 'rtsp': RFC 2326. 'teaching': the RTSP/RTP teaching project's server. 'auto': find out (see above). */
export type ClientDialect = 'rtsp' | 'teaching' | 'auto'

export interface RtspClientOptions {
  /** Default 'auto': UDP first, TCP after a 461 to SETUP or no RTP within udpTimeoutMs. */
  transport?: ClientTransportMode
  udpTimeoutMs?: number
  /** Else from rtsp://user:pass@host/ (percent-decoded). */
  username?: string
  password?: string
  requestTimeoutMs?: number
  /** While playing, no RTP for this long counts as a lost connection (default 10 s). */
  readTimeoutMs?: number
  maxRedirects?: number
  /** Play only: reconnect with exponential backoff after a lost connection or read timeout. */
  reconnect?: boolean | { initialDelayMs?: number; maxDelayMs?: number }
  userAgent?: string
  /** Drop video frames before the first keyframe of each track (default true). */
  waitForKeyframe?: boolean
  /** Largest RTP packet we send when recording (default 1400). */
  maxPacketSize?: number
  rtcpIntervalMs?: number
  registry?: CodecRegistry
  clock?: Clock
  random?: Random
  /** Local address for the RTSP connection and the UDP sockets. */
  localAddress?: string
  /** Every request and response as text (`probe --verbose`). */
  onDialogue?: DialogueHook
  /** Default 'auto'. */
  dialect?: ClientDialect
  /** auto: how long OPTIONS may go unanswered before the server is taken for the teaching one (ms). */
  dialectProbeMs?: number
}

export interface ReconnectingEvent {
  attempt: number
  delayMs: number
  error: RtspkitError
}

export interface RtspClientEvents {
  frame: [ClientFrame]
  rtp: [number, RtpPacket]
  rtcp: [number, RtcpPacket[]]
  tracks: [ClientTrack[]]
  /** The transport in use changed (auto: UDP → TCP). */
  transport: ['udp' | 'tcp']
  /** The server turned out to speak the teaching project's dialect. */
  dialect: ['teaching']
  /** Something was wrong but receiving goes on (malformed packet, refused payload). */
  warning: [RtspkitError]
  reconnecting: [ReconnectingEvent]
  reconnected: []
  error: [RtspkitError]
  close: [RtspkitError | undefined]
}

type ClientState = 'idle' | 'ready' | 'playing' | 'paused' | 'recording' | 'closed'

interface TrackSetup {
  /** The played track; undefined for a recorded one. */
  track: ClientTrack | undefined
  transport: TrackTransport
}

function asRtspkitError(err: unknown): RtspkitError {
  if (err instanceof RtspkitError) return err
  return new ProtocolError('ERR_RTSP_CLIENT', `unexpected failure: ${(err as Error)?.message ?? String(err)}`, {}, { cause: err })
}

/** ProtocolError for a non-2xx answer: `DESCRIBE rtsp://… failed: 404 Not Found`. */
export function statusError(method: string, uri: string, res: RtspResponse): ProtocolError {
  return new ProtocolError('ERR_RTSP_STATUS', `${method} ${uri} failed: ${res.statusCode} ${res.reason}`, {
    status: res.statusCode,
    reason: res.reason,
    method,
    observed: res.statusCode,
    allowed: '2xx',
  })
}

export class RtspClient extends EventEmitter<RtspClientEvents> {
  private readonly opts: RtspClientOptions
  private readonly clock: Clock
  private readonly random: Random
  private readonly registry: CodecRegistry
  private readonly credentials: Credentials | undefined
  private readonly ssrc: number
  private readonly cname: string
  private currentUrl: string
  private auth: ClientAuthenticator | undefined
  private conn: ClientConnection | undefined
  private connecting: Promise<ClientConnection> | undefined
  private description: ClientDescription | undefined
  private publicMethods: Set<string> | undefined
  private sessionId: string | undefined
  private sessionTimeoutS = DEFAULT_SESSION_TIMEOUT_S
  private state: ClientState = 'idle'
  private mode: 'udp' | 'tcp' | undefined
  private playTracks: number[] = []
  /** Played tracks whose sender said BYE. */
  private readonly tracksEnded = new Set<number>()
  private setups: TrackSetup[] = []
  private readonly receivers = new Map<number, TrackReceiver>()
  private readonly router = new ChannelRouter()
  private publisher: RecordSession | undefined
  private keepAliveTimer: NodeJS.Timeout | undefined
  private rtcpTimer: NodeJS.Timeout | undefined
  private watchdogTimer: NodeJS.Timeout | undefined
  private playStartedMs = 0
  private reconnecting = false
  private wakeReconnect: (() => void) | undefined
  private closing: Promise<void> | undefined
  private portHint = 0
  /** One-shot timers of the play session (the UDP fallback check). */
  private watchdogExtras: NodeJS.Timeout[] = []
  private teaching: boolean

  constructor(url: string, options: RtspClientOptions = {}) {
    super()
    this.opts = options
    const parsed = parseRtspUrl(url)
    if (parsed.host === '')
      throw new ConfigError('ERR_CLIENT_URL', `not an absolute rtsp:// URL: ${stripCredentials(url)}`, { observed: stripCredentials(url) })
    if (parsed.scheme !== 'rtsp')
      throw new ConfigError('ERR_CLIENT_SCHEME', `${parsed.scheme}:// is not supported; use rtsp://`, {
        observed: parsed.scheme,
        allowed: ['rtsp'],
      })
    const username = options.username ?? parsed.username
    const password = options.password ?? parsed.password ?? ''
    this.credentials = username !== undefined ? { username, password } : undefined
    this.currentUrl = stripCredentials(url)
    this.clock = options.clock ?? systemClock
    this.random = options.random ?? cryptoRandom
    this.registry = options.registry ?? createCodecRegistry()
    this.ssrc = this.random.u32() >>> 0
    this.cname = `rtspkit@${this.random.u32().toString(16)}`
    this.teaching = options.dialect === 'teaching'
    if (this.teaching && options.transport === 'tcp') {
      throw new ConfigError('ERR_CLIENT_TRANSPORT', 'the teaching dialect has RTP over UDP only', {
        observed: 'tcp',
        allowed: ['udp', 'auto'],
      })
    }
  }

  /** The dialect in use: 'teaching' once chosen or detected, else 'rtsp'. */
  get dialect(): 'rtsp' | 'teaching' {
    return this.teaching ? 'teaching' : 'rtsp'
  }

  /** The URL in use (after redirects), without credentials. */
  get url(): string {
    return this.currentUrl
  }

  /** The lower transport of the current session, once set up. */
  get transport(): 'udp' | 'tcp' | undefined {
    return this.mode
  }

  get tracks(): readonly ClientTrack[] {
    return this.description?.tracks ?? []
  }

  // ---- public operations ------------------------------------------------------------------------

  async options(): Promise<RtspResponse> {
    this.checkOpen()
    const res = await this.request('OPTIONS', this.currentUrl)
    if (!isOk(res)) throw statusError('OPTIONS', this.currentUrl, res)
    const pub = res.headers.get('Public')
    if (pub !== undefined) this.publicMethods = new Set(pub.split(',').map((m) => m.trim().toUpperCase()))
    return res
  }

  async describe(): Promise<ClientDescription> {
    this.checkOpen()
    if (!this.teaching && this.publicMethods === undefined) await this.probeOptions()
    if (this.teaching) {
      this.description = teachingDescription(this.currentUrl, this.registry)
      if (this.state === 'idle') this.state = 'ready'
      this.emit('tracks', this.description.tracks)
      return this.description
    }
    const maxRedirects = this.opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS
    for (let redirects = 0; ; redirects++) {
      const res = await this.request('DESCRIBE', this.currentUrl, new RtspHeaders({ Accept: 'application/sdp' }))
      const location = res.headers.get('Location')
      if (REDIRECT_STATUSES.has(res.statusCode) && location !== undefined) {
        if (redirects >= maxRedirects) {
          throw new ProtocolError('ERR_RTSP_REDIRECTS', `DESCRIBE ${this.currentUrl}: more than ${maxRedirects} redirects`, {
            observed: redirects + 1,
            allowed: maxRedirects,
          })
        }
        this.redirect(location)
        continue
      }
      if (!isOk(res)) throw statusError('DESCRIBE', this.currentUrl, res)
      this.description = describeResponse({ url: this.currentUrl, headers: res.headers, body: res.body, registry: this.registry })
      if (this.state === 'idle') this.state = 'ready'
      this.emit('tracks', this.description.tracks)
      return this.description
    }
  }

  /**
   * DESCRIBE (if not yet) and SETUP the tracks (all, or `tracks`) without playing: RFC 2326's Ready
   * state (appendix A.1). The session is kept alive until play(), close() or the server ends it.
   * Does nothing once set up (ready, playing or paused).
   */
  async setup(opts: { tracks?: number[] } = {}): Promise<void> {
    this.checkOpen()
    if (this.state === 'recording')
      throw new StateError('ERR_CLIENT_STATE', 'cannot set up playing while recording', { observed: this.state })
    if (this.setups.length > 0) {
      this.checkSameTracks(opts.tracks)
      return
    }
    const description = this.description ?? (await this.describe())
    const all = description.tracks.map((t) => t.index)
    const tracks = opts.tracks ?? all
    for (const i of tracks) {
      if (!all.includes(i)) throw new ConfigError('ERR_CLIENT_TRACK', `no track ${i}`, { observed: i, allowed: all })
    }
    this.playTracks = tracks
    const wanted = this.opts.transport ?? 'auto'
    try {
      await this.setupSession(wanted === 'tcp' ? 'tcp' : 'udp')
    } catch (err) {
      await this.dropSession(true) // a half set-up session is of no use; a retry starts afresh
      throw err
    }
    this.startKeepAlive()
  }

  /**
   * PLAY: after setup(), or after DESCRIBE and SETUP of the tracks (all, or `tracks`) when not set up
   * yet. After pause(), resumes.
   */
  async play(opts: { tracks?: number[] } = {}): Promise<void> {
    this.checkOpen()
    if (this.state === 'playing') return
    if (this.state === 'recording') throw new StateError('ERR_CLIENT_STATE', 'cannot play while recording', { observed: this.state })
    if (this.state === 'paused') {
      await this.sendPlay()
      return
    }
    await this.setup(opts)
    await this.startPlaying()
  }

  async pause(): Promise<void> {
    this.checkOpen()
    if (this.state !== 'playing')
      throw new StateError('ERR_CLIENT_STATE', `pause() needs a playing session, the client is ${this.state}`, {
        observed: this.state,
        allowed: 'playing',
      })
    const uri = this.aggregateUrl()
    const res = await this.controlRequest('PAUSE', uri)
    if (!isOk(res)) throw statusError('PAUSE', uri, res)
    this.state = 'paused'
    this.stopWatchdog()
  }

  /**
   * ANNOUNCE an SDP for `tracks`, SETUP each with mode=record (TCP unless transport is 'udp'), RECORD.
   * Frames pushed to the publisher are packetized like our server's and sent at once.
   */
  async record(tracks: readonly TrackInfo[]): Promise<ClientPublisher> {
    this.checkOpen()
    if (this.state !== 'idle')
      throw new StateError('ERR_CLIENT_STATE', `record() needs a fresh client, this one is ${this.state}`, {
        observed: this.state,
        allowed: 'idle',
      })
    const plan = planPublishTracks(tracks, this.random, this.opts.maxPacketSize)
    const conn = await this.connection()
    const sdp = publishSdp(plan, {
      origin: conn.localAddress.replace(/^::ffff:/, '') || '127.0.0.1',
      sessionName: 'rtspkit',
      tool: this.userAgent,
    })
    const url = this.currentUrl
    const announced = await this.request('ANNOUNCE', url, new RtspHeaders({ 'Content-Type': 'application/sdp' }), Buffer.from(sdp))
    if (!isOk(announced)) throw statusError('ANNOUNCE', url, announced)
    this.mode = this.opts.transport === 'udp' ? 'udp' : 'tcp'
    const session = new RecordSession(tracks, plan, this.clock, this.cname, this.opts.rtcpIntervalMs ?? DEFAULT_RTCP_INTERVAL_MS, () =>
      this.close(),
    )
    const transports: TrackTransport[] = []
    const ignore: TrackSink = { onRtp() {}, onRtcp() {} } // receiver reports about our stream: not used yet
    try {
      for (let i = 0; i < plan.length; i++) {
        transports.push(await this.setupOne(resolveControl(url, session.controls[i]), i, this.mode, ignore, 'record'))
      }
      const res = await this.request('RECORD', url, new RtspHeaders({ Range: 'npt=0.000-' }))
      if (!isOk(res)) throw statusError('RECORD', url, res)
    } catch (err) {
      for (const t of transports) t.close()
      throw err
    }
    this.setups = transports.map((transport) => ({ track: undefined, transport }))
    this.publisher = session
    session.start(transports)
    this.state = 'recording'
    this.startKeepAlive()
    return session
  }

  /** Per played track, by track index. */
  stats(): (ClientTrackStats & { track: number })[] {
    return [...this.receivers.entries()].map(([track, r]) => ({ track, ...r.stats() }))
  }

  /** TEARDOWN (best effort, short timeout), then every socket and timer released. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown(undefined)
    return this.closing
  }

  // ---- requests ---------------------------------------------------------------------------------

  private get userAgent(): string {
    return this.opts.userAgent ?? DEFAULT_USER_AGENT
  }

  private checkOpen(): void {
    if (this.closing) throw new StateError('ERR_CLIENT_CLOSED', 'the client is closed', { observed: 'closed' })
  }

  /**
   * OPTIONS before DESCRIBE. With dialect 'auto', a server silent for dialectProbeMs is the teaching
   * project's: the connection (with the unanswered OPTIONS on it) is dropped and the dialect switched.
   */
  private async probeOptions(): Promise<void> {
    const answered = this.options().then(
      () => true,
      (err) => {
        this.ignoreUnlessAuth(err)
        return true
      },
    )
    if ((this.opts.dialect ?? 'auto') !== 'auto') {
      await answered
      return
    }
    let timer: NodeJS.Timeout | undefined
    const silent = new Promise<false>(
      (resolve) => (timer = setTimeout(() => resolve(false), this.opts.dialectProbeMs ?? TEACHING_PROBE_MS)),
    )
    const outcome = await Promise.race([answered, silent])
    clearTimeout(timer)
    if (outcome) return
    answered.catch(() => undefined) // rejected by the close below
    this.conn?.close()
    this.conn = undefined
    this.teaching = true
    this.emit('dialect', 'teaching')
  }

  /** PLAY, PAUSE and TEARDOWN; in the teaching dialect written as its client writes them. */
  private async controlRequest(method: TeachingMethod, uri: string, headers?: RtspHeaders): Promise<RtspResponse> {
    if (!this.teaching) return this.request(method, uri, headers)
    const conn = await this.connection()
    const session = this.sessionId ?? '0'
    return conn.requestRaw(method, uri, (cseq) => formatTeachingRequest(method, teachingFileName(this.currentUrl), cseq, { session }))
  }

  /** An OPTIONS failure before DESCRIBE is not fatal, unless it is about credentials. */
  private ignoreUnlessAuth(err: unknown): void {
    if (err instanceof AuthError || !(err instanceof RtspkitError) || this.closing) throw err
  }

  private connection(): Promise<ClientConnection> {
    if (this.conn && !this.conn.isClosed) return Promise.resolve(this.conn)
    this.connecting ??= (async () => {
      const u = parseRtspUrl(this.currentUrl)
      const conn = await ClientConnection.connect({
        host: u.host.replace(/^\[|\]$/g, ''),
        port: u.port ?? DEFAULT_RTSP_PORT,
        localAddress: this.opts.localAddress,
        timeoutMs: this.opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        onDialogue: this.opts.onDialogue,
        onInterleaved: (channel, payload) => this.router.dispatch(channel, payload),
        onClose: (err) => this.onConnectionLost(conn, err),
      })
      if (this.closing) {
        conn.close()
        throw new StateError('ERR_CLIENT_CLOSED', 'the client is closed', {})
      }
      this.conn = conn
      return conn
    })().finally(() => (this.connecting = undefined))
    return this.connecting
  }

  /**
   * Sends a request, answering 401 challenges: once with fresh credentials, and again only for a
   * stale nonce. Resolves with any other response, whatever its status.
   */
  private async request(method: string, uri: string, headers: RtspHeaders = new RtspHeaders(), body?: Buffer): Promise<RtspResponse> {
    let staleRetries = 0
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection()
      const h = headers.clone()
      h.set('User-Agent', this.userAgent)
      if (this.sessionId !== undefined && method !== 'DESCRIBE' && method !== 'ANNOUNCE') h.set('Session', this.sessionId)
      const authorization = this.auth?.authorization(method, uri)
      if (authorization !== undefined) h.set('Authorization', authorization)
      const res = await conn.request(method, uri, h, body)
      if (res.statusCode !== 401) return res
      if (!this.credentials) {
        throw new AuthError('ERR_AUTH_REQUIRED', `${method} ${uri} failed: 401 ${res.reason} (no credentials given)`, {
          status: 401,
          reason: res.reason,
          method,
        })
      }
      const challenges = res.headers.getAll('WWW-Authenticate')
      if (challenges.length === 0) {
        throw new AuthError('ERR_AUTH_NO_CHALLENGE', `${method} ${uri} failed: 401 ${res.reason} without WWW-Authenticate`, {
          status: 401,
          reason: res.reason,
          method,
        })
      }
      this.auth ??= new ClientAuthenticator(this.credentials, this.random)
      const outcome = this.auth.handleChallenges(challenges)
      // One retry per request: the first 401, or a 401 on a new connection whose nonce we do not know yet.
      const retry = attempt === 0 || (outcome.stale && staleRetries++ < MAX_STALE_RETRIES)
      if (!retry) {
        throw new AuthError('ERR_AUTH_REJECTED', `${method} ${uri} failed: 401 ${res.reason} (credentials rejected)`, {
          status: 401,
          reason: res.reason,
          method,
          scheme: outcome.scheme,
        })
      }
    }
  }

  private redirect(location: string): void {
    const target = parseRtspUrl(location)
    if (target.host === '') {
      throw new ProtocolError('ERR_RTSP_REDIRECT', `redirect to a relative location ${location} is not supported`, { observed: location })
    }
    const sameServer = (u: string) => {
      const p = parseRtspUrl(u)
      return `${p.host}:${p.port ?? DEFAULT_RTSP_PORT}`
    }
    if (sameServer(location) !== sameServer(this.currentUrl)) {
      this.conn?.close()
      this.conn = undefined
      this.auth = undefined // a new server challenges anew
      this.publicMethods = undefined
    }
    this.currentUrl = stripCredentials(location)
  }

  private aggregateUrl(): string {
    return this.description?.aggregateControl ?? this.currentUrl
  }

  // ---- play ---------------------------------------------------------------------------------------

  private async setupAndPlay(mode: 'udp' | 'tcp'): Promise<void> {
    await this.setupSession(mode)
    await this.startPlaying()
  }

  /** SETUP of the chosen tracks; with transport 'auto', a 461 to a UDP SETUP starts over on TCP. */
  private async setupSession(mode: 'udp' | 'tcp'): Promise<void> {
    if (this.teaching) {
      await this.setupTracks('udp')
      return
    }
    try {
      await this.setupTracks(mode)
    } catch (err) {
      const unsupported = err instanceof ProtocolError && err.details['status'] === 461
      if (!(unsupported && mode === 'udp' && (this.opts.transport ?? 'auto') === 'auto')) throw err
      await this.dropSession(false)
      await this.setupTracks('tcp')
    }
  }

  private async startPlaying(): Promise<void> {
    await this.sendPlay()
    if (!this.teaching && this.mode === 'udp' && (this.opts.transport ?? 'auto') === 'auto') this.armUdpFallback()
  }

  /** Once set up, the tracks cannot change without a new session. */
  private checkSameTracks(tracks: number[] | undefined): void {
    if (tracks === undefined || (tracks.length === this.playTracks.length && tracks.every((t, i) => t === this.playTracks[i]))) return
    throw new StateError('ERR_CLIENT_STATE', `the session is set up with tracks ${this.playTracks.join(', ')}, not ${tracks.join(', ')}`, {
      observed: tracks,
      allowed: this.playTracks,
    })
  }

  private async setupTracks(mode: 'udp' | 'tcp'): Promise<void> {
    const tracks = this.description!.tracks
    for (const index of this.playTracks) {
      const track = tracks[index]!
      let receiver = this.receivers.get(index)
      if (!receiver) {
        receiver = new TrackReceiver({
          track,
          clock: this.clock,
          ssrc: this.ssrc,
          cname: this.cname,
          waitForKeyframe: this.opts.waitForKeyframe ?? true,
          events: {
            onFrame: (f) => this.emit('frame', f),
            onRtp: (i, p) => this.emit('rtp', i, p),
            onRtcp: (i, p) => {
              this.emit('rtcp', i, p)
              if (p.some((x) => x instanceof RtcpGoodbye)) this.onGoodbye(i)
            },
            onWarning: (e) => this.emit('warning', e),
          },
        })
        this.receivers.set(index, receiver)
      }
      const transport = await this.setupOne(track.control, this.setups.length, mode, receiver, 'play')
      this.setups.push({ track, transport })
    }
    if (this.mode !== mode) {
      this.mode = mode
      this.emit('transport', mode)
    }
  }

  /** One SETUP; on success the transport is connected to `sink`. */
  private async setupOne(
    uri: string,
    ordinal: number,
    mode: 'udp' | 'tcp',
    sink: TrackSink,
    purpose: 'play' | 'record',
  ): Promise<TrackTransport> {
    const base = {
      protocol: mode === 'tcp' ? 'RTP/AVP/TCP' : 'RTP/AVP',
      delivery: 'unicast' as const,
      ...(purpose === 'record' ? { mode: 'record' } : {}),
    }
    let udp: UdpTrackTransport | undefined
    let spec: Partial<TransportSpec> & { protocol: string }
    if (mode === 'udp') {
      const conn = await this.connection()
      udp = await UdpTrackTransport.open(conn.remoteAddress.replace(/^::ffff:/, ''), this.opts.localAddress, this.portHint++)
      spec = { ...base, clientPort: udp.clientPorts }
    } else {
      spec = { ...base, interleaved: [ordinal * 2, ordinal * 2 + 1] }
    }
    try {
      const res =
        this.teaching && udp
          ? await (
              await this.connection()
            ).requestRaw('SETUP', uri, (cseq) =>
              formatTeachingRequest('SETUP', teachingFileName(this.currentUrl), cseq, { rtpPort: udp.clientPorts[0] }),
            )
          : await this.request('SETUP', uri, new RtspHeaders({ Transport: formatTransport(spec) }))
      if (!isOk(res)) throw statusError('SETUP', uri, res)
      const sessionHeader = res.headers.get('Session')
      if (sessionHeader !== undefined) {
        const s = parseSession(sessionHeader)
        this.sessionId = s.id
        if (s.timeout !== undefined && s.timeout > 0) this.sessionTimeoutS = s.timeout
      } else if (this.sessionId === undefined) {
        throw new ProtocolError('ERR_RTSP_NO_SESSION', `SETUP ${uri}: the answer has no Session header`, { observed: undefined })
      }
      const replyHeader = res.headers.get('Transport')
      const reply = replyHeader !== undefined ? parseTransport(replyHeader)[0] : undefined
      if (udp) {
        udp.connect(reply?.serverPort, this.teaching ? teachingSink(sink) : sink)
        return udp
      }
      const channels = reply?.interleaved ?? spec.interleaved!
      const conn = await this.connection()
      const t = new InterleavedTrackTransport(conn, channels[0], channels[1])
      this.router.add(t, sink)
      return t
    } catch (err) {
      udp?.close()
      throw err
    }
  }

  private async sendPlay(): Promise<void> {
    const uri = this.aggregateUrl()
    const res = await this.controlRequest('PLAY', uri, new RtspHeaders(this.state === 'paused' ? {} : { Range: 'npt=0.000-' }))
    if (!isOk(res)) throw statusError('PLAY', uri, res)
    this.state = 'playing'
    this.playStartedMs = this.clock.monoMs()
    this.startKeepAlive()
    this.startReceiverReports()
    this.startWatchdog()
  }

  /** Ends the current session's transports (TEARDOWN when asked) and forgets it; receivers stay. */
  private async dropSession(teardown: boolean): Promise<void> {
    this.stopTimers()
    if (teardown && this.sessionId !== undefined && this.conn && !this.conn.isClosed) await this.teardownQuietly()
    for (const s of this.setups) s.transport.close()
    this.setups = []
    this.router.clear()
    this.sessionId = undefined
  }

  private async teardownQuietly(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, TEARDOWN_TIMEOUT_MS)))
    await Promise.race([this.controlRequest('TEARDOWN', this.aggregateUrl()).catch(() => undefined), limit])
    clearTimeout(timer)
  }

  /** auto: no RTP within udpTimeoutMs of PLAY → start over on TCP, on a new connection. */
  private armUdpFallback(): void {
    const timeout = this.opts.udpTimeoutMs ?? DEFAULT_UDP_TIMEOUT_MS
    const check = setTimeout(() => {
      if (this.closing || this.state !== 'playing' || this.mode !== 'udp') return
      if ([...this.receivers.values()].some((r) => r.lastPacketMs !== undefined)) return
      void this.restartOn('tcp').catch((err) => this.fail(asRtspkitError(err)))
    }, timeout)
    check.unref()
    this.watchdogExtras.push(check)
  }

  private async restartOn(mode: 'udp' | 'tcp'): Promise<void> {
    await this.dropSession(true)
    this.conn?.close()
    this.conn = undefined
    await this.setupTracks(mode)
    await this.sendPlay()
  }

  // ---- timers ---------------------------------------------------------------------------------

  private startKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer)
    if (this.teaching) return // its server knows no keep-alive request and never times a session out
    const period = Math.max(MIN_KEEPALIVE_MS, (this.sessionTimeoutS * MS_PER_SECOND) / 2)
    this.keepAliveTimer = setInterval(() => void this.keepAlive(), period)
    this.keepAliveTimer.unref()
  }

  /** GET_PARAMETER when the server lists it, else OPTIONS (RFC 2326 10.8 and 12.37); answers do not matter. */
  private async keepAlive(): Promise<void> {
    const useGet = this.publicMethods?.has('GET_PARAMETER') ?? false
    const method = useGet ? 'GET_PARAMETER' : 'OPTIONS'
    try {
      const res = await this.request(method, method === 'OPTIONS' ? this.currentUrl : this.aggregateUrl())
      if (!isOk(res) && useGet) this.publicMethods?.delete('GET_PARAMETER')
    } catch {
      // A dead connection shows as its close or the read timeout, not here.
    }
  }

  private startReceiverReports(): void {
    if (this.rtcpTimer) clearInterval(this.rtcpTimer)
    this.rtcpTimer = setInterval(() => this.sendReceiverReports(false), this.opts.rtcpIntervalMs ?? DEFAULT_RTCP_INTERVAL_MS)
    this.rtcpTimer.unref()
  }

  private sendReceiverReports(bye: boolean): void {
    for (const s of this.setups) {
      const report = s.track && this.receivers.get(s.track.index)?.report(bye)
      if (report) s.transport.sendRtcp(report)
    }
  }

  /** While playing: no RTP on any track for readTimeoutMs is a lost connection. */
  private startWatchdog(): void {
    this.stopWatchdog()
    const limit = this.opts.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS
    this.watchdogTimer = setInterval(
      () => {
        if (this.state !== 'playing' || this.reconnecting) return
        const now = this.clock.monoMs()
        const last = Math.max(this.playStartedMs, ...[...this.receivers.values()].map((r) => r.lastPacketMs ?? 0))
        if (this.teaching && last > this.playStartedMs && now - last > TEACHING_END_SILENCE_MS) {
          void this.close() // the end of its file
          return
        }
        if (now - last > limit) {
          this.onConnectionLost(
            this.conn,
            new ProtocolError('ERR_RTSP_READ_TIMEOUT', `no RTP for ${limit} ms from ${this.currentUrl}`, {
              observed: now - last,
              allowed: limit,
            }),
          )
        }
      },
      Math.min(WATCHDOG_PERIOD_MS, limit),
    )
    this.watchdogTimer.unref()
  }

  private stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer)
    this.watchdogTimer = undefined
    for (const t of this.watchdogExtras) clearTimeout(t)
    this.watchdogExtras = []
  }

  private stopTimers(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer)
    if (this.rtcpTimer) clearInterval(this.rtcpTimer)
    this.keepAliveTimer = undefined
    this.rtcpTimer = undefined
    this.stopWatchdog()
  }

  // ---- failures and reconnection ------------------------------------------------------------------

  private onConnectionLost(conn: ClientConnection | undefined, err: RtspkitError): void {
    if (this.closing || (conn !== undefined && conn !== this.conn)) return
    const reconnect = this.opts.reconnect
    if (reconnect && (this.state === 'playing' || this.reconnecting)) {
      void this.reconnectLoop(err)
      return
    }
    // Between requests (idle, ready, paused without a session…) a closed connection is not an error.
    if (this.state === 'idle' || this.state === 'ready') {
      this.conn = undefined
      return
    }
    this.fail(err)
  }

  /**
   * RTCP BYE (RFC 3550 §6.6): the server's source on that track has left. Once every played track
   * has, the stream is over — the client closes without an error, unless it reconnects.
   */
  private onGoodbye(track: number): void {
    this.tracksEnded.add(track)
    // With reconnect, the stream may come back (a server restarting says BYE first): the lost
    // connection, or the read timeout, starts the reconnect loop as usual.
    if (this.state !== 'playing' || this.closing || this.opts.reconnect) return
    if (this.playTracks.every((t) => this.tracksEnded.has(t))) this.closing = this.shutdown(undefined)
  }

  private fail(err: RtspkitError): void {
    if (this.closing) return
    if (this.listenerCount('error') > 0) this.emit('error', err)
    this.closing = this.shutdown(err)
  }

  private async reconnectLoop(first: RtspkitError): Promise<void> {
    if (this.reconnecting) return
    this.reconnecting = true
    const cfg = typeof this.opts.reconnect === 'object' ? this.opts.reconnect : {}
    let delay = cfg.initialDelayMs ?? DEFAULT_RECONNECT_INITIAL_MS
    const maxDelay = cfg.maxDelayMs ?? DEFAULT_RECONNECT_MAX_MS
    let error = first
    for (let attempt = 1; !this.closing; attempt++) {
      await this.dropSession(false)
      this.conn?.close()
      this.conn = undefined
      this.emit('reconnecting', { attempt, delayMs: delay, error })
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay)
        this.wakeReconnect = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.wakeReconnect = undefined
      if (this.closing) return
      try {
        await this.describe()
        for (const r of this.receivers.values()) r.reset()
        this.state = 'ready'
        await this.setupAndPlay(this.mode ?? 'udp')
        this.reconnecting = false
        this.emit('reconnected')
        return
      } catch (err) {
        error = asRtspkitError(err)
        delay = Math.min(delay * 2, maxDelay)
      }
    }
  }

  private async shutdown(err: RtspkitError | undefined): Promise<void> {
    this.wakeReconnect?.()
    this.publisher?.stop()
    this.sendReceiverReports(true)
    await this.dropSession(err === undefined)
    this.conn?.close()
    this.conn = undefined
    for (const r of this.receivers.values()) r.close()
    this.state = 'closed'
    this.emit('close', err)
  }
}

function isOk(res: RtspResponse): boolean {
  return res.statusCode >= 200 && res.statusCode < 300
}
