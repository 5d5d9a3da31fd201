/**
 * L16 (RFC 3551 4.5.11) as one entry of the codec registry: uncompressed 16-bit big-endian samples over
 * RTP at the track's own rate, the stream track, and MP4 (`twos`).
 */
import { L16_MATROSKA } from './matroska.js'
import type { Codec } from '../codec.js'
import { audioFromSdp, audioOf, kindMismatch } from '../format-helpers.js'
import { L16Depacketizer } from './depacketizer.js'
import { DEFAULT_L16_PAYLOAD_TYPE, L16_ENCODING_NAME, L16_STATIC_RATE, l16Rtpmap } from './format.js'
import { L16_MP4 } from './mp4.js'
import { L16Packetizer } from './packetizer.js'
import { L16Track } from './track.js'

export const L16_CODEC: Codec<'l16', 'audio', 'pcm-s16be'> = {
  name: 'l16',
  aliases: ['pcm', 'lpcm'],
  kind: 'audio',
  label: 'L16',
  encodingName: L16_ENCODING_NAME,
  defaultClockRate: L16_STATIC_RATE,
  defaultChannels: 1,
  defaultPayloadType: DEFAULT_L16_PAYLOAD_TYPE,
  // Interleaved 16-bit big-endian samples, whole sampling instants.
  frameFormat: 'pcm-s16be',
  matroska: L16_MATROSKA,
  fileExtensions: ['.wav'],
  passthrough: false,
  clockRateFor: (t) => audioOf(t)?.sampleRate ?? L16_STATIC_RATE,
  createDepacketizer: (params) => new L16Depacketizer({ channels: params.channels }),
  createPacketizer: (o) =>
    new L16Packetizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence ?? o.random?.u16(),
      maxPacketSize: o.maxPacketSize,
      sampleRate: o.clockRate ?? audioOf(o.track)?.sampleRate ?? L16_STATIC_RATE,
      channels: o.channels ?? audioOf(o.track)?.channels ?? 1,
    }),
  // RFC 3551 4.5.11: the channel count is always written for L16.
  sdpAttributes: (f) => [{ key: 'rtpmap', value: l16Rtpmap(f.payloadType, f.clockRate, f.channels ?? 1) }],
  readSdp: (format) => ({ info: audioFromSdp('l16', format), payloadType: format.payloadType }),
  createTrack(info, common) {
    const a = audioOf(info)
    if (!a) throw kindMismatch('l16', info)
    return new L16Track({ ...common, sampleRate: a.sampleRate, channels: a.channels })
  },
  mp4: L16_MP4,
}
