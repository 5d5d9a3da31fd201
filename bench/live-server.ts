/**
 * A server kept live for the start-up benches (ttff.ts, lag.ts): a server process plus one reader
 * attached from the start and kept for its whole life (bench/lag-readers.ts's ReferenceReader), so
 * every measured player joins a stream that is already running. That matters for gst-rtsp-server:
 * its shared media starts the pipeline at the first reader (at the clip's first IDR) and may tear it
 * down after the last one, so a player that found no one else watching would not join mid-GOP.
 *
 * gst-rtsp-server does not loop the clip: the server is restarted before the clip could end during
 * the next step. rtspkit loops its file and runs on.
 */
import { join } from 'node:path'
import { StateError } from '../src/errors.js'
import type { Fixture } from './fixture.js'
import { startServer, type ServerProcess, type VariantSpec } from './server-process.js'

/** gst-rtsp-server's warnings and errors go to its log: why a server refused a player shows there. */
const GST_DEBUG_LEVEL = '2'

export interface Attached {
  close(): Promise<void>
}

export class LiveServer<A extends Attached> {
  private server: ServerProcess | undefined
  private reader: A | undefined
  private startedAt = 0
  private unhealthy = false
  restarts = 0

  constructor(
    private readonly variant: VariantSpec,
    private readonly port: number,
    private readonly fixture: Fixture,
    private readonly logPath: (restart: number) => string,
    private readonly attach: (url: string) => Promise<A>,
  ) {}

  get url(): string {
    if (!this.server) throw new StateError('ERR_BENCH_NOT_STARTED', 'server not started')
    return this.server.url
  }

  /** The reader attached to the running server. */
  get attached(): A {
    if (!this.reader) throw new StateError('ERR_BENCH_NOT_STARTED', 'server not started')
    return this.reader
  }

  /**
   * A player failed against this server: the next ensure() starts a fresh one, so one bad state
   * (gst-rtsp-server has been seen answering 5XX to every later client) costs one sample, not the rest.
   */
  markUnhealthy(): void {
    this.unhealthy = true
  }

  /**
   * Starts the server, or restarts it when it died, was marked unhealthy, or when its clip (not
   * looped) has less than `needS` seconds left. Resolves once the attached reader receives.
   */
  async ensure(needS: number): Promise<void> {
    const ageS = (performance.now() - this.startedAt) / 1000
    const loops = this.variant.server === 'rtspkit'
    if (this.server?.running && !this.unhealthy && (loops || ageS + needS < this.fixture.seconds)) return
    if (this.server) this.restarts++
    await this.stop()
    this.unhealthy = false
    this.server = startServer(this.variant.server, this.port, this.fixture.path, this.logPath(this.restarts), {
      extraArgs: this.variant.extraArgs,
      env: this.variant.server === 'gst' ? { GST_DEBUG: GST_DEBUG_LEVEL, GST_DEBUG_NO_COLOR: '1' } : {},
    })
    await this.server.ready()
    this.reader = await this.attach(this.server.url)
    this.startedAt = performance.now()
  }

  async stop(): Promise<void> {
    await this.reader?.close()
    this.reader = undefined
    await this.server?.stop()
  }

  /** Synchronous last resort for exit paths. */
  kill(): void {
    this.server?.kill()
  }
}

/** The log file of a variant's server in a bench's log directory. */
export const serverLog =
  (logDir: string, bench: string, variant: VariantSpec) =>
  (restart: number): string =>
    join(logDir, `${bench}-${variant.id}${restart > 0 ? `-restart${restart}` : ''}.log`)
