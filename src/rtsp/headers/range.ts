/**
 * Range header, RFC 2326 section 12.29 with the time formats of section 3.5 (SMPTE), 3.6 (NPT)
 * and 3.7 (absolute, "clock"):
 *
 *   Range            = "Range" ":" 1#ranges-specifier [ ";" "time" "=" utc-time ]
 *   ranges-specifier = npt-range | utc-range | smpte-range
 *   npt-range        = ( npt-time "-" [ npt-time ] ) | ( "-" npt-time )
 *   npt-time         = "now" | npt-sec | npt-hhmmss
 *   npt-sec          = 1*DIGIT [ "." *DIGIT ]
 *   npt-hhmmss       = npt-hh ":" npt-mm ":" npt-ss [ "." *DIGIT ]
 *   utc-range        = "clock" "=" utc-time "-" [ utc-time ]
 *   utc-time         = utc-date "T" utc-time "Z"        ; 19961108T143720.25Z
 *   smpte-range      = smpte-type "=" smpte-time "-" [ smpte-time ]
 *   smpte-type       = "smpte" | "smpte-30-drop" | "smpte-25"
 *   smpte-time       = 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT [ ":" 1*2DIGIT ] [ "." 1*2DIGIT ]
 *
 * NPT times are returned in seconds (hh:mm:ss converted), 'now' as the string 'now'; clock and
 * SMPTE times as written. Only the first ranges-specifier is used (nobody sends more than one).
 * Whitespace around '=', '-' and ';' is tolerated.
 */
import { ParseError } from '../../errors.js'

export type RangeUnit = 'npt' | 'clock' | 'smpte'

export interface RangeSpec {
  unit: RangeUnit
  /** npt: seconds or 'now'; clock and smpte: the time as written. Absent only in 'npt=-t'. */
  start?: number | string
  end?: number | string
  /** The SMPTE variant when not plain 'smpte': 'smpte-30-drop' or 'smpte-25'. */
  smpteType?: string
  /** The 'time=' parameter: when the range should take effect (a utc-time). */
  time?: string
}

const NPT_NOW = 'now'
const NPT_SEC_RE = /^\d+(?:\.\d*)?$/
const NPT_HHMMSS_RE = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d*)?)$/
const UTC_TIME_RE = /^\d{8}T\d{6}(?:\.\d+)?Z$/
const SMPTE_TIME_RE = /^\d{1,2}:\d{1,2}:\d{1,2}(?::\d{1,2})?(?:\.\d{1,2})?$/
const SMPTE_TYPES = new Set(['smpte', 'smpte-30-drop', 'smpte-25'])
const SECONDS_PER_MINUTE = 60
const SECONDS_PER_HOUR = 3600
const NPT_FORMAT_DECIMALS = 3
/** Beyond ~31700 years of media, formatting would switch to exponent notation. */
const MAX_NPT_SECONDS = 1e15

function malformed(reason: string, observed: unknown): ParseError {
  return new ParseError('ERR_RTSP_BAD_RANGE', `bad Range: ${reason}`, {
    observed,
    allowed: 'npt=<start>-[<end>] | clock=<utc>-[<utc>] | smpte=<time>-[<time>]  (RFC 2326 section 12.29)',
  })
}

function parseNptTime(s: string, whole: string): number | string {
  if (s.toLowerCase() === NPT_NOW) return NPT_NOW
  if (NPT_SEC_RE.test(s)) return Number(s)
  const m = NPT_HHMMSS_RE.exec(s)
  if (m && Number(m[2]) < SECONDS_PER_MINUTE && Number(m[3]) < SECONDS_PER_MINUTE) {
    return Number(m[1]) * SECONDS_PER_HOUR + Number(m[2]) * SECONDS_PER_MINUTE + Number(m[3])
  }
  throw malformed(`bad npt time ${JSON.stringify(s)}`, whole)
}

export function parseRange(value: string): RangeSpec {
  const [specifier, ...params] = value.split(';')
  const first = specifier!.split(',')[0]!
  const eq = first.indexOf('=')
  if (eq === -1) throw malformed("no '='", value)
  const type = first.slice(0, eq).trim().toLowerCase()
  const body = first.slice(eq + 1).trim()
  const dash = body.indexOf('-')
  if (dash === -1) throw malformed("no '-'", value)
  const from = body.slice(0, dash).trim()
  const to = body.slice(dash + 1).trim()

  let spec: RangeSpec
  if (type === 'npt') {
    spec = { unit: 'npt' }
    if (from !== '') spec.start = parseNptTime(from, value)
    if (to !== '') spec.end = parseNptTime(to, value)
    if (spec.start === undefined && spec.end === undefined) throw malformed('neither start nor end', value)
  } else if (type === 'clock') {
    if (!UTC_TIME_RE.test(from) || (to !== '' && !UTC_TIME_RE.test(to))) throw malformed('bad utc-time', value)
    spec = { unit: 'clock', start: from }
    if (to !== '') spec.end = to
  } else if (SMPTE_TYPES.has(type)) {
    if (!SMPTE_TIME_RE.test(from) || (to !== '' && !SMPTE_TIME_RE.test(to))) throw malformed('bad smpte-time', value)
    spec = { unit: 'smpte', start: from }
    if (to !== '') spec.end = to
    if (type !== 'smpte') spec.smpteType = type
  } else {
    throw malformed(`unknown unit ${JSON.stringify(type)}`, value)
  }

  for (const param of params) {
    const peq = param.indexOf('=')
    if (peq === -1 || param.slice(0, peq).trim().toLowerCase() !== 'time') continue
    const time = param.slice(peq + 1).trim()
    if (!UTC_TIME_RE.test(time)) throw malformed('bad time parameter', value)
    spec.time = time
  }
  return spec
}

/** Seconds with 3 decimals when that is exact (the 'npt=0.000-' form clients and servers use), else in full. */
function formatNptTime(t: number | string): string {
  if (typeof t === 'string') {
    if (t === NPT_NOW || NPT_SEC_RE.test(t) || NPT_HHMMSS_RE.test(t)) return t
    throw malformed('bad npt time', t)
  }
  if (!Number.isFinite(t) || t < 0 || t > MAX_NPT_SECONDS) throw malformed('npt seconds out of range', t)
  const fixed = t.toFixed(NPT_FORMAT_DECIMALS)
  if (Number(fixed) === t) return fixed
  return plainDecimal(String(t))
}

/** Rewrites JS's shortest round-trip form '1.5e-7' as '0.00000015' (npt-sec has no exponent). */
function plainDecimal(shortest: string): string {
  const m = /^(\d+)(?:\.(\d+))?e-(\d+)$/.exec(shortest)
  if (!m) return shortest
  const intDigits = m[1]!
  const digits = intDigits + (m[2] ?? '')
  return `0.${'0'.repeat(Number(m[3]) - intDigits.length)}${digits}`
}

export function formatRange(r: RangeSpec): string {
  let out: string
  if (r.unit === 'npt') {
    if (r.start === undefined && r.end === undefined) throw malformed('neither start nor end', r)
    out = `npt=${r.start === undefined ? '' : formatNptTime(r.start)}-${r.end === undefined ? '' : formatNptTime(r.end)}`
  } else {
    const re = r.unit === 'clock' ? UTC_TIME_RE : SMPTE_TIME_RE
    const type = r.unit === 'clock' ? 'clock' : (r.smpteType ?? 'smpte')
    if (r.unit === 'smpte' && !SMPTE_TYPES.has(type)) throw malformed('unknown smpte type', type)
    const start = String(r.start ?? '')
    const end = r.end === undefined ? '' : String(r.end)
    if (!re.test(start) || (end !== '' && !re.test(end))) throw malformed(`bad ${r.unit} time`, r)
    out = `${type}=${start}-${end}`
  }
  if (r.time !== undefined) {
    if (!UTC_TIME_RE.test(r.time)) throw malformed('bad time parameter', r.time)
    out += `;time=${r.time}`
  }
  return out
}
