/**
 * The HTTP side every WebRTC answer shares: CORS (WHIP/WHEP clients are often pages of another
 * origin: RFC 9725 section 4.8 asks for the Location, ETag, Accept-Patch and Link headers to be
 * readable), bounded request bodies, plain-text errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { LimitError } from '../errors.js'

/** Largest request body (an SDP offer, a candidate fragment). */
export const MAX_BODY_BYTES = 64 * 1024

export function corsHeaders(allowOrigin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': allowOrigin,
    'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
    'Access-Control-Expose-Headers': 'Location, ETag, Accept-Patch, Link, X-Rtspkit-Audio, X-Rtspkit-Video',
    'Access-Control-Max-Age': '86400',
  }
}

/** Reads the body; LimitError('ERR_HTTP_BODY_SIZE') past `max` bytes (the rest is not read). */
export function readBody(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0')
    if (declared > max) {
      reject(new LimitError('ERR_HTTP_BODY_SIZE', `body of ${declared} bytes is over ${max}`, { observed: declared, allowed: max }))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > max) {
        req.removeAllListeners('data')
        req.resume()
        reject(new LimitError('ERR_HTTP_BODY_SIZE', `body over ${max} bytes`, { observed: size, allowed: max }))
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** A plain-text answer (errors carry their reason in the body). */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) return
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers })
  res.end(text.endsWith('\n') || text === '' ? text : `${text}\n`)
}

/** The media type of a request, without parameters, lower case. */
export function contentType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase()
}
