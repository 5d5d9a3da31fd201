/**
 * What RTMP's connect answers when credentials may be needed (adobe-auth.ts has the format).
 *
 * A connect names the app, not the stream name, and not whether the client will publish or play.
 * A client with `user:pass@` in its URL sends them only after a rejection that asks for Adobe
 * authentication, while a client without credentials gives up on that rejection — and so does
 * ffmpeg given rtmp://HOST/live/cam?user=U&pass=P, whose query travels in the stream name, which
 * comes after connect. So the first connect is rejected only when an anonymous client would be
 * refused anyway and no query can be coming:
 *  - the app is the whole path: a path the server knows, with no known path under it — ffmpeg's
 *    rtmp://U:P@HOST/cam (app "cam"), or rtmp://U:P@HOST/live/cam/ (the trailing "/" makes
 *    "live/cam" the app and the stream name empty) — and it asks anonymous clients for credentials;
 *  - for what the client does: an encoder says so in flashVer ("FMLE/3.0 (compatible; …)": ffmpeg's
 *    output, OBS), a player sends another ("LNX 9,0,124,2": ffmpeg's input). GStreamer's rtmp2src
 *    and rtmp2sink both send a bare "FMLE/3.0": for them, and for clients without a flashVer, only
 *    when reading and publishing both need credentials.
 * A client may also start Adobe authentication unasked (GStreamer's `authmod=adobe`): the challenge
 * is given whatever the path. Credentials in the query (`?user=&pass=`) are checked at publish/play.
 * A proof (the third connect) is checked here — a wrong one is rejected with reason=authfailed and
 * counts against the failed-login throttle — and again at publish/play, for the path named then.
 */
import { timingSafeEqual } from 'node:crypto'
import { ParseError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import type { PasswordProof } from '../server/access-gate.js'
import type { RtspServer } from '../server/rtsp-server.js'
import {
  ADOBE_NEED_AUTH,
  adobeChallengeDescription,
  adobeFailedDescription,
  adobeResponse,
  parseAdobeQuery,
  type AdobeRequest,
} from './adobe-auth.js'
import type { AdobeChallenges } from './adobe-challenges.js'
import type { Amf0Object } from './amf0.js'
import { stringProp } from './commands.js'
import { streamKey } from './stream-key.js'

export type ConnectVerdict =
  /** Connect succeeds; `proof` goes with publish/play's authorization. */
  | { kind: 'accept'; proof?: PasswordProof }
  /** NetConnection.Connect.Rejected with `description`; `reason` is for the log. */
  | { kind: 'reject'; description: string; reason: string }

export interface ConnectAuthDeps {
  host: Pick<RtspServer, 'authorize' | 'pathStatus'>
  challenges: AdobeChallenges
  remoteAddress: string
  logger: Logger | undefined
}

/** GStreamer's rtmp2 sends this flashVer whether it reads or publishes. */
const AMBIGUOUS_FLASH_VER = 'FMLE/3.0'

/** Publish or read, as far as the connect object tells; undefined when it does not. */
export function connectIntent(object: Amf0Object | null): 'publish' | 'read' | undefined {
  const flashVer = stringProp(object, 'flashVer')
  if (flashVer === '' || flashVer === AMBIGUOUS_FLASH_VER) return undefined
  return flashVer.startsWith('FMLE/') ? 'publish' : 'read'
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export async function connectAuth(d: ConnectAuthDeps, app: string, object: Amf0Object | null): Promise<ConnectVerdict> {
  const key = streamKey(app, '')
  const ip = d.remoteAddress.replace(/^::ffff:/, '')
  let adobe: AdobeRequest
  try {
    adobe = parseAdobeQuery(app.includes('?') ? app.slice(app.indexOf('?') + 1) : '')
  } catch (err) {
    if (!(err instanceof ParseError)) throw err
    return { kind: 'reject', description: adobeFailedDescription('authfailed'), reason: `${err.code}: ${err.message}` }
  }
  const intent = connectIntent(object)
  const prefix = key.path
  const known = d.host.pathStatus().map((p) => p.name)
  const wholePath = prefix !== '' && known.includes(prefix) && !known.some((n) => n.startsWith(`${prefix}/`))
  const candidates = wholePath ? [prefix] : []
  const ask = (action: 'read' | 'publish', path: string, proof?: PasswordProof) =>
    d.host.authorize({ action, path, remoteAddress: d.remoteAddress, protocol: 'rtmp', method: 'CONNECT', ...(proof ? { proof } : {}) })
  /** The candidate paths where an anonymous `action` gets 401. */
  const asking = async (action: 'read' | 'publish') => {
    const out: string[] = []
    for (const path of candidates) {
      const r = await ask(action, path)
      if (!r.ok && r.status === 401) out.push(path)
    }
    return out
  }
  const needs = async (action: 'read' | 'publish') => candidates.length > 0 && (await asking(action)).length === candidates.length
  switch (adobe.kind) {
    case 'none': {
      if (key.credentials) return { kind: 'accept' }
      const asks = intent ? await needs(intent) : (await needs('read')) && (await needs('publish'))
      return asks ? { kind: 'reject', description: ADOBE_NEED_AUTH, reason: 'credentials needed (authmod=adobe)' } : { kind: 'accept' }
    }
    case 'start':
      return {
        kind: 'reject',
        description: adobeChallengeDescription(adobe.user, d.challenges.issue(ip, adobe.user)),
        reason: `Adobe challenge for ${adobe.user}`,
      }
    case 'response': {
      const c = d.challenges.take(ip, adobe.user, adobe.opaque)
      if (!c) {
        d.logger?.warn('RTMP connect refused: an Adobe response to no pending challenge (expired, answered already, or replayed)', {
          remote: ip,
        })
        return { kind: 'reject', description: adobeFailedDescription('authfailed'), reason: 'unknown challenge' }
      }
      const { user, clientChallenge, response } = adobe
      const serverChallenge = adobe.opaque !== undefined ? c.opaque : c.challenge
      const proof: PasswordProof = {
        username: user,
        answers: (password) => safeEqual(adobeResponse({ user, salt: c.salt, password, serverChallenge, clientChallenge }), response),
      }
      const action = intent ?? ((await asking('publish')).length > 0 ? 'publish' : 'read')
      const path = (await asking(action))[0]
      // No path here asks: nothing to check the proof against until publish/play names one.
      if (path === undefined) return { kind: 'accept', proof }
      const r = await ask(action, path, proof)
      // 403: the right password, but this user may not; publish/play says so for the path it names.
      if (r.ok || r.status === 403) return { kind: 'accept', proof }
      return {
        kind: 'reject',
        description: adobeFailedDescription('authfailed'),
        reason: r.status === 503 ? 'failed logins throttled' : 'wrong Adobe response',
      }
    }
  }
}
