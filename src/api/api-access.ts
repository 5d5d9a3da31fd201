/**
 * Who may use the HTTP API: HTTP Basic credentials checked by the application (RFC 7617), and
 * requests from this machine trusted as far as `trustLoopback` says — reads by default, writes (kicks,
 * config changes) only when the operator says so, since a config write can run commands (hooks).
 *
 * A trusted or open API answers only requests whose Host header names a loopback address (or the
 * API's own), so a web page cannot reach it through DNS rebinding; a write that a browser sends from
 * another origin is refused, so a page cannot forge one either (CSRF).
 */
import type http from 'node:http'
import { formatAuthParams, parseAuthorization } from '../rtsp/auth/challenge.js'
import { ApiError } from './api-error.js'

/** What a request asks to do, for `authorize`: reading status, or changing something (a kick, the config). */
export type ApiAction = 'read' | 'write'

/**
 * true: allowed. false: unknown user or wrong password (401, challenge again). 'forbidden': the user
 * is known but may not do this (403).
 */
export type ApiAuthorize = (username: string, password: string, action: ApiAction) => boolean | 'forbidden' | Promise<boolean | 'forbidden'>

/** What a request from a loopback address may do without credentials. */
export type TrustLoopback = 'none' | 'read' | 'all'

export interface ApiAccessOptions {
  authorize: ApiAuthorize | undefined
  trustLoopback: TrustLoopback
  /** The address the API listens on. */
  host: string
  realm: string
}

const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]'])

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase()
  return LOOPBACK_HOSTS.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/**
 * Checks a request (throws ApiError 401 or 403) and says who made it and whether that user may not
 * do `action` (a known user without the right: the route answers 403 once it is known to exist).
 */
export async function checkApiAccess(
  req: http.IncomingMessage,
  action: ApiAction,
  o: ApiAccessOptions,
): Promise<{ username?: string; forbidden: boolean }> {
  if (action === 'write') checkOrigin(req)
  const host = hostOf(req.headers.host)
  const hostOk = host === undefined || isLoopback(host) || host === o.host.toLowerCase()
  const trusted = o.trustLoopback === 'all' || (o.trustLoopback === 'read' && action === 'read')
  if (trusted && hostOk && isLoopback(req.socket.remoteAddress ?? '')) return { forbidden: false }
  const authorize = o.authorize
  if (!authorize) {
    if (!hostOk) throw new ApiError(403, 'ERR_API_HOST', `Host "${host}" is not this API's address`)
    throw new ApiError(
      403,
      'ERR_API_FORBIDDEN',
      action === 'write'
        ? 'changes need an admin user (users[].admin), or api.trustLoopback: all for requests from this machine'
        : 'reading the API needs an admin user (users[].admin), or api.trustLoopback: read for requests from this machine',
    )
  }
  const creds = basicCredentials(req.headers.authorization)
  const decision = creds ? await authorize(creds.username, creds.password, action) : false
  if (creds && decision !== false) return { username: creds.username, forbidden: decision !== true }
  const challenge = formatAuthParams('Basic', [
    ['realm', o.realm],
    ['charset', 'UTF-8'],
  ])
  throw new ApiError(401, 'ERR_API_UNAUTHORIZED', creds ? 'wrong user name or password' : 'credentials required (HTTP Basic)', {
    'WWW-Authenticate': challenge,
  })
}

/** A write a browser sends from a page of another origin (a forged form or fetch) is refused. */
function checkOrigin(req: http.IncomingMessage): void {
  const origin = req.headers.origin
  if (origin === undefined || origin === 'null') {
    if (req.headers['sec-fetch-site'] === 'cross-site') throw new ApiError(403, 'ERR_API_ORIGIN', 'cross-site writes are refused')
    return
  }
  let originHost: string
  try {
    originHost = new URL(origin).host.toLowerCase()
  } catch {
    throw new ApiError(403, 'ERR_API_ORIGIN', `bad Origin "${origin}"`)
  }
  if (originHost !== (req.headers.host ?? '').toLowerCase())
    throw new ApiError(403, 'ERR_API_ORIGIN', `writes from the page of ${origin} are refused (not this API's origin)`)
}

/** The host part of a Host header (`127.0.0.1:9997`, `[::1]:9997`), lower-cased. */
function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header) ?? /^([^:]+)(?::\d+)?$/.exec(header)
  return (m ? m[1]! : header).toLowerCase()
}

/** User name and password of a Basic Authorization value (RFC 7617 §2), or undefined. */
function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  if (!header) return undefined
  let creds
  try {
    creds = parseAuthorization(header)
  } catch {
    return undefined
  }
  if (creds.scheme.toLowerCase() !== 'basic' || creds.token68 === undefined) return undefined
  const text = Buffer.from(creds.token68, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  return colon === -1 ? undefined : { username: text.slice(0, colon), password: text.slice(colon + 1) }
}
