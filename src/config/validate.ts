/**
 * Raw (merged) configuration → a complete, checked Config, or a ConfigError whose one-line message
 * starts with where the value came from and names the key and what is allowed:
 *
 *   rtspkit.yml:12: server.rtspPort must be an integer from 1 to 65535, got "abc"
 *
 * The first problem found is reported (sections, then users, then paths); nothing is returned half-checked.
 */
import { pathRecordFields } from './schema-recording.js'
import { ConfigError } from '../errors.js'
import { parseSourceSpec } from '../sources/source-spec.js'
import { parseCidr } from './ip-ranges.js'
import { describe, formatKey, isPlainObject, originOf, type KeyPath, type RawConfig } from './layers.js'
import { parseStoredPassword } from './password.js'
import {
  ALL_OTHERS,
  ANYONE,
  DEFAULT_PATH_SOURCE,
  PATH_FIELDS,
  REGEX_PREFIX,
  SECTIONS,
  USER_FIELDS,
  defaultConfig,
  type Config,
  type LeafSpec,
  type PathConfig,
  type SectionSpec,
  type UserConfig,
} from './schema.js'
import { readPathHooks } from './schema-hooks.js'

/** Plain path names: what `--path NAME=SOURCE` accepts. */
const PATH_NAME_RE = /^[A-Za-z0-9._-][A-Za-z0-9._~-]*(?:\/[A-Za-z0-9._~-]+)*$/
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 }

/** Path names the server treats as one: surrounding slashes do not count. */
export function normalizePathName(name: string): string {
  return name.startsWith(REGEX_PREFIX) ? name : name.replace(/^\/+|\/+$/g, '')
}

class Checker {
  constructor(
    private readonly raw: RawConfig,
    private readonly fallbackOrigin: string,
  ) {}

  fail(code: string, key: KeyPath, problem: string, details: { observed?: unknown; allowed?: unknown } = {}): never {
    const where = originOf(this.raw.origins, key, this.fallbackOrigin)
    throw new ConfigError(code, `${where}: ${formatKey(key)} ${problem}`, { ...details, key: formatKey(key), origin: where })
  }

  /** Refuses keys of `value` that `fields` does not declare. */
  known(key: KeyPath, value: Record<string, unknown>, fields: readonly string[]): void {
    for (const k of Object.keys(value)) {
      if (!fields.includes(k)) {
        const near = fields.find((f) => f.toLowerCase() === k.toLowerCase())
        const hint = near ? `did you mean ${near}? ` : ''
        const parent = formatKey(key) || 'the file'
        this.fail('ERR_CONFIG_KEY', [...key, k], `is not a setting; ${hint}${parent} takes ${fields.join(', ')}`, {
          observed: k,
          allowed: fields,
        })
      }
    }
  }

  mapping(key: KeyPath, value: unknown): Record<string, unknown> {
    if (value === null || value === undefined) return {}
    if (!isPlainObject(value))
      this.fail('ERR_CONFIG_VALUE', key, `must be a mapping of settings, got ${describe(value)}`, { observed: value })
    return value
  }

  leaf(key: KeyPath, spec: LeafSpec, v: unknown): unknown {
    const got = `, got ${describe(v)}`
    switch (spec.type) {
      case 'int':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < spec.min || v > spec.max) {
          this.fail('ERR_CONFIG_VALUE', key, `must be an integer from ${spec.min} to ${spec.max}${got}`, {
            observed: v,
            allowed: `${spec.min}-${spec.max}`,
          })
        }
        return v
      case 'seconds': {
        const m = typeof v === 'string' ? DURATION_RE.exec(v) : null
        const s = typeof v === 'number' ? v : m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : NaN
        if (!(s >= spec.min && s <= spec.max)) {
          this.fail(
            'ERR_CONFIG_VALUE',
            key,
            `must be a number of seconds from ${spec.min} to ${spec.max} (or a duration such as "500ms", "30s", "5m")${got}`,
            { observed: v, allowed: `${spec.min}-${spec.max} s` },
          )
        }
        return s
      }
      case 'bool':
        if (typeof v !== 'boolean')
          this.fail('ERR_CONFIG_VALUE', key, `must be true or false${got}`, { observed: v, allowed: [true, false] })
        return v
      case 'enum':
        if (typeof v !== 'string' || !spec.values.includes(v))
          this.fail('ERR_CONFIG_VALUE', key, `must be one of ${spec.values.join(', ')}${got}`, { observed: v, allowed: spec.values })
        return v
      case 'string': {
        // YAML reads `rtpPorts: 8000` as a number: where a number is a valid text, take its text.
        const text = typeof v === 'number' && spec.numbers === true ? String(v) : v
        if (typeof text !== 'string') this.fail('ERR_CONFIG_VALUE', key, `must be a string${got}`, { observed: v })
        const problem = spec.check?.(text)
        if (problem !== undefined) this.fail('ERR_CONFIG_VALUE', key, `${problem}${got}`, { observed: v })
        return text
      }
      case 'list': {
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
          const what = { cidr: 'addresses or CIDRs', user: 'user names', host: 'addresses or host names', url: 'URLs' }[spec.item]
          this.fail('ERR_CONFIG_VALUE', key, `must be a list of ${what}${got}`, {
            observed: v,
          })
        }
        if (spec.item === 'cidr') {
          v.forEach((c: string, i) => {
            if (!parseCidr(c))
              this.fail(
                'ERR_CONFIG_CIDR',
                [...key, i],
                `must be an IP address or CIDR such as 192.168.1.7, 10.0.0.0/8 or fd00::/8, got ${describe(c)}`,
                { observed: c },
              )
          })
        }
        if (spec.item === 'url') {
          v.forEach((u: string, i) => {
            if (!/^(stun|stuns|turn|turns):\S+$/.test(u))
              this.fail('ERR_CONFIG_VALUE', [...key, i], `must be a stun:HOST:PORT or turn:USER:PASS@HOST:PORT URL, got ${describe(u)}`, {
                observed: u,
              })
          })
        }
        return [...(v as string[])]
      }
    }
  }

  /** A section: declared keys only, each checked, missing ones from `defaults`. */
  section(key: KeyPath, spec: SectionSpec, value: unknown, defaults: Record<string, unknown>): Record<string, unknown> {
    const raw = this.mapping(key, value)
    this.known(key, raw, Object.keys(spec.fields))
    const out: Record<string, unknown> = {}
    for (const [k, f] of Object.entries(spec.fields)) {
      const v = raw[k]
      if (f.type === 'section') out[k] = this.section([...key, k], f, v, defaults[k] as Record<string, unknown>)
      else out[k] = v === undefined || v === null ? structuredClone(defaults[k]) : this.leaf([...key, k], f, v)
    }
    return out
  }

  users(value: unknown, realm: string): UserConfig[] {
    if (value === null || value === undefined) return []
    if (!Array.isArray(value))
      this.fail('ERR_CONFIG_VALUE', ['users'], `must be a list of users (name, password, ips, admin), got ${describe(value)}`, {
        observed: value,
      })
    const seen = new Set<string>()
    return value.map((entry, i): UserConfig => {
      const key = ['users', i]
      const raw = this.mapping(key, entry)
      this.known(key, raw, Object.keys(USER_FIELDS))
      for (const required of ['name', 'password']) {
        if (raw[required] === undefined || raw[required] === null) this.fail('ERR_CONFIG_USER', [...key, required], 'is required')
      }
      const name = this.leaf([...key, 'name'], USER_FIELDS.name as LeafSpec, raw.name) as string
      if (name === '' || name.includes(':') || name === ANYONE) {
        this.fail(
          'ERR_CONFIG_USER',
          [...key, 'name'],
          `must be a non-empty name without ':' and not "${ANYONE}" (which means anonymous), got ${describe(name)}`,
          { observed: name },
        )
      }
      if (seen.has(name)) this.fail('ERR_CONFIG_USER', [...key, 'name'], `repeats the user ${describe(name)}`, { observed: name })
      seen.add(name)
      const password = this.leaf([...key, 'password'], USER_FIELDS.password as LeafSpec, raw.password) as string
      this.password([...key, 'password'], password, name, realm)
      return {
        name,
        password,
        ips:
          raw.ips === undefined || raw.ips === null ? [] : (this.leaf([...key, 'ips'], USER_FIELDS.ips as LeafSpec, raw.ips) as string[]),
        admin:
          raw.admin === undefined || raw.admin === null
            ? false
            : (this.leaf([...key, 'admin'], USER_FIELDS.admin as LeafSpec, raw.admin) as boolean),
      }
    })
  }

  private password(key: KeyPath, text: string, user: string, realm: string): void {
    const stored = parseStoredPassword(text)
    const shown = text.startsWith('plain:') ? '"plain:…"' : describe(text)
    if (typeof stored === 'string') this.fail('ERR_CONFIG_PASSWORD', key, `${stored}, got ${shown}`)
    if (stored.kind === 'digest' && (stored.user !== user || stored.realm !== realm)) {
      this.fail(
        'ERR_CONFIG_PASSWORD',
        key,
        `was hashed for user "${stored.user}" in realm "${stored.realm}", not user "${user}" in realm "${realm}" (server.realm); run rtspkit hash-password --user ${user} --realm ${realm}`,
        {
          observed: { user: stored.user, realm: stored.realm },
          allowed: { user, realm },
        },
      )
    }
  }

  /** `pathDefaults`: any path field, checked as in a path; what a path leaves out comes from here. */
  pathDefaults(value: unknown, users: readonly UserConfig[]): Record<string, unknown> {
    const key = ['pathDefaults']
    const raw = this.mapping(key, value)
    this.known(key, raw, Object.keys(PATH_FIELDS))
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(raw)) {
      if (v !== undefined && v !== null) out[k] = this.leaf([...key, k], PATH_FIELDS[k] as LeafSpec, v)
    }
    if (typeof out.source === 'string') this.source([...key, 'source'], out.source)
    for (const list of ['read', 'publish'] as const) if (out[list]) this.userList([...key, list], out[list] as string[], users)
    return out
  }

  paths(value: unknown, relaysCloseAfter: number, users: readonly UserConfig[], defaults: Record<string, unknown> = {}): PathConfig[] {
    // No `paths`: the built-in test path, read like any entry so that pathDefaults apply to it too.
    const raw =
      value === undefined || value === null ? { test: { source: defaultConfig().paths[0]!.source } } : this.mapping(['paths'], value)
    const seen = new Map<string, string>()
    return Object.entries(raw).map(([name, entry]): PathConfig => {
      const key = ['paths', name]
      this.pathName(key, name)
      const normalized = normalizePathName(name)
      const earlier = seen.get(normalized)
      if (earlier !== undefined)
        this.fail('ERR_CONFIG_DUPLICATE', key, `is the same path as ${formatKey(['paths', earlier])}`, { observed: name })
      seen.set(normalized, name)
      const fields = this.mapping(key, entry)
      this.known(key, fields, Object.keys(PATH_FIELDS))
      const get = (k: string, fallback: unknown): unknown => {
        const v = fields[k]
        if (v === undefined || v === null) return Object.hasOwn(defaults, k) ? structuredClone(defaults[k]) : fallback
        return this.leaf([...key, k], PATH_FIELDS[k] as LeafSpec, v)
      }
      const source = get('source', DEFAULT_PATH_SOURCE) as string
      // Relays and ffmpeg: processes run on demand; other sources are always there.
      const kind = this.source([...key, 'source'], source)
      const relay = kind === 'relay' || kind === 'ffmpeg'
      const onDemand = get('onDemand', relay) as boolean
      if (onDemand && !relay)
        this.fail(
          'ERR_CONFIG_VALUE',
          [...key, 'onDemand'],
          `can only be true for a relay or an ffmpeg: source (rtsp://…, ffmpeg:…); "${source}" is always available`,
          { observed: true },
        )
      const read = get('read', [ANYONE]) as string[]
      const publish = get('publish', [ANYONE]) as string[]
      this.userList([...key, 'read'], read, users)
      this.userList([...key, 'publish'], publish, users)
      const hooks = readPathHooks(get)
      if (hooks.runOnDemand !== '' && kind !== 'publish')
        this.fail(
          'ERR_CONFIG_VALUE',
          [...key, 'runOnDemand'],
          `needs source: publish (the command publishes into the path); "${source}" is served otherwise`,
          { observed: hooks.runOnDemand },
        )
      return {
        name: normalized,
        source,
        onDemand,
        closeAfter: get('closeAfter', relaysCloseAfter) as number,
        record: get('record', false) as boolean,
        instantStart: get('instantStart', true) as boolean,
        rtspTransport: get('rtspTransport', 'auto') as PathConfig['rtspTransport'],
        sourceFingerprint: get('sourceFingerprint', '') as string,
        read,
        publish,
        ...hooks,
        ...pathRecordFields(get),
      }
    })
  }

  /** The kind of a source text, or a failure naming `key`. */
  private source(key: KeyPath, source: string): string {
    try {
      return parseSourceSpec(source).kind
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      this.fail('ERR_CONFIG_SOURCE', key, `is not a valid source: ${err.message}`, { observed: source, allowed: err.details.allowed })
    }
  }

  /** A read or publish list: 'any' or names of users. */
  private userList(key: KeyPath, names: readonly string[], users: readonly UserConfig[]): void {
    const userNames = users.map((u) => u.name)
    names.forEach((u, i) => {
      if (u !== ANYONE && !userNames.includes(u)) {
        this.fail(
          'ERR_CONFIG_USER',
          [...key, i],
          `names unknown user ${describe(u)}; use "${ANYONE}" or one of users: ${userNames.join(', ') || '(none defined)'}`,
          { observed: u, allowed: [ANYONE, ...userNames] },
        )
      }
    })
  }

  private pathName(key: KeyPath, name: string): void {
    if (name.startsWith(REGEX_PREFIX)) {
      try {
        new RegExp(name.slice(REGEX_PREFIX.length))
      } catch (err) {
        this.fail(
          'ERR_CONFIG_PATH',
          key,
          `is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
          { observed: name },
        )
      }
      return
    }
    if (name !== ALL_OTHERS && !PATH_NAME_RE.test(normalizePathName(name))) {
      this.fail(
        'ERR_CONFIG_PATH',
        key,
        `is not a valid path name: use letters, digits, '.', '_', '-', '~' and '/', "~REGEX" for a pattern, or "${ALL_OTHERS}"`,
        { observed: name },
      )
    }
  }
}

/** Checks a merged raw configuration and fills in the defaults. `fallbackOrigin` labels keys of unknown origin. */
export function validateConfig(raw: RawConfig, fallbackOrigin = 'config'): Config {
  const c = new Checker(raw, fallbackOrigin)
  const top = raw.value
  const sectionNames = Object.keys(SECTIONS.fields)
  c.known([], top, [...sectionNames, 'paths', 'pathDefaults', 'users'])
  const defaults = defaultConfig() as unknown as Record<string, unknown>
  const sections = c.section(
    [],
    { type: 'section', fields: SECTIONS.fields },
    Object.fromEntries(sectionNames.map((k) => [k, top[k]])),
    defaults,
  ) as unknown as Pick<
    Config,
    'server' | 'api' | 'hls' | 'webrtc' | 'rtmp' | 'recording' | 'playback' | 'relays' | 'hooks' | 'cluster' | 'ips'
  >
  const users = c.users(top.users, sections.server.realm)
  const pathDefaults = c.pathDefaults(top.pathDefaults, users)
  const paths = c.paths(top.paths, sections.relays.closeAfter, users, pathDefaults)
  return {
    server: sections.server,
    api: sections.api,
    hls: sections.hls,
    webrtc: sections.webrtc,
    rtmp: sections.rtmp,
    recording: sections.recording,
    playback: sections.playback,
    relays: sections.relays,
    hooks: sections.hooks,
    cluster: sections.cluster,
    paths,
    pathDefaults,
    users,
    ips: sections.ips,
  }
}
