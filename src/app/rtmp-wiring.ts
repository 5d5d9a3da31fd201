/**
 * The RTMP room of `rtspkit serve` (the `rtmp:` section): started after the RTSP server, restarted
 * when its section changes on reload, stopped with the app. A port already taken is a warning, as for
 * HLS and WebRTC: RTSP goes on without RTMP.
 */
import type { RtmpConfig } from '../config/schema.js'
import type { Logger } from '../log/logger.js'
import { RtmpServer } from '../rtmp/rtmp-server.js'
import type { RtspServer } from '../server/rtsp-server.js'

export interface RtmpWiringDeps {
  server: RtspServer
  logger: Logger
  /** The section in force (read at each start). */
  config: () => RtmpConfig
  /** True once the app stops: a restart under way must not outlive it. */
  stopped: () => boolean
}

export class RtmpWiring {
  private rtmp: RtmpServer | undefined

  constructor(private readonly deps: RtmpWiringDeps) {}

  /** rtmp://HOST:PORT with the host players use (as in the RTSP URLs), when it runs. */
  get url(): string | undefined {
    if (!this.rtmp) return undefined
    const host = this.deps.config().host
    if (host && host !== '0.0.0.0' && host !== '::') return this.rtmp.url
    return `rtmp://${new URL(this.deps.server.urlFor('')).hostname}:${this.rtmp.port}`
  }

  /** The room, when it runs (tests, stats). */
  get server(): RtmpServer | undefined {
    return this.rtmp
  }

  async start(): Promise<void> {
    const c = this.deps.config()
    if (!c.enabled || this.deps.stopped() || this.rtmp) return
    const rtmp = new RtmpServer({ server: this.deps.server, port: c.port, host: c.host || undefined, logger: this.deps.logger })
    try {
      await rtmp.start()
      if (this.deps.stopped()) return await rtmp.close()
      this.rtmp = rtmp
      this.deps.logger.debug(`RTMP on ${rtmp.url}`)
    } catch (err) {
      await rtmp.close()
      this.deps.logger.warn(`RTMP not started: ${(err as Error).message}; RTSP goes on without it (set rtmp.port, or rtmp.enabled: false)`)
    }
  }

  /** The section changed: a new listener with the new settings (its connections end). */
  restart(): void {
    void this.stop().then(() => this.start())
  }

  async stop(): Promise<void> {
    const old = this.rtmp
    this.rtmp = undefined
    await old?.close()
  }
}
