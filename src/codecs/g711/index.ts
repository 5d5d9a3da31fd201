/**
 * G.711 µ-law (PCMU) and A-law (PCMA), RFC 3551 4.5.14, as two entries of the codec registry: 8-bit
 * codes at 8000 Hz on static payload types 0 and 8, the stream track, and MP4 (`ulaw` / `alaw`).
 */
import { g711Matroska } from './matroska.js'
import type { Codec } from '../codec.js'
import { audioFromSdp, audioOf, kindMismatch } from '../format-helpers.js'
import { G711Depacketizer } from './depacketizer.js'
import { G711_CLOCK_RATE, g711EncodingName, g711Rtpmap, g711StaticPayloadType, type G711Law } from './format.js'
import { g711Mp4 } from './mp4.js'
import { G711Packetizer } from './packetizer.js'
import { G711Track } from './track.js'

type G711FrameFormat<L extends G711Law> = L extends 'pcmu' ? 'g711-ulaw' : 'g711-alaw'

function g711Codec<L extends G711Law>(law: L): Codec<L, 'audio', G711FrameFormat<L>> {
  const ulaw = law === 'pcmu'
  return {
    name: law,
    aliases: ulaw ? ['g711u', 'ulaw', 'mulaw', 'g711'] : ['g711a', 'alaw'],
    kind: 'audio',
    label: ulaw ? 'G.711 µ-law' : 'G.711 A-law',
    family: 'G.711',
    encodingName: g711EncodingName(law),
    defaultClockRate: G711_CLOCK_RATE,
    defaultChannels: 1,
    defaultSampleRate: G711_CLOCK_RATE,
    staticPayloadType: g711StaticPayloadType(law),
    defaultPayloadType: g711StaticPayloadType(law),
    // 8-bit codes, one per channel per sampling instant.
    frameFormat: (ulaw ? 'g711-ulaw' : 'g711-alaw') as G711FrameFormat<L>,
    fileExtensions: ['.wav'],
    passthrough: false,
    webrtc: true,
    clockRateFor: () => G711_CLOCK_RATE,
    createDepacketizer: (params) => new G711Depacketizer({ channels: params.channels }),
    createPacketizer: (o) =>
      new G711Packetizer({
        law,
        payloadType: o.payloadType,
        ssrc: o.ssrc,
        initialSequence: o.initialSequence ?? o.random?.u16(),
        maxPacketSize: o.maxPacketSize,
        channels: o.channels ?? audioOf(o.track)?.channels ?? 1,
      }),
    sdpAttributes: (f) => [{ key: 'rtpmap', value: g711Rtpmap(law, f.payloadType, f.channels ?? 1) }],
    // The track picks its payload type from the channel count: the static one for mono.
    readSdp: (format) => ({ info: audioFromSdp(law, format) }),
    createTrack(info, common) {
      const a = audioOf(info)
      if (!a) throw kindMismatch(law, info)
      return new G711Track({ ...common, law, channels: a.channels })
    },
    mp4: g711Mp4(law),
    matroska: g711Matroska(law),
  }
}

export const PCMU_CODEC: Codec<'pcmu', 'audio', 'g711-ulaw'> = g711Codec('pcmu')
export const PCMA_CODEC: Codec<'pcma', 'audio', 'g711-alaw'> = g711Codec('pcma')
