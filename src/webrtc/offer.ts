/**
 * The SDP offer of a WHEP/WHIP client (RFC 8829 / JSEP), read for what we need before werift sees it:
 * its media sections and, per section, the codecs offered with their rtpmap and fmtp. `restrictOffer`
 * then narrows each section to the one payload type we chose, so werift (which negotiates by MIME
 * type only) answers exactly that format.
 */
import { staticFormatParams } from '../codecs/registry.js'
import { ParseError } from '../errors.js'
import {
  formatSdp,
  getAttribute,
  getAttributes,
  parseFmtp,
  parseRtpmap,
  parseSdp,
  type SessionDescription,
  type SdpMedia,
} from '../sdp/sdp.js'

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'

export interface OfferedCodec {
  payloadType: number
  /** As written in rtpmap (or the RFC 3551 name of a static payload type). */
  encodingName: string
  clockRate: number
  channels?: number
  /** fmtp parameters, keys lower-case. */
  fmtp: Map<string, string>
  /** The fmtp value as written (after the payload type), '' when none. */
  fmtpText: string
}

export interface OfferedMedia {
  index: number
  kind: 'video' | 'audio' | 'other'
  mid?: string
  direction: Direction
  /** Rejected (port 0) sections offer nothing. */
  rejected: boolean
  codecs: OfferedCodec[]
}

export interface Offer {
  sdp: SessionDescription
  media: OfferedMedia[]
}

const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive']

function bad(message: string, observed?: unknown): ParseError {
  return new ParseError('ERR_WEBRTC_OFFER', message, { observed })
}

/**
 * Parses and checks an offer: an SDP with at least one audio or video section, ICE credentials and a
 * DTLS fingerprint (a WebRTC offer, not an RTSP one). Throws ParseError with the reason.
 */
export function parseOffer(text: string): Offer {
  if (text.trim() === '') throw bad('the offer is empty')
  let sdp: SessionDescription
  try {
    sdp = parseSdp(text)
  } catch (err) {
    throw bad(`the offer is not valid SDP: ${(err as Error).message}`)
  }
  if (sdp.media.length === 0) throw bad('the offer has no m= section')
  const sessionUfrag = getAttribute(sdp.attributes, 'ice-ufrag')
  const sessionFingerprint = getAttribute(sdp.attributes, 'fingerprint')
  const media = sdp.media.map((m, index): OfferedMedia => {
    const kind = m.type === 'video' || m.type === 'audio' ? m.type : 'other'
    const attr = (k: string): string | undefined => getAttribute(m.attributes, k)
    const direction = DIRECTIONS.find((d) => m.attributes.some((a) => a.key === d && a.value === undefined)) ?? 'sendrecv'
    const rejected = m.port === 0
    if (!rejected && kind !== 'other') {
      if (!/^UDP\/TLS\/RTP\/SAVPF$|^TCP\/DTLS\/RTP\/SAVPF$|^UDP\/TLS\/RTP\/SAVP$/i.test(m.protocol))
        throw bad(`m= section ${index} has protocol ${m.protocol}, not UDP/TLS/RTP/SAVPF`, m.protocol)
    }
    return { index, kind, mid: attr('mid'), direction, rejected, codecs: kind === 'other' ? [] : offeredCodecs(m, index) }
  })
  if (!media.some((m) => m.kind !== 'other')) throw bad('the offer has no audio or video section')
  // Bundled sections may leave the credentials to the first one (RFC 8843 section 7.1.3).
  const anywhere = (key: string, session: string | undefined): boolean =>
    session !== undefined || sdp.media.some((m) => getAttribute(m.attributes, key) !== undefined)
  if (!anywhere('ice-ufrag', sessionUfrag)) throw bad('the offer has no a=ice-ufrag')
  if (!anywhere('fingerprint', sessionFingerprint)) throw bad('the offer has no a=fingerprint (DTLS)')
  return { sdp, media }
}

function offeredCodecs(m: SdpMedia, index: number): OfferedCodec[] {
  const rtpmaps = new Map<number, ReturnType<typeof parseRtpmap>>()
  const fmtps = new Map<number, { params: Map<string, string>; text: string }>()
  try {
    for (const v of getAttributes(m.attributes, 'rtpmap')) {
      const r = parseRtpmap(v)
      rtpmaps.set(r.payloadType, r)
    }
    for (const v of getAttributes(m.attributes, 'fmtp')) {
      const f = parseFmtp(v)
      fmtps.set(f.payloadType, { params: f.params, text: v.trim().replace(/^\d+\s*/, '') })
    }
  } catch (err) {
    throw bad(`m= section ${index}: ${(err as Error).message}`)
  }
  const out: OfferedCodec[] = []
  for (const f of m.formats) {
    if (!/^\d{1,3}$/.test(f)) throw bad(`m= section ${index} has payload type "${f}"`, f)
    const pt = Number(f)
    const r = rtpmaps.get(pt)
    const s = r ? undefined : staticFormatParams(pt)
    if (!r && !s) continue
    const fmtp = fmtps.get(pt)
    const codec: OfferedCodec = {
      payloadType: pt,
      encodingName: r?.encodingName ?? s!.encodingName,
      clockRate: r?.clockRate ?? s!.clockRate,
      fmtp: fmtp?.params ?? new Map<string, string>(),
      fmtpText: fmtp?.text ?? '',
    }
    if (r?.channels !== undefined) codec.channels = r.channels
    out.push(codec)
  }
  return out
}

/** A section's choice: the payload type to keep, or none (the section is answered inactive). */
export type SectionChoice = { payloadType: number } | undefined

/**
 * The offer with each section narrowed to its chosen payload type (rtpmap, fmtp and rtcp-fb of the
 * others removed). A section without a choice keeps its first codec so werift can still answer it;
 * the caller sets its transceiver inactive.
 */
export function restrictOffer(offer: Offer, choices: readonly SectionChoice[]): string {
  const sdp: SessionDescription = {
    ...offer.sdp,
    media: offer.sdp.media.map((m, i) => {
      const o = offer.media[i]!
      if (o.kind === 'other' || o.rejected || o.codecs.length === 0) return m
      const keep = choices[i]?.payloadType ?? o.codecs[0]!.payloadType
      const perFormat = new Set(['rtpmap', 'fmtp', 'rtcp-fb'])
      return {
        ...m,
        formats: [String(keep)],
        attributes: m.attributes.filter((a) => !perFormat.has(a.key) || (a.value ?? '').trim().split(/[ \t]/, 1)[0] === String(keep)),
      }
    }),
  }
  return formatSdp(sdp)
}

/** The codec each section keeps in `restrictOffer`, by kind: what werift must be configured with. */
export function keptCodecs(offer: Offer, choices: readonly SectionChoice[]): { video: OfferedCodec[]; audio: OfferedCodec[] } {
  const out = { video: [] as OfferedCodec[], audio: [] as OfferedCodec[] }
  for (const m of offer.media) {
    if (m.kind === 'other' || m.rejected || m.codecs.length === 0) continue
    const pt = choices[m.index]?.payloadType
    const c = m.codecs.find((x) => x.payloadType === pt) ?? m.codecs[0]!
    if (!out[m.kind].some((x) => x.encodingName.toLowerCase() === c.encodingName.toLowerCase())) out[m.kind].push(c)
  }
  return out
}

/** The MIME type of a codec as werift names it (`video/` or `audio/` and the encoding name). */
export function mimeTypeOf(kind: 'video' | 'audio', c: OfferedCodec): string {
  return `${kind}/${c.encodingName}`
}
