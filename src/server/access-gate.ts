/**
 * Every request passes here before it is handled: the access policy says allow, 403, or
 * credentials first (401 with every challenge until they pass, RFC 2326 §11). Failures from one
 * address are answered more and more slowly. The policy is swapped on a config reload.
 */
import type { Logger } from '../log/logger.js'
import type { RtspRequest, RtspResponse } from '../rtsp/message.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'
import { FailureThrottle, PathPasswords, type AccessPolicy, type PathUsers } from './access.js'
import { makeResponse, type ServerConnection } from './server-connection.js'

export class AccessGate {
  private policy: AccessPolicy
  private readonly passwords: PathPasswords
  private readonly throttle: FailureThrottle

  constructor(private readonly deps: { clock: Clock; random: Random; logger: Logger }) {
    this.passwords = new PathPasswords(deps)
    this.policy = this.passwords
    this.throttle = new FailureThrottle(deps.clock)
  }

  /** protectPath: users for a path of the built-in password policy. */
  protect(path: string, users: PathUsers): void {
    this.passwords.protect(path, users)
  }

  setPolicy(policy: AccessPolicy): void {
    this.policy = policy
  }

  /** Undefined when the request may go on; else the answer (403, or 401 with challenges). `path`: what it names. */
  async check(conn: ServerConnection, req: RtspRequest, path: string): Promise<RtspResponse | undefined> {
    const logger = this.deps.logger
    const record =
      req.method === 'ANNOUNCE' ||
      req.method === 'RECORD' ||
      (req.method === 'SETUP' && /mode\s*=\s*"?record"?/i.test(req.headers.get('Transport') ?? ''))
    const ip = conn.remoteAddress.replace(/^::ffff:/, '')
    const decision = this.policy.decide({ action: record ? 'publish' : 'read', path, ip })
    if (decision.kind === 'allow') return undefined
    if (decision.kind === 'forbid') {
      logger.warn(`${req.method} forbidden: ${decision.reason}`, { path, remote: ip })
      return makeResponse(403)
    }
    const authorization = req.headers.get('Authorization')
    const result = decision.authenticator.verify(req.method, authorization)
    if (result.ok) {
      this.throttle.succeed(ip)
      if (decision.allowed(result.username)) return undefined
      logger.warn(`${req.method} by ${result.username} forbidden: no ${record ? 'publish' : 'read'} permission`, {
        path,
        remote: ip,
      })
      return makeResponse(403)
    }
    if (authorization !== undefined && !result.stale) {
      const { delayMs, count } = this.throttle.fail(ip)
      logger.warn(
        `${req.method} refused: ${result.reason} (${count} failure${count === 1 ? '' : 's'} from this address; next answer in ${delayMs} ms)`,
        { path, remote: ip },
      )
      await new Promise((r) => setTimeout(r, delayMs))
    }
    const res = makeResponse(401)
    for (const c of decision.authenticator.challenges({ stale: result.stale })) res.headers.append('WWW-Authenticate', c)
    return res
  }

  /**
   * The same decision for a request that did not come over RTSP (WHEP, WHIP, HLS): its action, path,
   * address and HTTP Authorization header. Failures count in the same per-address throttle.
   */
  async checkOther(req: OtherAccessRequest): Promise<OtherAccessResult> {
    const ip = req.remoteAddress.replace(/^::ffff:/, '')
    const decision = this.policy.decide({ action: req.action, path: req.path, ip })
    if (decision.kind === 'allow') return { ok: true }
    if (decision.kind === 'forbid') {
      this.deps.logger.warn(`${req.protocol} ${req.action} forbidden: ${decision.reason}`, { path: req.path, remote: ip })
      return { ok: false, status: 403, challenges: [] }
    }
    const creds = req.credentials
    const result = creds
      ? decision.authenticator.verifyPlain(creds.username, creds.password)
      : decision.authenticator.verify(req.method, req.authorization)
    if (result.ok) {
      this.throttle.succeed(ip)
      if (decision.allowed(result.username)) return { ok: true, username: result.username }
      this.deps.logger.warn(`${req.protocol} ${req.action} by ${result.username} forbidden`, { path: req.path, remote: ip })
      return { ok: false, status: 403, challenges: [] }
    }
    if ((req.authorization !== undefined || creds !== undefined) && !result.stale) {
      const { delayMs } = this.throttle.fail(ip)
      this.deps.logger.warn(`${req.protocol} ${req.action} refused: ${result.reason}`, { path: req.path, remote: ip })
      await new Promise((r) => setTimeout(r, delayMs))
    }
    return { ok: false, status: 401, challenges: decision.authenticator.challenges({ stale: result.stale }) }
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
  /** A user name and password the protocol carries in the clear (RTMP's query); checked instead of `authorization`. */
  credentials?: { username: string; password: string }
}

export type OtherAccessResult =
  | { ok: true; username?: string }
  /** 401 with `challenges` (WWW-Authenticate values), or 403. */
  | { ok: false; status: 401 | 403; challenges: string[] }
