/**
 * The cluster's two Redis connections (commands, and a subscriber for the events channel and key
 * expiries), through ioredis, loaded only when a cluster is configured. Redis going away is an
 * expected state, not an error: commands fail fast (no offline queue, so nothing piles up while it
 * is gone), `connected` says so, the outage is logged once, and ioredis keeps reconnecting; `up` is
 * emitted each time both connections are ready again so the node can register itself anew.
 */
import { EventEmitter } from 'node:events'
import type { Redis as RedisClient, RedisOptions } from 'ioredis'
import { StateError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { redactUrl } from './cluster-info.js'

/** Longest wait between reconnection attempts (ms). */
const MAX_RECONNECT_DELAY_MS = 1000
const CONNECT_TIMEOUT_MS = 2000

export interface StoreEvents {
  /** Both connections are ready (the first time, and after every outage). */
  up: []
  /** A message on a subscribed channel. */
  message: [channel: string, message: string]
}

export class ClusterStore extends EventEmitter<StoreEvents> {
  private cmd: RedisClient | undefined
  private sub: RedisClient | undefined
  private channels: string[] = []
  private closed = false
  private cmdReady = false
  private subReady = false
  /** When the current outage began (epoch ms), or undefined while connected. */
  downSince: number | undefined
  /** Outages since start. */
  outages = 0
  private announced = false

  constructor(
    readonly url: string,
    private readonly logger: Logger,
  ) {
    super()
  }

  get connected(): boolean {
    return this.cmdReady && this.subReady
  }

  /** Starts connecting (ioredis is loaded here); resolves at once, `up` follows when Redis answers. */
  async open(channels: string[]): Promise<void> {
    this.channels = channels
    const { Redis } = await import('ioredis')
    const options: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => (this.closed ? null : Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS)),
    }
    const cmd = new Redis(this.url, { ...options, connectionName: 'rtspkit-cluster' })
    const sub = new Redis(this.url, { ...options, connectionName: 'rtspkit-cluster-events' })
    this.cmd = cmd
    this.sub = sub
    cmd.on('ready', () => {
      this.cmdReady = true
      this.maybeUp()
    })
    sub.on('ready', () => {
      this.subReady = true
      sub.subscribe(...this.channels).then(
        () => this.maybeUp(),
        (err: Error) => this.lost(err.message),
      )
    })
    sub.on('message', (channel: string, message: string) => this.emit('message', channel, message))
    for (const c of [cmd, sub]) {
      c.on('error', (err: Error) => this.lost(err.message))
      c.on('close', () => {
        if (c === cmd) this.cmdReady = false
        else this.subReady = false
        this.lost('connection closed')
      })
    }
  }

  /** The command connection; throws when Redis is unreachable now (callers treat that as an outage). */
  get redis(): RedisClient {
    if (!this.cmd || !this.cmdReady) throw new StateError('ERR_CLUSTER_OFFLINE', 'Redis is unreachable')
    return this.cmd
  }

  /** Adds a channel to the subscriptions (e.g. key expiries once they are enabled). */
  async subscribe(channel: string): Promise<void> {
    if (!this.channels.includes(channel)) this.channels.push(channel)
    if (this.sub && this.subReady) await this.sub.subscribe(channel)
  }

  private maybeUp(): void {
    if (!this.connected || this.closed) return
    if (this.downSince !== undefined) {
      this.logger.info(`cluster: Redis ${redactUrl(this.url)} reachable again after ${Date.now() - this.downSince} ms; rejoining`)
      this.downSince = undefined
    } else if (!this.announced) this.logger.info(`cluster: connected to Redis ${redactUrl(this.url)}`)
    this.announced = true
    this.emit('up')
  }

  /** Logged once per outage; the node keeps serving what it has meanwhile. */
  private lost(reason: string): void {
    if (this.closed || this.downSince !== undefined) return
    this.downSince = Date.now()
    this.outages++
    this.logger.warn(`cluster: Redis ${redactUrl(this.url)} unreachable (${reason}); serving local readers and relays, retrying`)
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const clients = [this.cmd, this.sub].filter((c): c is RedisClient => c !== undefined)
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())))
  }
}
