/**
 * Which `paths` entry serves a requested path, as MediaMTX resolves it: the entry of that exact name
 * first, then `~regex` entries in file order (the first whose pattern matches anywhere in the name;
 * anchor with ^…$ to match whole names), then `all_others`.
 */
import { ALL_OTHERS, REGEX_PREFIX, type Config, type PathConfig } from './schema.js'

export interface PathMatch {
  path: PathConfig
  /** The requested name, without surrounding slashes. */
  name: string
  /** Capture groups of a `~regex` entry, in order ('' for a group that did not take part); [] otherwise. */
  captures: string[]
  /** Named groups of a `~regex` entry. */
  groups: Record<string, string>
}

export function matchPath(config: Pick<Config, 'paths'>, requested: string): PathMatch | undefined {
  const name = requested.replace(/^\/+|\/+$/g, '')
  const exact = config.paths.find((p) => !p.name.startsWith(REGEX_PREFIX) && p.name !== ALL_OTHERS && p.name === name)
  if (exact) return { path: exact, name, captures: [], groups: {} }
  for (const p of config.paths) {
    if (!p.name.startsWith(REGEX_PREFIX)) continue
    const m = new RegExp(p.name.slice(REGEX_PREFIX.length)).exec(name)
    if (m) return { path: p, name, captures: m.slice(1).map((c) => c ?? ''), groups: { ...m.groups } }
  }
  const rest = config.paths.find((p) => p.name === ALL_OTHERS)
  return rest ? { path: rest, name, captures: [], groups: {} } : undefined
}
