/**
 * RTSP 1.0 client (RFC 2326), after gortsplib's client.go: DESCRIBE → SETUP per track (one aggregate
 * session) → PLAY, or ANNOUNCE → SETUP mode=record → RECORD; keep-alive at half the session timeout
 * (section 12.37); RTP over UDP or interleaved on the connection; RTCP receiver or sender reports.
 *
 * The façade: it holds the state (idle → ready → playing ⇄ paused, or recording; then closed) and
 * decides what comes next. The work is done in its rooms: RequestChannel (the connection, headers,
 * 401 answers, redirects), PlaySession (SETUP, PLAY/PAUSE/TEARDOWN, receivers, udp/tcp), Liveness
 * (keep-alive, RTCP reports, read timeout, UDP check), Reconnector (backoff) and a DialectStrategy
 * (client-dialect.ts: RFC 2326, or the RTSP/RTP teaching project's server).
 *
 * Behaviour worth knowing:
 *  - transport 'auto' tries UDP; a 461 to SETUP, or no RTP within `udpTimeoutMs` of PLAY, switches to
 *    TCP (on a new connection: some servers bind a session's transport to its connection).
 *  - Credentials come from the options or the URL's userinfo, and never appear in a request URI.
 *  - With `reconnect`, a lost connection or `readTimeoutMs` without RTP while playing reconnects with
 *    exponential backoff ('reconnecting', then 'reconnected'); frames keep increasing ptsMs.
 *  - 'error' is emitted only when someone listens; 'close' always comes last, with the error if any.
 *  - dialect 'auto' (the default) takes a server silent to OPTIONS for TEACHING_PROBE_MS for the
 *    teaching project's ('dialect' event) and speaks its dialect from then on (teaching-dialect.ts).
 */
import { EventEmitter } from 'node:events'
import { createCodecRegistry, type CodecRegistry } from '../codecs/registry.js'
import { StateError, type RtspkitError } from '../errors.js'
import { RtspHeaders } from '../rtsp/headers.js'
import type { RtspResponse } from '../rtsp/message.js'
import type { TrackInfo } from '../sources/source.js'
import { systemClock, type Clock } from '../util/clock.js'
import { cryptoRandom, type Random } from '../util/random.js'
import type { ClientConnection } from './client-connection.js'
import { createDialect, type DialectContext, type DialectStrategy } from './client-dialect.js'
import { asRtspkitError, isOk, statusError } from './client-errors.js'
import { resolveControl, type ClientDescription, type ClientTrack } from './description.js'
import { Liveness } from './liveness.js'
import { PlaySession } from './play-session.js'
import { ClientSrtp } from './srtp-track.js'
import { DEFAULT_RTCP_INTERVAL_MS, RecordSession, planPublishTracks, publishSdp, type ClientPublisher } from './publisher.js'
import { Reconnector } from './reconnect.js'
import { clientUrl, RequestChannel } from './request-channel.js'
import {
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_USER_AGENT,
  type RtspClientEvents,
  type RtspClientOptions,
  type LowerMode,
} from './rtsp-client-options.js'
import type { ClientTrackStats } from './track-receiver.js'

// Options, events and defaults were declared here first: importers of this module keep finding them here.
export * from './rtsp-client-options.js'
export { statusError } from './client-errors.js'

type ClientState = 'idle' | 'ready' | 'playing' | 'paused' | 'recording' | 'closed'

export class RtspClient extends EventEmitter<RtspClientEvents> {
  private readonly opts: RtspClientOptions
  private readonly clock: Clock
  private readonly random: Random
  private readonly cname: string
  private readonly channel: RequestChannel
  private readonly liveness: Liveness
  private readonly session: PlaySession
  private readonly reconnector: Reconnector
  private readonly dialectContext: DialectContext
  private speaking: DialectStrategy
  private description: ClientDescription | undefined
  private state: ClientState = 'idle'
  private publisher: RecordSession | undefined
  private closing: Promise<void> | undefined

  constructor(url: string, options: RtspClientOptions = {}) {
    super()
    this.opts = options
    const target = clientUrl(url, options.username, options.password)
    this.clock = options.clock ?? systemClock
    this.random = options.random ?? cryptoRandom
    const registry: CodecRegistry = options.registry ?? createCodecRegistry()
    const ssrc = this.random.u32() >>> 0
    this.cname = `rtspkit@${this.random.u32().toString(16)}`
    this.speaking = createDialect(options.dialect, options.transport, options.dialectProbeMs)
    const isClosing = () => this.closing !== undefined
    this.channel = new RequestChannel({
      ...target,
      random: this.random,
      userAgent: this.userAgent,
      localAddress: options.localAddress,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      onDialogue: options.onDialogue,
      onInterleaved: (channel, payload) => this.session.dispatch(channel, payload),
      onClose: (conn, err) => this.onConnectionLost(conn, err),
      tls: options.tls,
      tunnel: options.transport === 'http' ? 'on' : (options.transport ?? 'auto') === 'auto' ? 'fallback' : 'off',
      onTunnelled: () => this.emit('tunnelled'),
      isClosing,
    })
    this.liveness = new Liveness({
      clock: this.clock,
      channel: this.channel,
      aggregateUrl: () => this.aggregateUrl(),
      sessionTimeoutS: () => this.session.timeoutS,
      keepsAlive: () => this.speaking.keepsAlive,
      limits: options,
    })
    this.session = new PlaySession({
      channel: this.channel,
      liveness: this.liveness,
      dialect: () => this.speaking,
      tracks: () => this.tracks,
      aggregateUrl: () => this.aggregateUrl(),
      options,
      clock: this.clock,
      ssrc,
      cname: this.cname,
      events: this,
      onGoodbye: () => this.onGoodbye(),
    })
    this.reconnector = new Reconnector(
      {
        isClosing,
        reset: () => this.session.leave(false),
        attempt: async () => {
          await this.describe()
          this.session.resetReceivers()
          this.state = 'ready'
          await this.session.setupSession(this.session.mode ?? 'udp')
          await this.startPlaying()
        },
        onReconnecting: (ev) => this.emit('reconnecting', ev),
        onReconnected: () => this.emit('reconnected'),
      },
      typeof options.reconnect === 'object' ? options.reconnect : {},
    )
    this.dialectContext = { channel: this.channel, registry, maxRedirects: options.maxRedirects ?? DEFAULT_MAX_REDIRECTS, isClosing }
  }

  /** The dialect in use: 'teaching' once chosen or detected, else 'rtsp'. */
  get dialect(): 'rtsp' | 'teaching' {
    return this.speaking.name
  }

  /** The URL in use (after redirects), without credentials. */
  get url(): string {
    return this.channel.url
  }

  /** The lower transport of the current session, once set up. */
  get transport(): LowerMode | undefined {
    return this.session.mode
  }

  get tracks(): readonly ClientTrack[] {
    return this.description?.tracks ?? []
  }

  // ---- public operations ------------------------------------------------------------------------

  async options(): Promise<RtspResponse> {
    this.checkOpen()
    return this.channel.options()
  }

  async describe(): Promise<ClientDescription> {
    this.checkOpen()
    const detected = await this.speaking.negotiate(this.dialectContext)
    if (detected) {
      this.speaking = detected
      this.emit('dialect', detected.name)
    }
    this.description = await this.speaking.describe(this.dialectContext)
    if (this.state === 'idle') this.state = 'ready'
    this.emit('tracks', this.description.tracks)
    return this.description
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
    if (this.session.isSetUp) {
      this.session.checkSameTracks(opts.tracks)
      return
    }
    if (!this.description) await this.describe()
    await this.session.setUp(opts.tracks)
    this.liveness.startKeepAlive()
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
    await this.session.pause()
    this.state = 'paused'
    this.liveness.stopWatchdog()
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
    const conn = await this.channel.connection()
    const srtp = this.opts.srtp === true ? plan.map((t) => new ClientSrtp(t.media.ssrc, this.clock, undefined)) : undefined
    const sdp = publishSdp(plan, {
      origin: conn.localAddress.replace(/^::ffff:/, '') || '127.0.0.1',
      sessionName: 'rtspkit',
      tool: this.userAgent,
      ...(srtp ? { keyMgmt: srtp.map((s) => s.keyMgmtAttribute) } : {}),
    })
    const url = this.channel.url
    const announced = await this.channel.request('ANNOUNCE', url, new RtspHeaders({ 'Content-Type': 'application/sdp' }), Buffer.from(sdp))
    if (!isOk(announced)) throw statusError('ANNOUNCE', url, announced)
    const intervalMs = this.opts.rtcpIntervalMs ?? DEFAULT_RTCP_INTERVAL_MS
    const session = new RecordSession(tracks, plan, this.clock, this.cname, intervalMs, () => this.close())
    const uris = plan.map((_, i) => resolveControl(url, session.controls[i]))
    const transports = await this.session.setUpRecording(
      uris,
      this.opts.transport === 'udp' ? 'udp' : 'tcp',
      async () => {
        const res = await this.channel.request('RECORD', url, new RtspHeaders({ Range: 'npt=0.000-' }))
        if (!isOk(res)) throw statusError('RECORD', url, res)
      },
      srtp,
    )
    this.publisher = session
    session.start(transports)
    this.state = 'recording'
    this.liveness.startKeepAlive()
    return session
  }

  /** Per played track, by track index. */
  stats(): (ClientTrackStats & { track: number })[] {
    return this.session.stats()
  }

  /** TEARDOWN (best effort, short timeout), then every socket and timer released. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown(undefined)
    return this.closing
  }

  // ---- play ---------------------------------------------------------------------------------------

  private get userAgent(): string {
    return this.opts.userAgent ?? DEFAULT_USER_AGENT
  }

  private checkOpen(): void {
    if (this.closing) throw new StateError('ERR_CLIENT_CLOSED', 'the client is closed', { observed: 'closed' })
  }

  private aggregateUrl(): string {
    return this.description?.aggregateControl ?? this.channel.url
  }

  /** PLAY; with transport 'auto' on UDP, no RTP within udpTimeoutMs starts over on TCP. */
  private async startPlaying(): Promise<void> {
    await this.sendPlay()
    if (this.session.mayFallBack) this.liveness.armUdpCheck(() => this.checkUdp())
  }

  private checkUdp(): void {
    if (this.closing || this.state !== 'playing' || this.session.mode !== 'udp' || this.session.receivedAny()) return
    void this.session
      .moveTo('tcp', () => this.describe())
      .then(() => this.sendPlay())
      .catch((err) => this.fail(asRtspkitError(err)))
  }

  private async sendPlay(): Promise<void> {
    await this.session.play(this.state === 'paused')
    this.state = 'playing'
    this.liveness.startKeepAlive()
    this.liveness.startReports(() => this.session.sendReports(false))
    this.liveness.startWatchdog({
      active: () => this.state === 'playing' && !this.reconnector.active,
      lastPacketMs: () => this.session.lastPacketMs(),
      endSilenceMs: this.speaking.endSilenceMs,
      onEnd: () => void this.close(), // the end of a stream that does not loop
      onReadTimeout: (err) => this.onConnectionLost(undefined, err),
    })
  }

  // ---- failures and reconnection ------------------------------------------------------------------

  /** `conn` undefined: whichever connection is in use (the read timeout). */
  private onConnectionLost(conn: ClientConnection | undefined, err: RtspkitError): void {
    if (this.closing || !this.channel.isCurrent(conn)) return
    if (this.opts.reconnect && (this.state === 'playing' || this.reconnector.active)) {
      void this.reconnector.run(err)
      return
    }
    // Between requests (idle, ready, paused without a session…) a closed connection is not an error.
    if (this.state === 'idle' || this.state === 'ready') {
      this.channel.closeConnection()
      return
    }
    this.fail(err)
  }

  /**
   * RTCP BYE (RFC 3550 §6.6): the server's source on that track has left. Once every played track
   * has, the stream is over — the client closes without an error, unless it reconnects.
   */
  private onGoodbye(): void {
    // With reconnect, the stream may come back (a server restarting says BYE first): the lost
    // connection, or the read timeout, starts the reconnect loop as usual.
    if (this.state !== 'playing' || this.closing || this.opts.reconnect) return
    if (this.session.allEnded()) this.closing = this.shutdown(undefined)
  }

  private fail(err: RtspkitError): void {
    if (this.closing) return
    if (this.listenerCount('error') > 0) this.emit('error', err)
    this.closing = this.shutdown(err)
  }

  private async shutdown(err: RtspkitError | undefined): Promise<void> {
    this.reconnector.wake()
    this.publisher?.stop()
    this.session.sendReports(true)
    await this.session.leave(err === undefined)
    this.session.closeReceivers()
    this.state = 'closed'
    this.emit('close', err)
  }
}
