/**
 * Who may do what (pure). The server authenticates first (Basic or Digest against users[].password)
 * and then asks here with the user name it verified, or none for an anonymous request:
 *
 *  - RTSP (read, publish): the client address must be in `ips`; the user's own `ips` too.
 *    Admins may do anything on every path. Others need their name, or "any", in the path's
 *    read / publish list. Anonymous requests on a path that lists no "any" need credentials (401).
 *  - API: admins only, from their `ips`. While no user is an admin the API is open to whoever
 *    can reach api.host (loopback by default), as in a fresh install.
 */
import { ipAllowed } from './ip-ranges.js'
import { matchPath, type PathMatch } from './match.js'
import { ANYONE, type Config } from './schema.js'

export type PermissionAction = 'read' | 'publish' | 'api'

export interface PermissionQuery {
  /** The authenticated user; undefined when the request carried no (valid) credentials. */
  user?: string | undefined
  action: PermissionAction
  /** The requested path (read and publish). */
  path?: string | undefined
  /** The client address as the socket reports it. */
  ip: string
}

export type PermissionDecision =
  | { outcome: 'allowed'; reason: string; match?: PathMatch | undefined }
  /** Answer 401 with challenges: someone with credentials may be let in. */
  | { outcome: 'needs-credentials'; reason: string }
  /** Answer 403 (404 when no path matches, see `reason`). */
  | { outcome: 'forbidden'; reason: string; noPath?: boolean }

export function authorize(config: Config, q: PermissionQuery): PermissionDecision {
  const user = q.user === undefined ? undefined : config.users.find((u) => u.name === q.user)
  if (q.user !== undefined && !user) return { outcome: 'forbidden', reason: `unknown user "${q.user}"` }
  if (user && !ipAllowed(user.ips, q.ip)) return { outcome: 'forbidden', reason: `user "${user.name}" may not connect from ${q.ip}` }
  if (q.action === 'api') {
    if (user?.admin) return { outcome: 'allowed', reason: `"${user.name}" is an admin` }
    if (!config.users.some((u) => u.admin)) return { outcome: 'allowed', reason: 'no admin user is configured' }
    return user
      ? { outcome: 'forbidden', reason: `user "${user.name}" is not an admin` }
      : { outcome: 'needs-credentials', reason: 'the API needs an admin user' }
  }
  if (!ipAllowed(config.ips, q.ip)) return { outcome: 'forbidden', reason: `${q.ip} is not in ips` }
  const match = matchPath(config, q.path ?? '')
  if (!match) return { outcome: 'forbidden', reason: `no path "${q.path ?? ''}"`, noPath: true }
  const list = q.action === 'read' ? match.path.read : match.path.publish
  if (list.includes(ANYONE)) return { outcome: 'allowed', reason: `${q.action} is open to anyone`, match }
  if (!user) return { outcome: 'needs-credentials', reason: `${q.action} on "${match.name}" needs a user` }
  if (user.admin) return { outcome: 'allowed', reason: `"${user.name}" is an admin`, match }
  if (list.includes(user.name)) return { outcome: 'allowed', reason: `"${user.name}" may ${q.action} "${match.name}"`, match }
  return { outcome: 'forbidden', reason: `user "${user.name}" may not ${q.action} "${match.name}"` }
}
