/**
 * VP9 (RFC 9628) as one entry of the codec registry: VP9 frames over RTP with the payload descriptor,
 * `VP9/90000` (fmtp profile-id) in SDP, and the stream track that reads frame headers for key frames,
 * size and profile. MP4 recording is not offered (no `vp09` sample entry yet): recorders refuse the
 * track by the absent `mp4` hooks.
 */
import { VP9_MATROSKA } from './matroska.js'
import type { Codec } from '../codec.js'
import { DYNAMIC_PAYLOAD_TYPE_MIN, kindMismatch, rtpmapAttribute, VIDEO_CLOCK_RATE, videoOf } from '../format-helpers.js'
import { Vp9Depacketizer } from './depacketizer.js'
import { VP9_ENCODING_NAME, vp9ProfileId } from './format.js'
import { Vp9Packetizer } from './packetizer.js'
import { Vp9Track } from './track.js'

export const VP9_CODEC: Codec<'vp9', 'video', 'vp9'> = {
  name: 'vp9',
  aliases: [],
  kind: 'video',
  label: 'VP9',
  encodingName: VP9_ENCODING_NAME,
  defaultClockRate: VIDEO_CLOCK_RATE,
  defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
  // One VP9 frame, or a superframe (Annex B) holding the layer frames of one picture.
  frameFormat: 'vp9',
  matroska: VP9_MATROSKA,
  fileExtensions: [],
  passthrough: false,
  webrtc: true,
  clockRateFor: () => VIDEO_CLOCK_RATE,
  createDepacketizer: () => new Vp9Depacketizer(),
  createPacketizer: (o) =>
    new Vp9Packetizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence,
      maxPacketSize: o.maxPacketSize,
      random: o.random,
    }),
  sdpAttributes: (f) => [rtpmapAttribute(f, VP9_ENCODING_NAME)],
  readSdp(format) {
    // A profile-id out of range is refused (ParseError) rather than relayed to readers who would trust it.
    vp9ProfileId(format.fmtp)
    return { info: { kind: 'video', codec: 'vp9' }, payloadType: format.payloadType }
  },
  createTrack(info, common) {
    const t = videoOf(info)
    if (!t) throw kindMismatch('vp9', info)
    return new Vp9Track({ ...common, width: t.width, height: t.height })
  },
}
