/**
 * SDP format parameters for H.264, RFC 6184 section 8.1 (media type registration) and 8.2.1
 * (mapping to SDP `a=fmtp`).
 *
 *   profile-level-id:        base16 of profile_idc, the constraint byte and level_idc (the 3 bytes
 *                            after the SPS NAL header); absent means 420010 (Baseline, level 1.0).
 *   packetization-mode:      0 single NAL, 1 non-interleaved, 2 interleaved; absent means 0.
 *   sprop-parameter-sets:    comma-separated base64 of SPS and PPS NAL units (with their headers).
 */
import { ParseError } from '../../errors.js'
import { NAL_HEADER_SIZE, NalType, nalType } from './nal.js'

const PROFILE_LEVEL_ID_BYTES = 3
const PROFILE_LEVEL_ID_RE = /^[0-9a-fA-F]{6}$/
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/
const MAX_PACKETIZATION_MODE = 2
/** RFC 6184 8.1: packetization-mode defaults to 0 when absent. */
const DEFAULT_PACKETIZATION_MODE = 0

export interface H264FmtpInput {
  sps?: Uint8Array | undefined
  pps?: Uint8Array | undefined
  packetizationMode?: number
}

export interface H264FmtpParams {
  packetizationMode: number
  /** The six hex digits, uppercased, when present. */
  profileLevelId?: string
  /** The first SPS and first PPS in sprop-parameter-sets. */
  sps?: Buffer
  pps?: Buffer
  /** Every NAL unit of sprop-parameter-sets, in order. */
  spropParameterSets: Buffer[]
  /** All parameters as given, keys lowercased. */
  params: Map<string, string>
}

/** profile-level-id: the 3 bytes after the SPS NAL header as uppercase hex (e.g. `42C01E`). */
export function profileLevelId(sps: Uint8Array): string {
  if (sps.length < NAL_HEADER_SIZE + PROFILE_LEVEL_ID_BYTES) {
    throw new ParseError('ERR_H264_SPS_SHORT', `SPS of ${sps.length} bytes has no profile-level-id`, {
      observed: sps.length,
      allowed: `>= ${NAL_HEADER_SIZE + PROFILE_LEVEL_ID_BYTES}`,
    })
  }
  return Buffer.from(sps.buffer, sps.byteOffset + NAL_HEADER_SIZE, PROFILE_LEVEL_ID_BYTES)
    .toString('hex')
    .toUpperCase()
}

/**
 * The `a=fmtp` value for an H.264 track (without `a=fmtp:<pt> `). sprop-parameter-sets is written only
 * when both SPS and PPS are known; profile-level-id only when the SPS is.
 */
export function h264Fmtp({ sps, pps, packetizationMode = 1 }: H264FmtpInput): string {
  const parts = [`packetization-mode=${packetizationMode}`]
  if (sps) parts.push(`profile-level-id=${profileLevelId(sps)}`)
  if (sps && pps) parts.push(`sprop-parameter-sets=${toBase64(sps)},${toBase64(pps)}`)
  return parts.join(';')
}

function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
}

/** Parses an `a=fmtp` value for H.264. Unknown parameters are kept in `params`. */
export function parseH264Fmtp(value: string): H264FmtpParams {
  const params = new Map<string, string>()
  for (const part of value.split(';')) {
    const item = part.trim()
    if (item === '') continue // tolerate "a=b;" and "a=b; ;c=d"
    const eq = item.indexOf('=')
    if (eq <= 0) throw new ParseError('ERR_H264_FMTP', `fmtp parameter "${item}" has no value`, { observed: item, allowed: 'key=value' })
    params.set(item.slice(0, eq).trim().toLowerCase(), item.slice(eq + 1).trim())
  }

  const out: H264FmtpParams = { packetizationMode: DEFAULT_PACKETIZATION_MODE, spropParameterSets: [], params }
  const mode = params.get('packetization-mode')
  if (mode !== undefined) {
    const n = Number(mode)
    if (!/^\d+$/.test(mode) || n > MAX_PACKETIZATION_MODE) {
      throw new ParseError('ERR_H264_FMTP', `packetization-mode "${mode}" is not 0, 1 or 2`, { observed: mode, allowed: [0, 1, 2] })
    }
    out.packetizationMode = n
  }
  const pli = params.get('profile-level-id')
  if (pli !== undefined) {
    if (!PROFILE_LEVEL_ID_RE.test(pli)) {
      throw new ParseError('ERR_H264_FMTP', `profile-level-id "${pli}" is not 6 hex digits`, { observed: pli, allowed: '6 hex digits' })
    }
    out.profileLevelId = pli.toUpperCase()
  }
  const sprop = params.get('sprop-parameter-sets')
  if (sprop !== undefined) {
    // Some cameras end the list with a comma or put spaces after commas.
    for (const raw of sprop.split(',')) {
      const b64 = raw.trim()
      if (b64 === '') continue
      if (!BASE64_RE.test(b64)) {
        throw new ParseError('ERR_H264_FMTP', `sprop-parameter-sets entry "${b64}" is not base64`, { observed: b64, allowed: 'base64' })
      }
      const nal = Buffer.from(b64, 'base64')
      if (nal.length === 0) continue
      out.spropParameterSets.push(nal)
      const type = nalType(nal)
      if (type === NalType.SPS && !out.sps) out.sps = nal
      else if (type === NalType.PPS && !out.pps) out.pps = nal
    }
  }
  return out
}
