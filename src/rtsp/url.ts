/**
 * RTSP URLs, RFC 2326 section 3.2 (RFC 7826 section 4.2), generic syntax from RFC 3986 section 3:
 *
 *   rtsp_URL = ( "rtsp:" | "rtspu:" | "rtsps:" ) "//" [ userinfo "@" ] host [ ":" port ] [ abs_path ]
 *
 * Also accepted as Request-URIs (host is then ''):
 *  - '*' (OPTIONS *, section 10.1): path '*';
 *  - an absolute path '/cam' (some embedded clients);
 *  - a relative path 'movie.Mjpeg' (the Columbia/Kurose teaching client): path '/movie.Mjpeg'.
 * Cameras put unescaped '@' in passwords ('rtsp://admin:p@ss@10.0.0.2/'), so the userinfo ends
 * at the last '@' of the authority. IPv6 hosts keep their brackets, as WHATWG URL.hostname does,
 * so `${host}:${port}` stays valid.
 */
import { ParseError } from '../errors.js'

export interface RtspUrl {
  scheme: 'rtsp' | 'rtsps' | 'rtspu'
  /** Host as written (IPv6 with brackets), '' for '*' and bare paths. */
  host: string
  port?: number
  /** Percent-decoded, leading '/' kept, no query. '*' for 'OPTIONS *'. */
  path: string
  /** Raw, without the '?'. */
  query: string
  username?: string
  password?: string
}

export const DEFAULT_RTSP_PORT = 554
export const DEFAULT_RTSPS_PORT = 322
const MAX_PORT = 0xffff
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):/
const AUTHORITY_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/
const SCHEMES = new Set(['rtsp', 'rtsps', 'rtspu'])
const FORBIDDEN_RE = /[\s\x00-\x1f\x7f]/
const IPV6_HOST_RE = /^\[[0-9A-Fa-f:.]+(?:%[^\]]+)?\]$/
const REG_NAME_RE = /^[A-Za-z0-9\-._~!$&'()*+,;=%]+$/
const PORT_RE = /^\d+$/

function malformed(reason: string, observed: string): ParseError {
  return new ParseError('ERR_RTSP_BAD_URL', `bad RTSP URL: ${reason}`, {
    observed,
    allowed: 'rtsp[s|u]://[user[:pass]@]host[:port][/path][?query], /path or *',
  })
}

function decode(s: string, whole: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    throw malformed('bad percent-encoding', whole)
  }
}

/** Splits path and query, decoding the path; `path` is '' or starts with '/'. */
function pathAndQuery(rest: string, whole: string): { path: string; query: string } {
  const hash = rest.indexOf('#')
  if (hash !== -1) rest = rest.slice(0, hash)
  const q = rest.indexOf('?')
  const rawPath = q === -1 ? rest : rest.slice(0, q)
  return { path: decode(rawPath, whole), query: q === -1 ? '' : rest.slice(q + 1) }
}

export function parseRtspUrl(uri: string): RtspUrl {
  if (uri === '' || FORBIDDEN_RE.test(uri)) throw malformed('empty or contains whitespace/control characters', uri)
  if (uri === '*') return { scheme: 'rtsp', host: '', path: '*', query: '' }

  const scheme = SCHEME_RE.exec(uri)
  if (!scheme) {
    // No scheme: a bare path, absolute or (teaching clients) relative.
    const { path, query } = pathAndQuery(uri, uri)
    return { scheme: 'rtsp', host: '', path: path.startsWith('/') ? path : `/${path}`, query }
  }
  const m = AUTHORITY_RE.exec(uri)
  const name = scheme[1]!.toLowerCase()
  if (!SCHEMES.has(name)) throw malformed(`scheme ${JSON.stringify(name)} is not rtsp, rtsps or rtspu`, uri)
  if (!m) throw malformed("no '//' after the scheme", uri)

  const authority = m[2]!
  const at = authority.lastIndexOf('@')
  const hostPort = at === -1 ? authority : authority.slice(at + 1)
  const out: RtspUrl = { scheme: name as RtspUrl['scheme'], host: '', path: '/', query: '' }
  if (at !== -1) {
    const userinfo = authority.slice(0, at)
    const colon = userinfo.indexOf(':')
    out.username = decode(colon === -1 ? userinfo : userinfo.slice(0, colon), uri)
    if (colon !== -1) out.password = decode(userinfo.slice(colon + 1), uri)
  }

  let portText: string | undefined
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']')
    out.host = close === -1 ? hostPort : hostPort.slice(0, close + 1)
    if (!IPV6_HOST_RE.test(out.host)) throw malformed('bad IPv6 host', uri)
    const after = hostPort.slice(close + 1)
    if (after !== '' && !after.startsWith(':')) throw malformed("junk after ']'", uri)
    if (after !== '') portText = after.slice(1)
  } else {
    const colon = hostPort.indexOf(':')
    out.host = colon === -1 ? hostPort : hostPort.slice(0, colon)
    if (colon !== -1) portText = hostPort.slice(colon + 1)
    if (!REG_NAME_RE.test(out.host)) throw malformed('bad or empty host', uri)
  }
  if (portText !== undefined && portText !== '') {
    if (!PORT_RE.test(portText) || Number(portText) > MAX_PORT) throw malformed('bad port', uri)
    out.port = Number(portText)
  }

  const { path, query } = pathAndQuery(uri.slice(m[0].length), uri)
  out.path = path === '' ? '/' : path
  out.query = query
  return out
}

/** The URI with any 'user:pass@' removed, for logs and for Content-Base. Never throws. */
export function stripCredentials(uri: string): string {
  const m = AUTHORITY_RE.exec(uri)
  if (!m) return uri
  const at = m[2]!.lastIndexOf('@')
  if (at === -1) return uri
  const schemeEnd = m[1]!.length + '://'.length
  return uri.slice(0, schemeEnd) + uri.slice(schemeEnd + at + 1)
}

/** Inverse of parseRtspUrl for absolute URLs: re-encodes the path's special characters. */
export function formatRtspUrl(u: RtspUrl): string {
  if (u.host === '') return u.path === '*' ? '*' : encodePath(u.path) + (u.query ? `?${u.query}` : '')
  let out = `${u.scheme}://`
  if (u.username !== undefined) {
    out += encodeURIComponent(u.username)
    if (u.password !== undefined) out += `:${encodeURIComponent(u.password)}`
    out += '@'
  }
  out += u.host
  if (u.port !== undefined) out += `:${u.port}`
  out += encodePath(u.path)
  if (u.query) out += `?${u.query}`
  return out
}

function encodePath(path: string): string {
  return path
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/%3D/gi, '=').replace(/%3B/gi, ';'))
    .join('/')
}
