/**
 * Whether a Digest `uri` parameter names what the request names (RFC 7616 section 3.4.6: "the server
 * MUST assure that the resource designated by the 'uri' parameter is the same as the resource
 * specified in the Request-Line"; RFC 2617 section 3.2.2.5 says the same). Without this check a
 * header captured on one path opens another.
 *
 * Same resource, although the text differs — what real clients send:
 *
 *  - absolute vs bare: `rtsp://cam:554/live` for a request line `/live`, or the reverse (teaching
 *    clients and some cameras put a bare path in one and a URL in the other);
 *  - user info and default ports: `rtsp://user@host/live` and `rtsp://host:554/live` name
 *    `rtsp://host/live`; hosts compare case-insensitively;
 *  - a trailing slash: `rtsp://host/live/` (VLC/live555 SETUP URLs built from a Content-Base);
 *  - a track control: `SETUP rtsp://host/live/trackID=0` signed with the aggregate
 *    `rtsp://host/live` (clients that keep the DESCRIBE URL for every request), or PLAY of the
 *    aggregate signed with a track's URL;
 *  - the query string is ignored: the access decision is made per path.
 *
 * ffmpeg, GStreamer (rtspsrc and rtspclientsink) and rtspkit's client sign the request URI itself.
 * A `uri` naming another path, or another host while both are absolute, does not match.
 */
import { ParseError } from '../../errors.js'
import { DEFAULT_RTSP_PORT, DEFAULT_RTSPS_PORT, parseRtspUrl, type RtspUrl } from '../url.js'

/** Track controls clients append to the aggregate URL (ours, ffmpeg's, GStreamer's and cameras'). */
const TRACK_SUFFIX = /^(?:trackID|streamid|track|stream)=?\d+$/i

function parse(uri: string): RtspUrl | undefined {
  try {
    return parseRtspUrl(uri)
  } catch (err) {
    if (err instanceof ParseError) return undefined
    throw err
  }
}

/** The path without slashes around it. */
function pathOf(u: RtspUrl): string {
  return u.path.replace(/^\/+/, '').replace(/\/+$/, '')
}

/** The path with one trailing track control removed, or undefined when it has none. */
function withoutTrack(path: string): string | undefined {
  const slash = path.lastIndexOf('/')
  if (!TRACK_SUFFIX.test(path.slice(slash + 1))) return undefined
  return slash === -1 ? '' : path.slice(0, slash)
}

function authority(u: RtspUrl): string {
  const port = u.port ?? (u.scheme === 'rtsps' ? DEFAULT_RTSPS_PORT : DEFAULT_RTSP_PORT)
  return `${u.host.toLowerCase()}:${port}`
}

/**
 * True when the Digest `declared` uri names the resource of `requestUri` (a request line's URI),
 * allowing the differences listed above.
 */
export function digestUriMatches(declared: string, requestUri: string): boolean {
  if (declared === requestUri) return true
  const d = parse(declared)
  const r = parse(requestUri)
  if (!d || !r) return false
  if (d.host !== '' && r.host !== '' && authority(d) !== authority(r)) return false
  const dp = pathOf(d)
  const rp = pathOf(r)
  if (dp === rp) return true
  // One names a track of the aggregate the other names (never a track of another path).
  return withoutTrack(dp) === rp || withoutTrack(rp) === dp || (withoutTrack(dp) !== undefined && withoutTrack(dp) === withoutTrack(rp))
}
