/**
 * VP8 (RFC 7741) as one entry of the codec registry: VP8 frames over RTP with the payload descriptor,
 * `VP8/90000` in SDP, and the stream track that reads key frames for the picture size. MP4 recording is
 * not offered (no `vp08` sample entry yet): recorders refuse the track by the absent `mp4` hooks.
 */
import { VP8_MATROSKA } from './matroska.js'
import type { Codec } from '../codec.js'
import { DYNAMIC_PAYLOAD_TYPE_MIN, kindMismatch, rtpmapAttribute, VIDEO_CLOCK_RATE, videoOf } from '../format-helpers.js'
import { Vp8Depacketizer } from './depacketizer.js'
import { VP8_ENCODING_NAME } from './format.js'
import { Vp8Packetizer } from './packetizer.js'
import { Vp8Track } from './track.js'

export const VP8_CODEC: Codec<'vp8', 'video', 'vp8'> = {
  name: 'vp8',
  aliases: [],
  kind: 'video',
  label: 'VP8',
  encodingName: VP8_ENCODING_NAME,
  defaultClockRate: VIDEO_CLOCK_RATE,
  defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
  // One VP8 frame (RFC 6386), as an IVF file would hold it.
  frameFormat: 'vp8',
  matroska: VP8_MATROSKA,
  fileExtensions: [],
  passthrough: false,
  webrtc: true,
  clockRateFor: () => VIDEO_CLOCK_RATE,
  createDepacketizer: () => new Vp8Depacketizer(),
  createPacketizer: (o) =>
    new Vp8Packetizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence,
      maxPacketSize: o.maxPacketSize,
      random: o.random,
    }),
  sdpAttributes: (f) => [rtpmapAttribute(f, VP8_ENCODING_NAME)],
  readSdp: (format) => ({ info: { kind: 'video', codec: 'vp8' }, payloadType: format.payloadType }),
  createTrack(info, common) {
    const t = videoOf(info)
    if (!t) throw kindMismatch('vp8', info)
    return new Vp8Track({ ...common, width: t.width, height: t.height })
  },
}
