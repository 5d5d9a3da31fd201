/**
 * Errors of the listening sockets. Out of file descriptors (EMFILE: the process's `ulimit -n`;
 * ENFILE: the system's) is a state, not an event: libuv turns the waiting clients away (it accepts
 * and closes them with a descriptor it keeps in reserve) and keeps listening, every open connection
 * and session goes on, and accepting resumes by itself once descriptors are free (idle connections
 * time out: connection-guard.ts). So it is logged once when it starts and once when it ends, not for
 * every client turned away.
 */
import type { Logger } from '../log/logger.js'
import { formatCount } from '../log/storm-gate.js'

export class AcceptErrors {
  private exhausted: string | undefined
  private turnedAway = 0
  /** Episodes of descriptor exhaustion since start. */
  episodes = 0

  constructor(private readonly logger: Logger) {}

  /** Whether the server is out of descriptors now (no connection accepted since the last EMFILE). */
  get outOfDescriptors(): boolean {
    return this.exhausted !== undefined
  }

  /** An 'error' of a listening socket after it listens. */
  onError(err: NodeJS.ErrnoException): void {
    if (err.code === 'EMFILE' || err.code === 'ENFILE') {
      this.turnedAway++
      if (this.exhausted === undefined) {
        this.exhausted = err.code
        this.episodes++
        const which = err.code === 'EMFILE' ? "the process's (ulimit -n)" : "the system's"
        this.logger.warn(
          `out of file descriptors (${err.code}, ${which}): new connections are turned away until some close; open sessions go on`,
        )
      }
      return
    }
    this.logger.warn(`server socket error: ${err.message}`)
  }

  /** A connection was accepted: if descriptors had run out, they are free again. */
  accepted(): void {
    if (this.exhausted === undefined) return
    this.logger.info(
      `accepting connections again after running out of file descriptors (${this.exhausted}; ${formatCount(this.turnedAway)} accept errors meanwhile)`,
    )
    this.exhausted = undefined
    this.turnedAway = 0
  }
}
