/**
 * Whether a path's audio can reach a browser over WebRTC. Browsers decode only some audio formats
 * (RFC 7874 §3); WebRTC forwards RTP as it is, so others would need a transcode that the WebRTC output
 * does not make: the picture plays without sound, and the dashboard says why. Which formats: the
 * codec registry's `webrtc` flag.
 */
import type { CodecRegistry } from '../codecs/registry.js'
import type { TrackView } from './views.js'

export interface WebrtcAudio {
  webrtcAudio: boolean
  /** Why not, when webrtcAudio is false; null when it is true. */
  webrtcAudioReason: string | null
}

export function webrtcAudio(tracks: readonly TrackView[], codecs: CodecRegistry): WebrtcAudio {
  const audio = tracks.find((t) => t.kind === 'audio')
  if (!audio) return { webrtcAudio: false, webrtcAudioReason: 'no audio track' }
  const codec = codecs.byName(audio.codec) ?? codecs.byEncodingName(audio.codec)
  if (codec?.webrtc === true) return { webrtcAudio: true, webrtcAudioReason: null }
  const takes = codecs
    .list()
    .filter((c) => c.kind === 'audio' && c.webrtc === true)
    .map((c) => c.family ?? c.label)
  const name = codec?.label ?? audio.codec.toUpperCase()
  return { webrtcAudio: false, webrtcAudioReason: `${name} cannot be sent over WebRTC (browsers take ${[...new Set(takes)].join(' or ')})` }
}
