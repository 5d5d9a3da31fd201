/**
 * The JSON body of an API write (RFC 8259): bounded in size, and only as application/json, so a
 * browser cannot send one from another site without a CORS preflight this API never answers.
 */
import type http from 'node:http'
import { ApiError } from './api-error.js'

/** Larger bodies are refused (413): a config write is a few kilobytes. */
export const MAX_BODY_BYTES = 1024 * 1024

/** The parsed body, or undefined when there is none. Throws ApiError 400, 413 or 415. */
export function readJsonBody(req: http.IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit && !failed) {
        failed = true
        reject(new ApiError(413, 'ERR_API_BODY_TOO_LARGE', `the body is over ${limit} bytes`))
      }
      if (!failed) chunks.push(chunk)
    })
    req.on('error', (err) => reject(err))
    req.on('end', () => {
      if (failed) return
      const text = Buffer.concat(chunks).toString('utf8')
      if (text.trim() === '') return resolve(undefined)
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
      if (type !== 'application/json')
        return reject(new ApiError(415, 'ERR_API_CONTENT_TYPE', `the body must be application/json, got "${type || 'no Content-Type'}"`))
      try {
        resolve(JSON.parse(text))
      } catch (err) {
        reject(new ApiError(400, 'ERR_API_BAD_JSON', `the body is not valid JSON: ${(err as Error).message}`))
      }
    })
  })
}
