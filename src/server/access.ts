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
  /** 401 until the credentials pass `authenticator`; then 403 unless `allowed(username)`. */
  | { kind: 'authenticate'; authenticator: ServerAuthenticator; allowed(username: string): boolean }

export interface AccessPolicy {
  decide(req: AccessRequest): AccessDecision
}

export interface PathUsers {
  users: readonly { username: string; password: string }[]
  /** Offered in this order (default ['digest', 'basic']: Digest SHA-256 and MD5, then Basic). */
  methods?: readonly ServerAuthMethod[]
  /** Default 'rtspkit'. */
  realm?: string
}

/** Paths that need one of their users; every other path is open. */
export class PathPasswords implements AccessPolicy {
  private readonly paths = new Map<string, ServerAuthenticator>()

  constructor(private readonly deps: { clock: Clock; random: Random }) {}

  get size(): number {
    return this.paths.size
  }

  protect(path: string, opts: PathUsers): void {
    const users = new Map<string, UserSecret>(opts.users.map((u) => [u.username, { password: u.password }]))
    this.paths.set(
      path,
      new ServerAuthenticator({
        realm: opts.realm ?? 'rtspkit',
        methods: opts.methods ?? ['digest', 'basic'],
        users: (u) => users.get(u),
        clock: this.deps.clock,
        random: this.deps.random,
      }),
    )
  }

  decide(req: AccessRequest): AccessDecision {
    const authenticator = this.paths.get(req.path)
    return authenticator ? { kind: 'authenticate', authenticator, allowed: () => true } : { kind: 'allow' }
  }
}

/** Failed attempts per address: each failure doubles the wait before the next 401, up to a cap. */
export class FailureThrottle {
  private readonly failures = new Map<string, { count: number; lastMono: number }>()

  constructor(
    private readonly clock: Clock,
    private readonly opts = { baseMs: 100, maxMs: 5000, forgetMs: 60_000 },
  ) {}

  /** Records a failure from `ip`; returns how long to wait before answering, and the failure count. */
  fail(ip: string): { delayMs: number; count: number } {
    const now = this.clock.monoMs()
    this.prune(now)
    const f = this.failures.get(ip) ?? { count: 0, lastMono: now }
    f.count++
    f.lastMono = now
    this.failures.set(ip, f)
    return { delayMs: Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** (f.count - 1)), count: f.count }
  }

  succeed(ip: string): void {
    this.failures.delete(ip)
  }

  private prune(now: number): void {
    for (const [ip, f] of this.failures) if (now - f.lastMono > this.opts.forgetMs) this.failures.delete(ip)
  }
}
