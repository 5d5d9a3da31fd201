/**
 * Progress output shared by the commands that run for a while (play, publish): `--stats-interval`,
 * `--stats text|json` and `--quiet`. Everything goes to stderr, because stdout may carry media
 * (`--out -`). JSON lines start with `{`, every other line with `rtspkit:` or a track name, so a
 * program reading stderr picks the JSON lines out by their first character.
 */
import { ConfigError } from '../errors.js'
import { systemClock } from '../util/clock.js'
import { megabytes, secondsOption } from './options.js'

export const STATS_ARGS = {
  'stats-interval': { type: 'string' },
  stats: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const

export type StatsFormat = 'text' | 'json'

export interface StatsArgs {
  /** Seconds between progress lines; 0 for only the summary at the end. */
  statsInterval: number
  statsFormat: StatsFormat
  quiet: boolean
}

const SECONDS_PER_MINUTE = 60
const SECONDS_PER_HOUR = 3600

/** Their lines in a command's help. */
export function statsHelp(defaultIntervalS: number): string {
  return `  --stats-interval S   seconds between stats lines (default ${defaultIntervalS}; 0 for only at the end)
  --stats FORMAT       text (default) or json: one JSON object per line on stderr, each progress
                       line {"type":"progress","elapsed":S,"bytes":N,…} and at the end {"type":"end",…}
  -q, --quiet          print only warnings and errors (and the JSON lines of --stats json)
`
}

export function statsArgs(
  v: { 'stats-interval'?: string | undefined; stats?: string | undefined; quiet?: boolean | undefined },
  defaultIntervalS: number,
): StatsArgs {
  const format = v.stats ?? 'text'
  if (format !== 'text' && format !== 'json')
    throw new ConfigError('ERR_CLI_VALUE', `--stats must be text or json, got "${format}"`, { observed: format, allowed: ['text', 'json'] })
  return {
    statsInterval: secondsOption('stats-interval', v['stats-interval'], true) ?? defaultIntervalS,
    statsFormat: format,
    quiet: v.quiet ?? false,
  }
}

/** Elapsed seconds as H:MM:SS, the way ffmpeg's progress shows time. */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const h = Math.floor(s / SECONDS_PER_HOUR)
  const m = Math.floor((s % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE)
  return `${h}:${String(m).padStart(2, '0')}:${String(s % SECONDS_PER_MINUTE).padStart(2, '0')}`
}

/** kbit/s of `bytes` over `seconds` (0 when no time has passed). */
export function kbps(bytes: number, seconds: number): number {
  return seconds > 0 ? (bytes * 8) / seconds / 1000 : 0
}

/** Bytes in kB below a megabyte (a low-rate stream would show 0.01 MB for a long while), MB above. */
export function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : megabytes(bytes)
}

/** `0:00:05, 812.3 kB`: the head of every text progress line. */
export function progressHead(elapsedS: number, bytes: number): string {
  return `${formatElapsed(elapsedS)}, ${formatBytes(bytes)}`
}

/** The sum of one numeric field over a list of stats objects. */
export function sum<K extends string>(items: readonly Record<K, number>[], key: K): number {
  return items.reduce((n, x) => n + x[key], 0)
}

/** The JSON fields of a command whose stats are one object per stream: totals, and the list as `name`. */
export function listFields<T extends { bytes: number; packets: number }>(
  elapsed: number,
  name: string,
  items: T[],
): Record<string, unknown> {
  return { elapsed, bytes: sum(items, 'bytes'), packets: sum(items, 'packets'), [name]: items }
}

/** A JSON-safe number with at most 3 decimals. */
export function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}

/** Where a command's progress goes, by --stats and --quiet. */
export class ProgressOutput {
  private overwriting = false
  private readonly started = systemClock.monoMs()

  constructor(
    private readonly args: StatsArgs,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  /** An informational line (`rtspkit: …`), silenced by --quiet. */
  info(line: string): void {
    if (this.args.quiet) return
    this.endLine()
    this.out.write(`rtspkit: ${line}\n`)
  }

  /** Seconds since this output was made (about when the command started), for the JSON lines. */
  elapsed(): number {
    return round3((systemClock.monoMs() - this.started) / 1000)
  }

  /** Several progress lines at once (one per stream, as `rtspkit: TEXT`), or one JSON line of `type`. */
  lines(texts: string[], fields: Record<string, unknown>, type: 'progress' | 'end' = 'progress'): void {
    if (this.args.statsFormat === 'json') return this.json(type, fields)
    for (const t of texts) this.info(t)
  }

  /** A warning or error: always printed. */
  warn(line: string): void {
    this.endLine()
    this.out.write(`rtspkit: ${line}\n`)
  }

  /** A periodic progress line; in text mode on a terminal it overwrites the previous one. */
  progress(text: string, fields: Record<string, unknown>): void {
    if (this.args.statsFormat === 'json') return this.json('progress', fields)
    if (this.args.quiet) return
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${text}`)
      this.overwriting = true
    } else this.out.write(`${text}\n`)
  }

  /** The summary at the end: `rtspkit: TEXT`, or a JSON line of type "end". */
  summary(text: string, fields: Record<string, unknown>): void {
    if (this.args.statsFormat === 'json') return this.json('end', fields)
    this.info(text)
  }

  /** Calls `tick` every --stats-interval (not at all for 0); returns the function that stops it. */
  every(tick: () => void): () => void {
    if (this.args.statsInterval <= 0) return () => {}
    const timer = setInterval(tick, this.args.statsInterval * 1000)
    return () => {
      clearInterval(timer)
      this.endLine()
    }
  }

  private json(type: string, fields: Record<string, unknown>): void {
    this.endLine()
    this.out.write(`${JSON.stringify({ type, ...fields })}\n`)
  }

  /** Ends an overwritten terminal line so that what follows starts on a line of its own. */
  private endLine(): void {
    if (!this.overwriting) return
    this.out.write('\n')
    this.overwriting = false
  }
}
