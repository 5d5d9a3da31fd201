/**
 * Typed errors. Every error rtspkit throws is an RtspkitError with a stable `code`
 * (safe to switch on) and, where it helps, the observed and allowed values.
 */

export interface ErrorDetails {
  /** What was seen (a length, a value, a token). */
  observed?: unknown
  /** What would have been accepted. */
  allowed?: unknown
  [key: string]: unknown
}

export class RtspkitError extends Error {
  readonly code: string
  readonly details: ErrorDetails

  constructor(code: string, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.details = details
  }
}

/** Bytes or text that do not follow the grammar of a protocol or format. */
export class ParseError extends RtspkitError {}

/** Input exceeding a named limit (line length, header count, body size, access-unit size…). */
export class LimitError extends RtspkitError {}

/** A peer did something the protocol does not allow in this state or context. */
export class ProtocolError extends RtspkitError {}

/** An operation called on an object in the wrong state (closed, not started…). */
export class StateError extends RtspkitError {}

/** A codec cannot represent or decode the given data. */
export class CodecError extends RtspkitError {}

/** Bad user configuration: options, CLI arguments, source specifications. */
export class ConfigError extends RtspkitError {}

/** Authentication failure (used by later auth work). */
export class AuthError extends RtspkitError {}

/** A source process or device failed while serving: ffmpeg exited, or gave no picture in time. */
export class SourceError extends RtspkitError {}

/** An HTTP request refused (WHEP/WHIP, HLS, playback): its status, a reason for the body, and headers to send. */
export class HttpError extends RtspkitError {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string | string[]> = {},
  ) {
    super(`ERR_HTTP_${status}`, message, { observed: status })
  }
}

/**
 * `err` as an Error, to rethrow or report: itself when it is one; anything else that was thrown (a
 * string, a number…) wrapped in an RtspkitError ERR_NON_ERROR_THROWN that carries it as `observed`.
 */
export function asError(err: unknown): Error {
  return err instanceof Error
    ? err
    : new RtspkitError('ERR_NON_ERROR_THROWN', `a non-Error value was thrown: ${String(err)}`, { observed: err })
}
