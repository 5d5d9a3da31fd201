/**
 * Whether a path's audio can reach a browser over WebRTC. Browsers decode only the audio codecs of
 * RFC 7874 §3 (Opus, G.711 µ-law and A-law) and, in practice, G.722; WebRTC forwards RTP as it is,
 * so others (AAC, L16) would need a transcode that the WebRTC output does not make: the picture plays
 * without sound, and the dashboard says why.
 */
import type { TrackView } from './views.js'

/** Registry names and RTP encoding names (lower case) of the audio formats a browser plays over WebRTC. */
const WEBRTC_AUDIO: ReadonlySet<string> = new Set(['opus', 'pcmu', 'pcma', 'g722'])

/** Names for people, for the reason. */
const LABELS: Readonly<Record<string, string>> = { aac: 'AAC', l16: 'L16 (raw PCM)', 'mpeg4-generic': 'AAC', mpa: 'MPEG audio' }

export interface WebrtcAudio {
  webrtcAudio: boolean
  /** Why not, when webrtcAudio is false; null when it is true. */
  webrtcAudioReason: string | null
}

export function webrtcAudio(tracks: readonly TrackView[]): WebrtcAudio {
  const audio = tracks.find((t) => t.kind === 'audio')
  if (!audio) return { webrtcAudio: false, webrtcAudioReason: 'no audio track' }
  if (WEBRTC_AUDIO.has(audio.codec)) return { webrtcAudio: true, webrtcAudioReason: null }
  const name = LABELS[audio.codec] ?? audio.codec.toUpperCase()
  return { webrtcAudio: false, webrtcAudioReason: `${name} cannot be sent over WebRTC (browsers take Opus or G.711)` }
}
