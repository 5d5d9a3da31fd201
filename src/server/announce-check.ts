/**
 * What an ANNOUNCE (or WHIP offer) may not carry although its SDP parses: a clock rate the RTP
 * receiver cannot count with (an rtpmap ending in `/0`), a format of one kind in a section of the
 * other (a G.711 law in `m=video`), or parameters the codec's own track refuses (more channels than
 * its payload format allows). Checked before anything changes on the path, so a bad publisher neither takes over
 * nor disturbs the current one, and it gets 400 or 415 with the reason instead of a 500.
 */
import type { CodecRegistry } from '../codecs/registry.js'
import { RtspkitError } from '../errors.js'
import { MAX_CLOCK_RATE } from '../rtp/receiver.js'
import type { Announcement } from '../stream/announcement.js'
import type { StreamSpec } from '../stream/media.js'

export interface AnnounceProblem {
  status: 400 | 415
  /** One line for the response body and the log. */
  reason: string
}

/** Undefined when `a` can be published; `tryStream` builds (and drops) the stream the spec would make, throwing what the codecs refuse. */
export function announcementProblem(
  a: Announcement,
  registry: CodecRegistry,
  tryStream: (spec: StreamSpec) => void,
): AnnounceProblem | undefined {
  for (const t of a.tracks) {
    const name = `${t.format.encodingName}/${t.format.clockRate}`
    if (!Number.isInteger(t.format.clockRate) || t.format.clockRate < 1 || t.format.clockRate > MAX_CLOCK_RATE) {
      return { status: 400, reason: `${name}: the clock rate must be 1..${MAX_CLOCK_RATE}` }
    }
    const kind = registry.byEncodingName(t.format.encodingName)?.kind
    if (kind !== undefined && kind !== t.kind)
      return { status: 415, reason: `${t.format.encodingName} is a ${kind} format, announced as ${t.kind}` }
  }
  try {
    tryStream(a.spec)
  } catch (err) {
    if (err instanceof RtspkitError) return { status: 400, reason: err.message }
    throw err
  }
  return undefined
}
