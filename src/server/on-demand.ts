/**
 * A path fed by something started when the first reader asks and let go a while after the last one
 * leaves (or always on): a relay's upstream session, an ffmpeg process. While readers are attached,
 * a feed that ends is reopened with backoff and the readers stay connected, resuming at the next
 * keyframe. What a feed is lives elsewhere (relay.ts, ffmpeg-path.ts); this is only its lifecycle.
 */
import { StateError } from '../errors.js'
import type { OnDemandPath, RtspServer } from './rtsp-server.js'
import type { ServerStream, StreamSpec } from './server-stream.js'
import { sameLayout } from './stream-layout.js'
import { definedOnly } from '../util/defined.js'

/** A running feeder of one path's stream. */
export interface Feed {
  /** The layout of the stream it feeds. */
  readonly spec: StreamSpec
  /** For the log, e.g. "pulling rtsp://…/cam (<codec>)". */
  readonly description: string
  /** Starts pushing into `stream`; `ended` is called at most once, when the feed stops by itself. */
  run(stream: ServerStream, ended: (reason: string) => void): void
  /** Idempotent. */
  close(): void
}

export interface OnDemandOptions {
  /** Open at start and keep feeding whether anyone watches or not (default: on demand). */
  alwaysOn?: boolean
  /** On demand: close the feed this long after the last reader leaves (default 10 s). */
  closeAfterMs?: number
  /** Backoff between reopens of a failing feed: from initial, doubling, up to max (default 1 s → 30 s). */
  retryInitialMs?: number
  retryMaxMs?: number
}

export type OnDemandState = 'idle' | 'connecting' | 'live' | 'retrying' | 'closed'

export interface OnDemandDeps {
  /** Names the path in log lines and errors: "relay", "ffmpeg". */
  label: string
  log?: ((msg: string) => void) | undefined
}

export class OnDemandFeed implements OnDemandPath {
  state: OnDemandState = 'idle'
  /** Feeds opened so far (the first and every reopen). */
  opens = 0
  private feed: Feed | undefined
  private stream: ServerStream | undefined
  private pending: Promise<ServerStream> | undefined
  private releaseTimer: NodeJS.Timeout | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private retryDelay: number
  private readonly opts: Required<OnDemandOptions>

  constructor(
    readonly name: string,
    private readonly server: RtspServer,
    private readonly openFeed: () => Promise<Feed>,
    private readonly deps: OnDemandDeps,
    options: OnDemandOptions = {},
  ) {
    this.opts = { alwaysOn: false, closeAfterMs: 10_000, retryInitialMs: 1000, retryMaxMs: 30_000, ...definedOnly(options) }
    this.retryDelay = this.opts.retryInitialMs
  }

  /** Registers the path with the server; an always-on path opens its feed now. */
  attach(): this {
    this.server.addOnDemandPath(this.name, this)
    if (this.opts.alwaysOn) {
      this.demand().catch((err: Error) => {
        this.log(`${err.message}; retrying in ${this.retryDelay} ms`)
        this.scheduleRetry()
      })
    }
    return this
  }

  demand(): Promise<ServerStream> {
    if (this.state === 'closed') return Promise.reject(this.closedError())
    if (this.stream && this.state === 'live') return Promise.resolve(this.stream)
    this.pending ??= this.open().finally(() => (this.pending = undefined))
    return this.pending
  }

  touch(): void {
    if (this.releaseTimer) this.onReaders(this.stream?.readerCount ?? 0)
  }

  private closedError(): StateError {
    return new StateError('ERR_PATH_CLOSED', `${this.deps.label} /${this.name} is closed`)
  }

  private async open(): Promise<ServerStream> {
    this.state = 'connecting'
    let feed: Feed
    try {
      feed = await this.openFeed()
    } catch (err) {
      this.state = this.stream ? 'retrying' : 'idle'
      throw err
    }
    if (this.state !== 'connecting') {
      feed.close() // closed while opening
      throw this.closedError()
    }
    this.opens++
    let stream = this.stream
    if (stream && !sameLayout(stream.spec, feed.spec)) {
      this.server.removeStream(this.name)
      stream = undefined
    }
    if (stream) stream.restartReaders()
    else {
      stream = this.server.addStream(this.name, feed.spec)
      stream.on('readers', (n: number) => this.onReaders(n))
    }
    this.stream = stream
    this.feed = feed
    feed.run(stream, (reason) => this.onFeedEnd(feed, reason))
    this.state = 'live'
    this.retryDelay = this.opts.retryInitialMs
    this.log(feed.description)
    if (stream.readerCount === 0) this.onReaders(0)
    return stream
  }

  private onFeedEnd(feed: Feed, reason: string): void {
    if (feed !== this.feed) return
    this.dropFeed()
    this.log(`ended (${reason})`)
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
        this.log(`retry failed: ${err.message}; next in ${this.retryDelay} ms`)
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

  /** Nobody watches: the feed is closed and the path waits for the next reader. */
  private release(): void {
    if (this.releaseTimer) clearTimeout(this.releaseTimer)
    this.releaseTimer = undefined
    this.dropFeed()
    if (this.stream) {
      this.stream = undefined
      this.server.removeStream(this.name)
    }
    if (this.state !== 'closed') this.state = 'idle'
    this.log('released (no readers)')
  }

  private dropFeed(): void {
    const feed = this.feed
    this.feed = undefined
    feed?.close()
  }

  private log(msg: string): void {
    this.deps.log?.(`${this.deps.label} /${this.name}: ${msg}`)
  }

  /** Idempotent: closes the feed, clears timers. The server removes the stream. */
  close(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    if (this.releaseTimer) clearTimeout(this.releaseTimer)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.dropFeed()
  }
}
