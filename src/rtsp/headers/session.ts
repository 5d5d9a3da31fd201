/**
 * Session header, RFC 2326 section 12.37 (RFC 7826 section 18.49):
 *
 *   Session    = "Session" ":" session-id [ ";" "timeout" "=" delta-seconds ]
 *   session-id = 1*( ALPHA | DIGIT | safe )      ; RFC 7826: 1*256( ALPHA / DIGIT / safe )
 *   safe       = "$" | "-" | "_" | "." | "+"     ; RFC 7826 widens to "\$" / "-" / "_" / "." / "+" / ...
 *
 * Parsing is lenient about whitespace (' 12345678 ; timeout = 60') and about the id's alphabet
 * (some cameras use ids with other printable characters); unknown parameters are ignored.
 */
import { ParseError } from '../../errors.js'

export interface SessionHeader {
  id: string
  timeout?: number
}

/** Printable, no separators that would break the header (';', ',', whitespace, quotes). */
const SESSION_ID_RE = /^[^\s;,"\x00-\x1f\x7f]+$/
const DIGITS_RE = /^\d+$/
const TIMEOUT_KEY = 'timeout'

function malformed(reason: string, observed: string): ParseError {
  return new ParseError('ERR_RTSP_BAD_SESSION', `bad Session: ${reason}`, {
    observed,
    allowed: 'session-id [;timeout=delta-seconds]  (RFC 2326 section 12.37)',
  })
}

export function parseSession(value: string): SessionHeader {
  const [rawId, ...params] = value.split(';')
  const id = rawId!.trim()
  if (!SESSION_ID_RE.test(id)) throw malformed('bad session id', value)
  const out: SessionHeader = { id }
  for (const param of params) {
    const eq = param.indexOf('=')
    if (eq === -1) continue
    if (param.slice(0, eq).trim().toLowerCase() !== TIMEOUT_KEY) continue
    const timeout = param.slice(eq + 1).trim()
    if (!DIGITS_RE.test(timeout)) throw malformed('timeout is not a number of seconds', value)
    out.timeout = Number(timeout)
  }
  return out
}

export function formatSession(id: string, timeout?: number): string {
  if (!SESSION_ID_RE.test(id)) throw malformed('bad session id', id)
  if (timeout === undefined) return id
  if (!Number.isInteger(timeout) || timeout < 0) throw malformed('timeout is not a whole number of seconds', String(timeout))
  return `${id};${TIMEOUT_KEY}=${timeout}`
}
