/**
 * Errors of the listening sockets, and running out of file descriptors. Out of descriptors (EMFILE:
 * the process's `ulimit -n`; ENFILE: the system's) is a state, not an event: libuv turns the waiting
 * clients away (it accepts and closes them with a descriptor it keeps in reserve, usually without
 * telling Node) and keeps listening, every open connection and session goes on, and accepting resumes
 * by itself once descriptors are free (idle connections time out: connection-guard.ts). So it is
 * logged once when it starts and once when it ends, not for every client turned away. Because libuv
 * mostly hides it, `check()` (called by the guard's sweep) also counts the descriptors in use against
 * the soft limit, on Linux through /proc.
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { Logger } from '../log/logger.js'
import { formatCount } from '../log/storm-gate.js'

/** Out of descriptors when fewer than this many are left (libuv's reserve, a reply to an accept). */
const FD_LOW = 3
/** Free again once this share of the limit is free (hysteresis: one line per episode). */
const FD_RESUME_SHARE = 0.05
const PROC_LIMITS = '/proc/self/limits'
const PROC_FDS = '/proc/self/fd'

/** The soft limit on open files, from /proc: null off Linux or when unlimited, undefined when it cannot be read now (no descriptor). */
function softFdLimit(): number | null | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync(PROC_LIMITS, 'utf8'))
    return m ? Number(m[1]) : null
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return code === 'EMFILE' || code === 'ENFILE' ? undefined : null
  }
}

export class AcceptErrors {
  private exhausted: string | undefined
  private turnedAway = 0
  /** Episodes of descriptor exhaustion since start. */
  episodes = 0

  /** undefined until the first check; null where it cannot be known. */
  private limit: number | null | undefined

  constructor(private readonly logger: Logger) {
    // Read now, while descriptors are free: at the limit the file itself cannot be opened.
    this.limit = softFdLimit()
  }

  /** Counts the descriptors in use; logs when they run out and when they are free again. */
  check(): void {
    if (this.limit === undefined) this.limit = softFdLimit()
    if (this.limit === null || this.limit === undefined) return
    let used: number
    try {
      used = readdirSync(PROC_FDS).length
    } catch (err) {
      // Listing /proc needs a descriptor too: failing for want of one is the answer.
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EMFILE' || code === 'ENFILE') this.start(code)
      return
    }
    if (used >= this.limit - FD_LOW) this.start('EMFILE')
    else if (this.limit - used >= Math.max(FD_LOW * 2, this.limit * FD_RESUME_SHARE)) this.end()
  }

  /** Whether the server is out of descriptors now (no connection accepted since the last EMFILE). */
  get outOfDescriptors(): boolean {
    return this.exhausted !== undefined
  }

  /** An 'error' of a listening socket after it listens. */
  onError(err: NodeJS.ErrnoException): void {
    if (err.code === 'EMFILE' || err.code === 'ENFILE') {
      this.turnedAway++
      this.start(err.code)
      return
    }
    this.logger.warn(`server socket error: ${err.message}`)
  }

  /**
   * A connection was accepted: descriptors are free again. Where they can be counted, check() ends
   * the episode instead, with a margin, so a limit hovered at gives one line, not one per accept.
   */
  accepted(): void {
    if (this.limit === null) this.end()
  }

  private start(code: string): void {
    if (this.exhausted !== undefined) return
    this.exhausted = code
    this.episodes++
    const which = code === 'EMFILE' ? "the process's (ulimit -n)" : "the system's"
    this.logger.warn(`out of file descriptors (${code}, ${which}): new connections are turned away until some close; open sessions go on`)
  }

  private end(): void {
    if (this.exhausted === undefined) return
    this.logger.info(
      `accepting connections again after running out of file descriptors (${this.exhausted}; ${formatCount(this.turnedAway)} accept errors meanwhile)`,
    )
    this.exhausted = undefined
    this.turnedAway = 0
  }
}
