/**
 * Who may do what on which path. The server asks an AccessPolicy for each request (RFC 2326 §11:
 * 401 asks for credentials, 403 refuses even with them); the policy may be swapped at any time
 * (a config reload). PathPasswords is the simple policy behind `--auth NAME=USER:PASS`.
 */
import { ServerAuthenticator, type ServerAuthMethod, type UserSecret } from '../rtsp/auth/server-authenticator.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'

export type AccessAction = 'read' | 'publish'

export interface AccessRequest {
  action: AccessAction
  /** The path, without slashes around it. */
  path: string
  /** The client's address (IPv4-mapped IPv6 unwrapped). */
  ip: string
}

export type AccessDecision =
  | { kind: 'allow' }
  /** 403: not from this address, or not this action for anyone. */
  | { kind: 'forbid'; reason: string }
  /**
   * 401 until the credentials pass `authenticator`; then 403 unless `allowed(username)`.
   * `basicOverPlain`: offer and accept Basic over plain RTSP too (default: only inside TLS).
   */
  | { kind: 'authenticate'; authenticator: ServerAuthenticator; allowed(username: string): boolean; basicOverPlain?: boolean }

export interface AccessPolicy {
  decide(req: AccessRequest): AccessDecision
}

export interface PathUsers {
  users: readonly { username: string; password: string }[]
  /** Offered in this order (default ['digest', 'basic']: Digest SHA-256 and MD5, then Basic — Basic only over RTSPS). */
  methods?: readonly ServerAuthMethod[]
  /** Offer and accept Basic over plain RTSP too, where the password travels in clear (default false). */
  basicOverPlain?: boolean
  /** Default 'rtspkit'. */
  realm?: string
}

/** Paths that need one of their users; every other path is open. */
export class PathPasswords implements AccessPolicy {
  private readonly paths = new Map<string, { authenticator: ServerAuthenticator; basicOverPlain: boolean }>()

  constructor(private readonly deps: { clock: Clock; random: Random }) {}

  get size(): number {
    return this.paths.size
  }

  protect(path: string, opts: PathUsers): void {
    const users = new Map<string, UserSecret>(opts.users.map((u) => [u.username, { password: u.password }]))
    const authenticator = new ServerAuthenticator({
      realm: opts.realm ?? 'rtspkit',
      methods: opts.methods ?? ['digest', 'basic'],
      users: (u) => users.get(u),
      clock: this.deps.clock,
      random: this.deps.random,
    })
    this.paths.set(path, { authenticator, basicOverPlain: opts.basicOverPlain === true })
  }

  decide(req: AccessRequest): AccessDecision {
    const entry = this.paths.get(req.path)
    return entry ? { kind: 'authenticate', ...entry, allowed: () => true } : { kind: 'allow' }
  }
}
