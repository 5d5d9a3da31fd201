/**
 * SRTP for a client track (RTP/SAVP, RFC 3711), keyed as GStreamer and MediaMTX do: the server's key
 * from the media's `a=key-mgmt` (what it sends), ours in the SETUP's `KeyMgmt` header (what we send),
 * both MIKEY (RFC 3830, RFC 4567). The transport and the sink are wrapped, so the engine stays blind
 * to it: what goes out is protected, what comes in is checked and decrypted or dropped and counted.
 */
import { randomBytes } from 'node:crypto'
import type { SdpMedia } from '../sdp/sdp.js'
import { formatKeyMgmtAttribute, formatKeyMgmtHeader, parseKeyMgmtAttribute } from '../srtp/key-mgmt.js'
import { SrtpContext } from '../srtp/srtp-context.js'
import { mikeyOffer, newMasterKey, type SrtpKeySource } from '../srtp/srtp-keys.js'
import { AES_CM_128_HMAC_SHA1_80 } from '../srtp/srtp-profile.js'
import type { Clock } from '../util/clock.js'
import type { TrackSink, TrackTransport } from './client-transport.js'

const SECURE_PROFILE = /^RTP\/SAVPF?(?:\/(?:UDP|TCP))?$/i

/** Whether a media section is offered as SRTP. */
export function isSavpMedia(media: SdpMedia | undefined): boolean {
  return media !== undefined && SECURE_PROFILE.test(media.protocol)
}

export class ClientSrtp {
  /** Our key: protects what we send (RTCP reports when playing, RTP and RTCP when publishing). */
  readonly local: SrtpContext
  /** The server's key (from its a=key-mgmt): decrypts what it sends; undefined when none was given. */
  readonly remote: SrtpContext | undefined
  /** Our key as a MIKEY message (for a=key-mgmt when publishing, and KeyMgmt on SETUP). */
  readonly mikey: Buffer

  /** `media`: the server's media section when playing (its key); none when publishing. */
  constructor(ssrc: number, clock: Clock, media: SdpMedia | undefined) {
    // Keys from the CSPRNG, never from an injectable Random.
    const source: SrtpKeySource = { randomBytes: (n) => randomBytes(n), nowMs: () => clock.wallMs() }
    const key = newMasterKey(source)
    this.local = new SrtpContext(key, AES_CM_128_HMAC_SHA1_80)
    this.mikey = mikeyOffer(source, key, [ssrc])
    const attr = media?.attributes.find((a) => a.key === 'key-mgmt')?.value
    const mikey = attr !== undefined ? parseKeyMgmtAttribute(attr) : undefined
    this.remote = mikey ? new SrtpContext(mikey.masterKey, mikey.profile) : undefined
    // A shared server stream may be past a sequence wrap: its MIKEY names the ROC per SSRC.
    for (const cs of mikey?.sessions ?? []) this.remote?.setRolloverCounter(cs.ssrc, cs.roc)
  }

  /** The KeyMgmt header value of a SETUP of `uri`. */
  keyMgmt(uri: string): string {
    return formatKeyMgmtHeader(uri, this.mikey)
  }

  /** The a=key-mgmt value of a publisher's media section. */
  get keyMgmtAttribute(): string {
    return formatKeyMgmtAttribute(this.mikey)
  }

  /** Packets from the server refused (bad tag, replay). */
  get dropped(): number {
    return this.remote ? this.remote.counters.authFailures + this.remote.counters.replayed : 0
  }

  /** A sink that decrypts before `sink` sees the packets; what fails is dropped (counted by `remote`). */
  sink(sink: TrackSink): TrackSink {
    const remote = this.remote
    if (remote === undefined) return sink
    return {
      onRtp(data) {
        let plain: Buffer
        try {
          plain = remote.unprotectRtp(data)
        } catch {
          return
        }
        sink.onRtp(plain)
      },
      onRtcp(data) {
        let plain: Buffer
        try {
          plain = remote.unprotectRtcp(data)
        } catch {
          return
        }
        sink.onRtcp(plain)
      },
    }
  }

  /** A transport that protects what is sent through `inner`. */
  transport(inner: TrackTransport): TrackTransport {
    const local = this.local
    return {
      kind: inner.kind,
      sendRtp: (data) => inner.sendRtp(local.protectRtp(data)),
      sendRtcp: (data) => inner.sendRtcp(local.protectRtcp(data)),
      close: () => inner.close(),
    }
  }
}
