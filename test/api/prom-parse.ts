/**
 * A strict reader of Prometheus text format 0.0.4, for tests: it throws on anything a scraper would
 * refuse or that we never mean to write (samples before their TYPE, a family declared twice, a
 * malformed label or value).
 */

export interface ParsedFamily {
  help: string
  type: string
  samples: { labels: Record<string, string>; value: number }[]
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const SAMPLE = new RegExp(`^(${NAME})(\\{(.*)\\})? (\\S+)$`)
const COMMENT = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`)
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/

function unescape(s: string): string {
  return s.replace(/\\([\\"n])/g, (_m, c: string) => (c === 'n' ? '\n' : c))
}

function parseValue(text: string, line: string): number {
  if (text === 'NaN') return NaN
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`bad value in: ${line}`)
  return Number(text)
}

export function parsePrometheus(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline')
  const families = new Map<string, ParsedFamily>()
  let current: string | undefined
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue
    const c = COMMENT.exec(line)
    if (c) {
      const [, kind, name, rest] = c as unknown as [string, string, string, string]
      let f = families.get(name)
      if (!f) {
        f = { help: '', type: '', samples: [] }
        families.set(name, f)
      } else if (current !== name) throw new Error(`family ${name} declared in two places`)
      if (kind === 'HELP') f.help = unescape(rest)
      else {
        if (f.type) throw new Error(`two TYPE lines for ${name}`)
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type ${rest}`)
        f.type = rest
      }
      current = name
      continue
    }
    if (line.startsWith('#')) continue
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`bad sample line: ${line}`)
    const name = m[1]!
    const f = families.get(name)
    if (!f || current !== name || !f.type) throw new Error(`sample of ${name} outside its family: ${line}`)
    const labels: Record<string, string> = {}
    let rest = m[3] ?? ''
    while (rest.length > 0) {
      const l = LABEL.exec(rest)
      if (!l) throw new Error(`bad labels in: ${line}`)
      if (l[1]! in labels) throw new Error(`label ${l[1]} twice in: ${line}`)
      labels[l[1]!] = unescape(l[2]!)
      rest = rest.slice(l[0].length)
    }
    f.samples.push({ labels, value: parseValue(m[4]!, line) })
  }
  return families
}

/** The value of the sample of `name` whose labels include `labels`; undefined when none. */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  return families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}
