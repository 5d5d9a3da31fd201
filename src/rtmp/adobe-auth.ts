/**
 * Adobe's RTMP authentication ("authmod=adobe", as FMS and Wowza spoke it), the server half. No
 * RFC: the format is what the clients do — ffmpeg libavformat/rtmpproto.c (handle_connect_error,
 * do_adobe_auth), GStreamer's rtmp2 (rtmpclient.c), librtmp/OBS. A client given `user:pass@` in its
 * URL connects three times:
 *
 *   1. connect app=APP                          → _error NetConnection.Connect.Rejected,
 *        description "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : "
 *   2. connect app=APP?authmod=adobe&user=U     → _error …Rejected, description
 *        "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=U&salt=S&challenge=C&opaque=O"
 *   3. connect app=APP?authmod=adobe&user=U&challenge=C2&response=R[&opaque=O]
 *        R = base64(md5(base64(md5(U + S + PASSWORD)) + (O, or C without O) + C2))
 *
 * C2 is the client's own challenge (ffmpeg: 8 hex digits). GStreamer matches the description with
 * `[ AccessManager.Reject ] : [ authmod=(.*?) ] : (\?.*)$`, ffmpeg looks for "code=403 need auth",
 * "?reason=needauth", "?reason=authfailed" and "authmod=adobe" anywhere in it, and keeps at most 255
 * bytes of it: the description stays short. Pure: salts and challenges are made by the caller
 * (adobe-challenges.ts); nothing here holds state.
 */
import { createHash } from 'node:crypto'
import { ParseError } from '../errors.js'

export const ADOBE_AUTHMOD = 'adobe'
/** The first rejection: credentials needed, in Adobe's way. */
export const ADOBE_NEED_AUTH = '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : '
const REJECT_PREFIX = '[ AccessManager.Reject ] : [ authmod=adobe ] : '

/** Longest user name, challenge, opaque or response we read (ffmpeg's buffers are 50–300 bytes). */
export const MAX_ADOBE_FIELD = 128
/**
 * Characters a user name may have here: clients put it in the query unencoded and hash it as the
 * server wrote it, so anything a query would alter (&, =, +, %, spaces) cannot round-trip.
 */
const USER_NAME = /^[A-Za-z0-9._~@!$'()*,;:-]+$/
const TOKEN = /^[A-Za-z0-9+/=._~-]+$/
/** An MD5 in base64: 22 characters and the padding "==". */
const RESPONSE = /^[A-Za-z0-9+/]{22}==$/

export type AdobeRequest =
  /** No authmod=adobe in the query: the client has not started (or does not do) Adobe authentication. */
  | { kind: 'none' }
  /** Step 2: the client names its user and waits for a salt and a challenge. */
  | { kind: 'start'; user: string }
  /** Step 3: the answer to a challenge. `opaque` is the one we sent, when the client echoes it. */
  | { kind: 'response'; user: string; clientChallenge: string; response: string; opaque?: string }

/**
 * The parameters of a query as the clients write them: ffmpeg and GStreamer do not percent-encode,
 * so a base64 response keeps its "+" and "/" (URLSearchParams would read "+" as a space). A "%"
 * escape is decoded for clients that do encode. The first of a repeated name counts.
 */
function queryParams(query: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of query.split('&')) {
    const eq = part.indexOf('=')
    const name = eq < 0 ? part : part.slice(0, eq)
    let value = eq < 0 ? '' : part.slice(eq + 1)
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value)
      } catch {
        // A stray "%": kept as it is; the field's pattern refuses it.
      }
    }
    if (!out.has(name)) out.set(name, value)
  }
  return out
}

function field(q: Map<string, string>, name: string, pattern: RegExp): string | undefined {
  const v = q.get(name)
  if (v === undefined) return undefined
  if (v.length === 0 || v.length > MAX_ADOBE_FIELD || !pattern.test(v))
    throw new ParseError('ERR_RTMP_ADOBE_AUTH', `authmod=adobe: malformed ${name}`, {
      observed: v.slice(0, MAX_ADOBE_FIELD),
      allowed: `up to ${MAX_ADOBE_FIELD} characters of ${String(pattern)}`,
    })
  return v
}

/**
 * The Adobe step a connect's app query (after the "?", as sent) is at. Throws ParseError (ERR_RTMP_ADOBE_AUTH) for
 * authmod=adobe without a user, a response without the client's challenge or the reverse, and
 * fields too long or with characters no client sends.
 */
export function parseAdobeQuery(rawQuery: string): AdobeRequest {
  const query = queryParams(rawQuery)
  const authmod = query.get('authmod')
  if (authmod !== ADOBE_AUTHMOD) return { kind: 'none' }
  const user = field(query, 'user', USER_NAME)
  if (user === undefined) throw new ParseError('ERR_RTMP_ADOBE_AUTH', 'authmod=adobe without user=', { observed: rawQuery.slice(0, 200) })
  const response = field(query, 'response', RESPONSE)
  const clientChallenge = field(query, 'challenge', TOKEN)
  const opaque = field(query, 'opaque', TOKEN)
  if (response === undefined && clientChallenge === undefined) return { kind: 'start', user }
  if (response === undefined || clientChallenge === undefined)
    throw new ParseError('ERR_RTMP_ADOBE_AUTH', 'authmod=adobe: response= and challenge= go together', {
      observed: response === undefined ? 'challenge only' : 'response only',
    })
  return { kind: 'response', user, clientChallenge, response, ...(opaque !== undefined ? { opaque } : {}) }
}

/** Whether `user` can go through Adobe authentication (see USER_NAME). */
export function adobeUserNameOk(user: string): boolean {
  return user.length <= MAX_ADOBE_FIELD && USER_NAME.test(user)
}

export interface AdobeChallenge {
  salt: string
  challenge: string
  opaque: string
}

/** Step 2's rejection: the salt and challenges the client hashes its password with. */
export function adobeChallengeDescription(user: string, c: AdobeChallenge): string {
  return `${REJECT_PREFIX}?reason=needauth&user=${user}&salt=${c.salt}&challenge=${c.challenge}&opaque=${c.opaque}`
}

/** The final rejection: a wrong answer ("authfailed"; ffmpeg says "Incorrect username/password") or an unknown user. */
export function adobeFailedDescription(reason: 'authfailed' | 'nosuchuser'): string {
  return `${REJECT_PREFIX}?reason=${reason}`
}

const md5Base64 = (s: string): string => createHash('md5').update(s, 'utf8').digest('base64')

/**
 * The response a client that knows `password` sends: base64(md5(base64(md5(user + salt + password))
 * + serverChallenge + clientChallenge)), where serverChallenge is the opaque when we sent one
 * (ffmpeg and GStreamer prefer it), else the challenge.
 */
export function adobeResponse(p: {
  user: string
  salt: string
  password: string
  serverChallenge: string
  clientChallenge: string
}): string {
  return md5Base64(md5Base64(p.user + p.salt + p.password) + p.serverChallenge + p.clientChallenge)
}
