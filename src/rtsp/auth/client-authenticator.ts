/**
 * The client half of RTSP authentication (RFC 2326 section 12.5 defers to HTTP: RFC 7235, RFC 7617
 * Basic, RFC 7616 Digest). Given the challenges of a 401 it picks the strongest scheme it supports —
 * Digest SHA-256, then Digest MD5, then Basic — and builds the Authorization value of every later
 * request. Pure: no sockets; the cnonce comes from the injected Random.
 *
 * Digest choices:
 *  - qop: "auth" when offered (auth-int is not, since it hashes bodies we do not want to buffer);
 *    without qop the RFC 2069 form is used, as gst-rtsp-server, live555 and most cameras expect.
 *  - nc counts requests per nonce and restarts at 1 when the server hands out a new one.
 *  - `algorithm` is echoed only when the challenge named one: some cameras refuse an unknown parameter.
 *  - stale=true (RFC 7616 section 3.3): the password was right, the nonce expired; take the new nonce
 *    and retry without treating it as a failure.
 */
import { AuthError } from '../../errors.js'
import { cryptoRandom, type Random } from '../../util/random.js'
import { formatAuthParams, parseAuthenticate, type AuthChallenge } from './challenge.js'
import { digestAlgorithm, digestHa1, digestHash, digestResponse, formatNonceCount, type DigestAlgorithm } from './digest.js'

export interface Credentials {
  username: string
  password: string
}

export type AuthScheme = 'basic' | 'digest'

/** What a 401 meant to the authenticator. */
export interface ChallengeOutcome {
  scheme: AuthScheme
  /** The server only refreshed the nonce (stale=true): retrying with the same credentials is expected to work. */
  stale: boolean
}

interface DigestState {
  algorithm: DigestAlgorithm
  /** The algorithm parameter as the challenge wrote it, or undefined when absent. */
  algorithmParam: string | undefined
  realm: string
  nonce: string
  opaque: string | undefined
  qop: 'auth' | undefined
  userhash: boolean
  nc: number
}

const DIGEST_BARE = new Set(['algorithm', 'qop', 'nc', 'userhash'])
const CNONCE_WORDS = 2
/** Preference order; a lower rank is stronger. */
const ALGORITHM_RANK: Record<DigestAlgorithm, number> = { 'SHA-256': 0, 'SHA-256-sess': 1, MD5: 2, 'MD5-sess': 3 }

/** `qop="auth,auth-int"` → 'auth' when offered; undefined without qop; null when only unsupported ones are. */
function chooseQop(challenge: AuthChallenge): 'auth' | undefined | null {
  const qop = challenge.params.get('qop')
  if (qop === undefined) return undefined
  const options = qop.split(',').map((s) => s.trim().toLowerCase())
  return options.includes('auth') ? 'auth' : null
}

function rank(c: AuthChallenge): number | undefined {
  const scheme = c.scheme.toLowerCase()
  if (scheme === 'basic') return 10
  if (scheme !== 'digest') return undefined
  const algorithm = digestAlgorithm(c.params.get('algorithm'))
  if (!algorithm || c.params.get('nonce') === undefined || chooseQop(c) === null) return undefined
  return ALGORITHM_RANK[algorithm]
}

export class ClientAuthenticator {
  private readonly credentials: Credentials
  private readonly random: Random
  private chosen: AuthScheme | undefined
  private digest: DigestState | undefined

  constructor(credentials: Credentials, random: Random = cryptoRandom) {
    this.credentials = credentials
    this.random = random
  }

  /** The scheme in use, once a challenge was accepted. */
  get scheme(): AuthScheme | undefined {
    return this.chosen
  }

  /**
   * Takes the WWW-Authenticate values (or parsed challenges) of a 401. Unknown schemes are skipped.
   * Throws AuthError ERR_AUTH_UNSUPPORTED, naming what was offered, when none is usable, and ParseError
   * for a malformed header.
   */
  handleChallenges(challenges: readonly string[] | readonly AuthChallenge[]): ChallengeOutcome {
    const parsed: AuthChallenge[] =
      challenges.length > 0 && typeof challenges[0] === 'string'
        ? parseAuthenticate(challenges as readonly string[])
        : [...(challenges as readonly AuthChallenge[])]
    let best: AuthChallenge | undefined
    let bestRank = Infinity
    for (const c of parsed) {
      const r = rank(c)
      if (r !== undefined && r < bestRank) {
        best = c
        bestRank = r
      }
    }
    if (!best) {
      const offered = parsed.map((c) => (c.scheme.toLowerCase() === 'digest' ? `Digest ${c.params.get('algorithm') ?? 'MD5'}` : c.scheme))
      throw new AuthError(
        'ERR_AUTH_UNSUPPORTED',
        `the server offers no authentication scheme rtspkit supports (offered: ${offered.join(', ') || 'none'})`,
        {
          observed: offered,
          allowed: ['Digest SHA-256', 'Digest MD5', 'Basic'],
        },
      )
    }
    if (best.scheme.toLowerCase() === 'basic') {
      this.chosen = 'basic'
      this.digest = undefined
      return { scheme: 'basic', stale: false }
    }
    const nonce = best.params.get('nonce')!
    const algorithmParam = best.params.get('algorithm')
    const stale = best.params.get('stale')?.toLowerCase() === 'true'
    const sameNonce = this.digest?.nonce === nonce
    this.chosen = 'digest'
    this.digest = {
      algorithm: digestAlgorithm(algorithmParam)!,
      algorithmParam,
      realm: best.params.get('realm') ?? '',
      nonce,
      opaque: best.params.get('opaque'),
      qop: chooseQop(best) ?? undefined,
      userhash: best.params.get('userhash')?.toLowerCase() === 'true',
      nc: sameNonce ? this.digest!.nc : 0,
    }
    return { scheme: 'digest', stale }
  }

  /** The Authorization value for a request, or undefined before any challenge was accepted. */
  authorization(method: string, uri: string): string | undefined {
    if (this.chosen === 'basic') {
      // RFC 7617 section 2: user-pass = userid ":" password, UTF-8, base64.
      const { username, password } = this.credentials
      return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`
    }
    const d = this.digest
    if (!d) return undefined
    const { password } = this.credentials
    const username = d.userhash ? digestHash(d.algorithm, `${this.credentials.username}:${d.realm}`) : this.credentials.username
    const ha1 = digestHa1(d.algorithm, this.credentials.username, d.realm, password)
    const params: [string, string][] = [
      ['username', username],
      ['realm', d.realm],
      ['nonce', d.nonce],
      ['uri', uri],
    ]
    let cnonce: string | undefined
    let nc: string | undefined
    if (d.qop !== undefined || d.algorithm.endsWith('-sess')) cnonce = this.newCnonce()
    if (d.qop !== undefined) nc = formatNonceCount(++d.nc)
    const response = digestResponse({ algorithm: d.algorithm, ha1, nonce: d.nonce, method, uri, qop: d.qop, cnonce, nc })
    params.push(['response', response])
    if (d.algorithmParam !== undefined) params.push(['algorithm', d.algorithm])
    if (d.opaque !== undefined) params.push(['opaque', d.opaque])
    if (d.qop !== undefined) params.push(['qop', d.qop], ['nc', nc!])
    if (cnonce !== undefined) params.push(['cnonce', cnonce])
    if (d.userhash) params.push(['userhash', 'true'])
    return formatAuthParams('Digest', params, DIGEST_BARE)
  }

  private newCnonce(): string {
    let s = ''
    for (let i = 0; i < CNONCE_WORDS; i++) s += (this.random.u32() >>> 0).toString(16).padStart(8, '0')
    return s
  }
}
