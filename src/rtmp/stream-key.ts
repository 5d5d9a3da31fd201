/**
 * Which path an RTMP client means, and who it says it is. A client splits its URL in two: the
 * `app` of `connect` (and its tcUrl) and the stream name of `publish`/`play`. ffmpeg, for
 * rtmp://host/live/cam, sends app "live" and stream name "cam"; for rtmp://host/a/b/c, app "a" and
 * "b/c"; OBS sends its "Server" field as the app and its "Stream Key" as the stream name.
 *
 * The path is app and stream name joined with "/", either part allowed to be empty: rtmp://host/cam
 * reaches path "cam", rtmp://host/live/cam path "live/cam" — the whole URL path, as MediaMTX does.
 *
 * Credentials come as a query on either part (MediaMTX's form): rtmp://host/live/cam?user=u&pass=p.
 * A `user:pass@` in the URL never reaches the server as such: clients keep it for Adobe's challenge
 * authentication (authmod=adobe; connect-auth.ts), whose query rides on the app.
 */

export interface StreamKey {
  /** The path, without leading or trailing slashes. */
  path: string
  /** From `user=` and `pass=` of the query, when both are given. */
  credentials?: { username: string; password: string }
  /** The query parameters of both parts, credentials included. */
  query: URLSearchParams
}

const trim = (s: string): string => s.replace(/^\/+|\/+$/g, '')

function split(part: string): [string, string] {
  const q = part.indexOf('?')
  return q < 0 ? [part, ''] : [part.slice(0, q), part.slice(q + 1)]
}

/** The path and credentials of `app` (connect) and `streamName` (publish/play). */
export function streamKey(app: string, streamName: string): StreamKey {
  const [appPath, appQuery] = split(app)
  const [namePath, nameQuery] = split(streamName)
  const query = new URLSearchParams(appQuery)
  for (const [k, v] of new URLSearchParams(nameQuery)) query.set(k, v)
  const path = [trim(appPath), trim(namePath)].filter((p) => p !== '').join('/')
  const username = query.get('user')
  const password = query.get('pass')
  return { path, query, ...(username !== null && password !== null ? { credentials: { username, password } } : {}) }
}
