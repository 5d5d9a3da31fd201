/**
 * The reader sessions of a server: ids, lookup from a request's Session header, the per-reader
 * playbacks some of them drive, the sweep that ends sessions whose client went quiet, and limits.
 * Publishers have sessions ids from the same generator but live in the record handler.
 */
import { formatSession, parseSession } from '../rtsp/headers/session.js'
import type { RtspRequest } from '../rtsp/message.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'
import type { ReaderPlayback } from './per-reader.js'
import { RequestError } from './request-error.js'
import type { ServerSession } from './server-session.js'

const SESSION_ID_DIGITS = 9 // fits a signed 32-bit integer, for clients that parse it as one
/** The sweep runs four times per timeout, within these bounds (ms). */
const SWEEP_MIN_MS = 250
const SWEEP_MAX_MS = 5000

export interface SessionTableDeps {
  readonly clock: Clock
  readonly random: Random
  /** Seconds; read at each use (a settings update changes it). */
  readonly sessionTimeout: number
}

export class SessionTable {
  private readonly sessions = new Map<string, ServerSession>()
  /** The playback of each session on a per-reader path. */
  private readonly playbacks = new Map<string, ReaderPlayback>()
  private sweepTimer: NodeJS.Timeout | undefined

  /** `onClosed` hears every session that ends, once, after its transports are released. */
  constructor(
    private readonly deps: SessionTableDeps,
    private readonly onClosed: (s: ServerSession, reason: string) => void,
  ) {}

  get size(): number {
    return this.sessions.size
  }

  get(id: string): ServerSession | undefined {
    return this.sessions.get(id)
  }

  has(id: string): boolean {
    return this.sessions.has(id)
  }

  /** A snapshot: closing sessions while iterating it is safe. */
  list(): ServerSession[] {
    return [...this.sessions.values()]
  }

  add(session: ServerSession): void {
    this.sessions.set(session.id, session)
  }

  /** Whether another session would pass `max` (undefined: no limit). */
  full(max: number | undefined): boolean {
    return max !== undefined && this.sessions.size >= max
  }

  newId(): string {
    for (;;) {
      const id = this.deps.random.digits(SESSION_ID_DIGITS)
      if (!this.sessions.has(id)) return id
    }
  }

  /** The session a request's Session header names (touched); 454 when it names none, or is missing and `required`. */
  fromRequest(req: RtspRequest, required: true): ServerSession
  fromRequest(req: RtspRequest, required: false): ServerSession | undefined
  fromRequest(req: RtspRequest, required: boolean): ServerSession | undefined {
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

  /** Keep-alive for whatever session the request names, if any. */
  touch(req: RtspRequest): void {
    const header = req.headers.get('Session')
    if (header !== undefined) this.sessions.get(parseSession(header).id)?.touch()
  }

  header(s: ServerSession): Record<string, string> {
    // The teaching client reads the session as an integer: no timeout (its session ends with the connection).
    return { Session: s.teaching ? s.id : formatSession(s.id, this.deps.sessionTimeout) }
  }

  setPlayback(id: string, playback: ReaderPlayback): void {
    this.playbacks.set(id, playback)
  }

  playback(id: string): ReaderPlayback | undefined {
    return this.playbacks.get(id)
  }

  hasPlayback(id: string): boolean {
    return this.playbacks.has(id)
  }

  /** Interleaved channels the sessions of one connection use. */
  channelsOf(connectionId: number): Set<number> {
    const used = new Set<number>()
    for (const s of this.sessions.values()) {
      if (s.ownerId !== connectionId) continue
      for (const setup of s.setups.values()) {
        if (setup.transport.kind === 'tcp') used.add(setup.transport.rtpChannel).add(setup.transport.rtcpChannel)
      }
    }
    return used
  }

  /** An RTCP packet on a connection's interleaved channel: to the reader track whose RTCP channel it is. False when none. */
  onInterleavedRtcp(connectionId: number, channel: number, payload: Buffer): boolean {
    for (const s of this.sessions.values()) {
      if (s.ownerId !== connectionId) continue
      for (const setup of s.setups.values()) {
        const t = setup.transport
        if (t.kind === 'tcp' && t.rtcpChannel === channel) {
          s.onRtcp(setup, payload)
          return true
        }
      }
    }
    return false
  }

  /** Ends a session (RTCP BYE); a per-reader playback stops and its private stream closes. Idempotent. */
  close(s: ServerSession, reason: string): void {
    if (!this.sessions.delete(s.id)) return
    s.close()
    const playback = this.playbacks.get(s.id)
    if (playback) {
      this.playbacks.delete(s.id)
      playback.stop()
      s.stream.close()
    }
    this.onClosed(s, reason)
  }

  closeWhere(match: (s: ServerSession) => boolean, reason: string): void {
    for (const s of this.list()) if (match(s)) this.close(s, reason)
  }

  /** Starts ending sessions that outlive the timeout; `ownerOpen` tells whether a connection is still there. */
  startSweep(ownerOpen: (connectionId: number) => boolean): void {
    const sweepMs = Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, (this.deps.sessionTimeout * 1000) / 4))
    this.sweepTimer = setInterval(() => this.sweep(ownerOpen), sweepMs)
    this.sweepTimer.unref()
  }

  stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    this.sweepTimer = undefined
  }

  private sweep(ownerOpen: (connectionId: number) => boolean): void {
    const now = this.deps.clock.monoMs()
    for (const s of this.list()) {
      if (s.boundToConnection && ownerOpen(s.ownerId)) continue // interleaved and teaching sessions live as long as their connection
      if (s.expired(now)) this.close(s, 'timeout')
    }
  }

  stats() {
    return [...this.sessions.values()].map((s) => s.stats())
  }
}
