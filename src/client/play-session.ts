/**
 * The client's RTSP session (RFC 2326 appendix A.1): the SETUP of each track (one aggregate session),
 * its transports, PLAY, PAUSE and TEARDOWN, and a TrackReceiver per played track. Recording sets its
 * tracks up here too (SETUP mode=record), so that one TEARDOWN and one drop() end either kind.
 *
 * Transport choice: 'udp' and 'tcp' are what they say; 'auto' sets up UDP first and, when the dialect
 * allows it, moves to TCP after a 461 to SETUP (at once) or after no RTP within udpTimeoutMs of PLAY
 * (the client decides when, with moveTo(), on a new connection: some servers bind a session's
 * transport to its connection).
 */
import { RtcpGoodbye } from '../rtcp/goodbye.js'
import { ConfigError, ProtocolError, StateError } from '../errors.js'
import { parseSession } from '../rtsp/headers/session.js'
import { parseTransport } from '../rtsp/headers/transport.js'
import { RtspHeaders } from '../rtsp/headers.js'
import type { Clock } from '../util/clock.js'
import type { ControlMethod, DialectStrategy, SetupTransport } from './client-dialect.js'
import { isOk, statusError } from './client-errors.js'
import { ClientSrtp, isSavpMedia } from './srtp-track.js'
import {
  ChannelRouter,
  InterleavedTrackTransport,
  MulticastTrackTransport,
  UdpTrackTransport,
  type TrackSink,
  type TrackTransport,
} from './client-transport.js'
import type { ClientTrack } from './description.js'
import type { Liveness } from './liveness.js'
import type { RequestChannel } from './request-channel.js'
import type { ClientTransportMode, RtspClientEvents, RtspClientOptions, LowerMode } from './rtsp-client-options.js'
import { TrackReceiver, type ClientTrackStats } from './track-receiver.js'

/** RFC 2326 12.37: "the default is 60 seconds". */
const DEFAULT_SESSION_TIMEOUT_S = 60
const TEARDOWN_TIMEOUT_MS = 1000

export interface PlaySessionOptions {
  channel: RequestChannel
  /** Its timers stop whenever the session is dropped. */
  liveness: Liveness
  /** The dialect in use (it may change once, when detected). */
  dialect: () => DialectStrategy
  /** The tracks on offer, as last described. */
  tracks: () => readonly ClientTrack[]
  /** Where PLAY, PAUSE and TEARDOWN go. */
  aggregateUrl: () => string
  /** transport (see above; default 'auto'), waitForKeyframe (default true), localAddress (for the UDP sockets). */
  options: Pick<RtspClientOptions, 'transport' | 'waitForKeyframe' | 'localAddress'>
  clock: Clock
  ssrc: number
  cname: string
  /** The client, which re-emits what the tracks receive, and the transport in use. */
  events: { emit<K extends keyof RtspClientEvents>(event: K, ...args: RtspClientEvents[K]): boolean }
  /** A played track's sender said RTCP BYE. */
  onGoodbye: () => void
}

interface TrackSetup {
  /** The played track; undefined for a recorded one. */
  track: ClientTrack | undefined
  transport: TrackTransport
}

export class PlaySession {
  private readonly opts: PlaySessionOptions
  private readonly router = new ChannelRouter()
  private readonly receivers = new Map<number, TrackReceiver>()
  /** Played tracks whose sender said BYE. */
  private readonly tracksEnded = new Set<number>()
  private readonly transport: ClientTransportMode
  private setups: TrackSetup[] = []
  private playTracks: number[] = []
  private currentMode: LowerMode | undefined
  private sessionTimeoutS = DEFAULT_SESSION_TIMEOUT_S
  private portHint = 0

  constructor(opts: PlaySessionOptions) {
    this.opts = opts
    this.transport = opts.options.transport ?? 'auto'
  }

  /** The lower transport of the current (or last) session. */
  get mode(): LowerMode | undefined {
    return this.currentMode
  }

  /** What the server's Session header said, else RFC 2326's default. */
  get timeoutS(): number {
    return this.sessionTimeoutS
  }

  get isSetUp(): boolean {
    return this.setups.length > 0
  }

  /** Whether the session may still move to TCP for want of RTP over UDP. */
  get mayFallBack(): boolean {
    return this.currentMode === 'udp' && this.fallsBackFrom('udp')
  }

  /** Interleaved frames of the connection, to the tracks by channel. */
  dispatch(channel: number, payload: Buffer): void {
    this.router.dispatch(channel, payload)
  }

  /** Once set up, the tracks cannot change without a new session. */
  checkSameTracks(tracks: number[] | undefined): void {
    const set = this.playTracks
    if (tracks === undefined || (tracks.length === set.length && tracks.every((t, i) => t === set[i]))) return
    throw new StateError('ERR_CLIENT_STATE', `the session is set up with tracks ${set.join(', ')}, not ${tracks.join(', ')}`, {
      observed: tracks,
      allowed: set,
    })
  }

  /** SETUP of the `wanted` tracks (default: all); a half set-up session is torn down (a retry starts afresh). */
  async setUp(wanted: number[] | undefined): Promise<void> {
    const all = this.opts.tracks().map((t) => t.index)
    const chosen = wanted ?? all
    for (const i of chosen) {
      if (!all.includes(i)) throw new ConfigError('ERR_CLIENT_TRACK', `no track ${i}`, { observed: i, allowed: all })
    }
    this.playTracks = chosen
    try {
      await this.setupSession(
        this.transport === 'tcp' || this.transport === 'http' || this.opts.channel.isTunnelled
          ? 'tcp'
          : this.transport === 'multicast'
            ? 'multicast'
            : 'udp',
      )
    } catch (err) {
      await this.drop(true)
      throw err
    }
  }

  /** SETUP of the chosen tracks on `mode`; a 461 to a UDP SETUP starts over on TCP when allowed. */
  async setupSession(mode: LowerMode): Promise<void> {
    const lower = this.opts.dialect().lowerTransport(mode)
    try {
      await this.setupTracks(lower)
    } catch (err) {
      const unsupported = err instanceof ProtocolError && err.details['status'] === 461
      if (!(unsupported && this.fallsBackFrom(lower))) throw err
      await this.drop(false)
      await this.setupTracks('tcp')
    }
  }

  /**
   * Starts over on `mode`: TEARDOWN, a new connection, SETUP. PLAY is the caller's. SRTP keys are
   * the server's per connection (given by its DESCRIBE), so with SAVP tracks `describe` runs first.
   */
  async moveTo(mode: LowerMode, describe?: () => Promise<unknown>): Promise<void> {
    await this.leave(true)
    if (describe && this.opts.tracks().some((t) => isSavpMedia(t.media))) await describe()
    await this.setupTracks(mode)
  }

  /** drop(), and the connection too: the next request opens a new one. */
  async leave(teardown: boolean): Promise<void> {
    await this.drop(teardown)
    this.opts.channel.closeConnection()
  }

  /**
   * SETUP mode=record of each of `uris` on `mode`, then `record` (the RECORD request). If anything
   * fails, the transports are closed and nothing stays set up.
   */
  async setUpRecording(
    uris: string[],
    mode: LowerMode,
    record: () => Promise<void>,
    srtp?: readonly ClientSrtp[],
  ): Promise<TrackTransport[]> {
    this.currentMode = mode
    const transports: TrackTransport[] = []
    const ignore: TrackSink = { onRtp() {}, onRtcp() {} } // receiver reports about our stream: not used yet
    try {
      for (const [i, uri] of uris.entries()) transports.push(await this.setupOne(uri, i, mode, ignore, 'record', srtp?.[i]))
      await record()
    } catch (err) {
      for (const t of transports) t.close()
      throw err
    }
    this.setups = transports.map((transport) => ({ track: undefined, transport }))
    return transports
  }

  /** PLAY of the aggregate; `resume` after PAUSE (no Range: the server goes on where it paused). */
  async play(resume: boolean): Promise<void> {
    await this.control('PLAY', new RtspHeaders(resume ? {} : { Range: 'npt=0.000-' }))
  }

  async pause(): Promise<void> {
    await this.control('PAUSE')
  }

  /** Ends the session's transports and timers (TEARDOWN when asked) and forgets it; receivers stay. */
  async drop(teardown: boolean): Promise<void> {
    const { channel } = this.opts
    this.opts.liveness.stop()
    if (teardown && channel.sessionId !== undefined && channel.isConnected) await this.teardownQuietly()
    for (const s of this.setups) s.transport.close()
    this.setups = []
    this.router.clear()
    channel.sessionId = undefined
  }

  /** RTCP receiver reports of the played tracks (with BYE when leaving). */
  sendReports(bye: boolean): void {
    for (const s of this.setups) {
      const report = s.track && this.receivers.get(s.track.index)?.report(bye)
      if (report) s.transport.sendRtcp(report)
    }
  }

  /** The newest RTP arrival on any track (monoMs), 0 before the first. */
  lastPacketMs(): number {
    return Math.max(0, ...[...this.receivers.values()].map((r) => r.lastPacketMs ?? 0))
  }

  receivedAny(): boolean {
    return [...this.receivers.values()].some((r) => r.lastPacketMs !== undefined)
  }

  /** Whether every played track's sender said BYE. */
  allEnded(): boolean {
    return this.playTracks.every((t) => this.tracksEnded.has(t))
  }

  /** Before playing again after a reconnect: the receivers start over, frame times keep increasing. */
  resetReceivers(): void {
    for (const r of this.receivers.values()) r.reset()
  }

  closeReceivers(): void {
    for (const r of this.receivers.values()) r.close()
  }

  stats(): (ClientTrackStats & { track: number })[] {
    return [...this.receivers.entries()].map(([track, r]) => ({ track, ...r.stats() }))
  }

  private fallsBackFrom(mode: LowerMode): boolean {
    return mode === 'udp' && this.transport === 'auto' && this.opts.dialect().fallsBackToTcp
  }

  private async control(method: ControlMethod, headers?: RtspHeaders): Promise<void> {
    const uri = this.opts.aggregateUrl()
    const res = await this.opts.dialect().control(this.opts.channel, method, uri, headers)
    if (!isOk(res)) throw statusError(method, uri, res)
  }

  private async teardownQuietly(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, TEARDOWN_TIMEOUT_MS)))
    await Promise.race([this.control('TEARDOWN').catch(() => undefined), limit])
    clearTimeout(timer)
  }

  private async setupTracks(mode: LowerMode): Promise<void> {
    const tracks = this.opts.tracks()
    for (const index of this.playTracks) {
      const track = tracks[index]!
      // SAVP media (the server's key in a=key-mgmt): SETUP RTP/SAVP with ours in KeyMgmt.
      const srtp = isSavpMedia(track.media) ? new ClientSrtp(this.opts.ssrc, this.opts.clock, track.media) : undefined
      const transport = await this.setupOne(track.control, this.setups.length, mode, this.receiver(track), 'play', srtp)
      this.setups.push({ track, transport })
    }
    if (this.currentMode !== mode) {
      this.currentMode = mode
      this.opts.events.emit('transport', mode)
    }
  }

  private receiver(track: ClientTrack): TrackReceiver {
    let receiver = this.receivers.get(track.index)
    if (receiver) return receiver
    const { events } = this.opts
    receiver = new TrackReceiver({
      track,
      clock: this.opts.clock,
      ssrc: this.opts.ssrc,
      cname: this.opts.cname,
      waitForKeyframe: this.opts.options.waitForKeyframe ?? true,
      events: {
        onFrame: (f) => events.emit('frame', f),
        onRtp: (i, p) => events.emit('rtp', i, p),
        onRtcp: (i, p) => {
          events.emit('rtcp', i, p)
          if (p.some((x) => x instanceof RtcpGoodbye)) {
            this.tracksEnded.add(i)
            this.opts.onGoodbye()
          }
        },
        onWarning: (e) => events.emit('warning', e),
      },
    })
    this.receivers.set(track.index, receiver)
    return receiver
  }

  /** One SETUP; on success the transport is connected to `sink` (through the dialect). */
  private async setupOne(
    uri: string,
    ordinal: number,
    mode: LowerMode,
    sink: TrackSink,
    purpose: 'play' | 'record',
    srtp?: ClientSrtp,
  ): Promise<TrackTransport> {
    const { channel } = this.opts
    const dialect = this.opts.dialect()
    const profile = srtp ? 'RTP/SAVP' : 'RTP/AVP'
    const base = {
      protocol: mode === 'tcp' ? `${profile}/TCP` : profile,
      delivery: mode === 'multicast' ? ('multicast' as const) : ('unicast' as const),
      ...(purpose === 'record' ? { mode: 'record' } : {}),
    }
    let udp: UdpTrackTransport | undefined
    let spec: SetupTransport
    if (mode === 'udp') {
      const conn = await channel.connection()
      udp = await UdpTrackTransport.open(conn.remoteAddress.replace(/^::ffff:/, ''), this.opts.options.localAddress, this.portHint++)
      spec = { ...base, clientPort: udp.clientPorts }
    } else if (mode === 'multicast') {
      spec = base
    } else {
      spec = { ...base, interleaved: [ordinal * 2, ordinal * 2 + 1] }
    }
    try {
      const res = await dialect.setup(channel, uri, spec, udp?.clientPorts[0], srtp?.keyMgmt(uri))
      if (!isOk(res)) throw statusError('SETUP', uri, res)
      const sessionHeader = res.headers.get('Session')
      if (sessionHeader !== undefined) {
        const s = parseSession(sessionHeader)
        channel.sessionId = s.id
        if (s.timeout !== undefined && s.timeout > 0) this.sessionTimeoutS = s.timeout
      } else if (channel.sessionId === undefined) {
        throw new ProtocolError('ERR_RTSP_NO_SESSION', `SETUP ${uri}: the answer has no Session header`, { observed: undefined })
      }
      const replyHeader = res.headers.get('Transport')
      const reply = replyHeader !== undefined ? parseTransport(replyHeader)[0] : undefined
      const into = srtp ? srtp.sink(dialect.sink(sink)) : dialect.sink(sink)
      if (udp) {
        udp.connect(reply?.serverPort, into)
        return srtp ? srtp.transport(udp) : udp
      }
      if (mode === 'multicast') {
        const group = reply?.destination
        const ports = reply?.port
        if (reply?.delivery !== 'multicast' || group === undefined || ports === undefined) {
          throw new ProtocolError('ERR_RTSP_TRANSPORT', `SETUP ${uri}: asked for multicast, the server answered "${replyHeader ?? ''}"`, {
            observed: replyHeader,
          })
        }
        const t = await MulticastTrackTransport.join(group, ports, this.opts.options.localAddress)
        t.connect(dialect.sink(sink))
        return t
      }
      const channels = reply?.interleaved ?? spec.interleaved!
      const t = new InterleavedTrackTransport(await channel.connection(), channels[0], channels[1])
      this.router.add(t, into)
      return srtp ? srtp.transport(t) : t
    } catch (err) {
      udp?.close()
      throw err
    }
  }
}
