/**
 * The server half of RTSP authentication: WWW-Authenticate challenges for a 401 and verification of
 * Authorization values, for Basic (RFC 7617) and Digest MD5 / SHA-256 (RFC 7616). Pure: time and
 * randomness are injected, there are no sockets and no timers.
 *
 * Nonces are stateless (RFC 7616 section 3.3 suggests "time-stamp H(time-stamp ":" ETag ":" secret)"):
 * base64url of the issue time, 8 random bytes and an HMAC-SHA-256 tag under a per-instance secret, so
 * verifying needs no table. A nonce whose tag checks but whose age exceeds `nonceTtlMs` is stale: the
 * next challenge says stale=true and a client that knows the password retries without asking the user.
 * Nonce counts are tracked per nonce in a bounded table, so a replayed request (same nc) is refused.
 * Answers without qop (RFC 2069 form: GStreamer, cameras) carry no count; there each response is
 * accepted once per nonce, so a captured header cannot be replayed either. A refused repeat is
 * answered as stale: a client that knows the password signs again with a fresh nonce.
 *
 * When the caller gives the request URI, the `uri` parameter must name the same resource
 * (digest-uri.ts lists the client differences tolerated); the response is computed over the uri
 * the client declared.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { ConfigError, ParseError } from '../../errors.js'
import { systemClock, type Clock } from '../../util/clock.js'
import { cryptoRandom, type Random } from '../../util/random.js'
import { formatAuthParams, parseAuthorization } from './challenge.js'
import { digestAlgorithm, digestHa1, digestResponse } from './digest.js'
import { digestUriMatches } from './digest-uri.js'

export type ServerAuthMethod = 'basic' | 'digest'

/** A user's secret: the password, or the stored H(username:realm:password) per algorithm (Digest only). */
export type UserSecret = { password: string } | { ha1: Partial<Record<'MD5' | 'SHA-256', string>> }

export interface ServerAuthenticatorOptions {
  realm: string
  /** Looks a user up; undefined for an unknown user. */
  users: (username: string) => UserSecret | undefined
  /** Offered in this order (default ['digest']). */
  methods?: readonly ServerAuthMethod[]
  /** Digest algorithms offered, strongest first (default ['SHA-256', 'MD5']). */
  algorithms?: readonly ('MD5' | 'SHA-256')[]
  /** Offer qop=auth (default true); false gives the RFC 2069 form some old clients need. */
  qop?: boolean
  /**
   * Refuse answers without qop when qop=auth was offered (default false): RTSP clients such as
   * GStreamer's rtspsrc answer in the RFC 2069 form whatever the challenge says (RFC 2617 §3.2.2
   * keeps that form for compatibility).
   */
  requireQop?: boolean
  /** Lifetime of a nonce (default 30 s); an older one is answered with stale=true. */
  nonceTtlMs?: number
  clock?: Clock
  random?: Random
}

/** What the caller knows about the request beyond its method and Authorization. */
export interface VerifyContext {
  /** The request line's URI: Digest's `uri` must name the same resource (digest-uri.ts). */
  requestUri?: string
  /** Accept Basic credentials (default true; false over plain RTSP unless allowed, see AccessGate). */
  basic?: boolean
}

export type VerifyResult =
  | { ok: true; username: string; scheme: ServerAuthMethod }
  /** `stale`: the credentials were right but the nonce expired; challenge again with stale=true. */
  | { ok: false; stale: boolean; reason: string }

export const DEFAULT_NONCE_TTL_MS = 30_000
/** Nonces whose counts are remembered for replay checks. */
const MAX_TRACKED_NONCES = 10_000
const TIME_BYTES = 8
const NONCE_RANDOM_BYTES = 8
const TAG_BYTES = 16
const SECRET_WORDS = 8
const NONCE_BYTES = TIME_BYTES + NONCE_RANDOM_BYTES + TAG_BYTES
const DIGEST_BARE = new Set(['algorithm', 'qop', 'stale'])

function fail(reason: string, stale = false): VerifyResult {
  return { ok: false, stale, reason }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export class ServerAuthenticator {
  readonly realm: string
  private readonly opts: ServerAuthenticatorOptions
  private readonly methods: readonly ServerAuthMethod[]
  private readonly algorithms: readonly ('MD5' | 'SHA-256')[]
  private readonly ttlMs: number
  private readonly clock: Clock
  private readonly random: Random
  private readonly secret: Buffer
  /** Highest nonce count accepted per nonce and cnonce, oldest first. */
  private readonly nonceCounts = new Map<string, number>()

  constructor(opts: ServerAuthenticatorOptions) {
    if (/["\\\r\n]/.test(opts.realm))
      throw new ConfigError('ERR_AUTH_REALM', 'realm must not contain quotes, backslashes or line breaks', { observed: opts.realm })
    this.opts = opts
    this.realm = opts.realm
    this.methods = opts.methods ?? ['digest']
    this.algorithms = opts.algorithms ?? ['SHA-256', 'MD5']
    if (this.methods.length === 0)
      throw new ConfigError('ERR_AUTH_METHODS', 'at least one authentication method is needed', {
        observed: [],
        allowed: ['basic', 'digest'],
      })
    this.ttlMs = opts.nonceTtlMs ?? DEFAULT_NONCE_TTL_MS
    this.clock = opts.clock ?? systemClock
    this.random = opts.random ?? cryptoRandom
    this.secret = Buffer.alloc(SECRET_WORDS * 4)
    for (let i = 0; i < SECRET_WORDS; i++) this.secret.writeUInt32BE(this.random.u32() >>> 0, i * 4)
  }

  /** The schemes this authenticator offers, in order. */
  get offered(): readonly ServerAuthMethod[] {
    return this.methods
  }

  /** WWW-Authenticate values for a 401, one per scheme and algorithm, strongest first. `basic: false` leaves Basic out. */
  challenges(opts: { stale?: boolean; basic?: boolean } = {}): string[] {
    const out: string[] = []
    for (const m of this.methods) {
      if (m === 'basic') {
        if (opts.basic !== false) out.push(formatAuthParams('Basic', [['realm', this.realm]]))
        continue
      }
      for (const algorithm of this.algorithms) {
        const params: [string, string][] = [['realm', this.realm]]
        if (this.opts.qop !== false) params.push(['qop', 'auth'])
        params.push(['nonce', this.newNonce()], ['algorithm', algorithm])
        if (opts.stale) params.push(['stale', 'true'])
        out.push(formatAuthParams('Digest', params, DIGEST_BARE))
      }
    }
    return out
  }

  /** Checks the Authorization value of a request (undefined when absent). */
  verify(method: string, authorization: string | undefined, context: VerifyContext = {}): VerifyResult {
    if (authorization === undefined) return fail('no credentials')
    let creds
    try {
      creds = parseAuthorization(authorization)
    } catch (err) {
      if (err instanceof ParseError) return fail('malformed Authorization')
      throw err
    }
    const scheme = creds.scheme.toLowerCase()
    if (scheme === 'basic' && this.methods.includes('basic')) {
      return context.basic === false ? fail('Basic not accepted on this connection') : this.verifyBasic(creds.token68)
    }
    if (scheme === 'digest' && this.methods.includes('digest')) return this.verifyDigest(method, creds.params, context.requestUri)
    return fail(`scheme ${creds.scheme} not accepted`)
  }

  private verifyBasic(token: string | undefined): VerifyResult {
    if (token === undefined) return fail('Basic without credentials')
    const text = Buffer.from(token, 'base64').toString('utf8')
    const colon = text.indexOf(':')
    if (colon === -1) return fail('Basic credentials without ":"')
    return this.verifyPlain(text.slice(0, colon), text.slice(colon + 1))
  }

  /**
   * Checks a user name and password a protocol carries in the clear (Basic; RTMP's `?user=&pass=`),
   * whichever schemes the server offers RTSP clients.
   */
  verifyPlain(username: string, password: string): VerifyResult {
    const secret = this.opts.users(username)
    if (!secret) return fail('unknown user')
    if ('password' in secret) return safeEqual(password, secret.password) ? { ok: true, username, scheme: 'basic' } : fail('wrong password')
    // Only H(user:realm:password) is stored: hash what the client sent the same way and compare.
    const algorithm = secret.ha1['SHA-256'] !== undefined ? 'SHA-256' : 'MD5'
    const stored = secret.ha1[algorithm]
    if (stored === undefined) return fail('no password stored')
    return safeEqual(digestHa1(algorithm, username, this.realm, password), stored.toLowerCase())
      ? { ok: true, username, scheme: 'basic' }
      : fail('wrong password')
  }

  /**
   * Checks a challenge-response computed over the plain password (RTMP's Adobe authentication):
   * `answers(password)` says whether the client's response is the one that password gives. Users
   * stored only as a Digest hash cannot take part (the hash is not the password).
   */
  verifyProof(username: string, answers: (password: string) => boolean): VerifyResult {
    const secret = this.opts.users(username)
    if (!secret) return fail('unknown user')
    if (!('password' in secret)) return fail('password stored hashed: this scheme needs it in plain')
    return answers(secret.password) ? { ok: true, username, scheme: 'basic' } : fail('wrong password')
  }

  private verifyDigest(method: string, p: Map<string, string>, requestUri: string | undefined): VerifyResult {
    const username = p.get('username')
    const nonce = p.get('nonce')
    const uri = p.get('uri')
    const response = p.get('response')
    if (username === undefined || nonce === undefined || uri === undefined || response === undefined)
      return fail('Digest parameters missing')
    if (p.get('realm') !== this.realm) return fail('wrong realm')
    if (requestUri !== undefined && !digestUriMatches(uri, requestUri))
      return fail(`uri ${JSON.stringify(uri.slice(0, 200))} is not the request URI`)
    const algorithm = digestAlgorithm(p.get('algorithm'))
    if (algorithm !== 'MD5' && algorithm !== 'SHA-256') return fail('algorithm not offered')
    if (!this.algorithms.includes(algorithm)) return fail('algorithm not offered')
    const qop = p.get('qop')
    if (qop !== undefined && qop !== 'auth') return fail('qop not offered')
    if (qop === undefined && this.opts.qop !== false && this.opts.requireQop === true) return fail('qop=auth required')
    const cnonce = p.get('cnonce')
    const nc = p.get('nc')
    if (qop !== undefined && (cnonce === undefined || nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc))) return fail('cnonce or nc missing')
    const age = this.nonceAge(nonce)
    if (age === undefined) return fail('nonce not issued here')
    const ha1 = this.ha1For(username, algorithm, p.get('userhash')?.toLowerCase() === 'true')
    if (!ha1) return fail('unknown user')
    const expected = digestResponse({ algorithm, ha1: ha1.ha1, nonce, method, uri, qop: qop, cnonce, nc })
    if (!safeEqual(expected, response.toLowerCase())) return fail('wrong response')
    // RFC 7616 3.3: stale only when the digest was valid, so a wrong password is never reported as stale.
    if (age > this.ttlMs) return fail('nonce expired', true)
    // RFC 7616 3.4: with qop the client counts its uses of a nonce; a count seen before is a replay.
    if (nc !== undefined && !this.countUse(`${nonce}|${cnonce ?? ''}`, parseInt(nc, 16))) return fail('nonce count replayed')
    // No qop, no count: each response once per nonce. A repeat is stale, so an honest client re-signs.
    if (nc === undefined && !this.countUse(`${nonce}|r=${response.toLowerCase()}`, 1)) return fail('response replayed', true)
    return { ok: true, username: ha1.username, scheme: 'digest' }
  }

  /**
   * Records a use of a nonce by one client (`key` = nonce and cnonce: clients sharing a nonce count
   * separately) with count `nc`; false when that count, or a higher one, was seen.
   */
  private countUse(key: string, nc: number): boolean {
    const last = this.nonceCounts.get(key)
    if (last !== undefined && nc <= last) return false
    // Bounded: the oldest entries are forgotten first (their nonces expire anyway).
    this.nonceCounts.delete(key)
    this.nonceCounts.set(key, nc)
    if (this.nonceCounts.size > MAX_TRACKED_NONCES) this.nonceCounts.delete(this.nonceCounts.keys().next().value!)
    return true
  }

  private ha1For(username: string, algorithm: 'MD5' | 'SHA-256', userhash: boolean): { ha1: string; username: string } | undefined {
    // userhash (RFC 7616 3.4.4) would need a search over users; only plain usernames are looked up.
    if (userhash) return undefined
    const secret = this.opts.users(username)
    if (!secret) return undefined
    if ('password' in secret) return { ha1: digestHa1(algorithm, username, this.realm, secret.password), username }
    const stored = secret.ha1[algorithm]
    return stored ? { ha1: stored.toLowerCase(), username } : undefined
  }

  private newNonce(): string {
    const buf = Buffer.alloc(NONCE_BYTES)
    buf.writeDoubleBE(this.clock.monoMs(), 0)
    buf.writeUInt32BE(this.random.u32() >>> 0, TIME_BYTES)
    buf.writeUInt32BE(this.random.u32() >>> 0, TIME_BYTES + 4)
    this.tag(buf.subarray(0, TIME_BYTES + NONCE_RANDOM_BYTES)).copy(buf, TIME_BYTES + NONCE_RANDOM_BYTES)
    return buf.toString('base64url')
  }

  /** Milliseconds since the nonce was issued, or undefined when we did not issue it. */
  private nonceAge(nonce: string): number | undefined {
    const buf = Buffer.from(nonce, 'base64url')
    if (buf.length !== NONCE_BYTES || buf.toString('base64url') !== nonce) return undefined
    const tag = this.tag(buf.subarray(0, TIME_BYTES + NONCE_RANDOM_BYTES))
    if (!timingSafeEqual(tag, buf.subarray(TIME_BYTES + NONCE_RANDOM_BYTES))) return undefined
    return this.clock.monoMs() - buf.readDoubleBE(0)
  }

  private tag(data: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(data).digest().subarray(0, TAG_BYTES)
  }
}
