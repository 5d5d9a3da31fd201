/**
 * RTSP 1.0 messages, RFC 2326 sections 4, 6 and 7 (RFC 7826 sections 8.1, 8.2):
 *
 *   Request      = Method SP Request-URI SP RTSP-Version CRLF *(header CRLF) CRLF [ message-body ]
 *   Status-Line  = RTSP-Version SP Status-Code SP Reason-Phrase CRLF
 *
 * Bodies are delimited by Content-Length only (section 4.3): with no Content-Length there is no body.
 * Serialization writes CRLF line ends, CSeq right after the start line (then Session, for responses),
 * and computes Content-Length from the body, ignoring any Content-Length field the caller set.
 */
import { ParseError } from '../errors.js'
import { isHeaderToken, RtspHeaders } from './headers.js'
import { STATUS_REASONS } from './status.js'

export { STATUS_REASONS } from './status.js'
export { interleavedHeader, serializeInterleaved } from './interleaved.js'

export const RTSP_VERSION = 'RTSP/1.0'
const CRLF = '\r\n'
const CSEQ = 'cseq'
const SESSION = 'session'
const CONTENT_LENGTH = 'content-length'
const MIN_STATUS = 100
const MAX_STATUS = 999
/** Request-URI and version: no whitespace, no CTLs. */
const NO_SPACE_RE = /^[^\s\x00-\x1f\x7f]+$/
/** Reason-Phrase = *<TEXT, excluding CR, LF>; the reader also refuses other control characters. */
const REASON_RE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/

export interface RtspRequest {
  method: string
  uri: string
  version: string
  headers: RtspHeaders
  /** May be a view into a received chunk. */
  body: Buffer
}

export interface RtspResponse {
  version: string
  statusCode: number
  reason: string
  headers: RtspHeaders
  /** May be a view into a received chunk. */
  body: Buffer
}

function invalid(what: string, observed: unknown, allowed: string): ParseError {
  return new ParseError('ERR_RTSP_INVALID_MESSAGE', `cannot serialize: invalid ${what}`, { field: what, observed, allowed })
}

/** Header lines (each ending in CRLF) with `first` names pulled to the front, Content-Length recomputed. */
function headerBlock(headers: RtspHeaders, first: readonly string[], bodyLength: number): string {
  let out = ''
  for (const lower of first) {
    for (const [name, value] of headers.entries()) {
      if (name.toLowerCase() === lower) out += `${name}: ${value}${CRLF}`
    }
  }
  for (const [name, value] of headers.entries()) {
    const lower = name.toLowerCase()
    if (lower === CONTENT_LENGTH || first.includes(lower)) continue
    out += `${name}: ${value}${CRLF}`
  }
  if (bodyLength > 0) out += `Content-Length: ${bodyLength}${CRLF}`
  return out + CRLF
}

function assemble(head: string, body: Uint8Array): Buffer {
  const headLength = Buffer.byteLength(head, 'utf8')
  const buf = Buffer.allocUnsafe(headLength + body.length)
  buf.write(head, 0, 'utf8')
  buf.set(body, headLength)
  return buf
}

export function serializeRequest(req: RtspRequest): Buffer {
  // A leading '$' is a token character, but at a message boundary it announces an interleaved frame.
  if (!isHeaderToken(req.method) || req.method.startsWith('$')) {
    throw invalid('method', req.method, "an RFC 2616 token not starting with '$'")
  }
  if (!NO_SPACE_RE.test(req.uri)) throw invalid('uri', req.uri, 'non-empty, no whitespace or control characters')
  if (!NO_SPACE_RE.test(req.version)) throw invalid('version', req.version, 'non-empty, no whitespace')
  const head = `${req.method} ${req.uri} ${req.version}${CRLF}` + headerBlock(req.headers, [CSEQ], req.body.length)
  return assemble(head, req.body)
}

export function serializeResponse(res: RtspResponse): Buffer {
  if (!NO_SPACE_RE.test(res.version)) throw invalid('version', res.version, 'non-empty, no whitespace')
  if (!Number.isInteger(res.statusCode) || res.statusCode < MIN_STATUS || res.statusCode > MAX_STATUS) {
    throw invalid('statusCode', res.statusCode, `an integer in ${MIN_STATUS}..${MAX_STATUS}`)
  }
  if (!REASON_RE.test(res.reason)) throw invalid('reason', res.reason, 'no control characters except HTAB')
  const head = `${res.version} ${res.statusCode} ${res.reason}${CRLF}` + headerBlock(res.headers, [CSEQ, SESSION], res.body.length)
  return assemble(head, res.body)
}

export interface CreateResponseOptions {
  /** Defaults to STATUS_REASONS[statusCode]. */
  reason?: string
  /** Echoed first; usually `request.headers.get('CSeq')`. */
  cseq?: string
  headers?: RtspHeaders | Iterable<readonly [string, string]> | Record<string, string>
  body?: Buffer
}

/** A response with version RTSP/1.0, the standard reason phrase and, when given, the CSeq to echo. */
export function createResponse(statusCode: number, options: CreateResponseOptions = {}): RtspResponse {
  const headers = new RtspHeaders()
  if (options.cseq !== undefined) headers.set('CSeq', options.cseq)
  if (options.headers !== undefined) for (const [name, value] of new RtspHeaders(options.headers).entries()) headers.append(name, value)
  return {
    version: RTSP_VERSION,
    statusCode,
    reason: options.reason ?? STATUS_REASONS[statusCode] ?? '',
    headers,
    body: options.body ?? Buffer.alloc(0),
  }
}
