/**
 * SRTP for the server's sessions (RTP/SAVP, RFC 3711), keyed the way GStreamer and MediaMTX do it:
 * MIKEY (RFC 3830) in the SDP's `a=key-mgmt` for what the server sends, and in the SETUP's `KeyMgmt`
 * header for what the client sends (RFC 4567).
 *
 * Policy: media are offered as RTP/SAVP on RTSPS connections under `encryption: 'strict'` (keys only
 * ever travel inside TLS). Under 'optional' RTSPS keeps RTP/AVP, so players that know no SRTP see what
 * they always saw (MediaMTX offers SAVP on every RTSPS connection instead); a publisher over TLS may
 * still send SAVP. A client may always ask for plain RTP/AVP/TCP through TLS (ffmpeg 5.1 does: it
 * never sends SAVP and takes SRTP keys only from a=crypto), which TLS protects.
 *
 * Each DESCRIBE on a connection makes fresh master keys, one per track, and the sessions set up on
 * that connection use them: every reader has its own keys and its own ROC, so two readers never
 * encrypt different packets with one keystream.
 */
import { randomBytes } from 'node:crypto'
import type { TransportSpec } from '../rtsp/headers/transport.js'
import type { RtspRequest } from '../rtsp/message.js'
import { parseSdp, type SdpMedia } from '../sdp/sdp.js'
import { formatKeyMgmtAttribute, KEY_MGMT_HEADER, parseKeyMgmtAttribute, parseKeyMgmtHeader } from '../srtp/key-mgmt.js'
import type { MikeyMessage } from '../srtp/mikey.js'
import { mikeyOffer, newMasterKey, type SrtpKeySource } from '../srtp/srtp-keys.js'
import { SrtpContext } from '../srtp/srtp-context.js'
import { AES_CM_128_HMAC_SHA1_80, type SrtpMasterKey } from '../srtp/srtp-profile.js'
import type { Clock } from '../util/clock.js'
import { RtspkitError } from '../errors.js'
import { RequestError } from './request-error.js'
import type { Encryption } from './listeners.js'

export const SAVP = 'RTP/SAVP'
export const SAVPF = 'RTP/SAVPF'

/** A SETUP offer's profile is secure (SRTP). */
export function isSecureProfile(t: TransportSpec): boolean {
  return t.profile === SAVP || t.profile === SAVPF
}

/** The socket of an RTSPS connection is a TLSSocket (`encrypted`). */
export function isTlsConnection(conn: { socket: object }): boolean {
  return (conn.socket as { encrypted?: unknown }).encrypted === true
}

/** Whether DESCRIBE on this connection offers SAVP media. */
export function offersSavp(encryption: Encryption, conn: { socket: object }): boolean {
  return encryption === 'strict' && isTlsConnection(conn)
}

/** SRTP state of one track of one session: our key for what we send, the peer's for what it sends. */
export interface SrtpTrack {
  /** Protects what the server sends (RTP and SRTCP to a reader; SRTCP to a publisher). */
  readonly out: SrtpContext
  /** Unprotects what the client sends (SRTCP from a reader; SRTP from a publisher); none without KeyMgmt. */
  readonly in: SrtpContext | undefined
}

/** Incoming packets refused for a bad tag or as replays, for the session's stats. */
export function srtpDropped(t: SrtpTrack | undefined): number {
  return t?.in ? t.in.counters.authFailures + t.in.counters.replayed : 0
}

/** Keys offered by DESCRIBE, per connection, path and track. */
export class SrtpOffers {
  private readonly byConnection = new WeakMap<object, Map<string, SrtpMasterKey>>()
  private readonly source: SrtpKeySource

  constructor(clock: Clock) {
    // Keys come from the CSPRNG, never from the injectable (possibly predictable) Random.
    this.source = { randomBytes: (n) => randomBytes(n), nowMs: () => clock.wallMs() }
  }

  /** Turns a media section into SAVP with a fresh key for this connection (RFC 4567 §3.1). */
  offer(conn: object, path: string, trackIndex: number, ssrc: number, media: SdpMedia): SdpMedia {
    const key = newMasterKey(this.source)
    this.keysOf(conn).set(`${path}#${trackIndex}`, key)
    const mikey = mikeyOffer(this.source, key, [ssrc])
    return {
      ...media,
      protocol: SAVP,
      attributes: [...media.attributes, { key: 'key-mgmt', value: formatKeyMgmtAttribute(mikey) }],
    }
  }

  /**
   * The SRTP contexts of a SAVP SETUP: ours from the DESCRIBE on this connection (a fresh key when
   * there was none: the client then cannot decrypt, which is its own doing), the client's from its
   * KeyMgmt header. A KeyMgmt that does not parse is a 400 (RFC 4567 §3.2 asks for 4xx).
   */
  setup(conn: object, path: string, trackIndex: number, req: RtspRequest): SrtpTrack {
    const key = this.keysOf(conn).get(`${path}#${trackIndex}`) ?? newMasterKey(this.source)
    const out = new SrtpContext(key, AES_CM_128_HMAC_SHA1_80)
    const header = req.headers.get(KEY_MGMT_HEADER)
    if (header === undefined) return { out, in: undefined }
    try {
      const { message } = parseKeyMgmtHeader(header)
      return { out, in: new SrtpContext(message.masterKey, message.profile) }
    } catch (err) {
      throw new RequestError(400, `bad KeyMgmt header: ${err instanceof RtspkitError ? err.message : String(err)}`)
    }
  }

  /**
   * The SRTP context of a publisher's SAVP SETUP: for its RTP, from the SETUP's KeyMgmt header, else
   * from the key-mgmt of the media in its ANNOUNCE (GStreamer's rtspclientsink). No key: 400.
   */
  static forPublisher(req: RtspRequest, announced: MikeyMessage | undefined): SrtpContext {
    const header = req.headers.get(KEY_MGMT_HEADER)
    let message = announced
    try {
      if (header !== undefined) message = parseKeyMgmtHeader(header).message
    } catch (err) {
      throw new RequestError(400, `bad KeyMgmt header: ${err instanceof RtspkitError ? err.message : String(err)}`)
    }
    if (message === undefined) throw new RequestError(400, 'RTP/SAVP without a key (no KeyMgmt header, no a=key-mgmt)')
    const ctx = new SrtpContext(message.masterKey, message.profile)
    for (const cs of message.sessions) ctx.setRolloverCounter(cs.ssrc, cs.roc)
    return ctx
  }

  private keysOf(conn: object): Map<string, SrtpMasterKey> {
    let m = this.byConnection.get(conn)
    if (m === undefined) {
      m = new Map()
      this.byConnection.set(conn, m)
    }
    return m
  }
}

/**
 * The MIKEY keys of an ANNOUNCE's media sections, by media index (undefined where there is none).
 * A key-mgmt attribute that does not parse is a ParseError (answered 400).
 */
export function announcedKeys(body: Buffer): (MikeyMessage | undefined)[] {
  return parseSdp(body).media.map((m) => {
    const attr = m.attributes.find((a) => a.key === 'key-mgmt')
    return attr?.value !== undefined ? parseKeyMgmtAttribute(attr.value) : undefined
  })
}
