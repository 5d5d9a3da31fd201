/**
 * From an offer to a plan: which stream track goes to which offered section with which payload type
 * (WHEP), or which offered section publishes which codec (WHIP). Refusals carry the HTTP status a
 * WHIP/WHEP client expects: 400 for an offer that is not one, 406 when no codec fits (the body lists
 * what the path has, or what we take).
 */
import { getAttribute, getAttributes, parseFmtp, parseRtpmap } from '../sdp/sdp.js'
import type { StreamTrack } from '../stream/stream.js'
import { chooseIncoming, matchTrack, notSentNote, WHIP_TAKES, type TrackFormat } from './webrtc-codecs.js'
import { HttpError } from '../errors.js'
import { parseOffer, type Offer, type OfferedCodec, type SectionChoice } from './offer.js'

/** The format of a stream track as its SDP describes it. */
export function trackFormat(track: StreamTrack): TrackFormat {
  const attrs = track.media.sdpAttributes()
  const rtpmap = getAttribute(attrs, 'rtpmap')
  let channels: number | undefined
  let encodingName = track.media.codec
  let clockRate = track.media.clockRate
  if (rtpmap !== undefined) {
    try {
      const r = parseRtpmap(rtpmap)
      encodingName = r.encodingName
      clockRate = r.clockRate
      channels = r.channels
    } catch {
      // Our own tracks write valid rtpmaps; keep the codec's names otherwise.
    }
  }
  let fmtp = new Map<string, string>()
  for (const v of getAttributes(attrs, 'fmtp')) {
    try {
      fmtp = parseFmtp(v).params
    } catch {
      // as above
    }
  }
  return { kind: track.media.kind, encodingName, clockRate, ...(channels !== undefined ? { channels } : {}), fmtp }
}

/** `NAME/RATE[/CHANNELS]`: a path's tracks for a 406 body or a header. */
export function describeFormat(f: TrackFormat): string {
  return `${f.encodingName}/${f.clockRate}${f.channels !== undefined ? `/${f.channels}` : ''}`
}

export function readOffer(text: string): Offer {
  try {
    return parseOffer(text)
  } catch (err) {
    throw new HttpError(400, (err as Error).message)
  }
}

export interface WhepPlan {
  /** Stream track → offered section and codec. */
  sends: { track: StreamTrack; section: number; codec: OfferedCodec }[]
  choices: SectionChoice[]
  /** What the page shows of the audio: `NAME/RATE/CHANNELS`, or why there is none. */
  audioNote: string
  videoNote: string
}

/** Which tracks of `tracks` the offer can receive. 406 when none. */
export function planWhep(offer: Offer, tracks: readonly StreamTrack[]): WhepPlan {
  const choices: SectionChoice[] = offer.media.map(() => undefined)
  const sends: WhepPlan['sends'] = []
  const taken = new Set<number>()
  const reasons: string[] = []
  let audioNote = 'none'
  let videoNote = 'none'
  for (const track of tracks) {
    const f = trackFormat(track)
    const m = matchTrack(f, offer.media, taken)
    const name = describeFormat(f)
    if (m.ok) {
      taken.add(m.match.section)
      choices[m.match.section] = { payloadType: m.match.codec.payloadType }
      sends.push({ track, section: m.match.section, codec: m.match.codec })
      if (f.kind === 'audio') audioNote = name
      else videoNote = name
    } else {
      reasons.push(`${f.kind} ${name}: ${m.reason}`)
      const note = notSentNote(f, name, m.reason)
      if (f.kind === 'audio') audioNote = note
      else videoNote = note
    }
  }
  if (sends.length === 0) {
    throw new HttpError(
      406,
      `no codec of this path can be sent to this offer; the path has ${tracks.map((t) => describeFormat(trackFormat(t))).join(', ')} (${reasons.join('; ')})`,
    )
  }
  return { sends, choices, audioNote, videoNote }
}

export interface WhipPlan {
  /** Offered sections the browser publishes, in the order of the announced SDP. */
  takes: { section: number; kind: 'video' | 'audio'; codec: OfferedCodec }[]
  choices: SectionChoice[]
}

/** What we take from a browser's sendonly offer; 406 when nothing. */
export function planWhip(offer: Offer, accepts: (encodingName: string) => boolean): WhipPlan {
  const choices: SectionChoice[] = offer.media.map(() => undefined)
  const takes: WhipPlan['takes'] = []
  let video = false
  let audio = false
  for (const m of offer.media) {
    if (m.kind === 'other') continue
    // One track of each kind: a path has at most one video and one audio track.
    if ((m.kind === 'video' && video) || (m.kind === 'audio' && audio)) continue
    const c = chooseIncoming(m, accepts)
    if (!c) continue
    if (m.kind === 'video') video = true
    else audio = true
    choices[m.index] = { payloadType: c.payloadType }
    takes.push({ section: m.index, kind: m.kind, codec: c })
  }
  if (takes.length === 0) {
    const offered = offer.media.flatMap((m) => m.codecs.map((c) => c.encodingName))
    throw new HttpError(
      406,
      `none of the offered codecs can be published here (offered: ${[...new Set(offered)].join(', ') || 'none'}; taken: ${WHIP_TAKES} where this server has the codec)`,
    )
  }
  // Video first, as RTSP SDPs list it.
  takes.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'video' ? -1 : 1))
  return { takes, choices }
}
