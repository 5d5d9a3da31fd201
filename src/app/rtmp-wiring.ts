/**
 * The RTMP room of `rtspkit serve` (the `rtmp:` section): started after the RTSP server, restarted
 * when its section changes on reload, stopped with the app. A port already taken is a warning, as for
 * HLS and WebRTC: RTSP goes on without RTMP. rtmp.encryption picks the listeners: RTMP (no), RTMP
 * and RTMPS (optional), RTMPS only (strict); RTMPS uses rtmp.tls, or server.tls when that is empty.
 */
import { readPemFiles } from './tls-files.js'
import type { RtmpConfig } from '../config/schema.js'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { RtmpServer } from '../rtmp/rtmp-server.js'
import type { RtspServer } from '../server/rtsp-server.js'

export interface RtmpWiringDeps {
  server: RtspServer
  logger: Logger
  /** The section in force (read at each start). */
  config: () => RtmpConfig
  /** server.tls, the certificate RTMPS uses when rtmp.tls is empty. */
  serverTls?: () => { cert: string; key: string }
  /** True once the app stops: a restart under way must not outlive it. */
  stopped: () => boolean
}

export class RtmpWiring {
  private rtmp: RtmpServer | undefined
  private rtmps: RtmpServer | undefined

  constructor(private readonly deps: RtmpWiringDeps) {}

  /** rtmp://HOST:PORT with the host players use (as in the RTSP URLs), when it runs. */
  get url(): string | undefined {
    return this.urlOf(this.rtmp)
  }

  /** rtmps://HOST:PORT, when RTMPS runs. */
  get secureUrl(): string | undefined {
    return this.urlOf(this.rtmps)
  }

  /** The room, when it runs (tests, stats). */
  get server(): RtmpServer | undefined {
    return this.rtmp
  }

  /** The RTMPS room, when it runs. */
  get secureServer(): RtmpServer | undefined {
    return this.rtmps
  }

  /** Throws ConfigError when rtmp.encryption asks for RTMPS without a certificate or a file cannot be read. */
  async start(): Promise<void> {
    const c = this.deps.config()
    if (!c.enabled || this.deps.stopped() || this.rtmp || this.rtmps) return
    const tls = c.encryption === 'no' ? undefined : this.readTls(c)
    if (c.encryption !== 'strict') this.rtmp = await this.listen(c.port, c.host, undefined)
    if (tls) this.rtmps = await this.listen(c.rtmpsPort, c.host, tls)
  }

  /** The section changed: new listeners with the new settings (their connections end). */
  restart(): void {
    void this.stop()
      .then(() => this.start())
      .catch((err: unknown) => this.deps.logger.warn(`RTMP not restarted: ${(err as Error).message}`))
  }

  async stop(): Promise<void> {
    const old = [this.rtmp, this.rtmps]
    this.rtmp = undefined
    this.rtmps = undefined
    for (const s of old) await s?.close()
  }

  private urlOf(s: RtmpServer | undefined): string | undefined {
    if (!s) return undefined
    const host = this.deps.config().host
    if (host && host !== '0.0.0.0' && host !== '::') return s.url
    return `${s.url.slice(0, s.url.indexOf(':'))}://${new URL(this.deps.server.urlFor('')).hostname}:${s.port}`
  }

  private async listen(port: number, host: string, tls: { cert: string; key: string } | undefined): Promise<RtmpServer | undefined> {
    const s = new RtmpServer({ server: this.deps.server, port, host: host || undefined, logger: this.deps.logger, ...(tls ? { tls } : {}) })
    const what = tls ? 'RTMPS' : 'RTMP'
    try {
      await s.start()
      if (this.deps.stopped()) return void (await s.close())
      this.deps.logger.debug(`${what} on ${s.url}`)
      return s
    } catch (err) {
      await s.close()
      const key = tls ? 'rtmp.rtmpsPort' : 'rtmp.port'
      this.deps.logger.warn(`${what} not started: ${(err as Error).message}; RTSP goes on without it (set ${key}, or rtmp.enabled: false)`)
      return undefined
    }
  }

  /** The PEM pair for RTMPS: rtmp.tls, else server.tls. */
  private readTls(c: RtmpConfig): { cert: string; key: string } {
    const own = c.tls.cert !== '' || c.tls.key !== ''
    const files = own ? c.tls : (this.deps.serverTls?.() ?? { cert: '', key: '' })
    const prefix = own ? 'rtmp.tls' : 'server.tls'
    if (files.cert === '' || files.key === '')
      throw new ConfigError(
        'ERR_CONFIG_TLS',
        `rtmp.encryption is ${c.encryption} but ${prefix} has no ${files.cert === '' ? 'cert' : 'key'} (set rtmp.tls or server.tls: --tls-cert FILE --tls-key FILE)`,
        { observed: files },
      )
    return readPemFiles(prefix, files)
  }
}
