/**
 * Transport header, RFC 2326 section 12.39:
 *
 *   Transport           = "Transport" ":" 1#transport-spec
 *   transport-spec      = transport-protocol/profile[/lower-transport] *parameter
 *   transport-protocol  = "RTP"
 *   profile             = "AVP"
 *   lower-transport     = "TCP" | "UDP"
 *   parameter           = ( "unicast" | "multicast" ) | ";" "destination" [ "=" address ]
 *                       | ";" "interleaved" "=" channel [ "-" channel ] | ";" "append"
 *                       | ";" "ttl" "=" ttl | ";" "layers" "=" 1*DIGIT
 *                       | ";" "port" "=" port [ "-" port ] | ";" "client_port" "=" port [ "-" port ]
 *                       | ";" "server_port" "=" port [ "-" port ] | ";" "ssrc" "=" ssrc
 *                       | ";" "mode" = <"> 1#mode <">
 *   ssrc                = 8*8(HEX)
 *
 * The alternatives are listed in the client's order of preference. "Default value is UDP" for the
 * lower transport. Quirks handled (RFC 7826 section 18.54 is no stricter on whitespace):
 *  - 'RTP/UDP' from the Columbia/Kurose teaching client: kept as the protocol, lowerTransport UDP,
 *    profile RTP/AVP (the only profile such clients know);
 *  - 'client_port= 25000' with spaces around '=' and ';';
 *  - a single port or channel: 'client_port=5000' means 5000-5001 (RTCP on the next port, RFC 3550 11),
 *    'interleaved=4' means 4-5;
 *  - ssrc with fewer than 8 hex digits (some cameras drop leading zeros);
 *  - mode with or without quotes, any case.
 */
import { ParseError } from '../../errors.js'

export interface TransportSpec {
  /** As sent: 'RTP/AVP', 'RTP/AVP/UDP', 'RTP/AVP/TCP', 'RTP/SAVP', 'RTP/UDP'… */
  protocol: string
  /** 'RTP/AVP', 'RTP/SAVP', 'RTP/AVPF'… */
  profile: string
  lowerTransport: 'UDP' | 'TCP'
  delivery?: 'unicast' | 'multicast'
  clientPort?: [number, number]
  serverPort?: [number, number]
  /** Multicast 'port'. */
  port?: [number, number]
  interleaved?: [number, number]
  destination?: string
  source?: string
  ttl?: number
  /** u32, written as 8 hex digits. */
  ssrc?: number
  /** Without quotes, as sent ('PLAY', 'RECORD', 'play'…). */
  mode?: string
  /** Every parameter after the protocol, raw (trimmed, quotes kept), in order. */
  params: [string, string | undefined][]
}

const MAX_PORT = 0xffff
const MAX_CHANNEL = 0xff
const MAX_TTL = 0xff
const MAX_SSRC_HEX_DIGITS = 8
const PROTOCOL_RE = /^[A-Za-z0-9._+-]+(?:\/[A-Za-z0-9._+-]+)+$/
const PAIR_RE = /^(\d+)(?:\s*-\s*(\d+))?$/
const DIGITS_RE = /^\d+$/
const HEX_RE = /^[0-9A-Fa-f]+$/
const DEFAULT_PROFILE_NAME = 'AVP'
/** Parameters that formatTransport writes from the typed fields rather than from `params`. */
const TYPED_KEYS = new Set([
  'unicast',
  'multicast',
  'destination',
  'source',
  'interleaved',
  'ttl',
  'port',
  'client_port',
  'server_port',
  'ssrc',
  'mode',
])

function malformed(reason: string, observed: string): ParseError {
  return new ParseError('ERR_RTSP_BAD_TRANSPORT', `bad Transport: ${reason}`, {
    observed,
    allowed: 'RTP/AVP[/UDP|/TCP];parameter[=value]…  (RFC 2326 section 12.39)',
  })
}

/** Splits on `sep` outside double quotes. */
export function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = []
  let quoted = false
  let from = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '"') quoted = !quoted
    else if (c === sep && !quoted) {
      out.push(s.slice(from, i))
      from = i + 1
    }
  }
  out.push(s.slice(from))
  return out
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s
}

function parsePair(key: string, raw: string | undefined, max: number, spec: string): [number, number] {
  const m = raw === undefined ? null : PAIR_RE.exec(raw)
  if (!m) throw malformed(`${key} is not a number or a range`, spec)
  const lo = Number(m[1])
  const hi = m[2] === undefined ? lo + 1 : Number(m[2])
  if (lo > max || hi > max) throw malformed(`${key} out of range 0..${max}`, spec)
  return [lo, hi]
}

function parseSpec(text: string): TransportSpec {
  const parts = splitOutsideQuotes(text, ';').map((p) => p.trim())
  const protocol = parts[0]!
  if (!PROTOCOL_RE.test(protocol)) throw malformed(`bad protocol ${JSON.stringify(protocol)}`, text)
  const segments = protocol.split('/')
  const last = segments[segments.length - 1]!.toUpperCase()
  const hasLower = last === 'UDP' || last === 'TCP'
  const profileSegments = hasLower ? segments.slice(0, -1) : segments
  const spec: TransportSpec = {
    protocol,
    profile: profileSegments.length >= 2 ? profileSegments.join('/') : `${profileSegments[0]}/${DEFAULT_PROFILE_NAME}`,
    lowerTransport: hasLower ? last : 'UDP',
    params: [],
  }

  for (const part of parts.slice(1)) {
    if (part === '') continue // 'RTP/AVP;unicast;' — a stray separator
    const eq = part.indexOf('=')
    const key = (eq === -1 ? part : part.slice(0, eq)).trim()
    const value = eq === -1 ? undefined : part.slice(eq + 1).trim()
    if (key === '') throw malformed('empty parameter name', text)
    spec.params.push([key, value])
    const bare = value === undefined ? undefined : unquote(value)
    switch (key.toLowerCase()) {
      case 'unicast':
        spec.delivery = 'unicast'
        break
      case 'multicast':
        spec.delivery = 'multicast'
        break
      case 'client_port':
        spec.clientPort = parsePair(key, bare, MAX_PORT, text)
        break
      case 'server_port':
        spec.serverPort = parsePair(key, bare, MAX_PORT, text)
        break
      case 'port':
        spec.port = parsePair(key, bare, MAX_PORT, text)
        break
      case 'interleaved':
        spec.interleaved = parsePair(key, bare, MAX_CHANNEL, text)
        break
      case 'destination':
        if (bare) spec.destination = bare
        break
      case 'source':
        if (bare) spec.source = bare
        break
      case 'ttl':
        if (bare === undefined || !DIGITS_RE.test(bare) || Number(bare) > MAX_TTL) throw malformed('bad ttl', text)
        spec.ttl = Number(bare)
        break
      case 'ssrc':
        if (bare === undefined || !HEX_RE.test(bare) || bare.length > MAX_SSRC_HEX_DIGITS) throw malformed('bad ssrc', text)
        spec.ssrc = parseInt(bare, 16) >>> 0
        break
      case 'mode':
        if (bare) spec.mode = bare
        break
    }
  }
  return spec
}

/** All alternatives, in the client's order of preference. */
export function parseTransport(value: string): TransportSpec[] {
  const specs = splitOutsideQuotes(value, ',')
    .map((s) => s.trim())
    .filter((s) => s !== '') // empty list elements are allowed by the #rule (RFC 2616 section 2.1)
    .map(parseSpec)
  if (specs.length === 0) throw malformed('no transport-spec', value)
  return specs
}

function pair(p: [number, number]): string {
  return `${p[0]}-${p[1]}`
}

/**
 * One transport-spec: typed fields first, in RFC order, then any other raw `params`
 * (e.g. 'append', 'layers=2') as received. Typed fields win over their raw copies in `params`.
 */
export function formatTransport(t: Partial<TransportSpec> & { protocol: string }): string {
  const out: string[] = [t.protocol]
  if (t.delivery) out.push(t.delivery)
  if (t.destination !== undefined) out.push(`destination=${t.destination}`)
  if (t.source !== undefined) out.push(`source=${t.source}`)
  if (t.interleaved) out.push(`interleaved=${pair(t.interleaved)}`)
  if (t.ttl !== undefined) out.push(`ttl=${t.ttl}`)
  if (t.port) out.push(`port=${pair(t.port)}`)
  if (t.clientPort) out.push(`client_port=${pair(t.clientPort)}`)
  if (t.serverPort) out.push(`server_port=${pair(t.serverPort)}`)
  if (t.ssrc !== undefined) out.push(`ssrc=${(t.ssrc >>> 0).toString(16).toUpperCase().padStart(MAX_SSRC_HEX_DIGITS, '0')}`)
  if (t.mode !== undefined) out.push(`mode=${/^[A-Za-z]+$/.test(t.mode) ? t.mode : `"${t.mode}"`}`)
  for (const [key, value] of t.params ?? []) {
    if (TYPED_KEYS.has(key.toLowerCase())) continue
    out.push(value === undefined ? key : `${key}=${value}`)
  }
  return out.join(';')
}
