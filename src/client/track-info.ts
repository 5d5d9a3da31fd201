/**
 * What a played stream's tracks are as TrackInfo (the shape sources, the MP4 writer and publishers
 * share), read from the SDP the same way the server reads a publisher's: the first video and the
 * first audio track in a format rtspkit parses.
 */
import { createCodecRegistry } from '../codecs/registry.js'
import { readAnnouncement } from '../stream/announcement.js'
import type { TrackInfo } from '../stream/media.js'
import { trackInfoOf } from '../stream/stream.js'
import type { ClientDescription } from './description.js'

export interface TrackInfoPlan {
  infos: TrackInfo[]
  /** Client track index → index in `infos`. */
  byClientTrack: Map<number, number>
}

export function trackInfosFor(d: ClientDescription): TrackInfoPlan {
  const codecs = createCodecRegistry()
  const announcement = readAnnouncement(Buffer.from(d.sdpText), codecs)
  const infos: TrackInfo[] = []
  const byClientTrack = new Map<number, number>()
  for (const a of announcement.tracks) {
    const spec = a.kind === 'video' ? announcement.spec.video : announcement.spec.audio
    if (!spec || spec.codec === 'rtp') continue
    const client = d.tracks.find((t) => d.sdp.media.indexOf(t.media) === a.mediaIndex)
    if (!client) continue
    byClientTrack.set(client.index, infos.length)
    infos.push(trackInfoOf(a.kind, spec, codecs))
  }
  return { infos, byClientTrack }
}
