/**
 * The table that ties payload formats together: SDP encoding names (RFC 4855 section 3, compared
 * case-insensitively) and static payload types (RFC 3551 section 6, Tables 4 and 5) to codec
 * descriptors that build packetizers and depacketizers and describe themselves in SDP.
 *
 * A registry is a value, not module state: `createCodecRegistry()` returns a new one holding the
 * built-in codecs, and `register` adds or replaces entries. An encoding nobody registered resolves to a
 * passthrough descriptor: frames are the raw payloads, relayed unchanged.
 */
import { ConfigError, ParseError, RtspkitError } from '../errors.js'
import type { SdpAttribute } from '../sdp/sdp.js'
import type { TrackInfo } from '../sources/source.js'
import type { Random } from '../util/random.js'
import type { CodecDepacketizer, CodecPacketizer, FormatParams } from './codec.js'
import { auDuration, buildAudioSpecificConfig, parseAudioSpecificConfig } from './aac/audio-specific-config.js'
import { AacDepacketizer } from './aac/depacketizer.js'
import { AAC_ENCODING_NAME, DEFAULT_AAC_PAYLOAD_TYPE, aacFmtp, aacRtpmap, parseAacFmtp } from './aac/format.js'
import { AacPacketizer } from './aac/packetizer.js'
import { G711Depacketizer } from './g711/depacketizer.js'
import { G711_CLOCK_RATE, PCMA_PAYLOAD_TYPE, PCMU_PAYLOAD_TYPE, g711Rtpmap, type G711Law } from './g711/format.js'
import { G711Packetizer } from './g711/packetizer.js'
import { H264RtpDepacketizer, H264RtpPacketizer } from './h264/codec-adapter.js'
import { h264Fmtp, parseH264Fmtp } from './h264/format.js'
import { H265Depacketizer } from './h265/depacketizer.js'
import { h265Fmtp, parseH265Fmtp } from './h265/format.js'
import { H265Packetizer } from './h265/packetizer.js'
import { JpegRtpDepacketizer, JpegRtpPacketizer } from './jpeg/codec-adapter.js'
import { JPEG_CLOCK_RATE, JPEG_ENCODING_NAME, JPEG_PAYLOAD_TYPE, jpegMediaAttributes } from './jpeg/format.js'
import { L16Depacketizer } from './l16/depacketizer.js'
import { DEFAULT_L16_PAYLOAD_TYPE, L16_ENCODING_NAME, L16_STATIC_RATE, l16Rtpmap } from './l16/format.js'
import { L16Packetizer } from './l16/packetizer.js'
import { OpusDepacketizer } from './opus/depacketizer.js'
import { DEFAULT_OPUS_PAYLOAD_TYPE, OPUS_ENCODING_NAME, opusFmtp, opusRtpmap } from './opus/format.js'
import { OPUS_CLOCK_RATE } from './opus/packet.js'
import { OpusPacketizer } from './opus/packetizer.js'
import { PassthroughDepacketizer } from './passthrough/depacketizer.js'
import { PassthroughPacketizer } from './passthrough/packetizer.js'

export type MediaKind = 'video' | 'audio' | 'application'

/**
 * What `ReceivedFrame.data` holds for a codec, and what a packetizer takes:
 *  annexb     H.264 / H.265 access unit with 4-byte start codes
 *  jpeg       one baseline JFIF image
 *  aac        one raw AAC access unit (no ADTS header)
 *  opus       one Opus packet
 *  pcm-s16be  interleaved 16-bit big-endian samples (L16, RFC 3551 4.5.11)
 *  g711-ulaw / g711-alaw  8-bit G.711 samples (RFC 3551 4.5.14)
 *  raw        the RTP payload, unchanged (passthrough)
 */
export type FrameFormat = 'annexb' | 'jpeg' | 'aac' | 'opus' | 'pcm-s16be' | 'g711-ulaw' | 'g711-alaw' | 'raw'

export interface PacketizerOptions {
  payloadType: number
  ssrc: number
  /** Default: random. */
  initialSequence?: number
  /** Largest serialized RTP packet, header included. */
  maxPacketSize?: number
  clockRate?: number
  channels?: number
  /** What the source says about the track (parameter sets, AudioSpecificConfig, sample rate…). */
  track?: TrackInfo
  random?: Random
}

/** How a track is sent: the inputs of its SDP attributes. */
export interface SendFormat {
  payloadType: number
  clockRate: number
  channels?: number
  track?: TrackInfo
}

export interface CodecDescriptor {
  /** Short lowercase name, as on the command line (`h264`, `jpeg`, `pcmu`). */
  readonly name: string
  /** Other names accepted on the command line (`avc`, `mjpeg`). */
  readonly aliases: readonly string[]
  readonly kind: MediaKind
  /** SDP encoding name as it is written in rtpmap (`H264`, `JPEG`, `MPEG4-GENERIC`). */
  readonly encodingName: string
  readonly defaultClockRate: number
  readonly defaultChannels?: number
  /** RFC 3551 static payload type, when the format has one. */
  readonly staticPayloadType?: number
  /** Payload type used when sending: the static one, or a dynamic default (96…). */
  readonly defaultPayloadType: number
  readonly frameFormat: FrameFormat
  /** Output file extensions a sink can write frames of this codec to (with the dot). */
  readonly fileExtensions: readonly string[]
  /** True for the stand-in of an unknown encoding. */
  readonly passthrough: boolean
  /** RTP clock rate for sending a track (the sampling rate for L16 and AAC; fixed for the others). */
  clockRateFor(track: TrackInfo): number
  createDepacketizer(params: FormatParams): CodecDepacketizer
  createPacketizer(opts: PacketizerOptions): CodecPacketizer
  /** rtpmap, fmtp and format-specific attributes of a media section sending this codec. */
  sdpAttributes(format: SendFormat): SdpAttribute[]
}

/** RFC 3551 Tables 4 and 5: static payload types and their encodings. */
export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, { encodingName: string; clockRate: number; channels?: number; kind: MediaKind }> =
  new Map([
    [0, { encodingName: 'PCMU', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [3, { encodingName: 'GSM', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [4, { encodingName: 'G723', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [5, { encodingName: 'DVI4', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [6, { encodingName: 'DVI4', clockRate: 16000, channels: 1, kind: 'audio' as const }],
    [7, { encodingName: 'LPC', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [8, { encodingName: 'PCMA', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [9, { encodingName: 'G722', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [10, { encodingName: 'L16', clockRate: 44100, channels: 2, kind: 'audio' as const }],
    [11, { encodingName: 'L16', clockRate: 44100, channels: 1, kind: 'audio' as const }],
    [12, { encodingName: 'QCELP', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [13, { encodingName: 'CN', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [14, { encodingName: 'MPA', clockRate: 90000, kind: 'audio' as const }],
    [15, { encodingName: 'G728', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [18, { encodingName: 'G729', clockRate: 8000, channels: 1, kind: 'audio' as const }],
    [25, { encodingName: 'CelB', clockRate: 90000, kind: 'video' as const }],
    [26, { encodingName: 'JPEG', clockRate: 90000, kind: 'video' as const }],
    [28, { encodingName: 'nv', clockRate: 90000, kind: 'video' as const }],
    [31, { encodingName: 'H261', clockRate: 90000, kind: 'video' as const }],
    [32, { encodingName: 'MPV', clockRate: 90000, kind: 'video' as const }],
    [33, { encodingName: 'MP2T', clockRate: 90000, kind: 'video' as const }],
    [34, { encodingName: 'H263', clockRate: 90000, kind: 'video' as const }],
  ])

/** First dynamic payload type (RFC 3551 section 6). */
export const DYNAMIC_PAYLOAD_TYPE_MIN = 96
const RAW_EXTENSIONS: readonly string[] = ['.bin', '.raw']
const VIDEO_CLOCK_RATE = 90000

function rtpmap(format: SendFormat, encodingName: string): SdpAttribute {
  const channels = format.channels !== undefined && format.channels !== 1 ? `/${format.channels}` : ''
  return { key: 'rtpmap', value: `${format.payloadType} ${encodingName}/${format.clockRate}${channels}` }
}

/** `name=value;…` of an fmtp map, as the format parsers take it. */
export function fmtpText(params: ReadonlyMap<string, string>): string {
  return [...params].map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(';')
}

/** Parameter sets from sprop-parameter-sets; a malformed value is ignored (in-band sets still work). */
function h264ParameterSets(params: FormatParams): Buffer[] {
  if (!params.fmtp.has('sprop-parameter-sets')) return []
  try {
    return parseH264Fmtp(fmtpText(params.fmtp)).spropParameterSets
  } catch (err) {
    if (err instanceof ParseError) return []
    throw err
  }
}

export const H264_CODEC: CodecDescriptor = {
  name: 'h264',
  aliases: ['avc', 'h.264'],
  kind: 'video',
  encodingName: 'H264',
  defaultClockRate: VIDEO_CLOCK_RATE,
  defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
  frameFormat: 'annexb',
  fileExtensions: ['.h264', '.264', '.avc'],
  passthrough: false,
  clockRateFor: () => VIDEO_CLOCK_RATE,
  createDepacketizer: (params) => new H264RtpDepacketizer({ parameterSets: h264ParameterSets(params) }),
  createPacketizer: (o) =>
    new H264RtpPacketizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence ?? o.random?.u16(),
      maxPacketSize: o.maxPacketSize,
    }),
  sdpAttributes(f) {
    const t = f.track?.kind === 'video' ? f.track : undefined
    return [rtpmap(f, 'H264'), { key: 'fmtp', value: `${f.payloadType} ${h264Fmtp({ sps: t?.sps, pps: t?.pps })}` }]
  },
}

export const JPEG_CODEC: CodecDescriptor = {
  name: 'jpeg',
  aliases: ['mjpeg', 'mjpg', 'jpg'],
  kind: 'video',
  encodingName: JPEG_ENCODING_NAME,
  defaultClockRate: JPEG_CLOCK_RATE,
  staticPayloadType: JPEG_PAYLOAD_TYPE,
  defaultPayloadType: JPEG_PAYLOAD_TYPE,
  frameFormat: 'jpeg',
  /** Or a directory: one .jpg per frame. */
  fileExtensions: ['.mjpeg', '.mjpg'],
  passthrough: false,
  clockRateFor: () => JPEG_CLOCK_RATE,
  createDepacketizer: () => new JpegRtpDepacketizer(),
  createPacketizer: (o) =>
    new JpegRtpPacketizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence,
      maxPacketSize: o.maxPacketSize,
      random: o.random,
    }),
  sdpAttributes(f) {
    const t = f.track?.kind === 'video' ? f.track : undefined
    return jpegMediaAttributes({ payloadType: f.payloadType, width: t?.width, height: t?.height, fps: t?.fps })
  },
}

/** The fmtp parsed by `parse`, or undefined when it is malformed (receiving goes on with defaults). */
function tolerantFmtp<T>(params: FormatParams, parse: (text: string) => T): T | undefined {
  if (params.fmtp.size === 0) return undefined
  try {
    return parse(fmtpText(params.fmtp))
  } catch (err) {
    if (err instanceof ParseError) return undefined
    throw err
  }
}

export const H265_CODEC: CodecDescriptor = {
  name: 'h265',
  aliases: ['hevc', 'h.265'],
  kind: 'video',
  encodingName: 'H265',
  defaultClockRate: VIDEO_CLOCK_RATE,
  defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
  frameFormat: 'annexb',
  fileExtensions: ['.h265', '.265', '.hevc'],
  passthrough: false,
  clockRateFor: () => VIDEO_CLOCK_RATE,
  createDepacketizer(params) {
    const f = tolerantFmtp(params, parseH265Fmtp)
    if (f && f.maxDonDiff > 0) {
      // RFC 7798 4.4: the payloads then start with DONL fields, which the depacketizer does not read.
      throw new ConfigError('ERR_H265_DONL', `H.265 with sprop-max-don-diff=${f.maxDonDiff} (DONL fields) is not supported`, {
        observed: f.maxDonDiff,
        allowed: 0,
      })
    }
    return new H265Depacketizer({ parameterSets: f?.spropNalus ?? [] })
  },
  createPacketizer: (o) =>
    new H265Packetizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence ?? o.random?.u16(),
      maxPacketSize: o.maxPacketSize,
    }),
  sdpAttributes(f) {
    const t = f.track?.kind === 'video' ? f.track : undefined
    const fmtp = h265Fmtp({ vps: t?.vps, sps: t?.sps, pps: t?.pps })
    const attrs = [rtpmap(f, 'H265')]
    if (fmtp !== '') attrs.push({ key: 'fmtp', value: `${f.payloadType} ${fmtp}` })
    return attrs
  },
}

/** The AudioSpecificConfig of an AAC track: the source's, else a plain AAC-LC one for its rate and channels. */
function aacTrackConfig(track: TrackInfo | undefined, clockRate: number, channels: number | undefined): Buffer {
  if (track?.kind === 'audio' && track.config) return track.config
  try {
    return buildAudioSpecificConfig({
      sampleRate: track?.kind === 'audio' ? track.sampleRate : clockRate,
      channels: track?.kind === 'audio' ? track.channels : (channels ?? 2),
    })
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ConfigError('ERR_AAC_CONFIG', `cannot describe this AAC track: ${err.message}`, { observed: track }, { cause: err })
  }
}

export const AAC_CODEC: CodecDescriptor = {
  name: 'aac',
  aliases: ['mpeg4-generic', 'aac-hbr'],
  kind: 'audio',
  encodingName: AAC_ENCODING_NAME,
  defaultClockRate: 48000,
  defaultChannels: 2,
  defaultPayloadType: DEFAULT_AAC_PAYLOAD_TYPE,
  frameFormat: 'aac',
  fileExtensions: ['.aac', '.adts'],
  passthrough: false,
  clockRateFor: (t) => (t.kind === 'audio' ? t.sampleRate : 48000),
  createDepacketizer(params) {
    // Without a usable fmtp (`--codec aac` and no --fmtp), AAC-hbr with 1024-sample AUs is the usual case.
    const f = tolerantFmtp(params, parseAacFmtp)
    if (!f) return new AacDepacketizer()
    let duration: number | undefined
    try {
      duration = auDuration(parseAudioSpecificConfig(f.config), params.clockRate)
    } catch (err) {
      if (!(err instanceof RtspkitError)) throw err
    }
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
    const clockRate = o.clockRate ?? (o.track?.kind === 'audio' ? o.track.sampleRate : 48000)
    const asc = parseAudioSpecificConfig(aacTrackConfig(o.track, clockRate, o.channels))
    return new AacPacketizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence ?? o.random?.u16(),
      maxPacketSize: o.maxPacketSize,
      auDuration: auDuration(asc, clockRate),
    })
  },
  sdpAttributes(f) {
    const channels = f.channels ?? (f.track?.kind === 'audio' ? f.track.channels : 2)
    return [
      { key: 'rtpmap', value: aacRtpmap(f.payloadType, f.clockRate, channels) },
      { key: 'fmtp', value: `${f.payloadType} ${aacFmtp(aacTrackConfig(f.track, f.clockRate, channels))}` },
    ]
  },
}

function g711Codec(law: G711Law): CodecDescriptor {
  const ulaw = law === 'pcmu'
  return {
    name: law,
    aliases: ulaw ? ['g711u', 'ulaw', 'mulaw', 'g711'] : ['g711a', 'alaw'],
    kind: 'audio',
    encodingName: ulaw ? 'PCMU' : 'PCMA',
    defaultClockRate: G711_CLOCK_RATE,
    defaultChannels: 1,
    staticPayloadType: ulaw ? PCMU_PAYLOAD_TYPE : PCMA_PAYLOAD_TYPE,
    defaultPayloadType: ulaw ? PCMU_PAYLOAD_TYPE : PCMA_PAYLOAD_TYPE,
    frameFormat: ulaw ? 'g711-ulaw' : 'g711-alaw',
    fileExtensions: ['.wav'],
    passthrough: false,
    clockRateFor: () => G711_CLOCK_RATE,
    createDepacketizer: (params) => new G711Depacketizer({ channels: params.channels }),
    createPacketizer: (o) =>
      new G711Packetizer({
        law,
        payloadType: o.payloadType,
        ssrc: o.ssrc,
        initialSequence: o.initialSequence ?? o.random?.u16(),
        maxPacketSize: o.maxPacketSize,
        channels: o.channels ?? (o.track?.kind === 'audio' ? o.track.channels : 1),
      }),
    sdpAttributes: (f) => [{ key: 'rtpmap', value: g711Rtpmap(law, f.payloadType, f.channels ?? 1) }],
  }
}

export const PCMU_CODEC: CodecDescriptor = g711Codec('pcmu')
export const PCMA_CODEC: CodecDescriptor = g711Codec('pcma')

export const L16_CODEC: CodecDescriptor = {
  name: 'l16',
  aliases: ['pcm', 'lpcm'],
  kind: 'audio',
  encodingName: L16_ENCODING_NAME,
  defaultClockRate: L16_STATIC_RATE,
  defaultChannels: 1,
  defaultPayloadType: DEFAULT_L16_PAYLOAD_TYPE,
  frameFormat: 'pcm-s16be',
  fileExtensions: ['.wav'],
  passthrough: false,
  clockRateFor: (t) => (t.kind === 'audio' ? t.sampleRate : L16_STATIC_RATE),
  createDepacketizer: (params) => new L16Depacketizer({ channels: params.channels }),
  createPacketizer: (o) =>
    new L16Packetizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence ?? o.random?.u16(),
      maxPacketSize: o.maxPacketSize,
      sampleRate: o.clockRate ?? (o.track?.kind === 'audio' ? o.track.sampleRate : L16_STATIC_RATE),
      channels: o.channels ?? (o.track?.kind === 'audio' ? o.track.channels : 1),
    }),
  // RFC 3551 4.5.11: the channel count is always written for L16.
  sdpAttributes: (f) => [{ key: 'rtpmap', value: l16Rtpmap(f.payloadType, f.clockRate, f.channels ?? 1) }],
}

export const OPUS_CODEC: CodecDescriptor = {
  name: 'opus',
  aliases: [],
  kind: 'audio',
  encodingName: OPUS_ENCODING_NAME,
  defaultClockRate: OPUS_CLOCK_RATE,
  defaultChannels: 2,
  defaultPayloadType: DEFAULT_OPUS_PAYLOAD_TYPE,
  frameFormat: 'opus',
  fileExtensions: [],
  passthrough: false,
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
    const fmtp = opusFmtp(f.channels ?? (f.track?.kind === 'audio' ? f.track.channels : 1))
    if (fmtp) attrs.push({ key: 'fmtp', value: `${f.payloadType} ${fmtp}` })
    return attrs
  },
}

/**
 * The stand-in for an encoding rtspkit does not implement: each payload is a frame, and each frame
 * is sent as one packet.
 */
export function passthroughCodec(
  encodingName: string,
  clockRate: number,
  kind: MediaKind = 'application',
  channels?: number,
): CodecDescriptor {
  return {
    name: encodingName.toLowerCase(),
    aliases: [],
    kind,
    encodingName,
    defaultClockRate: clockRate,
    ...(channels !== undefined ? { defaultChannels: channels } : {}),
    defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
    frameFormat: 'raw',
    fileExtensions: RAW_EXTENSIONS,
    passthrough: true,
    clockRateFor: () => clockRate,
    createDepacketizer: () => new PassthroughDepacketizer(),
    createPacketizer: (o) =>
      new PassthroughPacketizer({
        payloadType: o.payloadType,
        ssrc: o.ssrc,
        initialSequence: o.initialSequence,
        maxPacketSize: o.maxPacketSize,
        random: o.random,
      }),
    sdpAttributes: (f) => [rtpmap(f, encodingName)],
  }
}

export class CodecRegistry {
  private readonly byEncoding = new Map<string, CodecDescriptor>()
  private readonly byAlias = new Map<string, CodecDescriptor>()

  /** Adds a codec, replacing any with the same encoding name or names. */
  register(codec: CodecDescriptor): this {
    this.byEncoding.set(codec.encodingName.toUpperCase(), codec)
    for (const n of [codec.name, ...codec.aliases, codec.encodingName]) this.byAlias.set(n.toLowerCase(), codec)
    return this
  }

  /** Every registered codec, in registration order. */
  list(): CodecDescriptor[] {
    return [...new Set(this.byEncoding.values())]
  }

  /** The codec of an SDP encoding name (case-insensitive), if registered. */
  byEncodingName(encodingName: string): CodecDescriptor | undefined {
    return this.byEncoding.get(encodingName.toUpperCase())
  }

  /** The codec for a command-line name: its short name, an alias or its encoding name (case-insensitive). */
  byName(name: string): CodecDescriptor | undefined {
    return this.byAlias.get(name.toLowerCase())
  }

  /** Like `byName`, but a ConfigError naming the known codecs when there is none. */
  require(name: string): CodecDescriptor {
    const c = this.byName(name)
    if (!c) {
      const known = this.list().map((d) => d.name)
      throw new ConfigError('ERR_CODEC_UNKNOWN', `unknown codec "${name}"; known: ${known.join(', ')}`, { observed: name, allowed: known })
    }
    return c
  }

  /**
   * The codec for a media format: by encoding name, else a passthrough descriptor for that name.
   * Never throws: an unknown format is still received, as raw payloads.
   */
  resolve(
    params: Pick<FormatParams, 'encodingName' | 'clockRate'> & { channels?: number | undefined },
    kind: MediaKind = 'application',
  ): CodecDescriptor {
    return this.byEncodingName(params.encodingName) ?? passthroughCodec(params.encodingName, params.clockRate, kind, params.channels)
  }
}

/** Format parameters of a static payload type (RFC 3551), for an m= line without rtpmap. */
export function staticFormatParams(payloadType: number): FormatParams | undefined {
  const s = STATIC_PAYLOAD_TYPES.get(payloadType)
  if (!s) return undefined
  const p: FormatParams = { payloadType, encodingName: s.encodingName, clockRate: s.clockRate, fmtp: new Map() }
  if (s.channels !== undefined) p.channels = s.channels
  return p
}

/** A registry holding every codec rtspkit implements. Each call returns a new registry. */
export function createCodecRegistry(): CodecRegistry {
  const r = new CodecRegistry()
  for (const c of [H264_CODEC, H265_CODEC, JPEG_CODEC, AAC_CODEC, OPUS_CODEC, PCMU_CODEC, PCMA_CODEC, L16_CODEC]) r.register(c)
  return r
}
