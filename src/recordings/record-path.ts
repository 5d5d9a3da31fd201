/**
 * `recordPath` templates, with MediaMTX's placeholders: where a segment of a path is written, and how the
 * files of a path are found again (the start time of a segment is read back from its name).
 *
 *   %path  the path name (may hold '/', giving subfolders)
 *   %Y %m %d %H %M %S   UTC year, month, day, hours, minutes, seconds (zero-padded)
 *   %f     microseconds (6 digits; rtspkit's clock has milliseconds, so the last 3 are 0)
 *   %s     Unix seconds
 *   %%     a literal '%'
 *
 * The format's extension (.mp4, .mkv) is appended. A template must hold %path and enough of the time to
 * name two segments apart: %s, or %Y %m %d %H %M %S together.
 */
import path from 'node:path'
import { ConfigError } from '../errors.js'

export const DEFAULT_RECORD_PATH = '%path/%Y-%m-%d_%H-%M-%S-%f'

const PLACEHOLDER = /%(path|[YmdHMSfs%])/g
const TIME_FIELDS = ['Y', 'm', 'd', 'H', 'M', 'S'] as const
const DIGITS: Readonly<Record<string, number>> = { Y: 4, m: 2, d: 2, H: 2, M: 2, S: 2, f: 6 }
const US_PER_MS = 1000
const MS_PER_S = 1000

type Token = { text: string } | { field: string }

function tokens(template: string): Token[] {
  const out: Token[] = []
  let last = 0
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) out.push({ text: template.slice(last, m.index) })
    out.push(m[1] === '%' ? { text: '%' } : { field: m[1]! })
    last = m.index + m[0].length
  }
  if (last < template.length) out.push({ text: template.slice(last) })
  return out
}

/** A one-line reason the template cannot be used, or undefined when it can. */
export function recordPathProblem(template: string): string | undefined {
  const fields = new Set(tokens(template).flatMap((t) => ('field' in t ? [t.field] : [])))
  if (!fields.has('path')) return 'must contain %path'
  if (!fields.has('s') && !TIME_FIELDS.every((f) => fields.has(f))) return 'must contain %s, or all of %Y %m %d %H %M %S'
  if (template.split(/[\\/]/).includes('..')) return 'must not contain ..'
  return undefined
}

/** ConfigError('ERR_RECORD_PATH') unless the template can be used. */
export function checkRecordPath(template: string): void {
  const problem = recordPathProblem(template)
  if (problem) throw new ConfigError('ERR_RECORD_PATH', `recordPath ${JSON.stringify(template)} ${problem}`, { observed: template })
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0')

/** The file (without extension) a segment of `pathName` opened at `wallMs` is written to. */
export function expandRecordPath(template: string, pathName: string, wallMs: number): string {
  const d = new Date(wallMs)
  const values: Readonly<Record<string, string>> = {
    path: pathName,
    Y: pad(d.getUTCFullYear(), 4),
    m: pad(d.getUTCMonth() + 1, 2),
    d: pad(d.getUTCDate(), 2),
    H: pad(d.getUTCHours(), 2),
    M: pad(d.getUTCMinutes(), 2),
    S: pad(d.getUTCSeconds(), 2),
    f: pad(d.getUTCMilliseconds() * US_PER_MS, 6),
    s: String(Math.floor(wallMs / MS_PER_S)),
  }
  return tokens(template)
    .map((t) => ('text' in t ? t.text : values[t.field]!))
    .join('')
}

/** What a file name says: the path it belongs to and when its segment opened. */
export interface ParsedRecordPath {
  pathName: string
  startMs: number
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Reads a file name back (the extension already removed, '/' separators), or undefined when it does not
 * match the template. `pathName` fixes %path; otherwise any path name matches.
 */
export function parseRecordPath(template: string, file: string, pathName?: string): ParsedRecordPath | undefined {
  const toks = tokens(template.split(path.sep).join('/'))
  const order: string[] = []
  const re = toks
    .map((t) => {
      if ('text' in t) return escape(t.text)
      if (t.field === 'path') {
        if (pathName !== undefined) return escape(pathName)
        order.push('path')
        return '(.+?)'
      }
      order.push(t.field)
      return t.field === 's' ? '(\\d+)' : `(\\d{${DIGITS[t.field]}})`
    })
    .join('')
  const m = new RegExp(`^${re}$`).exec(file)
  if (!m) return undefined
  const v: Record<string, string> = {}
  order.forEach((f, i) => (v[f] = m[i + 1]!))
  const n = (f: string): number => Number(v[f] ?? 0)
  const startMs =
    v.s !== undefined && v.Y === undefined
      ? n('s') * MS_PER_S + Math.floor(n('f') / US_PER_MS)
      : Date.UTC(n('Y'), n('m') - 1, n('d'), n('H'), n('M'), n('S'), Math.floor(n('f') / US_PER_MS))
  if (!Number.isFinite(startMs)) return undefined
  return { pathName: pathName ?? v.path!, startMs }
}

/**
 * The directory under which every file of `pathName` lies: the template's folders up to the first one
 * with a time placeholder. Scanning it (recursively) finds all the path's recordings and nothing else's
 * that the template could not tell apart.
 */
export function recordRoot(template: string, pathName: string): string {
  const parts = template.split(/[\\/]/)
  const fixed: string[] = []
  for (const part of parts.slice(0, -1)) {
    const f = tokens(part).filter((t) => 'field' in t)
    if (f.some((t) => 'field' in t && t.field !== 'path')) break
    fixed.push(part.replaceAll('%path', pathName).replaceAll('%%', '%'))
  }
  return fixed.join('/') || '.'
}
