/**
 * A relay: a path whose stream is pulled from another RTSP server or camera. By default it is pulled
 * on demand, when the first reader asks, and released a while after the last one leaves; it can
 * also be always on. While readers are attached, a failing upstream is retried with backoff and the
 * readers stay connected, resuming at the upstream's next keyframe. Formats we parse are rebuilt
 * and repacketized (readers start at a keyframe with parameter sets); any other is relayed packet
 * by packet.
 */
import { EventEmitter } from 'node:events'
import type { CodecRegistry } from '../codecs/registry.js'
import { StateError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import { readAnnouncement } from './announce.js'
import { StreamIngest } from './ingest.js'
import type { OnDemandPath, RtspServer } from './rtsp-server.js'
import type { ServerStream } from './server-stream.js'
import { sameLayout } from './stream-layout.js'

/** A playing upstream session, as the relay needs it (see client/relay-upstream.ts for the RtspClient one). */
export interface Upstream {
  /** The upstream's SDP (DESCRIBE body). */
  readonly sdp: Buffer
  /** RTP packets of SDP media section `mediaIndex`, as received. */
  onRtp(cb: (mediaIndex: number, packet: Buffer) => void): void
  /** The upstream ended or failed. */
  onEnd(cb: (reason: string) => void): void
  close(): Promise<void>
}

export type UpstreamConnector = (url: string) => Promise<Upstream>

export interface RelayOptions {
  /** Pull at start and keep pulling whether anyone watches or not (default: on demand). */
  alwaysOn?: boolean
  /** On demand: release the upstream this long after the last reader leaves (default 10 s). */
  closeAfterMs?: number
  /** Backoff between retries of a failing upstream: from initial, doubling, up to max (default 1 s → 30 s). */
  retryInitialMs?: number
  retryMaxMs?: number
}

type RelayState = 'idle' | 'connecting' | 'live' | 'retrying' | 'closed'

export class Relay extends EventEmitter implements OnDemandPath {
  state: RelayState = 'idle'
  /** Upstream sessions opened so far (the first and every reconnect). */
  connects = 0
  private upstream: Upstream | undefined
  private ingest: StreamIngest | undefined
  private stream: ServerStream | undefined
  private pending: Promise<ServerStream> | undefined
  private releaseTimer: NodeJS.Timeout | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private retryDelay: number
  private readonly opts: Required<RelayOptions>

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly server: RtspServer,
    private readonly connect: UpstreamConnector,
    private readonly deps: { registry: CodecRegistry; clock: Clock; log?: (msg: string) => void },
    options: RelayOptions = {},
  ) {
    super()
    this.opts = { alwaysOn: false, closeAfterMs: 10_000, retryInitialMs: 1000, retryMaxMs: 30_000, ...stripUndefined(options) }
    this.retryDelay = this.opts.retryInitialMs
  }

  /** Registers the path with the server; an always-on relay starts pulling now. */
  attach(): this {
    this.server.addOnDemandPath(this.name, this)
    if (this.opts.alwaysOn) this.demand().catch(() => this.scheduleRetry())
    return this
  }

  demand(): Promise<ServerStream> {
    if (this.state === 'closed') return Promise.reject(new StateError('ERR_RELAY_CLOSED', `relay /${this.name} is closed`))
    if (this.stream && this.state === 'live') return Promise.resolve(this.stream)
    this.pending ??= this.open().finally(() => (this.pending = undefined))
    return this.pending
  }

  private async open(): Promise<ServerStream> {
    this.state = 'connecting'
    let upstream: Upstream
    try {
      upstream = await this.connect(this.url)
    } catch (err) {
      this.state = this.stream ? 'retrying' : 'idle'
      throw err
    }
    if (this.state !== 'connecting') {
      await upstream.close() // closed while connecting
      throw new StateError('ERR_RELAY_CLOSED', `relay /${this.name} is closed`)
    }
    this.connects++
    const announcement = readAnnouncement(upstream.sdp, this.deps.registry)
    let stream = this.stream
    if (stream && !sameLayout(stream.spec, announcement.spec)) {
      this.server.removeStream(this.name)
      stream = undefined
    }
    if (stream) stream.restartReaders()
    else {
      stream = this.server.addStream(this.name, announcement.spec)
      stream.on('readers', (n: number) => this.onReaders(n))
    }
    this.stream = stream
    const ingest = new StreamIngest(announcement, stream, this.deps.clock)
    const byMedia = new Map(announcement.tracks.map((t, i) => [t.mediaIndex, i]))
    upstream.onRtp((mediaIndex, packet) => {
      const i = byMedia.get(mediaIndex)
      if (i !== undefined) ingest.pushRtp(i, packet)
    })
    upstream.onEnd((reason) => this.onUpstreamEnd(upstream, reason))
    ingest.start()
    this.upstream = upstream
    this.ingest = ingest
    this.state = 'live'
    this.retryDelay = this.opts.retryInitialMs
    this.deps.log?.(`relay /${this.name}: pulling ${redact(this.url)} (${stream.tracks.map((t) => t.media.codec).join(' + ')})`)
    if (stream.readerCount === 0) this.onReaders(0)
    return stream
  }

  private onUpstreamEnd(upstream: Upstream, reason: string): void {
    if (upstream !== this.upstream) return
    this.dropUpstream()
    this.deps.log?.(`relay /${this.name}: upstream ended (${reason})`)
    if (this.state === 'closed') return
    if (this.opts.alwaysOn || (this.stream?.readerCount ?? 0) > 0) {
      this.state = 'retrying'
      this.scheduleRetry()
    } else this.release()
  }

  private scheduleRetry(): void {
    if (this.state === 'closed' || this.retryTimer) return
    const delay = this.retryDelay
    this.retryDelay = Math.min(this.retryDelay * 2, this.opts.retryMaxMs)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (this.state === 'closed') return
      if (!this.opts.alwaysOn && (this.stream?.readerCount ?? 0) === 0) return this.release()
      this.demand().catch((err: Error) => {
        this.deps.log?.(`relay /${this.name}: retry failed: ${err.message}; next in ${this.retryDelay} ms`)
        this.scheduleRetry()
      })
    }, delay)
    this.retryTimer.unref()
  }

  private onReaders(n: number): void {
    if (this.releaseTimer) clearTimeout(this.releaseTimer)
    this.releaseTimer = undefined
    if (n > 0 || this.opts.alwaysOn || this.state === 'closed') return
    this.releaseTimer = setTimeout(() => this.release(), this.opts.closeAfterMs)
    this.releaseTimer.unref()
  }

  /** Nobody watches: the upstream is let go and the path waits for the next reader. */
  private release(): void {
    if (this.releaseTimer) clearTimeout(this.releaseTimer)
    this.releaseTimer = undefined
    this.dropUpstream()
    if (this.stream) {
      this.stream = undefined
      this.server.removeStream(this.name)
    }
    if (this.state !== 'closed') this.state = 'idle'
    this.deps.log?.(`relay /${this.name}: released (no readers)`)
  }

  private dropUpstream(): void {
    const up = this.upstream
    this.upstream = undefined
    this.ingest?.close()
    this.ingest = undefined
    up?.close().catch(() => {})
  }

  /** Idempotent: stops pulling, clears timers. The server removes the stream. */
  close(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    if (this.releaseTimer) clearTimeout(this.releaseTimer)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.dropUpstream()
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
