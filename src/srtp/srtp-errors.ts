/**
 * Why an SRTP or SRTCP packet was refused. Each is a typed error with a stable code; receivers drop
 * the packet and count it, they never stop on it.
 */
import { ParseError, ProtocolError } from '../errors.js'

/** Too short for its header, its header extension or its tag. */
export const ERR_SRTP_SHORT = 'ERR_SRTP_SHORT'
/** The authentication tag does not match (tampered, or another key). */
export const ERR_SRTP_AUTH = 'ERR_SRTP_AUTH'
/** An index already received, or older than the replay window. */
export const ERR_SRTP_REPLAY = 'ERR_SRTP_REPLAY'

export function srtpShort(what: string, observed: number, allowed: number): ParseError {
  return new ParseError(ERR_SRTP_SHORT, `${what} too short: ${observed} bytes, needs ${allowed}`, { observed, allowed })
}

export function srtpAuthFailed(ssrc: number, index: number): ProtocolError {
  return new ProtocolError(ERR_SRTP_AUTH, `authentication failed for SSRC ${ssrc} index ${index}`, { ssrc, index })
}

export function srtpReplayed(ssrc: number, index: number): ProtocolError {
  return new ProtocolError(ERR_SRTP_REPLAY, `replayed or too old: SSRC ${ssrc} index ${index}`, { ssrc, index })
}
