/**
 * Stored passwords for `users[].password`. Two forms:
 *
 *   digest:USER:REALM:MD5_HA1:SHA256_HA1   from `rtspkit hash-password`; USER and REALM percent-encoded
 *   plain:PASSWORD                         the password itself (tests, quick setups)
 *
 * Digest (RFC 7616 section 3.4.2) lets a server check a response knowing only
 * HA1 = H(username ":" realm ":" password), so the digest form keeps HA1 for both algorithms the server
 * offers and nothing else. Basic is checked by hashing the offered password the same way (SHA-256)
 * and comparing. The trade-off, as RFC 7616 section 5.1 says: HA1 is password-equivalent for that
 * user and realm — whoever reads the file can log in as the user — and MD5/SHA-256 are fast, so a
 * weak password can be brute-forced from it. It does not reveal the password for other places, and
 * a salted slow hash (scrypt) stored next to it would not help, since the HA1 beside it is the easier
 * target. Keep the file private (mode 600). The user name and realm are part of the hash, so renaming
 * a user or changing server.realm needs new hashes; the validator says so.
 */
import { timingSafeEqual } from 'node:crypto'
import { digestHa1 } from '../rtsp/auth/digest.js'

export const DIGEST_PREFIX = 'digest:'
export const PLAIN_PREFIX = 'plain:'

export type StoredPassword =
  { kind: 'plain'; password: string } | { kind: 'digest'; user: string; realm: string; md5: string; sha256: string }

const MD5_HEX = /^[0-9a-f]{32}$/
const SHA256_HEX = /^[0-9a-f]{64}$/
const DIGEST_PARTS = 4

/** The digest form of `plain` for `user` in `realm`. */
export function hashPassword(plain: string, opts: { user: string; realm: string }): string {
  const md5 = digestHa1('MD5', opts.user, opts.realm, plain)
  const sha256 = digestHa1('SHA-256', opts.user, opts.realm, plain)
  return `${DIGEST_PREFIX}${encodeURIComponent(opts.user)}:${encodeURIComponent(opts.realm)}:${md5}:${sha256}`
}

/** Parses a stored password; a string (the reason) when it is neither form. */
export function parseStoredPassword(text: string): StoredPassword | string {
  if (text.startsWith(PLAIN_PREFIX)) {
    const password = text.slice(PLAIN_PREFIX.length)
    return password === '' ? 'plain: needs a password after it' : { kind: 'plain', password }
  }
  if (!text.startsWith(DIGEST_PREFIX)) return 'must be a hash from `rtspkit hash-password` (digest:…) or plain:PASSWORD'
  const parts = text.slice(DIGEST_PREFIX.length).split(':')
  if (parts.length !== DIGEST_PARTS || !MD5_HEX.test(parts[2]!) || !SHA256_HEX.test(parts[3]!)) {
    return 'is not a complete digest: hash (digest:USER:REALM:32 hex:64 hex); run rtspkit hash-password again'
  }
  try {
    return { kind: 'digest', user: decodeURIComponent(parts[0]!), realm: decodeURIComponent(parts[1]!), md5: parts[2]!, sha256: parts[3]! }
  } catch {
    return 'has a badly encoded user or realm; run rtspkit hash-password again'
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** True when `plain` is `user`'s password (Basic). A digest hash also needs the realm it was made for. */
export function verifyBasic(stored: string, user: string, plain: string): boolean {
  const p = parseStoredPassword(stored)
  if (typeof p === 'string') return false
  if (p.kind === 'plain') return safeEqual(plain, p.password)
  return p.user === user && safeEqual(digestHa1('SHA-256', user, p.realm, plain), p.sha256)
}

/**
 * HA1 for Digest `algorithm` for `user` in `realm`, or undefined when the stored password cannot give
 * it (malformed, or a hash made for another user or realm).
 */
export function digestHa1From(stored: string, algorithm: 'MD5' | 'SHA-256', user: string, realm: string): string | undefined {
  const p = parseStoredPassword(stored)
  if (typeof p === 'string') return undefined
  if (p.kind === 'plain') return digestHa1(algorithm, user, realm, p.password)
  if (p.user !== user || p.realm !== realm) return undefined
  return algorithm === 'MD5' ? p.md5 : p.sha256
}
