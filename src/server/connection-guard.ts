/**
 * Holds the server's connections to the limits of connection-limits.ts. Two halves:
 *  - admission, when a socket is accepted: connections in total (server.maxConnections) and per
 *    address; a connection past a cap is answered 503 (over-limit.ts) and each cap logs one line when
 *    it is reached and one when it lets connections in again;
 *  - a sweep, a few times per shortest limit, over the RTSP connections: requests too slow to arrive
 *    get 408, connections without a session that stay quiet are closed, a reader's connection is
 *    closed shortly after the server ended its last session, and a socket that takes no byte for
 *    writeTimeout while bytes wait (a stalled TCP reader) is cut.
 * It also keeps the budget of request bytes held in memory by all connections together
 * (ConnectionWatch.charge), so many connections that each send most of a large body cannot add up
 * to the memory of the host.
 */
import type net from 'node:net'
import type { Logger } from '../log/logger.js'
import { formatCount, StormGate } from '../log/storm-gate.js'
import type { Clock } from '../util/clock.js'
import { resolveConnectionLimits, type ConnectionLimits } from './connection-limits.js'
import { normalizeAddress, type ServerConnection } from './server-connection.js'

/** What a ServerConnection reports to its guard. */
export interface ConnectionWatch {
  /** Monotonic milliseconds. */
  now(): number
  /** The bytes its reader holds grew (or shrank) by `delta`; false when that overdraws the budget. */
  charge(delta: number): boolean
}

export interface GuardDeps {
  clock: Clock
  logger: Logger
  /** The limits as given (defaults fill the rest); read at each use, so a settings update applies at once. */
  limits(): Partial<ConnectionLimits> | undefined
  /** server.maxConnections (undefined or 0: no cap). */
  maxConnections(): number | undefined
  connections(): Iterable<ServerConnection>
  /** Ids of the connections that carry a live session (a reader's or a publisher's) now. */
  busy(): ReadonlySet<number>
  /** Sockets accepted but not yet known as RTSP or a tunnel: closes those older than `ms`. */
  expireUnsettled(now: number, ms: number): void
  /** Counts the file descriptors in use (accept-errors.ts), once per sweep. */
  checkDescriptors?(): void
}

export type Admission = 'ok' | 'total' | 'address'

/** The sweep runs four times per shortest limit, within these bounds (ms). */
const SWEEP_MIN_MS = 100
const SWEEP_MAX_MS = 1000
/** Warnings about single connections (stalled readers): a few per window, then a count. */
const WARN_WINDOW_MS = 10_000
const WARN_BURST = 5
/** A budget episode ends after this long without a refusal (one line at each end, however long the siege). */
const EPISODE_QUIET_MS = 10_000

/** What the guard did, for status and tests. */
export interface GuardCounters {
  refusedTotal: number
  refusedPerAddress: number
  refusedOverBudget: number
  /** Requests too slow to arrive (408), first requests that never came. */
  timedOut: number
  /** Connections without a session closed for being quiet, or after their stream ended. */
  idleClosed: number
  /** Stalled TCP readers cut. */
  stalled: number
}

export class ConnectionGuard implements ConnectionWatch {
  private open = 0
  private readonly perAddress = new Map<string, number>()
  /** Connections refused since the total cap was reached; undefined when it is not. */
  private refusedAtCap: number | undefined
  /** Per address at its cap: connections refused since. */
  private readonly refusedByAddress = new Map<string, number>()
  private buffered = 0
  private refusedInBudgetEpisode: number | undefined
  private lastBudgetRefusal = 0
  private timer: NodeJS.Timeout | undefined
  private readonly warnings: StormGate
  /** Per connection: bytes gone out at the last sweep that saw progress, and when. Weak: dies with the connection. */
  private readonly drainMarks = new WeakMap<ServerConnection, { drained: number; at: number }>()
  readonly counters: GuardCounters = { refusedTotal: 0, refusedPerAddress: 0, refusedOverBudget: 0, timedOut: 0, idleClosed: 0, stalled: 0 }

  private given: Partial<ConnectionLimits> | undefined
  private resolved: ConnectionLimits

  constructor(private readonly deps: GuardDeps) {
    this.given = deps.limits()
    this.resolved = resolveConnectionLimits(this.given)
    this.warnings = new StormGate({
      windowMs: WARN_WINDOW_MS,
      burst: WARN_BURST,
      now: () => deps.clock.monoMs(),
      summary: (counts) => {
        for (const [kind, n] of counts) deps.logger.warn(`${formatCount(n)} ${kind} in the last ${WARN_WINDOW_MS / 1000} s`)
      },
    })
  }

  /** The limits in force: resolved again only when the options object changed. */
  private limits(): ConnectionLimits {
    const given = this.deps.limits()
    if (given !== this.given) {
      this.resolved = resolveConnectionLimits(given)
      this.given = given
    }
    return this.resolved
  }

  /** Request bytes held in memory by all connections now. */
  get bufferedBytes(): number {
    return this.buffered
  }

  /** Accepted sockets counted against the caps (refused ones are not). */
  get openConnections(): number {
    return this.open
  }

  now(): number {
    return this.deps.clock.monoMs()
  }

  /** A socket just accepted: counted, or refused because a cap is reached (the caller answers it 503). */
  admit(socket: net.Socket): Admission {
    const address = normalizeAddress(socket.remoteAddress ?? '')
    const max = this.deps.maxConnections()
    const perMax = this.limits().maxConnectionsPerAddress
    if (max !== undefined && max > 0 && this.open >= max) {
      this.counters.refusedTotal++
      if (this.refusedAtCap === undefined) {
        this.refusedAtCap = 0
        this.deps.logger.warn(`connection limit reached: ${formatCount(max)} connections open; new ones get 503 (server.maxConnections)`)
      }
      this.refusedAtCap++
      return 'total'
    }
    const held = this.perAddress.get(address) ?? 0
    if (perMax > 0 && held >= perMax) {
      this.counters.refusedPerAddress++
      const refused = this.refusedByAddress.get(address)
      if (refused === undefined) {
        this.deps.logger.warn(
          `${address} holds ${formatCount(perMax)} connections, its limit; new ones get 503 (server.maxConnectionsPerAddress)`,
        )
      }
      this.refusedByAddress.set(address, (refused ?? 0) + 1)
      return 'address'
    }
    if (this.refusedAtCap !== undefined) {
      this.deps.logger.info(`connections accepted again; ${formatCount(this.refusedAtCap)} got 503 at the connection limit`)
      this.refusedAtCap = undefined
    }
    this.open++
    this.perAddress.set(address, held + 1)
    socket.once('close', () => this.left(address))
    return 'ok'
  }

  private left(address: string): void {
    this.open--
    const n = (this.perAddress.get(address) ?? 1) - 1
    if (n > 0) this.perAddress.set(address, n)
    else this.perAddress.delete(address)
    const refused = this.refusedByAddress.get(address)
    if (refused !== undefined) {
      this.refusedByAddress.delete(address)
      this.deps.logger.info(`${address} is below its connection limit again; ${formatCount(refused)} of its connections got 503`)
    }
  }

  charge(delta: number): boolean {
    this.buffered += delta
    const budget = this.limits().requestBodyBudget
    if (delta <= 0 || budget <= 0 || this.buffered <= budget) return true
    this.counters.refusedOverBudget++
    this.lastBudgetRefusal = this.now()
    if (this.refusedInBudgetEpisode === undefined) {
      this.refusedInBudgetEpisode = 0
      this.deps.logger.warn(
        `request memory budget spent: ${formatCount(this.buffered)} bytes of unfinished requests held; requests past it get 503 (server.requestBodyBudget)`,
      )
    }
    this.refusedInBudgetEpisode++
    return false
  }

  /** A session of `conn` ended: unless the client asked (TEARDOWN) or left, its connection goes after the grace. */
  sessionEnded(conn: ServerConnection | undefined, reason: string): void {
    if (!conn || conn.closed || reason === 'teardown' || reason === 'connection closed') return
    conn.orphanedAt = this.now()
  }

  start(): void {
    this.schedule()
  }

  /** Idempotent. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.warnings.close()
  }

  private schedule(): void {
    const l = this.limits()
    const enabled = [l.firstRequestTimeoutMs, l.headersTimeoutMs, l.bodyTimeoutMs, l.idleTimeoutMs, l.writeTimeoutMs, l.streamEndGraceMs]
    const shortest = Math.min(...enabled.filter((ms) => ms > 0), SWEEP_MAX_MS * 4)
    this.timer = setTimeout(
      () => {
        this.sweep()
        this.schedule()
      },
      Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, shortest / 4)),
    )
    this.timer.unref()
  }

  /** One pass over every connection; public for tests. */
  sweep(): void {
    const l = this.limits()
    const now = this.now()
    if (l.firstRequestTimeoutMs > 0) this.deps.expireUnsettled(now, l.firstRequestTimeoutMs)
    this.deps.checkDescriptors?.()
    if (this.refusedInBudgetEpisode !== undefined && now - this.lastBudgetRefusal >= EPISODE_QUIET_MS) {
      this.deps.logger.info(`request memory budget available again; ${formatCount(this.refusedInBudgetEpisode)} requests got 503`)
      this.refusedInBudgetEpisode = undefined
    }
    const busy = this.deps.busy()
    for (const c of this.deps.connections()) {
      if (c.closed) continue
      if (l.writeTimeoutMs > 0 && this.stalled(c, now, l.writeTimeoutMs)) {
        this.counters.stalled++
        if (this.warnings.pass('stalled TCP readers disconnected')) {
          this.deps.logger.warn(
            `${c.remoteAddress}:${c.remotePort} took no byte for ${l.writeTimeoutMs / 1000} s with ${formatCount(c.queuedBytes)} bytes waiting; disconnected (server.writeTimeout)`,
            { conn: c.id },
          )
        }
        c.destroy()
        continue
      }
      const slow =
        (c.requests === 0 && l.firstRequestTimeoutMs > 0 && now - c.openedAt >= l.firstRequestTimeoutMs) ||
        (c.headSince !== undefined && l.headersTimeoutMs > 0 && now - c.headSince >= l.headersTimeoutMs) ||
        (c.bodySince !== undefined && l.bodyTimeoutMs > 0 && now - c.bodySince >= l.bodyTimeoutMs)
      if (slow && c.inFlight === 0) {
        this.counters.timedOut++
        this.deps.logger.debug(`request too slow to arrive (${c.bodySince !== undefined ? 'body' : 'headers'}): 408, closed`, {
          conn: c.id,
        })
        // Nothing sent yet: nothing to answer, only a socket to free.
        if (c.headSince === undefined && c.bodySince === undefined) c.destroy()
        else c.refuse(408)
        continue
      }
      if (c.inFlight > 0 || c.headSince !== undefined || c.bodySince !== undefined || busy.has(c.id)) continue
      const orphaned = c.orphanedAt !== undefined && now - c.orphanedAt >= l.streamEndGraceMs
      const idle = l.idleTimeoutMs > 0 && now - c.lastReadAt >= l.idleTimeoutMs
      if (orphaned || idle) {
        this.counters.idleClosed++
        this.deps.logger.debug(orphaned ? 'its session ended: connection closed' : 'no session and quiet: connection closed', {
          conn: c.id,
        })
        c.end()
      }
    }
  }

  /** Whether bytes have waited in `c`'s socket for `ms` with none going out. */
  private stalled(c: ServerConnection, now: number, ms: number): boolean {
    const waiting = c.socket.writableLength
    const drained = c.bytesQueued - waiting
    const mark = this.drainMarks.get(c)
    if (waiting === 0 || !mark || drained !== mark.drained) {
      this.drainMarks.set(c, { drained, at: now })
      return false
    }
    return now - mark.at >= ms
  }
}
