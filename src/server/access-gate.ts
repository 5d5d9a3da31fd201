/**
 * Every request passes here before it is handled: the access policy says allow, 403, or
 * credentials first (401 with every challenge until they pass, RFC 2326 §11). Failed logins are
 * held to a rate per address and per user across connections (auth-throttle.ts). Over plain RTSP,
 * Basic (the password in clear) is neither offered nor accepted unless the policy allows it or
 * offers nothing else; over RTSPS it is. The policy is swapped on a config reload.
 */
import type { Logger } from '../log/logger.js'
import { ParseError } from '../errors.js'
import { parseAuthorization } from '../rtsp/auth/challenge.js'
import type { VerifyResult } from '../rtsp/auth/server-authenticator.js'
import type { RtspRequest, RtspResponse } from '../rtsp/message.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'
import { PathPasswords, type AccessDecision, type AccessPolicy, type PathUsers } from './access.js'
import { AuthThrottle } from './auth-throttle.js'
import { makeResponse, type ServerConnection } from './server-connection.js'
import { isTlsConnection } from './srtp-session.js'

type Authenticate = Extract<AccessDecision, { kind: 'authenticate' }>

/** The user name an Authorization value claims (Basic or Digest), for the per-user throttle; undefined when none can be read. */
export function claimedUser(authorization: string): string | undefined {
  try {
    const creds = parseAuthorization(authorization)
    if (creds.scheme.toLowerCase() === 'digest') return creds.params.get('username')
    if (creds.scheme.toLowerCase() !== 'basic' || creds.token68 === undefined) return undefined
    const text = Buffer.from(creds.token68, 'base64').toString('utf8')
    const colon = text.indexOf(':')
    return colon === -1 ? undefined : text.slice(0, colon)
  } catch (err) {
    if (err instanceof ParseError) return undefined
    throw err
  }
}

/** Whether Basic may be used: inside TLS, when the policy allows it in clear, or when it is all the policy offers. */
function basicAllowed(decision: Authenticate, secure: boolean): boolean {
  return secure || decision.basicOverPlain === true || decision.authenticator.offered.every((m) => m === 'basic')
}

export class AccessGate {
  private policy: AccessPolicy
  private readonly passwords: PathPasswords
  private readonly throttle: AuthThrottle

  constructor(private readonly deps: { clock: Clock; random: Random; logger: Logger }) {
    this.passwords = new PathPasswords(deps)
    this.policy = this.passwords
    this.throttle = new AuthThrottle(deps)
  }

  /** protectPath: users for a path of the built-in password policy. */
  protect(path: string, users: PathUsers): void {
    this.passwords.protect(path, users)
  }

  setPolicy(policy: AccessPolicy): void {
    this.policy = policy
  }

  /** Undefined when the request may go on; else the answer (403, 503 while throttled, or 401 with challenges). `path`: what it names. */
  check(conn: ServerConnection, req: RtspRequest, path: string): Promise<RtspResponse | undefined> {
    const logger = this.deps.logger
    const record =
      req.method === 'ANNOUNCE' ||
      req.method === 'RECORD' ||
      (req.method === 'SETUP' && /mode\s*=\s*"?record"?/i.test(req.headers.get('Transport') ?? ''))
    const ip = conn.remoteAddress.replace(/^::ffff:/, '')
    // Throttle episodes that are over are logged with the next request (at most once a second; no timer).
    this.throttle.sweep()
    const decision = this.policy.decide({ action: record ? 'publish' : 'read', path, ip })
    if (decision.kind === 'allow') return Promise.resolve(undefined)
    if (decision.kind === 'forbid') {
      logger.warn(`${req.method} forbidden: ${decision.reason}`, { path, remote: ip })
      return Promise.resolve(makeResponse(403))
    }
    const basic = basicAllowed(decision, isTlsConnection(conn))
    const authorization = req.headers.get('Authorization')
    const outcome = this.verify(decision, ip, req.method, authorization, { requestUri: req.uri, basic })
    if (outcome.kind === 'throttled') return Promise.resolve(makeResponse(503, { 'Retry-After': String(outcome.retryAfterS) }))
    const result = outcome.result
    if (result.ok) {
      if (decision.allowed(result.username)) return Promise.resolve(undefined)
      logger.warn(`${req.method} by ${result.username} forbidden: no ${record ? 'publish' : 'read'} permission`, {
        path,
        remote: ip,
      })
      return Promise.resolve(makeResponse(403))
    }
    if (authorization !== undefined && !result.stale && !outcome.inEpisode) {
      logger.warn(`${req.method} refused: ${result.reason}`, { path, remote: ip })
    }
    const res = makeResponse(401)
    for (const c of decision.authenticator.challenges({ stale: result.stale, basic })) res.headers.append('WWW-Authenticate', c)
    return Promise.resolve(res)
  }

  /**
   * The same decision for a request that did not come over RTSP (WHEP, WHIP, HLS): its action, path,
   * address and HTTP Authorization header. Failures count in the same throttle.
   */
  checkOther(req: OtherAccessRequest): Promise<OtherAccessResult> {
    const ip = req.remoteAddress.replace(/^::ffff:/, '')
    const decision = this.policy.decide({ action: req.action, path: req.path, ip })
    if (decision.kind === 'allow') return Promise.resolve({ ok: true })
    if (decision.kind === 'forbid') {
      this.deps.logger.warn(`${req.protocol} ${req.action} forbidden: ${decision.reason}`, { path: req.path, remote: ip })
      return Promise.resolve({ ok: false, status: 403, challenges: [] })
    }
    const outcome = this.verify(
      decision,
      ip,
      req.method,
      req.authorization,
      req.uri === undefined ? {} : { requestUri: req.uri },
      req.credentials ?? req.proof,
    )
    if (outcome.kind === 'throttled') return Promise.resolve({ ok: false, status: 503, challenges: [], retryAfterS: outcome.retryAfterS })
    const result = outcome.result
    if (result.ok) {
      if (decision.allowed(result.username)) return Promise.resolve({ ok: true, username: result.username })
      this.deps.logger.warn(`${req.protocol} ${req.action} by ${result.username} forbidden`, { path: req.path, remote: ip })
      return Promise.resolve({ ok: false, status: 403, challenges: [] })
    }
    if (
      (req.authorization !== undefined || req.credentials !== undefined || req.proof !== undefined) &&
      !result.stale &&
      !outcome.inEpisode
    ) {
      this.deps.logger.warn(`${req.protocol} ${req.action} refused: ${result.reason}`, { path: req.path, remote: ip })
    }
    return Promise.resolve({ ok: false, status: 401, challenges: decision.authenticator.challenges({ stale: result.stale }) })
  }

  /** Credentials checked unless the throttle holds them back; a failure (not a stale nonce) takes a token. */
  private verify(
    decision: Authenticate,
    ip: string,
    method: string,
    authorization: string | undefined,
    context: { requestUri?: string; basic?: boolean },
    /** A user name and password carried in the clear (RTMP), or a proof of the password (RTMP's Adobe authentication): checked instead of `authorization`. */
    credentials?: { username: string; password: string } | PasswordProof,
  ): { kind: 'throttled'; retryAfterS: number } | { kind: 'checked'; result: VerifyResult; inEpisode: boolean } {
    if (authorization === undefined && credentials === undefined)
      return { kind: 'checked', result: decision.authenticator.verify(method, undefined), inEpisode: false }
    const user = credentials !== undefined ? credentials.username : claimedUser(authorization!)
    const verdict = this.throttle.admit(ip, user)
    if (!verdict.ok) return { kind: 'throttled', retryAfterS: verdict.retryAfterS }
    const result =
      credentials !== undefined
        ? 'answers' in credentials
          ? decision.authenticator.verifyProof(credentials.username, credentials.answers)
          : decision.authenticator.verifyPlain(credentials.username, credentials.password)
        : decision.authenticator.verify(method, authorization, context)
    // The failure that starts an episode is logged by the throttle instead.
    const inEpisode = !result.ok && !result.stale && this.throttle.fail(ip, user)
    return { kind: 'checked', result, inEpisode }
  }
}

/** A request to read or publish that came over another protocol than RTSP (see AccessGate.checkOther). */
export interface OtherAccessRequest {
  action: 'read' | 'publish'
  path: string
  remoteAddress: string
  /** 'webrtc', 'hls'…: for the log. */
  protocol: string
  /** The HTTP method, for Digest's response hash. */
  method: string
  /** The HTTP Authorization header, when the request had one. */
  authorization?: string
  /** The HTTP request target: when given, Digest's `uri` must name it. */
  uri?: string
  /** A user name and password the protocol carries in the clear (RTMP's query); checked instead of `authorization`. */
  credentials?: { username: string; password: string }
  /** A challenge-response over the plain password (RTMP's Adobe authentication): checked instead of `authorization`. */
  proof?: PasswordProof
}

/** A user's claim to know its password, checked by `answers(password)` against the stored plain password. */
export interface PasswordProof {
  username: string
  answers: (password: string) => boolean
}

export type OtherAccessResult =
  | { ok: true; username?: string }
  /** 401 with `challenges` (WWW-Authenticate values), 403, or 503 while failed logins are throttled (retry after `retryAfterS`). */
  | { ok: false; status: 401 | 403 | 503; challenges: string[]; retryAfterS?: number }
