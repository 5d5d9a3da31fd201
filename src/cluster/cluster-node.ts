/**
 * This rtspkit node as a member of a cluster coordinated through Redis (docs/scaling.md): its lease
 * (the node record, refreshed every third of the lease), the paths it originates registered under
 * that lease, the events channel (path up, down, takeover) and key expiries that let other nodes
 * react without polling, the edge relays (edge-relays.ts), the publish locks (publish-locks.ts) and
 * reader redirects (redirects.ts). The server sees only the hooks (server/cluster-hooks.ts) and the
 * path provider; the application wires them (app/cluster-wiring.ts).
 */
import type { Logger } from '../log/logger.js'
import type { ClusterHooks, ClusterRefusal, RtspServer } from '../server/rtsp-server.js'
import type { RtspRequest } from '../rtsp/message.js'
import type { UpstreamConnector } from '../stream/upstream.js'
import {
  joinUrl,
  parseMessage,
  parseNode,
  parsePathEntry,
  type ClusterMessage,
  type NodeRecord,
  type NodeUrls,
  type PathEntry,
} from './cluster-info.js'
import { ClusterKeys, DELETE_PATH_IF_NODE, TAKE_EDGE_SLOT } from './cluster-keys.js'
import { ClusterStore } from './cluster-store.js'
import { Backfills } from './backfill.js'
import { EdgeRelays } from './edge-relays.js'
import { LoadSampler } from './load-sampler.js'
import { PublishLocks, type PublishOptions } from './publish-locks.js'
import { chooseNode } from './redirects.js'

/** User-Agent of edges' relays: peers are never redirected and never counted as a loop. */
export const PEER_AGENT = 'rtspkit-cluster'
const SCAN_COUNT = 500

export interface ClusterNodeOptions {
  redis: string
  node: string
  leaseMs: number
  prefix: string
  redirect: 'off' | 'leastLoaded'
  maxReaders: number
  fullPercent: number
  maxEdgesPerOrigin: number
  version: string
  server: RtspServer
  logger: Logger
  /** Where this node is reached (advertise, or the server's own URLs). */
  urls(): NodeUrls
  /** The RTSP client connector edges pull with. */
  connect: UpstreamConnector
  publishOptions(path: string): PublishOptions | undefined
  relayCloseAfterMs(): number
  /**
   * Another node originates `path`: the application forgets a publish path it made for it from a
   * pattern while nobody published (a reader asked first), so the next reader gets the relay.
   */
  originatedElsewhere(path: string): void
}

/** The cluster's figures for /metrics (`rtspkit_cluster_*`). */
export interface ClusterGauges {
  connected: boolean
  outages: number
  nodes: number
  originated: number
  relayed: number
  locks: number
  redirects: number
  takeovers: number
  refused: number
}
export class ClusterNode {
  readonly keys: ClusterKeys
  readonly store: ClusterStore
  readonly edges: EdgeRelays
  readonly locks: PublishLocks
  private readonly backfills: Backfills
  /** Paths originated elsewhere, as last heard: what provide() answers from without a round trip. */
  private readonly known = new Map<string, PathEntry>()
  /** Other nodes' records, refreshed every tick. */
  private readonly nodes = new Map<string, NodeRecord>()
  /** Paths this node registered as their origin. */
  private readonly registered = new Map<string, PathEntry>()
  /** Paths this node pulls straight from their origin (edge slots it holds). */
  private readonly slots = new Set<string>()
  private readonly load = new LoadSampler()
  private readonly since = Date.now()
  private timer: NodeJS.Timeout | undefined
  private syncTimer: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined
  private stopped = false
  private readonly onStream = (): void => this.syncSoon()
  redirects = 0

  constructor(private readonly opts: ClusterNodeOptions) {
    this.keys = new ClusterKeys(opts.prefix)
    this.store = new ClusterStore(opts.redis, opts.logger)
    this.edges = new EdgeRelays({
      server: opts.server,
      logger: opts.logger,
      connect: opts.connect,
      lookup: (path) => this.lookup(path),
      upstreamFor: (path, entry) => this.upstreamFor(path, entry),
      leaveOrigin: (path) => this.leaveOrigin(path),
      closeAfterMs: () => opts.relayCloseAfterMs(),
    })
    this.backfills = new Backfills({ server: opts.server, logger: opts.logger, connect: opts.connect, lookup: (path) => this.lookup(path) })
    this.locks = new PublishLocks({
      store: this.store,
      keys: this.keys,
      node: opts.node,
      server: opts.server,
      logger: opts.logger,
      leaseMs: opts.leaseMs,
      publishOptions: (path) => opts.publishOptions(path),
      publishingHere: (path) => {
        this.edges.drop(path, 'published on this node now')
        this.backfills.stop(path)
      },
      changed: () => this.syncSoon(),
    })
  }

  get name(): string {
    return this.opts.node
  }

  /** Connects (in the background: a node without Redis serves locally) and starts the lease. */
  async start(): Promise<void> {
    this.store.on('up', () => {
      this.rejoin().catch((err: Error) => this.opts.logger.debug(`cluster: rejoin failed: ${err.message}`))
    })
    this.store.on('message', (channel, text) => this.onMessage(channel, text))
    await this.store.open([this.keys.events])
    this.opts.server.on('stream', this.onStream)
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.opts.leaseMs / 3)))
    this.timer.unref()
  }

  /** The hooks the RTSP server calls. */
  hooks(): ClusterHooks {
    return {
      acquirePublish: (path) => this.locks.acquire(path),
      releasePublish: (path) => this.locks.release(path),
      redirectReader: (path, req) => this.redirect(path, req),
    }
  }

  /** The path provider's cluster part: a path originated elsewhere is served here as a relay of it. */
  provide(path: string): boolean {
    const entry = this.known.get(path)
    if (!entry || entry.node === this.opts.node || this.locks.held.has(path)) return false
    return this.edges.open(path, entry)
  }

  // ---- registry ------------------------------------------------------------------------------

  /** Redis is (back) up: enable expiry events, read the paths and nodes, register everything. */
  private async rejoin(): Promise<void> {
    const redis = this.store.redis
    try {
      // Key expiry events tell edges a dead origin's paths are gone; managed Redis may refuse CONFIG.
      await redis.config('SET', 'notify-keyspace-events', 'Ex')
      await this.store.subscribe(`__keyevent@${dbOf(this.opts.redis)}__:expired`)
    } catch (err) {
      this.opts.logger.debug(`cluster: no key expiry events (${(err as Error).message}); edges check their origins each refresh`)
    }
    try {
      this.known.clear()
      for (const [path, entry] of await this.scanValues(this.keys.pathPattern(), parsePathEntry, (k) => this.keys.pathOfKey(k))) {
        if (entry.node === this.opts.node) continue
        this.known.set(path, entry)
        this.opts.originatedElsewhere(path)
      }
      this.registered.clear() // registered again by the tick, with 'up' announcements
    } catch (err) {
      this.opts.logger.debug(`cluster: rejoin scan failed: ${(err as Error).message}`)
    }
    await this.tick()
  }

  /** Every third of the lease: the node record, its paths, locks and edge slots; the other nodes; held relays' origins. */
  private tick(): Promise<void> {
    this.ticking ??= this.tickNow()
      .catch((err: Error) => this.opts.logger.debug(`cluster: refresh failed: ${err.message}`))
      .finally(() => (this.ticking = undefined))
    return this.ticking
  }

  private async tickNow(): Promise<void> {
    const load = this.load.sample(this.opts.server)
    if (!this.store.connected || this.stopped) return
    const { keys, leaseMs } = this
    const redis = this.store.redis
    const origin = this.originated()
    const pipe = redis.pipeline()
    pipe.set(keys.node(this.opts.node), JSON.stringify(this.record(load)), 'PX', leaseMs)
    for (const [path, entry] of origin) pipe.set(keys.path(path), JSON.stringify(entry), 'PX', leaseMs)
    const now = Date.now()
    for (const path of this.slots) pipe.zadd(keys.edges(path), now + leaseMs, this.opts.node)
    await pipe.exec()
    for (const [path, entry] of origin) {
      if (!this.registered.has(path)) await this.announce({ type: 'up', path, entry })
      this.registered.set(path, entry)
    }
    for (const [path, entry] of [...this.registered]) {
      if (origin.has(path)) continue
      this.registered.delete(path)
      await redis.eval(DELETE_PATH_IF_NODE, 1, keys.path(path), this.opts.node)
      await this.announce({ type: 'down', path, node: this.opts.node, stay: entry.stay })
    }
    await this.locks.refresh()
    await this.refreshNodes()
    await this.checkRelays()
    this.offerBackfills()
  }

  /** Streams kept here for their readers (no publisher now) whose path another node originates. */
  private offerBackfills(): void {
    for (const p of this.opts.server.pathStatus()) {
      const entry = this.known.get(p.name)
      if (entry && p.kind === 'publish' && !p.publisher && p.stream && p.readers > 0) this.backfills.offer(p.name, entry)
    }
  }

  private get leaseMs(): number {
    return this.opts.leaseMs
  }

  /** Runs a tick soon after a local change (a publisher came or went), batching bursts. */
  private syncSoon(): void {
    if (this.syncTimer || this.stopped) return
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined
      void this.tick()
    }, 20)
    this.syncTimer.unref()
  }

  /** Paths this node is the origin of: live publishers and local sources, not what it relays from the cluster. */
  private originated(): Map<string, PathEntry> {
    const out = new Map<string, PathEntry>()
    const base = this.opts.urls().rtsp
    for (const p of this.opts.server.pathStatus()) {
      if (this.edges.has(p.name) || p.name === '' || p.name === '*') continue
      if (p.kind === 'publish' && !p.publisher) continue
      const prior = this.registered.get(p.name)
      out.set(p.name, {
        node: this.opts.node,
        url: joinUrl(base, p.name),
        stay: this.opts.publishOptions(p.name)?.stay ?? false,
        since: prior?.since ?? Date.now(),
      })
    }
    return out
  }

  private record(load: NodeRecord['load']): NodeRecord {
    return {
      name: this.opts.node,
      urls: this.opts.urls(),
      load,
      maxReaders: this.opts.maxReaders,
      fullPercent: this.opts.fullPercent,
      version: this.opts.version,
      since: this.since,
      updated: Date.now(),
    }
  }

  private async announce(msg: ClusterMessage): Promise<void> {
    await this.store.redis.publish(this.keys.events, JSON.stringify(msg))
  }

  private async refreshNodes(): Promise<void> {
    const found = await this.scanValues(this.keys.nodePattern(), parseNode, (k) => k.slice(this.keys.node('').length))
    this.nodes.clear()
    for (const [name, rec] of found) if (name !== this.opts.node) this.nodes.set(name, rec)
  }

  /** Relays held here whose origin is gone (no expiry events) or moved (a missed message). */
  private async checkRelays(): Promise<void> {
    const paths = this.edges.names()
    if (paths.length === 0) return
    const values = await this.store.redis.mget(...paths.map((p) => this.keys.path(p)))
    paths.forEach((path, i) => {
      const entry = parsePathEntry(values[i])
      if (entry) {
        this.known.set(path, entry)
        this.edges.onUp(path, entry)
      } else this.gone(path)
    })
  }

  private async scanValues<T>(
    pattern: string,
    parse: (v: string | null) => T | undefined,
    nameOf: (key: string) => string | undefined,
  ): Promise<Map<string, T>> {
    const redis = this.store.redis
    const out = new Map<string, T>()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)
      cursor = next
      if (keys.length === 0) continue
      const values = await redis.mget(...keys)
      keys.forEach((k, i) => {
        const name = nameOf(k)
        const v = parse(values[i] ?? null)
        if (name !== undefined && v !== undefined) out.set(name, v)
      })
    } while (cursor !== '0')
    return out
  }

  // ---- events ----------------------------------------------------------------------------------

  private onMessage(channel: string, text: string): void {
    if (channel !== this.keys.events) {
      // A key expired: a path whose origin stopped refreshing it (a dead node).
      const path = this.keys.pathOfKey(text)
      if (path !== undefined) this.gone(path)
      return
    }
    const msg = parseMessage(text)
    if (!msg) return
    if (msg.type === 'up') {
      if (msg.entry.node === this.opts.node) return
      this.known.set(msg.path, msg.entry)
      this.opts.originatedElsewhere(msg.path)
      this.edges.onUp(msg.path, msg.entry)
      this.backfills.offer(msg.path, msg.entry)
    } else if (msg.type === 'down') {
      if (this.known.get(msg.path)?.node === msg.node) this.known.delete(msg.path)
      this.edges.onDown(msg.path, msg.node, msg.stay)
    } else {
      this.locks.onTakeover(msg.path, msg.node)
    }
  }

  /** The path has no origin any more (its key expired or is missing). */
  private gone(path: string): void {
    const entry = this.known.get(path)
    if (!entry) return
    this.known.delete(path)
    this.edges.onDown(path, entry.node, entry.stay)
  }

  // ---- edges -----------------------------------------------------------------------------------

  private async lookup(path: string): Promise<PathEntry | undefined> {
    if (!this.store.connected) return this.known.get(path)
    const entry = parsePathEntry(await this.store.redis.get(this.keys.path(path)))
    if (entry) this.known.set(path, entry)
    else this.known.delete(path)
    return entry && entry.node !== this.opts.node ? entry : undefined
  }

  /** The origin, unless it already feeds its share of edges: then an edge that pulls from it. */
  private async upstreamFor(path: string, entry: PathEntry): Promise<{ url: string; direct: boolean }> {
    const max = this.opts.maxEdgesPerOrigin
    if (max === 0 || !this.store.connected) return { url: entry.url, direct: true }
    const redis = this.store.redis
    const now = Date.now()
    const key = this.keys.edges(path)
    if ((await redis.eval(TAKE_EDGE_SLOT, 1, key, now, now + this.leaseMs, this.opts.node, max)) === 1) {
      this.slots.add(path)
      return { url: entry.url, direct: true }
    }
    const members = await redis.zrangebyscore(key, now, '+inf')
    const parents = members
      .map((m) => this.nodes.get(m))
      .filter((n): n is NodeRecord => n !== undefined)
      .sort((a, b) => a.load.readers - b.load.readers)
    const parent = parents[0]
    return parent ? { url: joinUrl(parent.urls.rtsp, path), direct: false } : { url: entry.url, direct: true }
  }

  private leaveOrigin(path: string): void {
    if (!this.slots.delete(path) || !this.store.connected) return
    this.store.redis.zrem(this.keys.edges(path), this.opts.node).catch(() => {})
  }

  // ---- redirects -------------------------------------------------------------------------------

  private redirect(path: string, req: RtspRequest): string | ClusterRefusal | undefined {
    if ((req.headers.get('User-Agent') ?? '').startsWith(PEER_AGENT)) return undefined
    const self = this.record(this.load.current(this.opts.server))
    const choice = chooseNode(self, [...this.nodes.values()], this.opts.redirect === 'leastLoaded')
    if (choice.kind === 'here') return undefined
    if (choice.kind === 'full') return { status: 503, reason: 'Node Full' }
    this.redirects++
    return joinUrl(choice.node.urls.rtsp, path)
  }

  // ---- status ----------------------------------------------------------------------------------

  /** Every live node, this one first with its live load; leaseAgeMs: how long ago (this node's clock) the record was written. */
  nodeList(): (NodeRecord & { self: boolean; leaseAgeMs: number })[] {
    const now = Date.now()
    const self = { ...this.record(this.load.current(this.opts.server)), self: true, leaseAgeMs: 0 }
    const others = [...this.nodes.values()].sort((a, b) => a.name.localeCompare(b.name))
    return [self, ...others.map((n) => ({ ...n, self: false, leaseAgeMs: Math.max(0, now - n.updated) }))]
  }

  /** Paths of the cluster: those originated here, those known elsewhere, and what this node relays. */
  pathList(): { name: string; origin: string; url: string; stay: boolean; since: number; relayedHere: boolean }[] {
    const all = new Map<string, PathEntry>([...this.known, ...this.originated()])
    const relayed = new Set(this.edges.names())
    return [...all]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, e]) => ({ name, origin: e.node, url: e.url, stay: e.stay, since: e.since, relayedHere: relayed.has(name) }))
  }

  /** Figures for /metrics. */
  gauges(): ClusterGauges {
    return {
      connected: this.store.connected,
      outages: this.store.outages,
      nodes: this.nodes.size + 1,
      originated: this.registered.size,
      relayed: this.edges.names().length,
      locks: this.locks.held.size,
      redirects: this.redirects,
      takeovers: this.locks.takeovers,
      refused: this.locks.refused,
    }
  }

  /** Leaves the cluster: paths and locks released (announced down), lease deleted, relays dropped. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    if (this.syncTimer) clearTimeout(this.syncTimer)
    this.opts.server.off('stream', this.onStream)
    await this.ticking
    this.edges.close()
    this.backfills.close()
    if (this.store.connected) {
      try {
        const redis = this.store.redis
        for (const [path, entry] of this.registered) {
          await redis.eval(DELETE_PATH_IF_NODE, 1, this.keys.path(path), this.opts.node)
          await this.announce({ type: 'down', path, node: this.opts.node, stay: entry.stay })
        }
        await this.locks.releaseAll()
        await redis.del(this.keys.node(this.opts.node))
      } catch (err) {
        this.opts.logger.debug(`cluster: leaving: ${(err as Error).message}`)
      }
    }
    this.registered.clear()
    await this.store.close()
  }
}

/** The database number of a redis:// URL (default 0). */
function dbOf(url: string): number {
  const m = /^\/(\d+)$/.exec(new URL(url).pathname)
  return m ? Number(m[1]) : 0
}
