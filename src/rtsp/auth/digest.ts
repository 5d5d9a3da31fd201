/**
 * HTTP Digest computations, RFC 7616 section 3.4.1-3.4.4 (RFC 2617 section 3.2.2 for MD5, and the
 * RFC 2069 form without qop that cameras and gst-rtsp-server still use):
 *
 *   A1       = username ":" realm ":" passwd                         (algorithm, no "-sess")
 *   A1       = H(username ":" realm ":" passwd) ":" nonce ":" cnonce  ("-sess" algorithms)
 *   A2       = Method ":" request-uri                                (qop=auth, or no qop)
 *   response = H( H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2) )   (qop present)
 *   response = H( H(A1) ":" nonce ":" H(A2) )                               (RFC 2069, no qop)
 *
 * Pure: hashing only, no state, no randomness.
 */
import { createHash } from 'node:crypto'
import { ConfigError } from '../../errors.js'

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess'

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess']
const HASH_OF: Record<DigestAlgorithm, string> = { MD5: 'md5', 'MD5-sess': 'md5', 'SHA-256': 'sha256', 'SHA-256-sess': 'sha256' }
/** nc is "the hexadecimal count of the number of requests", 8 digits (RFC 7616 section 3.4). */
const NC_DIGITS = 8

/** The algorithm named by a challenge's `algorithm` parameter (case-insensitive; absent means MD5), or undefined when unsupported. */
export function digestAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  if (name === undefined || name === '') return 'MD5'
  return DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === name.toLowerCase())
}

/** True for the "-sess" variants, whose A1 includes the nonce and cnonce. */
export function isSessionAlgorithm(a: DigestAlgorithm): boolean {
  return a.endsWith('-sess')
}

/** Lowercase hex digest of `text` (UTF-8) with the algorithm's hash function. */
export function digestHash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(HASH_OF[algorithm]).update(text, 'utf8').digest('hex')
}

/** H(username:realm:password): what a server may store instead of the password. */
export function digestHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`)
}

/** The 8-hex-digit nonce count. */
export function formatNonceCount(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) {
    throw new ConfigError('ERR_AUTH_NONCE_COUNT', `nonce count ${n} is not in 1..2^32-1`, { observed: n, allowed: '1..4294967295' })
  }
  return n.toString(16).padStart(NC_DIGITS, '0')
}

export interface DigestInput {
  algorithm: DigestAlgorithm
  /** H(username:realm:password), from digestHa1 or a store. */
  ha1: string
  nonce: string
  method: string
  uri: string
  /** 'auth', or undefined for the RFC 2069 form. */
  qop?: 'auth' | undefined
  /** Required with qop or a "-sess" algorithm. */
  cnonce?: string | undefined
  /** 8 hex digits, required with qop. */
  nc?: string | undefined
}

/** The `response` parameter. */
export function digestResponse(d: DigestInput): string {
  const H = (s: string): string => digestHash(d.algorithm, s)
  const ha1 = isSessionAlgorithm(d.algorithm) ? H(`${d.ha1}:${d.nonce}:${d.cnonce ?? ''}`) : d.ha1
  const ha2 = H(`${d.method}:${d.uri}`)
  if (d.qop === undefined) return H(`${ha1}:${d.nonce}:${ha2}`)
  return H(`${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:${d.qop}:${ha2}`)
}
