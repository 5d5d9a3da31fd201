/** An error answer of the HTTP API: the HTTP status, a stable code, and headers to send with it. */
import { RtspkitError } from '../errors.js'

export class ApiError extends RtspkitError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, { status })
  }
}
