/**
 * RTSP over HTTP tunnelling, the QuickTime scheme ("Tunneling QuickTime RTSP and RTP over HTTP",
 * Apple, 1999) that live555, VLC and ffmpeg speak: the client opens two HTTP connections that carry
 * the same `x-sessioncookie`. On the GET the server answers `200 OK` with
 * `Content-Type: application/x-rtsp-tunnelled` and then writes RTSP responses and interleaved data,
 * unencoded. On the POST the client writes its RTSP requests base64-encoded, and the server never
 * answers it. Bytes in, values out: the sockets live in src/server/connection-intake.ts.
 */
import { LimitError, ParseError } from '../errors.js'

/** An HTTP request head (request line and headers) may not be longer (bytes). */
export const TUNNEL_HEAD_MAX = 8192
/** A session cookie may not be longer (characters); clients send about 22. */
export const TUNNEL_COOKIE_MAX = 128
export const TUNNEL_CONTENT_TYPE = 'application/x-rtsp-tunnelled'

export interface TunnelHead {
  method: 'GET' | 'POST'
  /** The request target, as sent. */
  target: string
  /** `x-sessioncookie`; undefined when missing. */
  cookie: string | undefined
  /** Header names in lower case. */
  headers: Map<string, string>
  /** Bytes of the head, up to and including the blank line: what follows belongs to the tunnel. */
  length: number
}

/** Whether a connection's first bytes are an HTTP tunnel's ('GET ' or 'POST '): true, false, or undefined when too few bytes to tell. */
export function looksLikeTunnel(first: Buffer): boolean | undefined {
  for (const m of ['GET ', 'POST ']) {
    const n = Math.min(first.length, m.length)
    if (first.subarray(0, n).toString('latin1') === m.slice(0, n)) return n === m.length ? true : undefined
  }
  return false
}

/**
 * Parses the head of a tunnel's GET or POST from the start of `buf`. Undefined while the blank line
 * has not arrived; ParseError for a malformed head or another method, LimitError past TUNNEL_HEAD_MAX.
 */
export function parseTunnelHead(buf: Buffer): TunnelHead | undefined {
  let end = buf.indexOf('\r\n\r\n')
  let sep = 4
  if (end < 0) {
    end = buf.indexOf('\n\n')
    sep = 2
  }
  if (end < 0) {
    if (buf.length > TUNNEL_HEAD_MAX)
      throw new LimitError('ERR_TUNNEL_HEAD_TOO_LARGE', 'HTTP tunnel request head too large', { max: TUNNEL_HEAD_MAX })
    return undefined
  }
  if (end + sep > TUNNEL_HEAD_MAX)
    throw new LimitError('ERR_TUNNEL_HEAD_TOO_LARGE', 'HTTP tunnel request head too large', { max: TUNNEL_HEAD_MAX })
  const lines = buf.subarray(0, end).toString('latin1').split(/\r?\n/)
  const m = /^(GET|POST) (\S+) HTTP\/1\.[01]$/.exec(lines[0]!)
  if (!m) throw new ParseError('ERR_TUNNEL_REQUEST_LINE', 'not an HTTP tunnel request line', { observed: lines[0]!.slice(0, 80) })
  const headers = new Map<string, string>()
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new ParseError('ERR_TUNNEL_HEADER', 'malformed HTTP header line', { observed: line.slice(0, 80) })
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const cookie = headers.get('x-sessioncookie')
  if (cookie !== undefined && (cookie.length === 0 || cookie.length > TUNNEL_COOKIE_MAX || /[^\x21-\x7e]/.test(cookie))) {
    throw new ParseError('ERR_TUNNEL_COOKIE', 'bad x-sessioncookie', { observed: cookie.slice(0, 40), max: TUNNEL_COOKIE_MAX })
  }
  return { method: m[1] as 'GET' | 'POST', target: m[2]!, cookie, headers, length: end + sep }
}

/** The server's answer to a tunnel's GET: after it, the connection carries RTSP. */
export function tunnelGetResponse(): Buffer {
  return Buffer.from(
    'HTTP/1.0 200 OK\r\n' +
      `Content-Type: ${TUNNEL_CONTENT_TYPE}\r\n` +
      'Cache-Control: no-cache\r\n' +
      'Pragma: no-cache\r\n' +
      'Connection: close\r\n' +
      '\r\n',
    'latin1',
  )
}

/** An HTTP error answer on a connection that is not (or no longer) a tunnel; the connection closes after it. */
export function tunnelErrorResponse(status: 400 | 404 | 408 | 413 | 503, reason: string): Buffer {
  return Buffer.from(`HTTP/1.0 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 'latin1')
}

const B64_VALUES = ((): Int8Array => {
  const t = new Int8Array(256).fill(-1)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i
  return t
})()
const PAD = 0x3d // '='

/**
 * Base64 arriving in pieces split anywhere (RFC 4648 §4): returns the bytes each piece completes and
 * keeps the rest. Whitespace is skipped. A client may pad at the end of each request and start a new
 * base64 run after it (ffmpeg and VLC encode each request on its own), so '=' ends a quantum, not
 * the stream. Any other byte is a ParseError, and the decoder is then unusable.
 */
export class Base64StreamDecoder {
  /** Sextets of the quantum in progress. */
  private readonly quantum = new Uint8Array(4)
  private filled = 0
  private pads = 0
  private failed = false

  decode(chunk: Buffer): Buffer {
    if (this.failed) throw new ParseError('ERR_TUNNEL_BASE64', 'base64 decoder already failed')
    const out = Buffer.allocUnsafe(Math.ceil(((this.filled + chunk.length) * 3) / 4))
    let n = 0
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!
      if (c === 0x0d || c === 0x0a || c === 0x20 || c === 0x09) continue
      if (c === PAD) {
        // '=' may only fill the third and fourth places of a quantum.
        if (this.filled + this.pads < 2) return this.fail(c)
        this.pads++
      } else {
        const v = B64_VALUES[c]!
        if (v < 0 || this.pads > 0) return this.fail(c)
        this.quantum[this.filled++] = v
      }
      if (this.filled + this.pads === 4) {
        const q = this.quantum
        const bits = (q[0]! << 18) | (q[1]! << 12) | ((q[2] ?? 0) << 6) | (q[3] ?? 0)
        out[n++] = (bits >> 16) & 0xff
        if (this.filled >= 3) out[n++] = (bits >> 8) & 0xff
        if (this.filled === 4) out[n++] = bits & 0xff
        q.fill(0)
        this.filled = 0
        this.pads = 0
      }
    }
    return out.subarray(0, n)
  }

  private fail(byte: number): never {
    this.failed = true
    throw new ParseError('ERR_TUNNEL_BASE64', 'invalid base64 in the tunnel POST body', { observed: byte })
  }
}
