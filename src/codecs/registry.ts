/**
 * The one table of payload formats: each codec folder's entry (codecs/<name>/index.ts), found by SDP
 * encoding name (RFC 4855 section 3, compared case-insensitively), by command-line name or alias, by
 * the name TrackInfo carries, or by MP4 sample entry type. Adding a codec is its folder and one line
 * in BUILTIN_CODECS.
 *
 * A registry is a value, not module state: `createCodecRegistry()` returns a new one holding the
 * built-in codecs, and `register` adds or replaces entries. An encoding nobody registered resolves to a
 * passthrough entry: frames are the raw payloads, relayed unchanged.
 */
import { ConfigError } from '../errors.js'
import { AAC_CODEC } from './aac/index.js'
import type { TrackInfo } from '../stream/media.js'
import type { Codec, FormatParams, MediaKind } from './codec.js'
import { PCMA_CODEC, PCMU_CODEC } from './g711/index.js'
import { H264_CODEC } from './h264/index.js'
import { H265_CODEC } from './h265/index.js'
import { JPEG_CODEC } from './jpeg/index.js'
import { L16_CODEC } from './l16/index.js'
import type { MediaTrack, TrackCommon } from './media-track.js'
import { OPUS_CODEC } from './opus/index.js'
import { passthroughCodec } from './passthrough/index.js'
import { AV1_CODEC } from './av1/index.js'
import { VP8_CODEC } from './vp8/index.js'
import { VP9_CODEC } from './vp9/index.js'

export type { Codec, CodecDescriptor, MediaKind, PacketizerOptions, SendFormat } from './codec.js'
export { DYNAMIC_PAYLOAD_TYPE_MIN, fmtpText } from './format-helpers.js'
export { passthroughCodec }

/** Every codec rtspkit implements, in the order lists show them. */
export const BUILTIN_CODECS = [
  H264_CODEC,
  H265_CODEC,
  JPEG_CODEC,
  AAC_CODEC,
  OPUS_CODEC,
  PCMU_CODEC,
  PCMA_CODEC,
  L16_CODEC,
  VP8_CODEC,
  VP9_CODEC,
  AV1_CODEC,
] as const

export type BuiltinCodec = (typeof BUILTIN_CODECS)[number]
/** What frames hold: each built-in codec's format (`Codec.frameFormat`), or `raw` for passthrough. */
export type FrameFormat = BuiltinCodec['frameFormat'] | 'raw'
/** The names of the built-in codecs of one kind: what `TrackInfo.codec` holds. */
export type BuiltinCodecName<K extends MediaKind> = Extract<BuiltinCodec, { readonly kind: K }>['name']

/** RFC 3551 section 6, Tables 4 and 5: the static payload types, for an m= line without rtpmap. */
export interface StaticPayloadType {
  encodingName: string
  clockRate: number
  channels?: number
  kind: MediaKind
}

export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, StaticPayloadType> = new Map([
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

/** Format parameters of a static payload type (RFC 3551), for an m= line without rtpmap. */
export function staticFormatParams(payloadType: number): FormatParams | undefined {
  const s = STATIC_PAYLOAD_TYPES.get(payloadType)
  if (!s) return undefined
  const p: FormatParams = { payloadType, encodingName: s.encodingName, clockRate: s.clockRate, fmtp: new Map() }
  if (s.channels !== undefined) p.channels = s.channels
  return p
}

/** A built-in codec by name or alias (case-insensitive), for code that has a TrackInfo and no registry. */
export function builtinCodec(name: string): Codec | undefined {
  const n = name.toLowerCase()
  return BUILTIN_CODECS.find((c) => c.name === n || c.aliases.includes(n))
}

/** The built-in codec that reads MP4 sample entries of type `fourcc`. */
export function codecForSampleEntry(fourcc: string): Codec | undefined {
  return BUILTIN_CODECS.find((c) => c.mp4?.reader?.entryTypes.includes(fourcc))
}

/** Names of the built-in codecs of a kind that `has` something, for messages and help text. */
export function builtinNames(has: (c: Codec) => boolean, kind?: MediaKind): string[] {
  return BUILTIN_CODECS.filter((c) => (kind === undefined || c.kind === kind) && has(c)).map((c) => c.name)
}

/** The name lists of supported formats give a codec: its family (`G.711`), else its label. */
export const familyOf = (c: Codec): string => c.family ?? c.label

/**
 * What `pick` says of each built-in codec (undefined: left out), each text once, in table order: the
 * lists of supported formats in help text and messages (`H.264, H.265, AAC…`).
 */
export function builtinLabels(pick: (c: Codec) => string | undefined): string[] {
  const out: string[] = []
  for (const c of BUILTIN_CODECS) {
    const text = pick(c)
    if (text !== undefined && !out.includes(text)) out.push(text)
  }
  return out
}

export class CodecRegistry {
  private readonly byEncoding = new Map<string, Codec>()
  private readonly byAlias = new Map<string, Codec>()

  /** Adds a codec, replacing any with the same encoding name or names. */
  register(codec: Codec): this {
    this.byEncoding.set(codec.encodingName.toUpperCase(), codec)
    for (const n of [codec.name, ...codec.aliases, codec.encodingName]) this.byAlias.set(n.toLowerCase(), codec)
    return this
  }

  /** Every registered codec, in registration order. */
  list(): Codec[] {
    return [...new Set(this.byEncoding.values())]
  }

  /** The codec of an SDP encoding name (case-insensitive), if registered. */
  byEncodingName(encodingName: string): Codec | undefined {
    return this.byEncoding.get(encodingName.toUpperCase())
  }

  /** The codec for a command-line name: its short name, an alias or its encoding name (case-insensitive). */
  byName(name: string): Codec | undefined {
    return this.byAlias.get(name.toLowerCase())
  }

  /** Like `byName`, but a ConfigError naming the known codecs when there is none. */
  require(name: string): Codec {
    const c = this.byName(name)
    if (!c) {
      const known = this.list().map((d) => d.name)
      throw new ConfigError('ERR_CODEC_UNKNOWN', `unknown codec "${name}"; known: ${known.join(', ')}`, { observed: name, allowed: known })
    }
    return c
  }

  /** The codec half of a stream track, made by its codec's entry; ConfigError('ERR_STREAM_CODEC') when none can. */
  createTrack(info: TrackInfo, common: TrackCommon): MediaTrack {
    const codec = this.byName(info.codec)
    if (codec?.kind === info.kind && codec.createTrack) return codec.createTrack(info, common)
    const allowed = this.list()
      .filter((c) => c.kind === info.kind && c.createTrack !== undefined)
      .map((c) => c.name)
    throw new ConfigError('ERR_STREAM_CODEC', `unsupported ${info.kind} codec "${String(info.codec)}"; supported: ${allowed.join(', ')}`, {
      observed: info.codec,
      allowed,
    })
  }

  /**
   * The codec for a media format: by encoding name, else a passthrough entry for that name.
   * Never throws: an unknown format is still received, as raw payloads.
   */
  resolve(
    params: Pick<FormatParams, 'encodingName' | 'clockRate'> & { channels?: number | undefined },
    kind: MediaKind = 'application',
  ): Codec {
    return this.byEncodingName(params.encodingName) ?? passthroughCodec(params.encodingName, params.clockRate, kind, params.channels)
  }
}

/** A registry holding every codec rtspkit implements. Each call returns a new registry. */
export function createCodecRegistry(): CodecRegistry {
  const r = new CodecRegistry()
  for (const c of BUILTIN_CODECS) r.register(c)
  return r
}
