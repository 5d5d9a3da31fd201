/**
 * The log of RTSP reader sessions. At info: one line when a session starts (its first SETUP) and one
 * when it ends, and in a storm (handshake churn, a load test) a few such lines and then one summary
 * per 10 s: "1,932 sessions opened and 1,930 closed in the last 10 s". Every SETUP, PLAY, PAUSE and
 * TEARDOWN is a debug line, as the RTSP dialogue is. The TEARDOWN line comes before the server's own
 * "closed:" line (the server emits the event first).
 */
import type { Logger } from '../log/logger.js'
import { formatCount, StormGate } from '../log/storm-gate.js'
import type { RtspServer, SessionEvent } from '../server/rtsp-server.js'
import type { Clock } from '../util/clock.js'

/** Session lines logged one by one per window before the rest are counted. */
const BURST = 20
const WINDOW_MS = 10_000

export class SessionLog {
  /** Open sessions: when each started. */
  private readonly started = new Map<string, number>()
  private readonly gate: StormGate

  constructor(
    server: RtspServer,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.gate = new StormGate({
      windowMs: WINDOW_MS,
      burst: BURST,
      now: () => clock.monoMs(),
      summary: (counts) => {
        const opened = counts.get('opened') ?? 0
        const closed = counts.get('closed') ?? 0
        logger.info(
          `${formatCount(opened)} sessions opened and ${formatCount(closed)} closed in the last ${WINDOW_MS / 1000} s (each one at log level debug)`,
        )
      },
    })
    for (const ev of ['setup', 'play', 'pause', 'teardown'] as const) server.on(ev, (e) => this.on(ev, e))
  }

  private on(ev: 'setup' | 'play' | 'pause' | 'teardown', e: SessionEvent): void {
    const fields = { session: e.sessionId, path: e.path, remote: e.remoteAddress || undefined }
    this.logger.debug(
      `${ev.toUpperCase()}${e.transport ? ` ${e.transport}` : ''}${e.reason && e.reason !== ev ? ` (${e.reason})` : ''}`,
      fields,
    )
    if (ev === 'setup' && !this.started.has(e.sessionId)) {
      this.started.set(e.sessionId, this.clock.monoMs())
      if (this.gate.pass('opened')) this.logger.info(`session started${e.transport ? ` (${e.transport})` : ''}`, fields)
    } else if (ev === 'teardown') {
      const since = this.started.get(e.sessionId)
      this.started.delete(e.sessionId)
      const lasted = since === undefined ? '' : ` after ${((this.clock.monoMs() - since) / 1000).toFixed(1)} s`
      if (this.gate.pass('closed')) this.logger.info(`session ended: ${e.reason ?? 'teardown'}${lasted}`, fields)
    }
  }

  /** Writes the last summary (idempotent). */
  close(): void {
    this.gate.close()
  }
}
