/**
 * `rtspkit serve` as a service: everything a Config asks for — the RTSP server, its paths (exact
 * names at start, `~regex` and `all_others` when first requested), users and permissions,
 * recording, logs — and a reload that rebuilds only what changed, so readers of unchanged paths
 * stay connected. The CLI owns signals and file watching; this owns no process state.
 */
import type { Config, PathConfig } from '../config/schema.js'
import { rtspClientConnector } from '../client/relay-upstream.js'
import type { RtspClientOptions } from '../client/rtsp-client.js'
import { readPemFiles } from './tls-files.js'
import { createSecureContext } from 'node:tls'
import { ConfigError } from '../errors.js'
import type { TlsCredentials } from '../server/listeners.js'
import { diffConfig, type ConfigDiff } from '../config/diff.js'
import { matchPath } from '../config/match.js'
import { addPath, type PathHandle } from './add-path.js'
import { RecordingServices } from './recording-wiring.js'
import { RtspServer } from '../server/rtsp-server.js'
import { parseSourceSpec } from '../sources/source-spec.js'
import type { SourceDefaults } from '../sources/source-spec.js'
import { systemClock } from '../util/clock.js'
import { cryptoRandom } from '../util/random.js'
import { ConfigAccessPolicy } from './config-access.js'
import { SessionLog } from './session-log.js'
import type { ApiServer } from '../api/api-server.js'
import { createApiServer } from './api-wiring.js'
import { HlsServer } from '../hls/hls-server.js'
import { parseLocalUdpAddress } from '../config/schema.js'
import { connectionLimitsOf } from '../config/schema-connections.js'
import { iceServerOf } from '../webrtc/peer.js'
import { RtmpWiring } from './rtmp-wiring.js'
import { WebRtcServer } from '../webrtc/webrtc-server.js'
import { HookRunner } from '../hooks/hook-runner.js'
import type { ClusterNode } from '../cluster/cluster-node.js'
import { joinCluster } from './cluster-wiring.js'
import { SwitchableLogger } from './switchable-logger.js'

export { SwitchableLogger }

export interface ServeAppOptions {
  /** Test card size and frame rates for sources that need them (the CLI's --fps/--size). */
  defaults?: SourceDefaults
  logger?: SwitchableLogger
}

/** See reload(). */
const API_RESTART_DELAY_MS = 100

interface ServedPath {
  handle: PathHandle
  /** The config entry it came from (a name, ~regex or all_others). */
  entry: string
}

export class ServeApp {
  readonly server: RtspServer
  readonly logger: SwitchableLogger
  private config: Config
  private readonly served = new Map<string, ServedPath>()
  /** Recorder (segment events for hooks), retention and the playback server. */
  readonly recording: RecordingServices
  private readonly sessionLog: SessionLog
  /** runOnInit, runOnReady… of the paths served, and runOnConnect. */
  private readonly hooks: HookRunner
  private api: ApiServer | undefined
  private webrtc: WebRtcServer | undefined
  /** The RTMP room (rtmp.enabled). */
  readonly rtmp: RtmpWiring
  /**
   * Where browsers play a path, for the dashboard's live previews: whoever starts the WebRTC and HLS
   * servers sets these (the server's url, a slash, the name) and clears them when they stop.
   * The API asks at each request, so the order of starting does not matter.
   */
  readonly browserPlayback: { webrtcUrl?: ((name: string) => string) | undefined; hlsUrl?: ((name: string) => string) | undefined } = {}
  private hls: HlsServer | undefined
  private cluster: ClusterNode | undefined // cluster.redis: see cluster-wiring.ts
  /** Set by stop(), so an HLS restart still under way after a reload does not outlive the app. */
  private stopped = false

  constructor(
    config: Config,
    private readonly opts: ServeAppOptions = {},
  ) {
    this.config = config
    this.logger = opts.logger ?? new SwitchableLogger(config.server.logLevel, config.server.logFormat)
    const s = config.server
    const range = /^(\d+)-(\d+)$/.exec(s.rtpPorts)
    const shared = /^\d+$/.test(s.rtpPorts) ? Number(s.rtpPorts) : undefined
    this.server = new RtspServer({
      port: s.rtspPort,
      host: s.host || undefined,
      publicHost: s.publicHost || undefined,
      rtpPortRange: range ? { min: Number(range[1]), max: Number(range[2]) } : undefined,
      sharedRtpPort: shared,
      workers: s.workers === 'auto' ? 'auto' : Number(s.workers),
      tcpOnly: s.tcpOnly,
      sessionTimeout: s.sessionTimeout,
      maxSessions: s.maxSessions || undefined,
      maxConnections: s.maxConnections || undefined,
      connectionLimits: connectionLimitsOf(s),
      readerLimits: readerLimits(s),
      logger: this.logger,
      // Read at each new stream, so a reloaded path's setting applies to its next stream.
      instantStart: (path) => matchPath(this.config, path)?.path.instantStart ?? true,
      gopCacheMaxBytes: s.gopCacheMaxBytes,
      gopCacheMaxMs: s.gopCacheMaxDuration * 1000,
      rtspsPort: s.rtspsPort,
      httpTunnelPort: s.rtspHttpPort || undefined,
      multicast: s.multicast.enabled && {
        range: s.multicast.range,
        rtpPort: s.multicast.rtpPort,
        rtcpPort: s.multicast.rtcpPort,
        ttl: s.multicast.ttl,
      },
      encryption: s.encryption,
      tls: readTls(s),
    })
    this.rtmp = new RtmpWiring({
      server: this.server,
      logger: this.logger,
      config: () => this.config.rtmp,
      serverTls: () => this.config.server.tls,
      stopped: () => this.stopped,
    })
    this.server.setAccessPolicy(new ConfigAccessPolicy(config, { clock: systemClock, random: cryptoRandom }))
    this.server.setPathProvider((path) => this.provide(path))
    this.hooks = new HookRunner({ server: this.server, logger: this.logger, globals: () => this.config.hooks })
    this.recording = new RecordingServices(this.server, () => this.config, this.logger)
    this.sessionLog = new SessionLog(this.server, this.logger, systemClock)
    this.recording.recorder.on('segmentCreate', (path: string, file: string) => this.hooks.segment(path, file, 'open'))
    this.recording.recorder.on('segmentComplete', (path: string, file: string) => this.hooks.segment(path, file, 'close'))
  }

  /** The effective configuration. */
  get effectiveConfig(): Config {
    return this.config
  }

  /** The HTTP API's address, when it runs. */
  get apiUrl(): string | undefined {
    return this.api?.url
  }

  /** The HLS server's address, when it runs. */
  get hlsUrl(): string | undefined {
    return this.hls && this.publicUrl(this.hls.url, this.config.hls.host)
  }

  /** The WebRTC server's address (http://PUBLIC-HOST:PORT), when it runs. */
  get webrtcUrl(): string | undefined {
    return this.webrtc && this.publicUrl(this.webrtc.url, this.config.webrtc.host)
  }

  /** A browser server's URL with the host players use (as in the RTSP URLs) when it listens on every interface. */
  private publicUrl(url: string, host: string): string {
    if (host && host !== '0.0.0.0' && host !== '::') return url
    return `http://${new URL(this.server.urlFor('')).host.replace(/:\d+$/, '')}:${new URL(url).port}`
  }

  /** The WebRTC room, when it runs (tests, stats). */
  get webrtcServer(): WebRtcServer | undefined {
    return this.webrtc
  }

  /** Paths served now: exact names from the start, patterns once requested. */
  paths(): { name: string; entry: string; description: string }[] {
    return [...this.served].map(([name, p]) => ({ name, entry: p.entry, description: p.handle.description }))
  }

  async start(): Promise<void> {
    try {
      for (const p of this.config.paths) if (isExact(p.name)) this.addExact(p)
      await this.server.start()
      this.hooks.start()
      await this.startApi()
      await this.startHls()
      await this.startWebRtc()
      await this.rtmp.start()
      this.cluster = await joinCluster(this)
      await this.recording.start()
    } catch (err) {
      for (const p of this.served.values()) p.handle.stop()
      await this.hooks.close()
      await this.recording.close()
      throw err
    }
  }

  /** Applies a new configuration; returns what changed, for the log. */
  reload(next: Config): ConfigDiff {
    const diff = diffConfig(this.config, next)
    if (diff.empty) return diff
    for (const change of diff.settings) {
      if (change.apply === 'restart-rtsp') this.logger.warn(`${change.key} changed: restart rtspkit to apply it`)
    }
    if (diff.settings.some((c) => c.key.startsWith('server.log'))) this.logger.set(next.server.logLevel, next.server.logFormat)
    const n = next.server
    if (diff.settings.some((c) => c.key.startsWith('server.tls.')) || n.tls.cert !== '') {
      // The files may have changed even when their names did not (a renewed certificate).
      try {
        const creds = readTls(n)
        if (creds) this.server.setTlsCredentials(creds)
      } catch (err) {
        this.logger.warn(`${(err as Error).message}; RTSPS keeps the previous certificate`)
      }
    }
    this.server.updateSettings({
      sessionTimeout: n.sessionTimeout,
      maxSessions: n.maxSessions || undefined,
      maxConnections: n.maxConnections || undefined,
      connectionLimits: connectionLimitsOf(n),
      publicHost: n.publicHost || undefined,
      readerLimits: readerLimits(n),
    })
    const apiChanged = diff.settings.some((c) => c.apply === 'restart-api')
    const webrtcChanged = diff.settings.some((c) => c.apply === 'restart-webrtc')
    const gone = new Set([...diff.paths.removed, ...diff.paths.changed])
    for (const [name, p] of [...this.served]) {
      // Paths made from a pattern are rebuilt when their entry changed, or when matching may differ.
      if (gone.has(p.entry) || (!isExact(p.entry) && (diff.paths.reordered || diff.paths.added.length > 0))) this.remove(name)
    }
    this.config = next
    this.server.setAccessPolicy(new ConfigAccessPolicy(next, { clock: systemClock, random: cryptoRandom }))
    for (const name of [...diff.paths.added, ...diff.paths.changed]) {
      const p = next.paths.find((x) => x.name === name)
      if (p && isExact(p.name)) this.addExact(p)
    }
    if (diff.settings.some((c) => c.apply === 'restart-hls')) {
      const old = this.hls
      this.hls = undefined
      this.browserPlayback.hlsUrl = undefined
      void (old?.close() ?? Promise.resolve()).then(() => this.startHls())
    }
    // RTMPS may use server.tls's pair: new file names restart it too (new contents need rtmp.* to change).
    const rtmpsTls = (c: { key: string }) => c.key.startsWith('server.tls.') && next.rtmp.encryption !== 'no'
    if (diff.settings.some((c) => c.apply === 'restart-rtmp' || rtmpsTls(c))) this.rtmp.restart()
    if (apiChanged) {
      const old = this.api
      this.api = undefined
      // After a moment, so that an API request that changed api.* gets its answer first.
      setTimeout(() => void (old?.close() ?? Promise.resolve()).then(() => this.startApi()), API_RESTART_DELAY_MS)
    }
    if (webrtcChanged) {
      const old = this.webrtc
      this.webrtc = undefined
      this.browserPlayback.webrtcUrl = undefined
      void (old?.close() ?? Promise.resolve()).then(() => this.startWebRtc())
    }
    return diff
  }

  /**
   * The HTTP API (api.enabled; app/api-wiring.ts): admins from the config log in with Basic; loopback
   * requests are trusted as api.trustLoopback says. A port already taken is a warning — RTSP goes on without it.
   */
  private async startApi(): Promise<void> {
    const c = this.config.api
    if (!c.enabled || this.stopped) return
    const api = createApiServer({
      server: this.server,
      logger: this.logger,
      config: () => this.config,
      reload: (next) => void this.reload(next),
      paths: () => this.paths().map((p) => ({ name: p.name, kind: sourceKind(this.sourceOf(p.entry)), description: p.description })),
      // Dashboard live previews over WebRTC / HLS (browserPlayback above).
      webrtcUrl: (name) => this.browserPlayback.webrtcUrl?.(name),
      hlsUrl: (name) => this.browserPlayback.hlsUrl?.(name),
      cluster: () => this.cluster,
      recordings: this.recording,
    })
    try {
      await api.start()
      this.api = api
      this.logger.debug(`HTTP API and metrics on ${api.url}`)
    } catch (err) {
      await api.close()
      this.logger.warn(`HTTP API not started: ${(err as Error).message}; RTSP goes on without it (set api.port, or api.enabled: false)`)
    }
  }

  /**
   * The HLS output (hls.enabled): every path at http://HOST:PORT/PATH, with the paths' permissions.
   * A port already taken is a warning — RTSP goes on without HLS.
   */
  private async startHls(): Promise<void> {
    const c = this.config.hls
    if (!c.enabled || this.stopped) return
    const hls = new HlsServer({
      server: this.server,
      host: c.host || undefined,
      port: c.port,
      variant: c.variant,
      segmentCount: c.segmentCount,
      segmentDurationMs: c.segmentDuration * 1000,
      partDurationMs: c.partDuration * 1000,
      muxerCloseAfterMs: c.muxerCloseAfter * 1000,
      allowOrigin: c.allowOrigin,
      logger: this.logger,
    })
    try {
      await hls.start()
      if (this.stopped) return await hls.close()
      this.hls = hls
      this.browserPlayback.hlsUrl = (name) => `${hls.url}/${name}`
      this.logger.debug(`HLS on ${hls.url}`)
    } catch (err) {
      await hls.close()
      this.logger.warn(`HLS not started: ${(err as Error).message}; RTSP goes on without it (set hls.port, or hls.enabled: false)`)
    }
  }

  /** The WebRTC room (webrtc.enabled). A port already taken is a warning, as for the API. */
  private async startWebRtc(): Promise<void> {
    const c = this.config.webrtc
    if (!c.enabled || this.stopped) return
    const udp = parseLocalUdpAddress(c.localUdpAddress) ?? {}
    const webrtc = new WebRtcServer({
      server: this.server,
      port: c.port,
      host: c.host || undefined,
      additionalHosts: [...c.additionalHosts, ...(udp.host ? [udp.host] : [])],
      ...(udp.range ? { icePortRange: udp.range } : {}),
      iceServers: c.iceServers.map(iceServerOf),
      allowOrigin: c.allowOrigin,
      logger: this.logger,
    })
    try {
      await webrtc.start()
      if (this.stopped) return await webrtc.close()
      this.webrtc = webrtc
      this.browserPlayback.webrtcUrl = (name) => `${this.webrtcUrl ?? webrtc.url}/${name}`
      this.logger.debug(`WebRTC (WHEP/WHIP) on ${webrtc.url}`)
    } catch (err) {
      await webrtc.close()
      this.logger.warn(`WebRTC not started: ${(err as Error).message}; RTSP goes on without it (set webrtc.port, or webrtc.enabled: false)`)
    }
  }

  private sourceOf(entry: string): string {
    return this.config.paths.find((p) => p.name === entry)?.source ?? ''
  }

  /** Ends every session (RTCP BYE), stops sources and finishes recordings. Idempotent. */
  async stop(): Promise<void> {
    await this.cluster?.stop() // idempotent
    await this.api?.close()
    this.api = undefined
    this.stopped = true
    this.browserPlayback.hlsUrl = undefined
    await this.hls?.close()
    this.hls = undefined
    await this.webrtc?.close()
    this.webrtc = undefined
    this.browserPlayback.webrtcUrl = undefined
    await this.rtmp.stop()
    for (const p of this.served.values()) p.handle.stop()
    const hooksClosed = this.hooks.close()
    await this.server.stop()
    this.sessionLog.close()
    await this.recording.close()
    await hooksClosed
  }

  private addExact(p: PathConfig): void {
    this.served.set(p.name, { handle: this.open(p.name, p), entry: p.name })
  }

  private open(name: string, p: PathConfig, captures: readonly string[] = []): PathHandle {
    const onDemand = { alwaysOn: !p.onDemand, closeAfterMs: p.closeAfter * 1000, retryMaxMs: this.config.relays.retryMax * 1000 }
    const spec = parseSourceSpec(p.source)
    const handle = addPath(this.server, name, spec, {
      defaults: this.opts.defaults,
      ...(spec.kind === 'relay' ? { connector: rtspClientConnector(relayClientOptions(p)) } : {}),
      relay: onDemand,
      ffmpeg: onDemand,
      log: (m) => this.logger.info(m, { path: name }),
      debug: (m) => this.logger.debug(m, { path: name }),
    })
    handle.onWarning((m) => this.logger.warn(m, { path: name }))
    this.hooks.pathAdded(name, p, { sourceKind: spec.kind, captures })
    return handle
  }

  private remove(name: string): void {
    const p = this.served.get(name)
    if (!p) return
    this.served.delete(name)
    p.handle.stop()
    this.server.removePath(name, 'path removed from the configuration')
    this.hooks.pathRemoved(name)
  }

  /** Cluster: a path made from a pattern, with no stream, yields to another node's origin (cluster-wiring.ts). */
  yieldPath(name: string): void {
    if (!isExact(this.served.get(name)?.entry ?? name) && !this.server.getStream(name)) this.remove(name)
  }

  /** A requested path nothing serves yet: a `~regex` or `all_others` entry may take it. */
  private provide(path: string): boolean {
    if (!path || this.served.has(path)) return false
    if (this.cluster?.provide(path)) return true // another node originates it: relayed from there
    const m = matchPath(this.config, path)
    if (!m || isExact(m.path.name)) return false
    try {
      this.served.set(path, { handle: this.open(path, m.path, m.captures), entry: m.path.name })
      this.logger.info(`serving /${path} from ${m.path.name}`, { path })
      return true
    } catch (err) {
      this.logger.warn(`cannot serve /${path} from ${m.path.name}: ${(err as Error).message}`, { path })
      return false
    }
  }
}

function readerLimits(s: Config['server']) {
  return {
    maxLineLength: s.limits.requestLine,
    maxHeaderBytes: s.limits.headers,
    maxHeaderCount: s.limits.headerCount,
    maxBodyLength: s.limits.body,
  }
}

/** test, file, unshared, publish, relay, ffmpeg… of a source text. */
function sourceKind(source: string): string {
  try {
    return parseSourceSpec(source).kind
  } catch {
    return 'unknown'
  }
}

function isExact(name: string): boolean {
  return !name.startsWith('~') && name !== 'all_others'
}

/** The PEM pair named by server.tls, read now; undefined when none is set. ConfigError names the key at fault. */
function readTls(s: Config['server']): TlsCredentials | undefined {
  const { cert, key } = s.tls
  if (cert === '' && key === '') {
    if (s.encryption === 'strict') {
      throw new ConfigError(
        'ERR_CONFIG_TLS',
        'server.encryption is strict but server.tls.cert and server.tls.key are not set (give --tls-cert FILE --tls-key FILE)',
        {
          observed: s.encryption,
        },
      )
    }
    return undefined
  }
  if (cert === '' || key === '') {
    throw new ConfigError('ERR_CONFIG_TLS', `server.tls needs both cert and key (got only ${cert === '' ? 'key' : 'cert'})`, {
      observed: s.tls,
    })
  }
  const creds = readPemFiles('server.tls', { cert, key })
  try {
    createSecureContext(creds)
  } catch (err) {
    throw new ConfigError(
      'ERR_CONFIG_TLS',
      `server.tls: "${cert}" and "${key}" are not a usable PEM certificate and key (${(err as Error).message})`,
      {
        observed: s.tls,
      },
    )
  }
  return creds
}

/** How a relay path's client reaches its upstream: `rtspTransport`, and `sourceFingerprint` for rtsps://. */
function relayClientOptions(p: PathConfig): RtspClientOptions {
  return {
    transport: p.rtspTransport,
    ...(p.sourceFingerprint !== '' ? { tls: { fingerprint: p.sourceFingerprint } } : {}),
  }
}
