/**
 * The RTSP-style SDP (RFC 8866, as an ANNOUNCE body) of what a WHIP publisher sends: one m= section
 * per negotiated track, in the order the tracks are fed to the path, with the rtpmap and fmtp the
 * browser offered, so any codec the registry knows is described the same way.
 */
import type { OfferedCodec } from './offer.js'
import { publishFmtp } from './webrtc-codecs.js'

export interface PublishedTrack {
  kind: 'video' | 'audio'
  codec: OfferedCodec
}

export function publishSdp(tracks: readonly PublishedTrack[], origin = '127.0.0.1'): string {
  const lines = ['v=0', `o=- 0 0 IN IP4 ${origin}`, 's=WHIP', 'c=IN IP4 0.0.0.0', 't=0 0']
  tracks.forEach((t, i) => {
    const c = t.codec
    lines.push(`m=${t.kind} 0 RTP/AVP ${c.payloadType}`)
    lines.push(`a=rtpmap:${c.payloadType} ${c.encodingName}/${c.clockRate}${c.channels !== undefined ? `/${c.channels}` : ''}`)
    const fmtp = publishFmtp(c)
    if (fmtp !== '') lines.push(`a=fmtp:${c.payloadType} ${fmtp}`)
    lines.push(`a=control:trackID=${i}`)
  })
  return lines.join('\r\n') + '\r\n'
}
