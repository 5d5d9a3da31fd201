/**
 * SDP for VP9 over RTP, RFC 9628 section 6: `a=rtpmap:<pt> VP9/90000` and the optional fmtp
 * `profile-id` (0..3, default 0), which the track learns from the frames' uncompressed headers.
 */
import { ParseError } from '../../errors.js'

export const VP9_ENCODING_NAME = 'VP9'
export const VP9_MAX_PROFILE = 3

/** The `profile-id` of an fmtp map; undefined when absent. Throws ParseError('ERR_VP9_FMTP') for a value out of range. */
export function vp9ProfileId(fmtp: ReadonlyMap<string, string>): number | undefined {
  const v = fmtp.get('profile-id')
  if (v === undefined) return undefined
  const n = /^\d$/.test(v) ? Number(v) : NaN
  if (!(n <= VP9_MAX_PROFILE)) {
    throw new ParseError('ERR_VP9_FMTP', `fmtp profile-id="${v}" is not 0..${VP9_MAX_PROFILE}`, {
      observed: v,
      allowed: `0..${VP9_MAX_PROFILE}`,
    })
  }
  return n
}
