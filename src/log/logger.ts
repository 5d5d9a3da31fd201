/**
 * One line per event: pretty for a terminal (`12:00:01.234 INF [session 123456789 /cam] PLAY`), or
 * JSON (`{"time":…,"level":"info","msg":…,"session":…,"path":…}`) for log collectors. Levels filter
 * what is written; debug carries the RTSP dialogue. No global state: a logger is made and passed in.
 */
import type { Writable } from 'node:stream'

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug']
export type LogFormat = 'pretty' | 'json'

/** Who an event is about; shown as a prefix (pretty) or as fields (JSON). */
export interface LogFields {
  session?: string
  path?: string
  conn?: number
  remote?: string
}

export interface Logger {
  error?(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  debug(msg: string, fields?: LogFields): void
  /** Whether `level` is written (so callers skip building costly debug text). */
  enabled?(level: LogLevel): boolean
}

export interface LoggerOptions {
  level?: LogLevel
  format?: LogFormat
  /** Where lines go (default process.stderr for warn/error, process.stdout otherwise). */
  out?: Writable
  err?: Writable
  /** Wall clock for timestamps (default Date.now). */
  now?: () => number
}

const TAGS: Record<LogLevel, string> = { error: 'ERR', warn: 'WRN', info: 'INF', debug: 'DBG' }

/** Control characters other than newline and tab (C0, DEL, C1). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/**
 * Messages quote what peers sent (a stream name, a FourCC, a header): a control character is written
 * as `\xNN`, so no peer can move a terminal's cursor, colour it, or break a line of the log.
 */
function printable(line: string): string {
  return line.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

function prefix(f: LogFields | undefined): string {
  if (!f) return ''
  const parts: string[] = []
  if (f.session !== undefined) parts.push(`session ${f.session}`)
  if (f.conn !== undefined) parts.push(`conn ${f.conn}`)
  if (f.path !== undefined) parts.push(`/${f.path}`)
  if (f.remote !== undefined) parts.push(f.remote)
  return parts.length ? `[${parts.join(' ')}] ` : ''
}

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s)
}

export function createLogger(opts: LoggerOptions = {}): Required<Logger> {
  const rank = LOG_LEVELS.indexOf(opts.level ?? 'info')
  const format = opts.format ?? 'pretty'
  const now = opts.now ?? Date.now
  const enabled = (level: LogLevel): boolean => LOG_LEVELS.indexOf(level) <= rank
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (!enabled(level)) return
    const stream = level === 'error' || level === 'warn' ? (opts.err ?? process.stderr) : (opts.out ?? process.stdout)
    const t = new Date(now())
    if (format === 'json') {
      stream.write(JSON.stringify({ time: t.toISOString(), level, msg, ...fields }) + '\n')
      return
    }
    // A multi-line message (an RTSP request) keeps its lines together, indented under the first.
    const text = msg.replace(/\r?\n$/, '').replace(/\r?\n/g, '\n    ')
    stream.write(printable(`${t.toISOString().slice(11, 23)} ${TAGS[level]} ${prefix(fields)}${text}`) + '\n')
  }
  return {
    error: (m, f) => write('error', m, f),
    warn: (m, f) => write('warn', m, f),
    info: (m, f) => write('info', m, f),
    debug: (m, f) => write('debug', m, f),
    enabled,
  }
}
