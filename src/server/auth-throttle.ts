/**
 * Password guessing, held to a fixed rate whatever the number of connections: a token bucket per
 * client address (per /64 for IPv6) and one per user name, shared by every connection. A failed login takes a token
 * from both; while either is empty, credentials from that address (or for that user) are not
 * checked at all — the gate answers 503 with Retry-After — so no guess is made, however many
 * connections ask. A success gives nothing back: a valid login of one's own cannot buy an attacker
 * at the same address (or anyone else) more guesses.
 *
 * One episode is logged twice: when a bucket runs dry, and when it has filled up again, with the
 * number of attempts refused meanwhile. Pure apart from the injected clock and logger; the tables
 * are bounded.
 */
import type { Logger } from '../log/logger.js'
import type { Clock } from '../util/clock.js'

export interface BucketRate {
  /** Failures allowed in a burst (the bucket's size). */
  burst: number
  /** Tokens given back per second. */
  perSecond: number
}

export interface AuthThrottleOptions {
  perAddress: BucketRate
  perUser: BucketRate
}

/** 10 wrong passwords at once from an address, then one every 3 s (20 a minute) whatever the connections. */
export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = {
  perAddress: { burst: 10, perSecond: 1 / 3 },
  perUser: { burst: 20, perSecond: 1 / 2 },
}
/** Buckets kept per table; full ones are forgotten first, then the oldest. */
const MAX_BUCKETS = 10_000
/** An IPv6 client usually holds a whole /64 (RFC 6177): its addresses share one bucket. */
const IPV6_PREFIX_GROUPS = 4
const IPV6_GROUPS = 8

/** The address bucket's key: the address itself for IPv4, its /64 for IPv6. */
export function addressKey(ip: string): string {
  if (!ip.includes(':')) return ip
  const [head = '', tail] = ip.toLowerCase().split('::', 2)
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const missing = tail === undefined ? 0 : IPV6_GROUPS - left.length - right.length
  const groups = [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right]
  const prefix = groups.slice(0, IPV6_PREFIX_GROUPS).map((g) => g.replace(/^0+(?=.)/, ''))
  return `${prefix.join(':')}::/64`
}

interface Bucket {
  tokens: number
  lastMono: number
  /** Failures since the bucket was made (it is forgotten once full again). */
  failures: number
  /** Set while the bucket is (or was, and has not refilled since) empty. */
  episode?: { since: number; refused: number }
}

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterS: number; who: string }

class BucketTable {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    readonly kind: 'address' | 'user',
    private readonly rate: BucketRate,
  ) {}

  /** The bucket for `key` refilled to `now` (a new one is full). */
  get(key: string, now: number, create: boolean): Bucket | undefined {
    let b = this.buckets.get(key)
    if (!b) {
      if (!create) return undefined
      b = { tokens: this.rate.burst, lastMono: now, failures: 0 }
      this.buckets.set(key, b)
      this.bound()
      return b
    }
    b.tokens = Math.min(this.rate.burst, b.tokens + ((now - b.lastMono) / 1000) * this.rate.perSecond)
    b.lastMono = now
    return b
  }

  /** Seconds until `b` holds a whole token again. */
  waitS(b: Bucket): number {
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate.perSecond))
  }

  /** Refills every bucket to `now`; yields the episodes that ended (bucket full again) and forgets full buckets. */
  *sweep(now: number): Generator<[string, NonNullable<Bucket['episode']>, number]> {
    for (const [key, b] of this.buckets) {
      this.get(key, now, false)
      if (b.tokens < this.rate.burst) continue
      this.buckets.delete(key)
      if (b.episode) yield [key, b.episode, b.failures]
    }
  }

  private bound(): void {
    if (this.buckets.size <= MAX_BUCKETS) return
    for (const [key, b] of this.buckets) {
      if (b.episode) continue
      this.buckets.delete(key)
      if (this.buckets.size <= MAX_BUCKETS) return
    }
    this.buckets.delete(this.buckets.keys().next().value!)
  }
}

export class AuthThrottle {
  private readonly addresses: BucketTable
  private readonly users: BucketTable
  private lastSweepMono = 0

  constructor(
    private readonly deps: { clock: Clock; logger: Logger },
    opts: AuthThrottleOptions = DEFAULT_AUTH_THROTTLE,
  ) {
    this.addresses = new BucketTable('address', opts.perAddress)
    this.users = new BucketTable('user', opts.perUser)
  }

  /** Whether credentials from `ip` for `user` may be checked now; a refusal is counted in the episode. */
  admit(ip: string, user: string | undefined): ThrottleVerdict {
    const now = this.deps.clock.monoMs()
    this.sweep(now)
    for (const [table, key] of this.keys(ip, user)) {
      const b = table.get(key, now, false)
      if (b && b.tokens < 1) {
        if (b.episode) b.episode.refused++
        return { ok: false, retryAfterS: table.waitS(b), who: `${table.kind} ${key}` }
      }
    }
    return { ok: true }
  }

  /** A failed login from `ip` for `user`: a token from each bucket. True when this failure started an episode (logged). */
  fail(ip: string, user: string | undefined): boolean {
    const now = this.deps.clock.monoMs()
    let started = false
    for (const [table, key] of this.keys(ip, user)) {
      const b = table.get(key, now, true)!
      b.tokens = Math.max(0, b.tokens - 1)
      b.failures++
      if (b.tokens >= 1 || b.episode) continue
      b.episode = { since: now, refused: 0 }
      started = true
      this.deps.logger.warn(
        `authentication throttled for ${table.kind} ${key}: too many failed logins; further attempts get 503 until it slows down`,
        { remote: ip },
      )
    }
    return started
  }

  /** Logs the episodes that are over (their bucket is full again). Does the work at most once a second. */
  sweep(now = this.deps.clock.monoMs()): void {
    if (now - this.lastSweepMono < 1000) return
    this.lastSweepMono = now
    for (const table of [this.addresses, this.users]) {
      for (const [key, e, failures] of table.sweep(now)) {
        this.deps.logger.info(
          `authentication throttle for ${table.kind} ${key} ended after ${Math.round((now - e.since) / 1000)} s: ${failures} failed, ${e.refused} refused`,
        )
      }
    }
  }

  private keys(ip: string, user: string | undefined): [BucketTable, string][] {
    const address = addressKey(ip)
    return user === undefined || user === ''
      ? [[this.addresses, address]]
      : [
          [this.addresses, address],
          [this.users, user],
        ]
  }
}
