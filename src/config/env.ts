/**
 * Environment overrides. A variable names one key: RTSPKIT_ then the key's parts in capitals, joined
 * by '_' (keys are matched without regard to case):
 *
 *   RTSPKIT_SERVER_RTSPPORT=8555          server.rtspPort
 *   RTSPKIT_SERVER_LIMITS_BODY=65536      server.limits.body
 *   RTSPKIT_API_ENABLED=false             api.enabled
 *   RTSPKIT_IPS=10.0.0.0/8,::1            ips (lists are comma-separated)
 *   RTSPKIT_PATHS_CAM_SOURCE=rtsp://…     paths.cam.source: the name is everything between PATHS_ and
 *                                         the last '_'; it picks the file's path of that name in any
 *                                         case, else adds a path with the name in lower case
 *   RTSPKIT_USERS_0_PASSWORD=digest:…     users[0].password (an index into the list, or its length to add)
 *
 * Values are text: numbers and true/false are converted for keys of that type, and anything else is
 * left for the validator to refuse with the variable's name. An RTSPKIT_ variable that names no key is
 * refused too, since it is most likely a typo — except the few that are not settings (NOT_SETTINGS).
 */
import { ConfigError } from '../errors.js'
import { formatKey, isPlainObject, mergeRaw, setOwn, type KeyPath, type RawConfig } from './layers.js'
import { PATH_FIELDS, SECTIONS, USER_FIELDS, type LeafSpec, type SectionSpec } from './schema.js'

export const ENV_PREFIX = 'RTSPKIT_'

/**
 * Variables with the prefix that are read elsewhere, not settings: RTSPKIT_NATIVE_UDP=0 and
 * RTSPKIT_UDP_GSO=0 (transport/native-udp.ts).
 */
const NOT_SETTINGS: ReadonlySet<string> = new Set(['RTSPKIT_NATIVE_UDP', 'RTSPKIT_UDP_GSO'])

function convert(spec: LeafSpec, text: string): unknown {
  switch (spec.type) {
    case 'int':
    case 'seconds':
      return /^-?\d+(?:\.\d+)?$/.test(text) ? Number(text) : text
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : text
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    default:
      return text
  }
}

function findKey<T>(fields: Readonly<Record<string, T>>, part: string | undefined): [string, T] | undefined {
  if (part === undefined) return undefined
  return Object.entries(fields).find(([k]) => k.toUpperCase() === part.toUpperCase())
}

function unknownVariable(name: string, why: string): ConfigError {
  return new ConfigError('ERR_CONFIG_KEY', `${name}: ${why}`, { observed: name })
}

/** Resolves one variable to the key it sets and the converted value. */
function resolve(name: string, text: string, base: Record<string, unknown>): { key: KeyPath; value: unknown } {
  const parts = name.slice(ENV_PREFIX.length).split('_')
  const head = parts[0]!.toUpperCase()
  if (head === 'PATHS') {
    const field = findKey(PATH_FIELDS, parts.at(-1))
    if (parts.length < 3 || !field || field[1].type === 'section') {
      throw unknownVariable(
        name,
        `names no path setting; use RTSPKIT_PATHS_NAME_FIELD with FIELD one of ${Object.keys(PATH_FIELDS)
          .map((k) => k.toUpperCase())
          .join(', ')}`,
      )
    }
    const wanted = parts.slice(1, -1).join('_')
    const paths = isPlainObject(base.paths) ? Object.keys(base.paths) : []
    const pathName = paths.find((p) => p.toUpperCase() === wanted.toUpperCase()) ?? wanted.toLowerCase()
    return { key: ['paths', pathName, field[0]], value: convert(field[1], text) }
  }
  if (head === 'USERS') {
    const field = findKey(USER_FIELDS, parts[2])
    const users = Array.isArray(base.users) ? base.users.length : 0
    const index = Number(parts[1])
    if (parts.length !== 3 || !/^\d+$/.test(parts[1]!) || !field || field[1].type === 'section') {
      throw unknownVariable(
        name,
        `names no user setting; use RTSPKIT_USERS_INDEX_FIELD with FIELD one of ${Object.keys(USER_FIELDS)
          .map((k) => k.toUpperCase())
          .join(', ')}`,
      )
    }
    if (index > users) throw unknownVariable(name, `users has ${users} entries: use an index from 0 to ${users}`)
    return { key: ['users', index, field[0]], value: convert(field[1], text) }
  }
  let spec: LeafSpec | SectionSpec = SECTIONS
  const key: string[] = []
  for (const part of parts) {
    if (spec.type !== 'section') throw unknownVariable(name, `${formatKey(key)} has no settings below it`)
    const found: [string, LeafSpec | SectionSpec] | undefined = findKey(spec.fields, part)
    if (!found) {
      const where =
        key.length === 0
          ? `sections are ${[...Object.keys(SECTIONS.fields), 'paths', 'users'].join(', ')}`
          : `${formatKey(key)} takes ${Object.keys(spec.fields).join(', ')}`
      throw unknownVariable(name, `names no setting; ${where}`)
    }
    key.push(found[0])
    spec = found[1]
  }
  if (spec.type === 'section')
    throw unknownVariable(name, `${formatKey(key)} is a section; name one of its settings: ${Object.keys(spec.fields).join(', ')}`)
  return { key, value: convert(spec, text) }
}

/** Sets `value` at `key` inside `root` (plain data), creating maps and list entries on the way. */
function setIn(root: Record<string, unknown>, key: KeyPath, value: unknown): void {
  let node: Record<string, unknown> | unknown[] = root
  for (let i = 0; i < key.length - 1; i++) {
    const k = key[i]!
    const current: unknown = Array.isArray(node) ? node[k as number] : node[k as string]
    const next = current !== null && typeof current === 'object' ? current : typeof key[i + 1] === 'number' ? [] : {}
    if (Array.isArray(node)) node[k as number] = next
    else setOwn(node, k as string, next)
    node = next as Record<string, unknown> | unknown[]
  }
  const last = key.at(-1)!
  if (Array.isArray(node)) node[last as number] = value
  else setOwn(node, last as string, value)
}

/** `base` with every RTSPKIT_ variable of `env` applied, in name order (so the result does not depend on the order of `env`). */
export function applyEnv(base: RawConfig, env: Readonly<Record<string, string | undefined>>): RawConfig {
  let out = base
  for (const name of Object.keys(env)
    .filter((n) => n.startsWith(ENV_PREFIX) && !NOT_SETTINGS.has(n))
    .sort()) {
    const text = env[name]
    if (text === undefined) continue
    const { key, value } = resolve(name, text, out.value)
    const patch: Record<string, unknown> = {}
    // Lists merge by replacement, so a users[] entry is patched on a copy of the whole list.
    if (key[0] === 'users') setOwn(patch, 'users', structuredClone(Array.isArray(out.value.users) ? out.value.users : []))
    setIn(patch, key, value)
    const merged = mergeRaw(out, patch, name)
    // Only the key the variable names comes from it; the rest of a copied list keeps its origin.
    if (key[0] === 'users') for (const [k, o] of out.origins) if (k.startsWith('["users"')) merged.origins.set(k, o)
    merged.origins.set(JSON.stringify(key), name)
    out = merged
  }
  return out
}
