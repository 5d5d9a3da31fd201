/**
 * RTP-Info header, RFC 2326 section 12.33 (RFC 7826 section 18.45 adds ssrc and quoted urls):
 *
 *   RTP-Info   = "RTP-Info" ":" 1#stream-url 1*parameter
 *   stream-url = "url" "=" url
 *   parameter  = ";" "seq" "=" 1*DIGIT | ";" "rtptime" "=" 1*DIGIT
 *
 * The grammar is ambiguous when a url contains ',' or ';' (both legal in RTSP URLs), so entries are
 * split only at a ',' followed by 'url=', and a ';' part is a parameter only when it is one of
 * seq / rtptime / ssrc; anything before the first of those is glued back onto the url, anything
 * after is skipped as a vendor extension. Empty values ('seq=;rtptime=',
 * sent by some IP cameras) are read as absent.
 */
import { ParseError } from '../../errors.js'

export interface RtpInfoEntry {
  url: string
  /** u16 sequence number of the first packet after PLAY. */
  seq?: number
  /** u32 RTP timestamp matching the Range start. */
  rtptime?: number
  /** RFC 7826 only; written as 8 hex digits. */
  ssrc?: number
}

const MAX_SEQ = 0xffff
const MAX_RTPTIME = 0xffffffff
const MAX_SSRC_HEX_DIGITS = 8
const ENTRY_SPLIT_RE = /,(?=\s*url\s*=)/i
const URL_PREFIX_RE = /^\s*url\s*=\s*/i
const PARAM_RE = /^\s*(seq|rtptime|ssrc)\s*=\s*(\S*)\s*$/i
/** An empty last list element ('…;rtptime=5,') is allowed by the #rule. */
const TRAILING_SEPARATORS_RE = /[\s,]+$/
const DIGITS_RE = /^\d+$/
const HEX_RE = /^[0-9A-Fa-f]+$/

function malformed(reason: string, observed: string): ParseError {
  return new ParseError('ERR_RTSP_BAD_RTP_INFO', `bad RTP-Info: ${reason}`, {
    observed,
    allowed: 'url=<url>[;seq=<u16>][;rtptime=<u32>], …  (RFC 2326 section 12.33)',
  })
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s
}

function parseEntry(text: string, whole: string): RtpInfoEntry {
  const prefix = URL_PREFIX_RE.exec(text)
  if (!prefix) throw malformed("entry does not start with 'url='", whole)
  const parts = text.slice(prefix[0].length).split(';')
  const urlParts = [parts[0]!]
  const entry: RtpInfoEntry = { url: '' }
  let inParams = false
  for (const part of parts.slice(1)) {
    const m = PARAM_RE.exec(part)
    if (!m) {
      // Before the first known parameter, a ';' belongs to the url; after it, unknown
      // parameters (vendor extensions) are skipped.
      if (!inParams) urlParts.push(part)
      continue
    }
    inParams = true
    const key = m[1]!.toLowerCase()
    const raw = m[2]!
    if (raw === '') continue
    if (key === 'ssrc') {
      if (!HEX_RE.test(raw) || raw.length > MAX_SSRC_HEX_DIGITS) throw malformed('bad ssrc', whole)
      entry.ssrc = parseInt(raw, 16) >>> 0
      continue
    }
    const n = DIGITS_RE.test(raw) ? Number(raw) : NaN
    const max = key === 'seq' ? MAX_SEQ : MAX_RTPTIME
    if (!(n <= max)) throw malformed(`bad ${key}`, whole)
    if (key === 'seq') entry.seq = n
    else entry.rtptime = n
  }
  entry.url = unquote(urlParts.join(';').trim())
  if (entry.url === '') throw malformed('empty url', whole)
  return entry
}

export function parseRtpInfo(value: string): RtpInfoEntry[] {
  const entries = value
    .split(ENTRY_SPLIT_RE)
    .map((s) => s.replace(TRAILING_SEPARATORS_RE, '').trim())
    .filter((s) => s !== '')
    .map((s) => parseEntry(s, value))
  if (entries.length === 0) throw malformed('no entries', value)
  return entries
}

export function formatRtpInfo(entries: RtpInfoEntry[]): string {
  return entries
    .map((e) => {
      let s = `url=${e.url}`
      if (e.seq !== undefined) s += `;seq=${e.seq}`
      if (e.rtptime !== undefined) s += `;rtptime=${e.rtptime >>> 0}`
      if (e.ssrc !== undefined) s += `;ssrc=${(e.ssrc >>> 0).toString(16).toUpperCase().padStart(MAX_SSRC_HEX_DIGITS, '0')}`
      return s
    })
    .join(',')
}
