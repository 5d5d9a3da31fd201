/**
 * One publisher per path, cluster-wide: a publisher starting here takes the path's lock in Redis
 * (SET NX PX, refreshed with the lease). Held elsewhere, the publisher gets 503, or, where the path
 * allows takeover, takes the lock and tells the holder on the events channel, which closes its
 * publisher. While Redis is unreachable publishers are let in on this node's word alone; the lock is
 * taken when Redis returns, and a conflict then is settled for the publisher that held it first.
 */
import type { Logger } from '../log/logger.js'
import type { ClusterRefusal, RtspServer } from '../server/rtsp-server.js'
import type { ClusterMessage } from './cluster-info.js'
import { DELETE_IF_OWNER, REFRESH_IF_OWNER, type ClusterKeys } from './cluster-keys.js'
import type { ClusterStore } from './cluster-store.js'

export interface PublishOptions {
  /** A publisher here may take the path from another node's. */
  takeover: boolean
  /** Readers stay for the next publisher. */
  stay: boolean
}

export interface LockDeps {
  store: ClusterStore
  keys: ClusterKeys
  node: string
  server: RtspServer
  logger: Logger
  leaseMs: number
  /** The path's publish options from the configuration, or undefined when it is not a publish path here. */
  publishOptions(path: string): PublishOptions | undefined
  /** A publisher starts here: stop relaying the path from elsewhere. */
  publishingHere(path: string): void
  /** Something this node originates changed: register it soon. */
  changed(): void
}

export class PublishLocks {
  /** Paths whose lock this node holds (or will take when Redis returns). */
  readonly held = new Set<string>()
  takeovers = 0
  refused = 0

  constructor(private readonly deps: LockDeps) {}

  async acquire(path: string): Promise<ClusterRefusal | undefined> {
    const { store, keys, node, leaseMs, logger } = this.deps
    const options = this.deps.publishOptions(path)
    if (!options) return undefined // not a publish path: the server gives its own answer
    if (store.connected) {
      try {
        const redis = store.redis
        const key = keys.lock(path)
        if ((await redis.set(key, node, 'PX', leaseMs, 'NX')) !== 'OK') {
          const owner = await redis.get(key)
          if (owner !== null && owner !== node) {
            if (!options.takeover) {
              this.refused++
              return { status: 503, reason: `Path Published On Node ${owner}` }
            }
            await redis.set(key, node, 'PX', leaseMs)
            const msg: ClusterMessage = { type: 'takeover', path, node }
            await redis.publish(keys.events, JSON.stringify(msg))
            this.takeovers++
            logger.info(`cluster: publisher here takes /${path} over from node ${owner}`, { path })
          }
        }
      } catch (err) {
        logger.debug(`cluster: lock of /${path} not taken (${(err as Error).message}); publishing on this node's word`)
      }
    }
    this.held.add(path)
    this.deps.publishingHere(path)
    return undefined
  }

  /** The local publisher ended (or its ANNOUNCE failed). Looked at on the next turn: a local takeover sets the new publisher right after ending the old. */
  release(path: string): void {
    setImmediate(() => {
      if (!this.held.has(path) || this.publishesHere(path)) return
      this.held.delete(path)
      this.deps.changed()
      if (!this.deps.store.connected) return
      try {
        this.deps.store.redis.eval(DELETE_IF_OWNER, 1, this.deps.keys.lock(path), this.deps.node).catch(() => {})
      } catch {
        // Redis away: the lock expires with the lease.
      }
    })
  }

  /** Extends every held lock; a lock found with another owner is lost: our publisher goes. */
  async refresh(): Promise<void> {
    const { store, keys, node, leaseMs } = this.deps
    const paths = [...this.held]
    if (paths.length === 0) return
    const pipe = store.redis.pipeline()
    for (const p of paths) pipe.eval(REFRESH_IF_OWNER, 1, keys.lock(p), node, leaseMs)
    const results = (await pipe.exec()) ?? []
    const lost: string[] = []
    results.forEach(([err, res], i) => {
      if (!err && res === 0) lost.push(paths[i]!)
    })
    for (const p of lost) {
      // Expired (Redis restarted, or we were cut off longer than the lease): take it again if free.
      const ok = await store.redis.set(keys.lock(p), node, 'PX', leaseMs, 'NX')
      if (ok !== 'OK') this.lose(p, `node ${(await store.redis.get(keys.lock(p))) ?? '?'} holds it now`)
    }
  }

  /** Another node took the path over. */
  onTakeover(path: string, by: string): void {
    if (by === this.deps.node || !this.held.has(path)) return
    this.lose(path, `taken over by a publisher on node ${by}`)
  }

  private lose(path: string, why: string): void {
    this.held.delete(path)
    this.deps.logger.info(`cluster: /${path} ${why}; closing the publisher here`, { path })
    const id = this.deps.server.pathStatus().find((p) => p.name === path)?.publisher?.sessionId
    if (id !== undefined) this.deps.server.kickSession(id)
    this.deps.changed()
  }

  private publishesHere(path: string): boolean {
    return this.deps.server.pathStatus().some((p) => p.name === path && p.publisher !== undefined)
  }

  /** Releases every lock this node holds (it leaves the cluster). */
  async releaseAll(): Promise<void> {
    const { store, keys, node } = this.deps
    const paths = [...this.held]
    this.held.clear()
    if (!store.connected || paths.length === 0) return
    const pipe = store.redis.pipeline()
    for (const p of paths) pipe.eval(DELETE_IF_OWNER, 1, keys.lock(p), node)
    await pipe.exec()
  }
}
