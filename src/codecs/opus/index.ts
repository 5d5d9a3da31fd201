/**
 * Opus (RFC 7587) as one entry of the codec registry: one packet per RTP packet on a 48 kHz clock,
 * `opus/48000/2` with sprop-stereo in SDP, the stream track, and MP4 (`Opus` + `dOps`).
 */
import { OPUS_MATROSKA } from './matroska.js'
import type { SdpAttribute } from '../../sdp/sdp.js'
import type { Codec } from '../codec.js'
import { audioFromSdp, audioOf, kindMismatch } from '../format-helpers.js'
import { OpusDepacketizer } from './depacketizer.js'
import { DEFAULT_OPUS_PAYLOAD_TYPE, OPUS_ENCODING_NAME, OPUS_RTPMAP_CHANNELS, opusFmtp, opusRtpmap } from './format.js'
import { OPUS_MP4 } from './mp4.js'
import { OPUS_CLOCK_RATE } from './packet.js'
import { OpusPacketizer } from './packetizer.js'
import { OpusTrack } from './track.js'

export const OPUS_CODEC: Codec<'opus', 'audio', 'opus'> = {
  name: 'opus',
  aliases: [],
  kind: 'audio',
  label: 'Opus',
  encodingName: OPUS_ENCODING_NAME,
  defaultClockRate: OPUS_CLOCK_RATE,
  defaultChannels: 2,
  defaultSampleRate: OPUS_CLOCK_RATE,
  defaultPayloadType: DEFAULT_OPUS_PAYLOAD_TYPE,
  // One Opus packet (RFC 6716).
  frameFormat: 'opus',
  matroska: OPUS_MATROSKA,
  fileExtensions: [],
  passthrough: false,
  webrtc: true,
  clockRateFor: () => OPUS_CLOCK_RATE,
  createDepacketizer: () => new OpusDepacketizer(),
  createPacketizer: (o) =>
    new OpusPacketizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence ?? o.random?.u16(),
      maxPacketSize: o.maxPacketSize,
    }),
  sdpAttributes(f) {
    const attrs: SdpAttribute[] = [{ key: 'rtpmap', value: opusRtpmap(f.payloadType) }]
    const fmtp = opusFmtp(f.channels ?? audioOf(f.track)?.channels ?? 1)
    if (fmtp) attrs.push({ key: 'fmtp', value: `${f.payloadType} ${fmtp}` })
    return attrs
  },
  // RFC 7587 7: the rtpmap always names 2 channels.
  readSdp: (format) => ({ info: audioFromSdp('opus', format, OPUS_RTPMAP_CHANNELS), payloadType: format.payloadType }),
  createTrack(info, common) {
    const a = audioOf(info)
    if (!a) throw kindMismatch('opus', info)
    return new OpusTrack({ ...common, channels: a.channels })
  },
  mp4: OPUS_MP4,
}
