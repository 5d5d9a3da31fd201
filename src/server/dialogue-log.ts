/** The RTSP dialogue at debug level: each request and response as sent, credentials left out. */
import type { Logger } from '../log/logger.js'
import { serializeRequest, serializeResponse, type RtspRequest, type RtspResponse } from '../rtsp/message.js'

export function logDialogue(log: Logger, connectionId: number, direction: 'recv' | 'send', message: RtspRequest | RtspResponse): void {
  if (log.enabled && !log.enabled('debug')) return
  const bytes = 'method' in message ? serializeRequest(message) : serializeResponse(message)
  const type = message.headers.get('Content-Type') ?? ''
  // Text bodies (SDP, parameters) are shown; anything else is summarized.
  const text =
    /^(application\/sdp|text\/)/i.test(type) || message.body.length === 0
      ? bytes.toString('latin1')
      : `${bytes.subarray(0, bytes.length - message.body.length).toString('latin1')}[${message.body.length} bytes]`
  // Credentials stay out of logs: the scheme is shown, not what follows it.
  const safe = text.trimEnd().replace(/^(Authorization:\s*\S+).*$/gim, '$1 [redacted]')
  log.debug(`${direction === 'recv' ? '<<' : '>>'} ${safe}`, { conn: connectionId })
}
