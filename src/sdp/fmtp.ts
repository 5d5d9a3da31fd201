/**
 * The fmtp attribute, RFC 8866 section 6.15, with the `name=value;...` parameter syntax that
 * RTP payload formats use (RFC 4855 section 3, e.g. RFC 6184 for H.264):
 *
 *   a=fmtp:<format> <format specific parameters>
 *
 * Tolerated, because cameras send them: spaces after `;` (`packetization-mode=1; profile-level-id=…`),
 * a trailing `;`, mixed-case names (`Profile=1`). Names are lowercased, since media type parameter
 * names are case-insensitive; values are kept as written. Only the first `=` splits, so base64
 * padding in `sprop-parameter-sets=Z0IAKeKQ…=,aM48gA==` survives. A parameter without `=`
 * (telephone-event's `0-15`) maps to ''.
 */
import { ParseError } from '../errors.js'

export interface Fmtp {
  payloadType: number
  params: Map<string, string>
}

const FMTP_PATTERN = /^(\d{1,3})(?:[ \t]+(.*))?$/s

/** Parses an fmtp attribute value (the text after `a=fmtp:`). A repeated name keeps its last value. */
export function parseFmtp(value: string): Fmtp {
  const m = FMTP_PATTERN.exec(value.trim())
  if (!m) {
    throw new ParseError('ERR_SDP_FMTP', `invalid fmtp ${JSON.stringify(value.slice(0, 80))}`, {
      observed: value.slice(0, 80),
      allowed: '<pt> <name>=<value>;...',
    })
  }
  const params = new Map<string, string>()
  for (const part of (m[2] ?? '').split(';')) {
    const p = part.trim()
    if (p === '') continue
    const eq = p.indexOf('=')
    if (eq < 0) params.set(p.toLowerCase(), '')
    else params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim())
  }
  return { payloadType: Number(m[1]), params }
}

/** Formats an fmtp attribute value: `<pt> name=value;name=value`. */
export function formatFmtp(payloadType: number, params: Map<string, string> | Record<string, string>): string {
  const entries = params instanceof Map ? [...params] : Object.entries(params)
  const text = entries.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(';')
  return text === '' ? String(payloadType) : `${payloadType} ${text}`
}
