/**
 * The edge side of the cluster: a path this node does not originate, asked for by a reader, is
 * pulled from its origin (or from an edge of it, see fan-out in cluster-node.ts) as an ordinary
 * on-demand relay (server/relay.ts): one upstream session per path on this node however many read
 * it, released a while after the last reader. The relay looks the origin up again at every
 * (re)connection, so when a path moves (a takeover, a publisher back on another node) the next
 * attempt goes to the new origin; a move we hear of ends the current upstream at once.
 */
import { createCodecRegistry } from '../codecs/registry.js'
import { StateError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { Relay } from '../server/relay.js'
import type { RtspServer } from '../server/rtsp-server.js'
import type { Upstream, UpstreamConnector } from '../stream/upstream.js'
import { systemClock } from '../util/clock.js'
import type { PathEntry } from './cluster-info.js'

/** A relay that lost its upstream tries again soon: the origin may have moved (ms). */
const RETRY_INITIAL_MS = 250
/** and keeps trying at least this often while readers wait (`stay`) (ms). */
const RETRY_MAX_MS = 1000

export interface EdgeDeps {
  server: RtspServer
  logger: Logger
  /** The RTSP client connector edges pull with. */
  connect: UpstreamConnector
  /** The path's origin now (Redis; the last known entry while Redis is away); undefined when none. */
  lookup(path: string): Promise<PathEntry | undefined>
  /** Where to pull from: the origin, or an edge of it when the origin has its share of edges. */
  upstreamFor(path: string, entry: PathEntry): Promise<{ url: string; direct: boolean }>
  /** This node stopped pulling `path` straight from its origin. */
  leaveOrigin(path: string): void
  closeAfterMs(): number
}

interface Held {
  relay: Relay
  /** The origin of the current (or last) upstream. */
  entry: PathEntry
  upstream: SwitchableUpstream | undefined
  /** Pulling straight from the origin (it counts against maxEdgesPerOrigin). */
  direct: boolean
}

export class EdgeRelays {
  private readonly held = new Map<string, Held>()
  private readonly registry = createCodecRegistry()

  constructor(private readonly deps: EdgeDeps) {}

  has(path: string): boolean {
    return this.held.has(path)
  }

  /** Paths relayed here, with their origins and whether an upstream is open now. */
  list(): { path: string; origin: string; state: string; direct: boolean; readers: number }[] {
    return [...this.held].map(([path, h]) => ({
      path,
      origin: h.entry.node,
      state: h.relay.state,
      direct: h.direct,
      readers: this.deps.server.getStream(path)?.readerCount ?? 0,
    }))
  }

  /** Paths held whose upstream is open, for the periodic check of their origins. */
  names(): string[] {
    return [...this.held.keys()]
  }

  /** Serves `path` here as a relay of `entry`'s node; false when the server already serves it. */
  open(path: string, entry: PathEntry): boolean {
    if (this.held.has(path)) return false
    const relay = new Relay(
      path,
      entry.url,
      this.deps.server,
      (): Promise<Upstream> => this.connect(path),
      { registry: this.registry, clock: systemClock, log: (m) => this.deps.logger.info(`cluster: ${m}`, { path }) },
      { closeAfterMs: this.deps.closeAfterMs(), retryInitialMs: RETRY_INITIAL_MS, retryMaxMs: RETRY_MAX_MS },
    )
    this.held.set(path, { relay, entry, upstream: undefined, direct: false })
    try {
      relay.attach()
    } catch (err) {
      this.held.delete(path)
      this.deps.logger.warn(`cluster: cannot relay /${path}: ${(err as Error).message}`, { path })
      return false
    }
    return true
  }

  private async connect(path: string): Promise<Upstream> {
    const entry = await this.deps.lookup(path)
    const held = this.held.get(path)
    if (!held) throw new StateError('ERR_CLUSTER_PATH_GONE', `/${path} is no longer relayed here`)
    if (!entry) {
      // The origin is gone: readers end now, unless the path keeps them for the next publisher.
      if (!held.entry.stay) setImmediate(() => this.drop(path, 'origin gone'))
      throw new StateError('ERR_CLUSTER_PATH_GONE', `/${path} has no origin in the cluster now`)
    }
    held.entry = entry
    const target = await this.deps.upstreamFor(path, entry)
    const upstream = await this.deps.connect(target.url)
    if (this.held.get(path) !== held) {
      void upstream.close()
      throw new StateError('ERR_CLUSTER_PATH_GONE', `/${path} is no longer relayed here`)
    }
    held.direct = target.direct
    const wrapped = new SwitchableUpstream(upstream, () => {
      if (held.upstream === wrapped) held.upstream = undefined
      if (target.direct) this.deps.leaveOrigin(path)
    })
    held.upstream = wrapped
    return wrapped
  }

  /** The path is up on `entry.node` (an announcement, or the periodic check): a relay of elsewhere moves there. */
  onUp(path: string, entry: PathEntry): void {
    const held = this.held.get(path)
    if (!held || held.entry.node === entry.node) {
      if (held) held.entry = entry
      return
    }
    this.deps.logger.info(`cluster: /${path} moved from ${held.entry.node} to ${entry.node}; switching upstream`, { path })
    held.entry = entry
    held.upstream?.end(`origin moved to ${entry.node}`)
  }

  /** `node` no longer originates the path: readers of it end, or wait with `stay`. */
  onDown(path: string, node: string, stay: boolean): void {
    const held = this.held.get(path)
    if (!held || held.entry.node !== node) return
    if (stay || held.entry.stay) {
      this.deps.logger.info(`cluster: /${path} left ${node}; readers wait for its next publisher`, { path })
      return
    }
    this.drop(path, `origin ${node} gone`)
  }

  /** Stops relaying `path`: its readers get RTCP BYE; a later reader looks it up again. */
  drop(path: string, reason: string): void {
    const held = this.held.get(path)
    if (!held) return
    this.held.delete(path)
    this.deps.logger.info(`cluster: /${path} no longer relayed (${reason})`, { path })
    this.deps.server.removePath(path, reason)
  }

  /** Drops every relay (the node leaves the cluster). */
  close(): void {
    for (const path of [...this.held.keys()]) this.drop(path, 'cluster stopped')
  }
}

/** An upstream the cluster can end on purpose (the origin moved), so the relay reconnects at once. */
class SwitchableUpstream implements Upstream {
  private readonly endHandlers: ((reason: string) => void)[] = []
  private done = false

  constructor(
    private readonly inner: Upstream,
    private readonly onGone: () => void,
  ) {
    inner.onEnd((reason) => this.finish(reason))
  }

  get sdp(): Buffer {
    return this.inner.sdp
  }

  onRtp(cb: Parameters<Upstream['onRtp']>[0]): void {
    this.inner.onRtp(cb)
  }

  onEnd(cb: (reason: string) => void): void {
    this.endHandlers.push(cb)
  }

  /** Ends it as if the upstream had: the relay's readers stay and it reconnects. */
  end(reason: string): void {
    if (this.done) return
    this.inner.close().catch(() => {})
    this.finish(reason)
  }

  private finish(reason: string): void {
    if (this.done) return
    this.done = true
    this.onGone()
    for (const h of this.endHandlers) h(reason)
  }

  close(): Promise<void> {
    if (!this.done) {
      this.done = true
      this.onGone()
    }
    return this.inner.close()
  }
}
