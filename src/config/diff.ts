/**
 * What a reload changes, so the server rebuilds only that (pure). Each changed setting comes with how
 * it applies (the `apply` column of the schema): the RTSP or API listener must restart, it applies
 * live, or it only changes who may do what. Paths are compared by name on what they serve, including
 * the global settings they use (recording.* for recording paths, relays.* for relays), so a path
 * whose source is unchanged keeps its readers.
 */
import { parseSourceSpec } from '../sources/source-spec.js'
import { formatKey } from './layers.js'
import { PATH_FIELDS, SECTIONS, type ApplyBy, type Config, type PathConfig, type SectionSpec } from './schema.js'

export interface SettingChange {
  /** Dotted key, e.g. 'server.rtspPort'. */
  key: string
  apply: Exclude<ApplyBy, 'paths'>
}

export interface ConfigDiff {
  settings: SettingChange[]
  paths: {
    added: string[]
    removed: string[]
    /** What they serve changed: rebuild these (their readers are disconnected). */
    changed: string[]
    /** Only read / publish lists changed: swap permissions, keep the stream. */
    accessChanged: string[]
    /** The order of ~regex entries changed, so the same request may now match another entry. */
    reordered: boolean
  }
  /** users, ips or server.realm changed: rebuild the access policy. */
  access: boolean
  /** Nothing changed at all. */
  empty: boolean
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function sectionChanges(
  spec: SectionSpec,
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  prefix: string[],
  out: { key: string; apply: ApplyBy }[],
): void {
  for (const [k, f] of Object.entries(spec.fields)) {
    if (f.type === 'section') sectionChanges(f, a[k] as Record<string, unknown>, b[k] as Record<string, unknown>, [...prefix, k], out)
    else if (!same(a[k], b[k])) out.push({ key: formatKey([...prefix, k]), apply: f.apply })
  }
}

/** What a path's stream depends on: its own serving fields and the global settings it uses. */
function servingKey(config: Config, p: PathConfig): string {
  const own = Object.fromEntries(
    Object.entries(PATH_FIELDS)
      .filter(([, f]) => f.type !== 'section' && f.apply === 'paths')
      .map(([k]) => [k, p[k as keyof PathConfig]]),
  )
  let relay = false
  try {
    relay = parseSourceSpec(p.source).kind === 'relay'
  } catch {
    // validated configs always parse; an unparsable source simply compares as text
  }
  return JSON.stringify([own, p.record ? config.recording : null, relay ? config.relays.retryMax : null])
}

export function diffConfig(before: Config, after: Config): ConfigDiff {
  const all: { key: string; apply: ApplyBy }[] = []
  sectionChanges(SECTIONS, before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>, [], all)
  const access = !same(before.users, after.users) || all.some((c) => c.apply === 'access')
  const settings = all.filter((c): c is SettingChange => c.apply !== 'paths')
  const old = new Map(before.paths.map((p) => [p.name, p]))
  const now = new Map(after.paths.map((p) => [p.name, p]))
  const added = after.paths.filter((p) => !old.has(p.name)).map((p) => p.name)
  const removed = before.paths.filter((p) => !now.has(p.name)).map((p) => p.name)
  const changed: string[] = []
  const accessChanged: string[] = []
  for (const p of after.paths) {
    const q = old.get(p.name)
    if (!q) continue
    if (servingKey(before, q) !== servingKey(after, p)) changed.push(p.name)
    else if (!same([q.read, q.publish], [p.read, p.publish])) accessChanged.push(p.name)
  }
  const regexOrder = (c: Config): string[] => c.paths.filter((p) => p.name.startsWith('~')).map((p) => p.name)
  const reordered = !same(
    regexOrder(before).filter((n) => now.has(n)),
    regexOrder(after).filter((n) => old.has(n)),
  )
  const empty = same(before, after)
  return { settings, paths: { added, removed, changed, accessChanged, reordered }, access, empty }
}
