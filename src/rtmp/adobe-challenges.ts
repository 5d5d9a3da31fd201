/**
 * The challenges of Adobe RTMP authentication (adobe-auth.ts) handed out and not yet answered. Each
 * is random, for one client address and user, answered at most once (taken out of the table when
 * the answer comes, right or wrong), and forgotten after `ttlMs`: a captured response cannot be
 * replayed, and a challenge cannot be farmed for later. The table is bounded; the oldest go first.
 * Time and randomness are injected.
 */
import type { Clock } from '../util/clock.js'
import type { AdobeChallenge } from './adobe-auth.js'

export interface AdobeChallengesOptions {
  clock: Clock
  fillRandom: (b: Buffer) => void
  /** How long a challenge may be answered (default 30 s: the client answers at once). */
  ttlMs?: number
  /** Challenges kept at most (default 1000). */
  maxPending?: number
}

interface Pending extends AdobeChallenge {
  ip: string
  user: string
  issuedMono: number
}

export const DEFAULT_ADOBE_TTL_MS = 30_000
const DEFAULT_MAX_PENDING = 1000
const SALT_BYTES = 12
const CHALLENGE_BYTES = 12

export class AdobeChallenges {
  /** By opaque (unique), oldest first. */
  private readonly pending = new Map<string, Pending>()
  private readonly ttlMs: number
  private readonly maxPending: number

  constructor(private readonly opts: AdobeChallengesOptions) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_ADOBE_TTL_MS
    this.maxPending = opts.maxPending ?? DEFAULT_MAX_PENDING
  }

  get size(): number {
    return this.pending.size
  }

  /** A fresh salt, challenge and opaque for `user` at `ip`. */
  issue(ip: string, user: string): AdobeChallenge {
    this.expire()
    const c: AdobeChallenge = { salt: this.token(SALT_BYTES), challenge: this.token(CHALLENGE_BYTES), opaque: this.token(CHALLENGE_BYTES) }
    this.pending.set(c.opaque, { ...c, ip, user, issuedMono: this.opts.clock.monoMs() })
    while (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value!)
    return c
  }

  /**
   * The challenge an answer is for, taken out of the table: by the opaque the client echoes, or —
   * for clients that answer the challenge and leave the opaque out — the latest for its address and
   * user. Undefined when there is none (never issued, expired, or answered already).
   */
  take(ip: string, user: string, opaque: string | undefined): AdobeChallenge | undefined {
    this.expire()
    let found: Pending | undefined
    if (opaque !== undefined) found = this.pending.get(opaque)
    else for (const p of this.pending.values()) if (p.ip === ip && p.user === user) found = p
    if (!found) return undefined
    this.pending.delete(found.opaque)
    if (found.ip !== ip || found.user !== user) return undefined
    return { salt: found.salt, challenge: found.challenge, opaque: found.opaque }
  }

  private expire(): void {
    const now = this.opts.clock.monoMs()
    for (const [key, p] of this.pending) {
      if (now - p.issuedMono <= this.ttlMs) return
      this.pending.delete(key)
    }
  }

  /** Random bytes in base64url: only characters every client copies as they are. */
  private token(bytes: number): string {
    const b = Buffer.alloc(bytes)
    this.opts.fillRandom(b)
    return b.toString('base64url')
  }
}
