/**
 * AAC (RFC 3640 mpeg4-generic, AAC-hbr) as one entry of the codec registry: raw access units over
 * RTP, the AudioSpecificConfig in fmtp both ways, the stream track, and MP4 (`mp4a` + `esds`).
 */
import { AAC_MATROSKA } from './matroska.js'
import { ConfigError, RtspkitError } from '../../errors.js'
import type { TrackInfo } from '../../stream/media.js'
import type { Codec } from '../codec.js'
import { audioFromSdp, audioOf, kindMismatch, tolerant, tolerantFmtp } from '../format-helpers.js'
import { auDuration, buildAudioSpecificConfig, parseAudioSpecificConfig } from './audio-specific-config.js'
import { AacDepacketizer } from './depacketizer.js'
import { AAC_ENCODING_NAME, aacFmtp, aacRtpmap, DEFAULT_AAC_PAYLOAD_TYPE, parseAacFmtp } from './format.js'
import { AAC_MP4 } from './mp4.js'
import { AacPacketizer } from './packetizer.js'
import { AacTrack } from './track.js'

const DEFAULT_RATE = 48000

/** The AudioSpecificConfig of a track: the source's, else a plain AAC-LC one for its rate and channels. */
function trackConfig(track: TrackInfo | undefined, clockRate: number, channels: number | undefined): Buffer {
  const a = audioOf(track)
  if (a?.config) return a.config
  try {
    return buildAudioSpecificConfig({ sampleRate: a ? a.sampleRate : clockRate, channels: a ? a.channels : (channels ?? 2) })
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ConfigError('ERR_AAC_CONFIG', `cannot describe this AAC track: ${err.message}`, { observed: track }, { cause: err })
  }
}

export const AAC_CODEC: Codec<'aac', 'audio', 'aac'> = {
  name: 'aac',
  aliases: ['mpeg4-generic', 'aac-hbr'],
  kind: 'audio',
  label: 'AAC',
  encodingName: AAC_ENCODING_NAME,
  defaultClockRate: DEFAULT_RATE,
  defaultChannels: 2,
  defaultPayloadType: DEFAULT_AAC_PAYLOAD_TYPE,
  // One raw access unit (no ADTS header).
  frameFormat: 'aac',
  matroska: AAC_MATROSKA,
  fileExtensions: ['.aac', '.adts'],
  passthrough: false,
  clockRateFor: (t) => audioOf(t)?.sampleRate ?? DEFAULT_RATE,
  createDepacketizer(params) {
    // Without a usable fmtp (`--codec aac` and no --fmtp), AAC-hbr with 1024-sample AUs is the usual case.
    const f = tolerantFmtp(params, parseAacFmtp)
    if (!f) return new AacDepacketizer()
    const duration = tolerant(() => auDuration(parseAudioSpecificConfig(f.config), params.clockRate))
    return new AacDepacketizer({
      sizeLength: f.sizeLength,
      indexLength: f.indexLength,
      indexDeltaLength: f.indexDeltaLength,
      ctsDeltaLength: f.ctsDeltaLength,
      dtsDeltaLength: f.dtsDeltaLength,
      randomAccessIndication: f.randomAccessIndication,
      streamStateIndication: f.streamStateIndication,
      auxiliaryDataSizeLength: f.auxiliaryDataSizeLength,
      ...(duration !== undefined ? { auDuration: duration } : {}),
    })
  },
  createPacketizer(o) {
    const clockRate = o.clockRate ?? audioOf(o.track)?.sampleRate ?? DEFAULT_RATE
    const asc = parseAudioSpecificConfig(trackConfig(o.track, clockRate, o.channels))
    return new AacPacketizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence ?? o.random?.u16(),
      maxPacketSize: o.maxPacketSize,
      auDuration: auDuration(asc, clockRate),
    })
  },
  sdpAttributes(f) {
    const channels = f.channels ?? audioOf(f.track)?.channels ?? 2
    return [
      { key: 'rtpmap', value: aacRtpmap(f.payloadType, f.clockRate, channels) },
      { key: 'fmtp', value: `${f.payloadType} ${aacFmtp(trackConfig(f.track, f.clockRate, channels))}` },
    ]
  },
  readSdp: (format) => ({
    info: { ...audioFromSdp('aac', format), config: parseAacFmtp(format.fmtp).config },
    payloadType: format.payloadType,
  }),
  describeFormat(format) {
    const asc = tolerant(() => parseAudioSpecificConfig(parseAacFmtp(format.fmtp).config))
    return asc ? { sampleRate: asc.sbr?.sampleRate ?? asc.sampleRate, channels: asc.channels || format.channels } : {}
  },
  createTrack(info, common) {
    const a = audioOf(info)
    if (!a) throw kindMismatch('aac', info)
    if (!a.config)
      throw new ConfigError('ERR_STREAM_AAC_CONFIG', 'an AAC track needs its AudioSpecificConfig (config)', { observed: undefined })
    return new AacTrack({ ...common, sampleRate: a.sampleRate, channels: a.channels, config: a.config })
  },
  mp4: AAC_MP4,
}
