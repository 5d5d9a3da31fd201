/**
 * Readers left behind on a former origin: a path whose publisher here was taken over by another
 * node (or left, with `stay`) keeps its stream and readers; while another node originates the path,
 * the stream is fed from there — the upstream's RTP re-ingested into the same stream, readers
 * restarting at its next keyframe — until a publisher comes back here or the readers leave.
 */
import { createCodecRegistry } from '../codecs/registry.js'
import type { Logger } from '../log/logger.js'
import { upstreamFeed } from '../server/relay.js'
import type { RtspServer } from '../server/rtsp-server.js'
import { sameLayout } from '../server/stream-layout.js'
import type { UpstreamConnector } from '../stream/upstream.js'
import type { Feed } from '../server/on-demand.js'
import { systemClock } from '../util/clock.js'
import type { PathEntry } from './cluster-info.js'

/** Wait before feeding again after the upstream ended (ms). */
const RETRY_MS = 500

export class Backfills {
  private readonly feeds = new Map<string, { feed: Feed | undefined; origin: string; retry?: NodeJS.Timeout }>()
  private readonly registry = createCodecRegistry()

  constructor(
    private readonly deps: {
      server: RtspServer
      logger: Logger
      connect: UpstreamConnector
      /** The path's origin now, when it is another node. */
      lookup(path: string): Promise<PathEntry | undefined>
    },
  ) {}

  has(path: string): boolean {
    return this.feeds.has(path)
  }

  /** `entry.node` originates `path`: feed the stream kept here for its readers from there, if there is one. */
  offer(path: string, entry: PathEntry): void {
    const stream = this.deps.server.getStream(path)
    const current = this.feeds.get(path)
    if (current && current.origin === entry.node) return
    if (!stream || stream.readerCount === 0 || this.publishedHere(path)) return
    this.stop(path)
    this.feeds.set(path, { feed: undefined, origin: entry.node })
    void this.open(path)
  }

  private async open(path: string): Promise<void> {
    const slot = this.feeds.get(path)
    if (!slot) return
    try {
      const entry = await this.deps.lookup(path)
      const stream = this.deps.server.getStream(path)
      if (!entry || !stream || stream.readerCount === 0 || this.publishedHere(path)) return this.stop(path)
      const upstream = await this.deps.connect(entry.url)
      const feed = upstreamFeed(entry.url, upstream, { registry: this.registry, clock: systemClock })
      if (this.feeds.get(path) !== slot || this.deps.server.getStream(path) !== stream || !sameLayout(stream.spec, feed.spec)) {
        feed.close()
        return
      }
      slot.origin = entry.node
      slot.feed = feed
      stream.restartReaders()
      feed.run(stream, (reason) => {
        if (slot.feed !== feed) return
        slot.feed = undefined
        feed.close()
        this.deps.logger.info(`cluster: feed of /${path} from ${entry.node} ended (${reason})`, { path })
        slot.retry = setTimeout(() => void this.open(path), RETRY_MS)
        slot.retry.unref()
      })
      this.deps.logger.info(`cluster: readers of /${path} here now fed from node ${entry.node}`, { path })
    } catch (err) {
      if (this.feeds.get(path) !== slot) return
      this.deps.logger.debug(`cluster: feeding /${path} failed: ${(err as Error).message}`)
      slot.retry = setTimeout(() => void this.open(path), RETRY_MS)
      slot.retry.unref()
    }
  }

  /** Stops feeding `path` (a publisher is back here, the path is gone, the node leaves). */
  stop(path: string): void {
    const slot = this.feeds.get(path)
    if (!slot) return
    this.feeds.delete(path)
    if (slot.retry) clearTimeout(slot.retry)
    slot.feed?.close()
  }

  close(): void {
    for (const path of [...this.feeds.keys()]) this.stop(path)
  }

  private publishedHere(path: string): boolean {
    return this.deps.server.pathStatus().some((p) => p.name === path && p.publisher !== undefined)
  }
}
