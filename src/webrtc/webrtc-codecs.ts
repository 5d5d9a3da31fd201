/**
 * Which offered payload type carries which track. WebRTC browsers decode H.264 (RFC 6184,
 * packetization-mode 1 only in practice), VP8, VP9, AV1, sometimes H.265, and Opus, PCMU, PCMA
 * (RFC 7874 section 3); other audio (AAC above all) has no WebRTC payload format browsers take.
 */
import type { Direction, OfferedCodec, OfferedMedia } from './offer.js'

/** Encoding names of AAC in SDP (RFC 3640, RFC 6416): the audio WebRTC cannot carry that paths most often have. */
const AAC_ENCODINGS = ['MPEG4-GENERIC', 'MP4A-LATM']

/** Why a track is not in the answer, as the player page and the logs say it. */
export function notSentNote(t: TrackFormat, name: string, reason: string): string {
  if (webrtcCarries(t.kind, t.encodingName)) return `${name} (not sent: ${reason})`
  if (AAC_ENCODINGS.includes(t.encodingName.toUpperCase())) return `AAC (${name}); AAC cannot be sent over WebRTC, video only`
  return `${name}; it cannot be sent over WebRTC`
}

/** What WHIP takes, for a 406 body. */
export const WHIP_TAKES = 'H264 with packetization-mode=1, VP8, VP9, AV1, H265, Opus, PCMU, PCMA'

/** H.264 fmtp keys that describe the stream; WebRTC-only ones (level-asymmetry-allowed) are dropped. */
const H264_PUBLISH_KEYS = new Set(['packetization-mode', 'profile-level-id', 'sprop-parameter-sets', 'max-fs', 'max-mbps'])

/** The fmtp of a WHIP track in the announced SDP: the offer's, less what only WebRTC means. */
export function publishFmtp(c: OfferedCodec): string {
  if (c.encodingName.toUpperCase() !== 'H264') return c.fmtpText
  const kept = [...c.fmtp].filter(([k]) => H264_PUBLISH_KEYS.has(k))
  if (!kept.some(([k]) => k === 'packetization-mode')) kept.push(['packetization-mode', '1'])
  return kept.map(([k, v]) => `${k}=${v}`).join(';')
}

/** Encoding names (upper case) a browser can receive over WebRTC, by kind. */
export const WEBRTC_VIDEO = ['H264', 'H265', 'VP8', 'VP9', 'AV1'] as const
export const WEBRTC_AUDIO = ['OPUS', 'PCMU', 'PCMA'] as const

/** What the server knows of one track of a path. */
export interface TrackFormat {
  kind: 'video' | 'audio'
  /** SDP encoding name (`H264`, `opus`, `MPEG4-GENERIC`…). */
  encodingName: string
  clockRate: number
  channels?: number
  /** fmtp parameters, keys lower-case. */
  fmtp: Map<string, string>
}

export interface TrackMatch {
  section: number
  codec: OfferedCodec
}

export type MatchResult = { ok: true; match: TrackMatch } | { ok: false; reason: string }

const sends = (d: Direction): boolean => d === 'sendrecv' || d === 'sendonly'
const receives = (d: Direction): boolean => d === 'sendrecv' || d === 'recvonly'

/** Whether WebRTC can carry this encoding at all (browsers take only the formats listed above). */
export function webrtcCarries(kind: 'video' | 'audio', encodingName: string): boolean {
  const list: readonly string[] = kind === 'video' ? WEBRTC_VIDEO : WEBRTC_AUDIO
  return list.includes(encodingName.toUpperCase())
}

/** profile_idc and the constraint byte of an H.264 profile-level-id (`42e01f` → [0x42, 0xe0]). */
function h264Profile(fmtp: Map<string, string>): [number, number] | undefined {
  const pli = fmtp.get('profile-level-id')
  if (pli === undefined || !/^[0-9a-f]{6}$/i.test(pli)) return undefined
  return [parseInt(pli.slice(0, 2), 16), parseInt(pli.slice(2, 4), 16)]
}

const packetizationMode = (fmtp: Map<string, string>): number => Number(fmtp.get('packetization-mode') ?? '0')

/**
 * How well an offered H.264 format fits a stream of profile `want`: 4 the same profile and constraint
 * flags, 3 same profile_idc and every constraint flag the offer sets holds for the stream, 2 same profile_idc, 1 any packetization-mode=1
 * format (decoders take any profile in practice), 0 unusable (mode 0 or 2: we send FU-A/STAP-A).
 */
export function h264Fit(offered: Map<string, string>, want: [number, number] | undefined): number {
  if (packetizationMode(offered) !== 1) return 0
  const got = h264Profile(offered)
  if (!want || !got) return 1
  if (got[0] !== want[0]) return 1
  if ((got[1] & 0xfc) === (want[1] & 0xfc)) return 4
  // RFC 6184 section 8.1: constraint_set flags the offer sets must also hold for the stream.
  return (got[1] & ~want[1] & 0xfc) === 0 ? 3 : 2
}

function sameFormat(t: TrackFormat, c: OfferedCodec): boolean {
  if (c.encodingName.toUpperCase() !== t.encodingName.toUpperCase() || c.clockRate !== t.clockRate) return false
  // Opus is always opus/48000/2 in SDP (RFC 7587 section 7); G.711 mono.
  return true
}

/**
 * For WHEP: the offered section and payload type that carries stream track `t`, best fit first;
 * `taken` are sections already used by another track.
 */
export function matchTrack(t: TrackFormat, offered: readonly OfferedMedia[], taken: ReadonlySet<number> = new Set()): MatchResult {
  if (!webrtcCarries(t.kind, t.encodingName)) return { ok: false, reason: `${t.encodingName} cannot be sent over WebRTC` }
  const sections = offered.filter((m) => m.kind === t.kind && !m.rejected && receives(m.direction) && !taken.has(m.index))
  if (sections.length === 0) return { ok: false, reason: `the offer has no ${t.kind} section that receives` }
  const isH264 = t.encodingName.toUpperCase() === 'H264'
  const want = isH264 ? h264Profile(t.fmtp) : undefined
  let best: { m: OfferedMedia; c: OfferedCodec; score: number } | undefined
  for (const m of sections) {
    for (const c of m.codecs) {
      if (!sameFormat(t, c)) continue
      const score = isH264 ? h264Fit(c.fmtp, want) : 1
      if (score > 0 && (!best || score > best.score)) best = { m, c, score }
    }
  }
  if (!best) {
    const what = isH264 ? 'H264 with packetization-mode=1' : `${t.encodingName}/${t.clockRate}`
    return { ok: false, reason: `the offer has no ${what}` }
  }
  return { ok: true, match: { section: best.m.index, codec: best.c } }
}

/** WHIP: encoding names we take from a browser, most wanted first. */
export const WHIP_VIDEO_PREFERENCE = ['H264', 'VP8', 'VP9', 'AV1', 'H265'] as const
export const WHIP_AUDIO_PREFERENCE = ['OPUS', 'PCMU', 'PCMA'] as const

/** Constrained Baseline first: every RTSP reader decodes it. */
const WHIP_H264_PROFILES = [
  [0x42, 0xe0],
  [0x42, 0x00],
  [0x4d, 0x00],
  [0x64, 0x00],
] as const

function whipH264Score(c: OfferedCodec): number {
  if (packetizationMode(c.fmtp) !== 1) return 0
  const p = h264Profile(c.fmtp)
  const i = p ? WHIP_H264_PROFILES.findIndex(([a, b]) => a === p[0] && (b & p[1]) === b && (p[1] & ~b & 0xfc) === 0) : -1
  return i < 0 ? 1 : 10 - i
}

/**
 * For WHIP: the codec to take from each section the browser sends, or undefined when none is
 * acceptable. `accepts(encodingName)` says what the server's codec registry can publish.
 */
export function chooseIncoming(m: OfferedMedia, accepts: (encodingName: string) => boolean): OfferedCodec | undefined {
  if (m.kind === 'other' || m.rejected || !sends(m.direction)) return undefined
  const order: readonly string[] = m.kind === 'video' ? WHIP_VIDEO_PREFERENCE : WHIP_AUDIO_PREFERENCE
  let best: { c: OfferedCodec; score: number } | undefined
  for (const c of m.codecs) {
    const name = c.encodingName.toUpperCase()
    const rank = order.indexOf(name)
    if (rank < 0 || !accepts(name)) continue
    const within = name === 'H264' ? whipH264Score(c) : 1
    if (within === 0) continue
    const score = (order.length - rank) * 100 + within
    if (!best || score > best.score) best = { c, score }
  }
  return best?.c
}
