/**
 * Raw configuration layers before validation: the YAML file, the environment, the command line.
 * Each layer is a plain value in the file's shape plus where each key came from ("rtspkit.yml:12",
 * "RTSPKIT_SERVER_RTSPPORT", "command line"), so an error names the place to fix. Layers merge key by
 * key (maps, including `paths`, merge; lists and scalars replace), then the result is validated once.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml'
import { ConfigError } from '../errors.js'

export type KeyPath = readonly (string | number)[]

/** Where each key path (JSON of the KeyPath) was set; later layers overwrite. */
export type Origins = Map<string, string>

export interface RawConfig {
  value: Record<string, unknown>
  origins: Origins
}

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `server.rtspPort`, `users[0].name`, `paths["~^cam(\d+)$"].source`. */
export function formatKey(key: KeyPath): string {
  let out = ''
  for (const k of key) {
    if (typeof k === 'number') out += `[${k}]`
    else if (SIMPLE_KEY.test(k)) out += out === '' ? k : `.${k}`
    else out += `["${k}"]`
  }
  return out
}

const id = (key: KeyPath): string => JSON.stringify(key)

/** The origin of `key`, or of its nearest ancestor that has one. */
export function originOf(origins: Origins, key: KeyPath, fallback: string): string {
  for (let n = key.length; n >= 0; n--) {
    const o = origins.get(id(key.slice(0, n)))
    if (o !== undefined) return o
  }
  return fallback
}

/** Sets an own property, so a key named "__proto__" stays a key. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Records `origin` for `key` and every key below it in `value`. */
function recordOrigins(origins: Origins, key: KeyPath, value: unknown, origin: string): void {
  origins.set(id(key), origin)
  if (Array.isArray(value)) value.forEach((v, i) => recordOrigins(origins, [...key, i], v, origin))
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) recordOrigins(origins, [...key, k], v, origin)
}

function cloneRaw(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneRaw)
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) setOwn(out, k, cloneRaw(x))
    return out
  }
  return v
}

function mergeValue(base: unknown, top: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(top)) {
    const out = cloneRaw(base) as Record<string, unknown>
    for (const [k, v] of Object.entries(top)) setOwn(out, k, mergeValue(Object.hasOwn(base, k) ? base[k] : undefined, v))
    return out
  }
  return cloneRaw(top)
}

/** `base` with `top` merged over it (a new object; neither input changes). */
export function mergeRaw(base: RawConfig, top: unknown, origin: string): RawConfig {
  const origins = new Map(base.origins)
  if (top === undefined || top === null) return { value: base.value, origins }
  if (!isPlainObject(top)) {
    throw new ConfigError('ERR_CONFIG_VALUE', `${origin}: overrides must be an object in the shape of the file, got ${describe(top)}`, {
      observed: top,
    })
  }
  recordOrigins(origins, [], top, origin)
  return { value: mergeValue(base.value, top) as Record<string, unknown>, origins }
}

/** How a value reads in a message: strings quoted, containers named. */
export function describe(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v)
    case 'undefined':
      return 'nothing'
    case 'object':
      return v === null ? 'nothing' : Array.isArray(v) ? 'a list' : 'a mapping'
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
    case 'function':
      return String(v)
  }
}

/** The YAML text as a raw layer; syntax errors and repeated keys are refused with their line. */
export function parseYamlLayer(text: string, fileName: string): RawConfig {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false })
  const at = (offset: number): string => `${fileName}:${lineCounter.linePos(offset).line}`
  const err = doc.errors[0]
  if (err) {
    const msg = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new ConfigError('ERR_CONFIG_YAML', `${at(err.pos[0])}: not valid YAML: ${msg}`, { observed: fileName })
  }
  const origins: Origins = new Map()
  const value = toRaw(doc, doc.contents, [], origins, at)
  if (value === null || value === undefined) return { value: {}, origins }
  if (!isPlainObject(value)) {
    throw new ConfigError(
      'ERR_CONFIG_YAML',
      `${fileName}:1: the file must be a mapping of sections (server, api, hls, recording, relays, paths, users, ips), got ${describe(value)}`,
      { observed: value },
    )
  }
  return { value, origins }
}

function toRaw(doc: Document, node: unknown, key: KeyPath, origins: Origins, at: (offset: number) => string): unknown {
  if (isAlias(node)) return toRaw(doc, node.resolve(doc), key, origins, at)
  if (isScalar(node)) return node.value
  if (isSeq(node)) {
    return node.items.map((item, i) => {
      const range = (item as Node | null)?.range
      if (range) origins.set(id([...key, i]), at(range[0]))
      return toRaw(doc, item, [...key, i], origins, at)
    })
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {}
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null
      const where = at(keyNode?.range?.[0] ?? node.range?.[0] ?? 0)
      if (!isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        throw new ConfigError('ERR_CONFIG_YAML', `${where}: keys of ${formatKey(key) || 'the file'} must be plain names`, {
          observed: String(keyNode),
        })
      }
      const name = String(keyNode.value)
      const childKey = [...key, name]
      if (Object.hasOwn(out, name)) {
        throw new ConfigError(
          'ERR_CONFIG_DUPLICATE',
          `${where}: ${formatKey(childKey)} is given twice (also at ${origins.get(id(childKey))})`,
          { observed: name },
        )
      }
      origins.set(id(childKey), where)
      setOwn(out, name, toRaw(doc, pair.value, childKey, origins, at))
    }
    return out
  }
  return node ?? null
}
