/**
 * The rtpmap attribute, RFC 8866 section 6.6:
 *
 *   a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
 *
 * e.g. `96 H264/90000`, `97 MPEG4-GENERIC/48000/2`. For audio the encoding parameter is the
 * channel count. The encoding name is kept as written: compare it case-insensitively
 * (RFC 4855 section 3: media subtype names are case-insensitive).
 */
import { ParseError } from '../errors.js'

export const RTP_MAX_PAYLOAD_TYPE = 127

export interface Rtpmap {
  payloadType: number
  encodingName: string
  clockRate: number
  channels?: number
}

// Whitespace around the value is tolerated (trailing spaces from cameras); inside it is not needed.
const RTPMAP_PATTERN = /^(\d{1,3})[ \t]+([^ \t/]+)\/(\d{1,10})(?:\/(\d{1,3}))?$/

/** Parses an rtpmap attribute value (the text after `a=rtpmap:`). */
export function parseRtpmap(value: string): Rtpmap {
  const m = RTPMAP_PATTERN.exec(value.trim())
  if (!m) {
    throw new ParseError('ERR_SDP_RTPMAP', `invalid rtpmap ${JSON.stringify(value.slice(0, 80))}`, {
      observed: value.slice(0, 80),
      allowed: '<pt> <name>/<clock rate>[/<channels>]',
    })
  }
  const payloadType = Number(m[1])
  if (payloadType > RTP_MAX_PAYLOAD_TYPE) {
    throw new ParseError('ERR_SDP_RTPMAP', `rtpmap payload type ${payloadType} is out of range`, {
      observed: payloadType,
      allowed: `0..${RTP_MAX_PAYLOAD_TYPE}`,
    })
  }
  const r: Rtpmap = { payloadType, encodingName: m[2]!, clockRate: Number(m[3]) }
  if (m[4] !== undefined) r.channels = Number(m[4])
  return r
}

/** Formats an rtpmap attribute value. */
export function formatRtpmap(r: Rtpmap): string {
  return `${r.payloadType} ${r.encodingName}/${r.clockRate}${r.channels !== undefined ? `/${r.channels}` : ''}`
}
