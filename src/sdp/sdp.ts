/**
 * Session Description Protocol, RFC 8866 section 5. A lossless model: every line is kept, in order
 * within its kind, and `formatSdp(parseSdp(x)) === x` for a CRLF, canonically ordered input.
 *
 *   Session description            Media description (repeated)
 *     v=  (protocol version)         m=  (media name and transport address)
 *     o=  (originator, session id)   i=* (media title)
 *     s=  (session name)             c=* (connection information)
 *     i=* (session information)      b=* (zero or more bandwidth lines)
 *     u=* (URI of description)       k=* (obsolete)
 *     e=* (zero or more emails)      a=* (zero or more attributes)
 *     p=* (zero or more phones)
 *     c=* (connection information)
 *     b=* (zero or more bandwidth lines)
 *     t=  r=* (one or more time descriptions, each with repeat times)
 *     z=* (time zone adjustments)
 *     k=* (obsolete)
 *     a=* (zero or more session attributes)
 *
 * Every line is `<type>=<value>` (section 5: "<type> MUST be exactly one case-significant
 * character"); anything else is a ParseError. Tolerated, because cameras and old servers send
 * them: LF-only (or CR-only) line ends, trailing whitespace (removed from every line, so `s= ` reads as ''),
 * blank lines, a leading BOM, lines out of the canonical order, and missing v=, o=, s= or t=
 * (filled with defaults: 0, `- 0 0 IN IP4 0.0.0.0`, '' and `0 0`). Lines the model has no field
 * for (unknown type letters, a second o= or c=, t= inside a media section…) go to `extraLines`
 * of their section and are written after its attributes.
 */
import { LimitError, ParseError } from '../errors.js'

export { parseRtpmap, formatRtpmap, type Rtpmap } from './rtpmap.js'
export { parseFmtp, formatFmtp, type Fmtp } from './fmtp.js'

/** Largest description accepted, in bytes (Buffer input) or UTF-16 units (string input). */
export const SDP_MAX_SIZE = 64 * 1024
/** Most non-blank lines accepted. */
export const SDP_MAX_LINES = 4096
/** Longest line accepted; sprop-parameter-sets of large H.265 parameter sets stay well under it. */
export const SDP_MAX_LINE_LENGTH = 16 * 1024
/** Most m= sections accepted. */
export const SDP_MAX_MEDIA = 128

export interface SdpLimits {
  maxSize: number
  maxLines: number
  maxLineLength: number
  maxMedia: number
}

export const DEFAULT_SDP_LIMITS: Readonly<SdpLimits> = Object.freeze({
  maxSize: SDP_MAX_SIZE,
  maxLines: SDP_MAX_LINES,
  maxLineLength: SDP_MAX_LINE_LENGTH,
  maxMedia: SDP_MAX_MEDIA,
})

export interface SdpAttribute {
  key: string
  /** Undefined for a property attribute (`a=recvonly`); '' for `a=key:`. */
  value?: string
}

export interface SdpMedia {
  type: string
  port: number
  portCount?: number
  protocol: string
  formats: string[]
  /** i= */
  title?: string
  /** c= (the first one; further c= lines go to extraLines) */
  connection?: string
  /** b= values */
  bandwidths: string[]
  /** k= (obsolete, kept) */
  key?: string
  attributes: SdpAttribute[]
  /** Whole lines (`x=…`) the model has no field for, in input order. */
  extraLines?: string[]
}

export interface SdpOrigin {
  username: string
  sessionId: string
  sessionVersion: string
  netType: string
  addrType: string
  address: string
}

export interface SessionDescription {
  version: number
  origin: SdpOrigin
  /** s=; '' is written as `s= ` (RFC 8866 section 5.3). */
  sessionName: string
  info?: string
  uri?: string
  emails: string[]
  phones: string[]
  connection?: string
  bandwidths: string[]
  /**
   * Time descriptions in order: a t= value (`0 0`) per entry; an r= line following it is kept as
   * an entry starting with `r=` (`r=604800 3600 0 90000`). Written as `t=0 0` when empty.
   */
  timing: string[]
  timeZones?: string
  key?: string
  attributes: SdpAttribute[]
  media: SdpMedia[]
  /** Whole lines (`x=…`) the model has no field for, in input order. */
  extraLines?: string[]
}

const LINE_TYPE_PATTERN = /^[A-Za-z]=/
const LINE_BREAK = /\r\n|\r|\n/
const WHITESPACE = /[ \t]+/
const MEDIA_PORT_PATTERN = /^(\d{1,5})(?:\/(\d{1,5}))?$/
const VERSION_PATTERN = /^\d{1,9}$/
const MAX_PORT = 0xffff
const REPEAT_PREFIX = 'r='
const TIMING_PREFIX = 't='
const DEFAULT_TIMING = '0 0'
const ORIGIN_DEFAULTS = ['-', '0', '0', 'IN', 'IP4', '0.0.0.0'] as const
const ORIGIN_FIELDS = 6
const ERROR_EXCERPT = 80
const BOM = 0xfeff
/** Characters that would break a line or the description if written inside a value. */
const FORBIDDEN_IN_VALUE = /[\r\n\0]/

/** Removes trailing spaces, tabs, VT and FF (a loop, not a regex: `/\s+$/` is quadratic on long runs of spaces). */
function trimEnd(s: string): string {
  let end = s.length
  for (;;) {
    const c = s.charCodeAt(end - 1)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0b && c !== 0x0c) break
    end--
  }
  return end === s.length ? s : s.slice(0, end)
}

function excerpt(s: string): string {
  return s.length > ERROR_EXCERPT ? `${s.slice(0, ERROR_EXCERPT)}…` : s
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':')
  return colon < 0 ? { key: value } : { key: value.slice(0, colon), value: value.slice(colon + 1) }
}

function parseOrigin(value: string): SdpOrigin {
  const t = value.split(WHITESPACE).filter((s) => s !== '')
  // Sloppy origins (missing address, extra words) are filled or folded rather than rejected.
  const f = (i: number): string => t[i] ?? ORIGIN_DEFAULTS[i]!
  return {
    username: f(0),
    sessionId: f(1),
    sessionVersion: f(2),
    netType: f(3),
    addrType: f(4),
    address: t.length > ORIGIN_FIELDS ? t.slice(ORIGIN_FIELDS - 1).join(' ') : f(5),
  }
}

function defaultOrigin(): SdpOrigin {
  return parseOrigin('')
}

function parseMediaLine(value: string, lineNumber: number): SdpMedia {
  const t = value.split(WHITESPACE).filter((s) => s !== '')
  if (t.length < 3) {
    throw new ParseError('ERR_SDP_MEDIA', `line ${lineNumber}: m= needs <media> <port> <proto>`, {
      observed: excerpt(value),
      allowed: '<media> <port>[/<count>] <proto> <fmt> ...',
      line: lineNumber,
    })
  }
  const pm = MEDIA_PORT_PATTERN.exec(t[1]!)
  const port = pm ? Number(pm[1]) : NaN
  const portCount = pm?.[2] !== undefined ? Number(pm[2]) : undefined
  if (!pm || port > MAX_PORT || (portCount !== undefined && portCount > MAX_PORT)) {
    throw new ParseError('ERR_SDP_MEDIA', `line ${lineNumber}: invalid m= port ${JSON.stringify(excerpt(t[1]!))}`, {
      observed: excerpt(t[1]!),
      allowed: `0..${MAX_PORT}[/count]`,
      line: lineNumber,
    })
  }
  const m: SdpMedia = { type: t[0]!, port, protocol: t[2]!, formats: t.slice(3), bandwidths: [], attributes: [] }
  if (portCount !== undefined) m.portCount = portCount
  return m
}

function pushExtra(target: { extraLines?: string[] }, line: string): void {
  if (target.extraLines) target.extraLines.push(line)
  else target.extraLines = [line]
}

/** Parses a session description; see the file comment for what is tolerated. */
export function parseSdp(input: string | Uint8Array, limits: Partial<SdpLimits> = {}): SessionDescription {
  const lim: SdpLimits = { ...DEFAULT_SDP_LIMITS, ...limits }
  const size = typeof input === 'string' ? input.length : input.byteLength
  if (size > lim.maxSize) {
    throw new LimitError('ERR_SDP_TOO_LARGE', `SDP of ${size} bytes exceeds ${lim.maxSize}`, { observed: size, allowed: lim.maxSize })
  }
  let text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8')
  if (text.charCodeAt(0) === BOM) text = text.slice(1)

  const d: SessionDescription = {
    version: 0,
    origin: defaultOrigin(),
    sessionName: '',
    emails: [],
    phones: [],
    bandwidths: [],
    timing: [],
    attributes: [],
    media: [],
  }
  const seen = new Set<string>()
  let media: SdpMedia | undefined
  let lineCount = 0
  const rawLines = text.split(LINE_BREAK)
  for (let i = 0; i < rawLines.length; i++) {
    const lineNumber = i + 1
    const raw = rawLines[i]!
    if (raw.length > lim.maxLineLength) {
      throw new LimitError('ERR_SDP_LINE_TOO_LONG', `line ${lineNumber} of ${raw.length} characters exceeds ${lim.maxLineLength}`, {
        observed: raw.length,
        allowed: lim.maxLineLength,
        line: lineNumber,
      })
    }
    const line = trimEnd(raw)
    if (line === '') continue
    if (++lineCount > lim.maxLines) {
      throw new LimitError('ERR_SDP_TOO_MANY_LINES', `SDP has more than ${lim.maxLines} lines`, {
        observed: lineCount,
        allowed: lim.maxLines,
        line: lineNumber,
      })
    }
    if (!LINE_TYPE_PATTERN.test(line) || line.includes('\0')) {
      throw new ParseError('ERR_SDP_LINE', `line ${lineNumber} is not of the form <type>=<value>`, {
        observed: excerpt(line),
        allowed: '<letter>=<value>',
        line: lineNumber,
      })
    }
    const type = line[0]!
    const value = line.slice(2)

    if (type === 'm') {
      if (d.media.length >= lim.maxMedia) {
        throw new LimitError('ERR_SDP_TOO_MANY_MEDIA', `SDP has more than ${lim.maxMedia} media sections`, {
          observed: d.media.length + 1,
          allowed: lim.maxMedia,
          line: lineNumber,
        })
      }
      media = parseMediaLine(value, lineNumber)
      d.media.push(media)
      continue
    }

    if (media) {
      switch (type) {
        case 'i':
          if (media.title === undefined) media.title = value
          else pushExtra(media, line)
          break
        case 'c':
          if (media.connection === undefined) media.connection = value
          else pushExtra(media, line)
          break
        case 'b':
          media.bandwidths.push(value)
          break
        case 'k':
          if (media.key === undefined) media.key = value
          else pushExtra(media, line)
          break
        case 'a':
          media.attributes.push(parseAttribute(value))
          break
        default:
          pushExtra(media, line)
      }
      continue
    }

    // Single-valued session fields: the first occurrence fills the model, repeats are kept as extra lines.
    const first = !seen.has(type)
    seen.add(type)
    switch (type) {
      case 'v':
        if (!first) {
          pushExtra(d, line)
          break
        }
        if (!VERSION_PATTERN.test(value)) {
          throw new ParseError('ERR_SDP_VERSION', `line ${lineNumber}: invalid v=${excerpt(value)}`, {
            observed: excerpt(value),
            allowed: 0,
            line: lineNumber,
          })
        }
        d.version = Number(value)
        break
      case 'o':
        if (first) d.origin = parseOrigin(value)
        else pushExtra(d, line)
        break
      case 's':
        if (first) d.sessionName = value
        else pushExtra(d, line)
        break
      case 'i':
        if (first) d.info = value
        else pushExtra(d, line)
        break
      case 'u':
        if (first) d.uri = value
        else pushExtra(d, line)
        break
      case 'c':
        if (first) d.connection = value
        else pushExtra(d, line)
        break
      case 'z':
        if (first) d.timeZones = value
        else pushExtra(d, line)
        break
      case 'k':
        if (first) d.key = value
        else pushExtra(d, line)
        break
      case 'e':
        d.emails.push(value)
        break
      case 'p':
        d.phones.push(value)
        break
      case 'b':
        d.bandwidths.push(value)
        break
      case 't':
        // The model keeps r= lines among the t= values, and takes whole t= lines too, told apart by
        // their prefix (see `timing`): a value that starts like either could not be written back.
        if (value.startsWith(REPEAT_PREFIX) || value.startsWith(TIMING_PREFIX)) {
          throw new ParseError('ERR_SDP_LINE', `line ${lineNumber}: a t= value cannot start with "r=" or "t="`, {
            observed: excerpt(line),
            allowed: 't=<start-time> <stop-time>',
            line: lineNumber,
          })
        }
        d.timing.push(value)
        break
      case 'r':
        d.timing.push(REPEAT_PREFIX + value)
        break
      case 'a':
        d.attributes.push(parseAttribute(value))
        break
      default:
        pushExtra(d, line)
    }
  }
  // Cameras that omit t= exist; RFC 8866 requires one, and `0 0` (unbounded) is what they mean.
  if (!d.timing.some((t) => !t.startsWith(REPEAT_PREFIX))) d.timing.unshift(DEFAULT_TIMING)
  return d
}

function formatAttribute(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.key}` : `a=${a.key}:${a.value}`
}

function formatMediaLine(m: SdpMedia): string {
  const port = m.portCount !== undefined ? `${m.port}/${m.portCount}` : String(m.port)
  return ['m=' + m.type, port, m.protocol, ...m.formats].join(' ')
}

/** Formats a session description with CRLF line ends, in RFC 8866 order. */
export function formatSdp(d: SessionDescription): string {
  const lines: string[] = []
  const o = d.origin
  lines.push(`v=${d.version}`)
  lines.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`)
  lines.push(`s=${d.sessionName === '' ? ' ' : d.sessionName}`)
  if (d.info !== undefined) lines.push(`i=${d.info}`)
  if (d.uri !== undefined) lines.push(`u=${d.uri}`)
  for (const e of d.emails) lines.push(`e=${e}`)
  for (const p of d.phones) lines.push(`p=${p}`)
  if (d.connection !== undefined) lines.push(`c=${d.connection}`)
  for (const b of d.bandwidths) lines.push(`b=${b}`)
  if (!d.timing.some((t) => !t.startsWith(REPEAT_PREFIX))) lines.push(TIMING_PREFIX + DEFAULT_TIMING)
  for (const t of d.timing) {
    lines.push(t.startsWith(REPEAT_PREFIX) || t.startsWith(TIMING_PREFIX) ? t : TIMING_PREFIX + t)
  }
  if (d.timeZones !== undefined) lines.push(`z=${d.timeZones}`)
  if (d.key !== undefined) lines.push(`k=${d.key}`)
  for (const a of d.attributes) lines.push(formatAttribute(a))
  if (d.extraLines) lines.push(...d.extraLines)
  for (const m of d.media) {
    lines.push(formatMediaLine(m))
    if (m.title !== undefined) lines.push(`i=${m.title}`)
    if (m.connection !== undefined) lines.push(`c=${m.connection}`)
    for (const b of m.bandwidths) lines.push(`b=${b}`)
    if (m.key !== undefined) lines.push(`k=${m.key}`)
    for (const a of m.attributes) lines.push(formatAttribute(a))
    if (m.extraLines) lines.push(...m.extraLines)
  }
  for (const line of lines) {
    // A value holding CR or LF would inject lines (a stream name put into s=, say).
    if (FORBIDDEN_IN_VALUE.test(line)) {
      throw new ParseError('ERR_SDP_VALUE', `SDP line contains CR, LF or NUL: ${JSON.stringify(excerpt(line))}`, {
        observed: excerpt(line),
        allowed: 'no CR, LF or NUL',
      })
    }
  }
  return lines.join('\r\n') + '\r\n'
}

/**
 * The value of the first attribute named `key`: '' for a property attribute (`a=recvonly`),
 * undefined when there is none.
 */
export function getAttribute(attrs: readonly SdpAttribute[], key: string): string | undefined {
  for (const a of attrs) if (a.key === key) return a.value ?? ''
  return undefined
}

/** The values of every attribute named `key`, in order ('' for property attributes). */
export function getAttributes(attrs: readonly SdpAttribute[], key: string): string[] {
  const out: string[] = []
  for (const a of attrs) if (a.key === key) out.push(a.value ?? '')
  return out
}

/** Whether an attribute named `key` is present. */
export function hasAttribute(attrs: readonly SdpAttribute[], key: string): boolean {
  return attrs.some((a) => a.key === key)
}
