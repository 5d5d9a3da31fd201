/**
 * SDP for Opus over RTP, RFC 7587 section 7 (media type registration) and 7.1 (mapping to SDP):
 *
 *   a=rtpmap:<pt> opus/48000/2          always 48000 and 2, whatever the coded rate and channel count
 *   a=fmtp:<pt> sprop-stereo=1          the sender is likely to send stereo (default 0)
 *
 * Also registered: `stereo` (what the receiver prefers to receive), `maxplaybackrate`,
 * `sprop-maxcapturerate`, `maxaveragebitrate`, `cbr`, `useinbandfec`, `usedtx`, `minptime`, `ptime`.
 * The parser keeps every parameter and reads the two stereo flags.
 */
import { ParseError } from '../../errors.js'
import { parseFmtp } from '../../sdp/fmtp.js'
import { OPUS_CLOCK_RATE } from './packet.js'

export const OPUS_ENCODING_NAME = 'opus'
/** RFC 7587 7: "the number of channels MUST be 2". */
export const OPUS_RTPMAP_CHANNELS = 2
export const DEFAULT_OPUS_PAYLOAD_TYPE = 111

export interface OpusFmtpParams {
  spropStereo: boolean
  stereo: boolean
  /** All parameters as given, keys lowercased. */
  params: Map<string, string>
}

/** `<pt> opus/48000/2`. */
export function opusRtpmap(payloadType: number): string {
  return `${payloadType} ${OPUS_ENCODING_NAME}/${OPUS_CLOCK_RATE}/${OPUS_RTPMAP_CHANNELS}`
}

/** fmtp parameters for a sender of `channels` channels; undefined for mono, which is the default. */
export function opusFmtp(channels: number): string | undefined {
  return channels >= 2 ? 'sprop-stereo=1' : undefined
}

function flag(params: Map<string, string>, name: string): boolean {
  const v = params.get(name)
  if (v === undefined) return false
  if (v !== '0' && v !== '1') throw new ParseError('ERR_OPUS_FMTP', `fmtp ${name}="${v}" is not 0 or 1`, { observed: v, allowed: [0, 1] })
  return v === '1'
}

/** Parses Opus fmtp parameters: a `name=value;…` string (no payload type) or an already parsed map. */
export function parseOpusFmtp(value: string | ReadonlyMap<string, string>): OpusFmtpParams {
  const params = typeof value === 'string' ? parseFmtp(`0 ${value}`).params : new Map(value)
  return { spropStereo: flag(params, 'sprop-stereo'), stereo: flag(params, 'stereo'), params }
}
