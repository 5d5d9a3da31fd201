/**
 * AV1 ("RTP Payload Format For AV1" v1.0) as one entry of the codec registry: temporal units over RTP as
 * OBU elements, `AV1/90000` (fmtp profile, level-idx, tier) in SDP, and the stream track that reads
 * sequence headers for key frames and size. MP4 recording is not offered (no `av01` sample entry yet):
 * recorders refuse the track by the absent `mp4` hooks.
 */
import type { Codec } from '../codec.js'
import { DYNAMIC_PAYLOAD_TYPE_MIN, kindMismatch, rtpmapAttribute, VIDEO_CLOCK_RATE, videoOf } from '../format-helpers.js'
import { Av1Depacketizer } from './depacketizer.js'
import { AV1_ENCODING_NAME } from './format.js'
import { Av1Packetizer } from './packetizer.js'
import { Av1Track } from './track.js'

export const AV1_CODEC: Codec<'av1', 'video', 'av1'> = {
  name: 'av1',
  aliases: [],
  kind: 'video',
  label: 'AV1',
  encodingName: AV1_ENCODING_NAME,
  defaultClockRate: VIDEO_CLOCK_RATE,
  defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
  // A temporal unit in the low-overhead bitstream format (AV1 spec 5.2): a temporal delimiter, then OBUs with obu_size.
  frameFormat: 'av1',
  fileExtensions: [],
  passthrough: false,
  clockRateFor: () => VIDEO_CLOCK_RATE,
  createDepacketizer: () => new Av1Depacketizer(),
  createPacketizer: (o) =>
    new Av1Packetizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence,
      maxPacketSize: o.maxPacketSize,
      random: o.random,
    }),
  sdpAttributes: (f) => [rtpmapAttribute(f, AV1_ENCODING_NAME)],
  readSdp: (format) => ({ info: { kind: 'video', codec: 'av1' }, payloadType: format.payloadType }),
  createTrack(info, common) {
    const t = videoOf(info)
    if (!t) throw kindMismatch('av1', info)
    return new Av1Track({ ...common, width: t.width, height: t.height })
  },
}
