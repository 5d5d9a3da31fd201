/** How the client turns answers and unexpected failures into typed errors with a stable code. */
import { ProtocolError, RtspkitError } from '../errors.js'
import type { RtspResponse } from '../rtsp/message.js'

export function isOk(res: RtspResponse): boolean {
  return res.statusCode >= 200 && res.statusCode < 300
}

/** ProtocolError for a non-2xx answer: `DESCRIBE rtsp://… failed: 404 Not Found`. */
export function statusError(method: string, uri: string, res: RtspResponse): ProtocolError {
  return new ProtocolError('ERR_RTSP_STATUS', `${method} ${uri} failed: ${res.statusCode} ${res.reason}`, {
    status: res.statusCode,
    reason: res.reason,
    method,
    observed: res.statusCode,
    allowed: '2xx',
  })
}

/** A failure from a timer or a background loop, where anything may have been thrown. */
export function asRtspkitError(err: unknown): RtspkitError {
  if (err instanceof RtspkitError) return err
  return new ProtocolError('ERR_RTSP_CLIENT', `unexpected failure: ${(err as Error)?.message ?? String(err)}`, {}, { cause: err })
}
