/**
 * The config file's users and permissions as the server's access policy: an anonymous request is
 * let in, refused, or asked for credentials; credentials are checked against the users' password
 * hashes (Digest MD5/SHA-256 and Basic, realm server.realm), then the user's permissions decide.
 * Basic is used over plain RTSP only with server.authBasicOverPlain or authMethods: basic.
 */
import { authorize } from '../config/authorize.js'
import { digestHa1From, parseStoredPassword } from '../config/password.js'
import type { Config } from '../config/schema.js'
import { ServerAuthenticator, type UserSecret } from '../rtsp/auth/server-authenticator.js'
import type { AccessDecision, AccessPolicy, AccessRequest } from '../server/access.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'

export class ConfigAccessPolicy implements AccessPolicy {
  private readonly authenticator: ServerAuthenticator

  constructor(
    private readonly config: Config,
    deps: { clock: Clock; random: Random },
  ) {
    const realm = config.server.realm
    this.authenticator = new ServerAuthenticator({
      realm,
      methods: config.server.authMethods === 'digest+basic' ? ['digest', 'basic'] : [config.server.authMethods],
      users: (name) => userSecret(config, name, realm),
      nonceTtlMs: config.server.authNonceLifetime * 1000,
      clock: deps.clock,
      random: deps.random,
    })
  }

  decide(req: AccessRequest): AccessDecision {
    const anonymous = authorize(this.config, { action: req.action, path: req.path, ip: req.ip })
    switch (anonymous.outcome) {
      case 'allowed':
        return { kind: 'allow' }
      case 'forbidden':
        // No config entry for the path: the server answers 404 itself.
        return anonymous.noPath ? { kind: 'allow' } : { kind: 'forbid', reason: anonymous.reason }
      default:
        return {
          kind: 'authenticate',
          authenticator: this.authenticator,
          basicOverPlain: this.config.server.authBasicOverPlain,
          allowed: (user) => authorize(this.config, { user, action: req.action, path: req.path, ip: req.ip }).outcome === 'allowed',
        }
    }
  }
}

/** A user's stored secret in the form the authenticator takes. */
function userSecret(config: Config, name: string, realm: string): UserSecret | undefined {
  const user = config.users.find((u) => u.name === name)
  if (!user) return undefined
  const stored = parseStoredPassword(user.password)
  if (typeof stored === 'string') return undefined
  if (stored.kind === 'plain') return { password: stored.password }
  const md5 = digestHa1From(user.password, 'MD5', name, realm)
  const sha256 = digestHa1From(user.password, 'SHA-256', name, realm)
  if (md5 === undefined || sha256 === undefined) return undefined
  return { ha1: { MD5: md5, 'SHA-256': sha256 } }
}
