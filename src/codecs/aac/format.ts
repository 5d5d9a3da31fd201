/**
 * SDP for MPEG-4 audio over RTP, RFC 3640 (mpeg4-generic): section 4.1 (media type parameters) and
 * 3.3.6 (mode AAC-hbr).
 *
 *   a=rtpmap:<pt> MPEG4-GENERIC/<clock rate>/<channels>     clock rate = the sampling rate (3.2.2 RTP timestamp)
 *   a=fmtp:<pt> streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=<hex ASC>
 *
 * streamtype 5 is an audio stream (ISO/IEC 14496-1 Table 6); config is the AudioSpecificConfig in base16.
 * Parameter names are case-insensitive (sdp/fmtp.ts lowercases them); values of `mode` are compared
 * case-insensitively too because cameras write `aac-hbr`.
 */
import { ParseError } from '../../errors.js'
import { parseFmtp } from '../../sdp/fmtp.js'

export const AAC_ENCODING_NAME = 'MPEG4-GENERIC'
export const DEFAULT_AAC_PAYLOAD_TYPE = 97
export const AAC_STREAM_TYPE_AUDIO = 5
/** MPEG-4 audio profile and level indication: 1 = Main profile level 1, what ffmpeg and GStreamer write. */
export const DEFAULT_AAC_PROFILE_LEVEL_ID = 1

/** RFC 3640 3.3.6: AAC-hbr header field widths. */
export const AAC_HBR = { mode: 'AAC-hbr', sizeLength: 13, indexLength: 3, indexDeltaLength: 3 } as const

/** Our cap on every header field width (RFC 3640 leaves them open; 32 is what a JS number reads at once). */
export const MAX_AU_HEADER_FIELD_BITS = 32
const HEX_RE = /^(?:[0-9a-fA-F]{2})+$/
const INTEGER_RE = /^\d{1,10}$/

export interface AacFmtpParams {
  /** `mode`, as written. */
  mode: string
  streamType?: number
  profileLevelId?: number
  /** The AudioSpecificConfig. */
  config: Buffer
  sizeLength: number
  indexLength: number
  indexDeltaLength: number
  ctsDeltaLength: number
  dtsDeltaLength: number
  randomAccessIndication: boolean
  streamStateIndication: number
  auxiliaryDataSizeLength: number
  /** All parameters as given, keys lowercased. */
  params: Map<string, string>
}

/** `<pt> MPEG4-GENERIC/<sampleRate>/<channels>` (the value of `a=rtpmap:`). */
export function aacRtpmap(payloadType: number, sampleRate: number, channels: number): string {
  return `${payloadType} ${AAC_ENCODING_NAME}/${sampleRate}/${channels}`
}

/** The AAC-hbr fmtp parameters (the value of `a=fmtp:` without the payload type). */
export function aacFmtp(config: Uint8Array, profileLevelId = DEFAULT_AAC_PROFILE_LEVEL_ID): string {
  const hex = Buffer.from(config.buffer, config.byteOffset, config.byteLength).toString('hex')
  return (
    `streamtype=${AAC_STREAM_TYPE_AUDIO};profile-level-id=${profileLevelId};mode=${AAC_HBR.mode};` +
    `sizelength=${AAC_HBR.sizeLength};indexlength=${AAC_HBR.indexLength};indexdeltalength=${AAC_HBR.indexDeltaLength};config=${hex}`
  )
}

function integer(params: Map<string, string>, name: string, fallback: number, max: number): number {
  const v = params.get(name)
  if (v === undefined || v === '') return fallback
  const n = Number(v)
  if (!INTEGER_RE.test(v) || n > max)
    throw new ParseError('ERR_AAC_FMTP', `fmtp ${name}="${v}" is not an integer in 0..${max}`, { observed: v, allowed: `0..${max}` })
  return n
}

/**
 * Parses mpeg4-generic fmtp parameters: a `name=value;…` string (no payload type), or the map of an
 * already parsed `a=fmtp`. `mode` and `config` are required (RFC 3640 4.1); sizeLength must be non-zero
 * because the depacketizer needs AU sizes (constantSize streams are not supported).
 */
export function parseAacFmtp(value: string | ReadonlyMap<string, string>): AacFmtpParams {
  const params = typeof value === 'string' ? parseFmtp(`0 ${value}`).params : new Map(value)
  const mode = params.get('mode')
  if (mode === undefined || mode === '')
    throw new ParseError('ERR_AAC_FMTP', 'mpeg4-generic fmtp has no mode', { observed: [...params.keys()], allowed: 'mode=AAC-hbr' })
  const configHex = params.get('config')
  if (configHex === undefined || !HEX_RE.test(configHex)) {
    throw new ParseError('ERR_AAC_FMTP', `mpeg4-generic fmtp config "${configHex ?? ''}" is not base16`, {
      observed: configHex,
      allowed: 'hex AudioSpecificConfig',
    })
  }
  const out: AacFmtpParams = {
    mode,
    config: Buffer.from(configHex, 'hex'),
    sizeLength: integer(params, 'sizelength', 0, MAX_AU_HEADER_FIELD_BITS),
    indexLength: integer(params, 'indexlength', 0, MAX_AU_HEADER_FIELD_BITS),
    indexDeltaLength: integer(params, 'indexdeltalength', 0, MAX_AU_HEADER_FIELD_BITS),
    ctsDeltaLength: integer(params, 'ctsdeltalength', 0, MAX_AU_HEADER_FIELD_BITS),
    dtsDeltaLength: integer(params, 'dtsdeltalength', 0, MAX_AU_HEADER_FIELD_BITS),
    randomAccessIndication: integer(params, 'randomaccessindication', 0, 1) === 1,
    streamStateIndication: integer(params, 'streamstateindication', 0, MAX_AU_HEADER_FIELD_BITS),
    auxiliaryDataSizeLength: integer(params, 'auxiliarydatasizelength', 0, MAX_AU_HEADER_FIELD_BITS),
    params,
  }
  if (out.sizeLength === 0) {
    throw new ParseError('ERR_AAC_FMTP', 'mpeg4-generic fmtp has no sizelength (constant-size streams are not supported)', {
      observed: 0,
      allowed: `1..${MAX_AU_HEADER_FIELD_BITS}`,
    })
  }
  const streamType = params.get('streamtype')
  if (streamType !== undefined) out.streamType = integer(params, 'streamtype', 0, 0xff)
  const pli = params.get('profile-level-id')
  if (pli !== undefined) out.profileLevelId = integer(params, 'profile-level-id', 0, 0xff)
  return out
}
