/**
 * SDP format parameters for H.265, RFC 7798 section 7.1 (media type registration) and 7.2.1 (mapping
 * to SDP `a=fmtp`).
 *
 *   profile-space, tier-flag, profile-id, level-id: general_profile_space, general_tier_flag,
 *                      general_profile_idc and general_level_idc of profile_tier_level; absent means
 *                      0, 0, 1 (Main) and 93 (level 3.1).
 *   sprop-vps, sprop-sps, sprop-pps: comma-separated base64 of parameter-set NAL units (with headers).
 *   sprop-max-don-diff: > 0 means DONL/DOND fields are present in the RTP payloads (section 4.4).
 *   tx-mode:           SRST (single RTP stream, the default) or MSST.
 *
 * What we write follows common servers (live555, GStreamer): the three sprop-* parameters when all
 * three parameter sets are known, then profile-id, tier-flag and level-id from the SPS (profile-space
 * only when it is not 0).
 */
import { ParseError } from '../../errors.js'
import { H265NalType, nalType } from './nal.js'
import { parseH265Sps } from './sps.js'

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/
const UINT_RE = /^\d+$/
/** RFC 7798 7.1: defaults when the parameters are absent. */
export const DEFAULT_PROFILE_SPACE = 0
export const DEFAULT_TIER_FLAG = 0
export const DEFAULT_PROFILE_ID = 1
export const DEFAULT_LEVEL_ID = 93
const MAX_PROFILE_SPACE = 3
const MAX_TIER_FLAG = 1
const MAX_PROFILE_ID = 31
const MAX_LEVEL_ID = 255
/** sprop-max-don-diff is in 0..32767 (RFC 7798 7.1). */
const MAX_DON_DIFF = 32767
const TX_MODES = ['SRST', 'MSST'] as const

export interface H265FmtpInput {
  vps?: Uint8Array | undefined
  sps?: Uint8Array | undefined
  pps?: Uint8Array | undefined
}

export interface H265FmtpParams {
  profileSpace: number
  tierFlag: number
  profileId: number
  levelId: number
  /** 0 unless sprop-max-don-diff says otherwise; > 0 means DONL fields, which the depacketizer does not read. */
  maxDonDiff: number
  txMode: 'SRST' | 'MSST'
  /** The first VPS, SPS and PPS of the sprop parameters. */
  vps?: Buffer
  sps?: Buffer
  pps?: Buffer
  /** Every NAL unit of sprop-vps, sprop-sps and sprop-pps (and sprop-sei), in that order. */
  spropNalus: Buffer[]
  /** All parameters as given, keys lowercased. */
  params: Map<string, string>
}

function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
}

/**
 * The `a=fmtp` value for an H.265 track (without `a=fmtp:<pt> `); empty when nothing is known.
 * Throws ParseError when the SPS does not parse.
 */
export function h265Fmtp({ vps, sps, pps }: H265FmtpInput): string {
  const parts: string[] = []
  if (vps && sps && pps) parts.push(`sprop-vps=${toBase64(vps)}`, `sprop-sps=${toBase64(sps)}`, `sprop-pps=${toBase64(pps)}`)
  if (sps) {
    const ptl = parseH265Sps(sps).profileTierLevel
    if (ptl.profileSpace !== DEFAULT_PROFILE_SPACE) parts.push(`profile-space=${ptl.profileSpace}`)
    parts.push(`profile-id=${ptl.profileIdc}`, `tier-flag=${ptl.tierFlag}`, `level-id=${ptl.levelIdc}`)
  }
  return parts.join(';')
}

function readUint(params: Map<string, string>, key: string, max: number, fallback: number): number {
  const v = params.get(key)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!UINT_RE.test(v) || n > max)
    throw new ParseError('ERR_H265_FMTP', `${key} "${v}" is not an integer in 0..${max}`, { observed: v, allowed: `0..${max}` })
  return n
}

function readNalus(params: Map<string, string>, key: string): Buffer[] {
  const v = params.get(key)
  if (v === undefined) return []
  const out: Buffer[] = []
  // As with H.264's sprop-parameter-sets, tolerate a trailing comma and spaces after commas.
  for (const raw of v.split(',')) {
    const b64 = raw.trim()
    if (b64 === '') continue
    if (!BASE64_RE.test(b64))
      throw new ParseError('ERR_H265_FMTP', `${key} entry "${b64}" is not base64`, { observed: b64, allowed: 'base64' })
    const nal = Buffer.from(b64, 'base64')
    if (nal.length > 0) out.push(nal)
  }
  return out
}

/** Parses an `a=fmtp` value for H.265. Unknown parameters are kept in `params`. */
export function parseH265Fmtp(value: string): H265FmtpParams {
  const params = new Map<string, string>()
  for (const part of value.split(';')) {
    const item = part.trim()
    if (item === '') continue
    const eq = item.indexOf('=')
    if (eq <= 0) throw new ParseError('ERR_H265_FMTP', `fmtp parameter "${item}" has no value`, { observed: item, allowed: 'key=value' })
    params.set(item.slice(0, eq).trim().toLowerCase(), item.slice(eq + 1).trim())
  }

  const txMode = (params.get('tx-mode') ?? 'SRST').toUpperCase()
  if (!(TX_MODES as readonly string[]).includes(txMode)) {
    throw new ParseError('ERR_H265_FMTP', `tx-mode "${params.get('tx-mode')}" is not SRST or MSST`, {
      observed: params.get('tx-mode'),
      allowed: TX_MODES,
    })
  }
  const out: H265FmtpParams = {
    profileSpace: readUint(params, 'profile-space', MAX_PROFILE_SPACE, DEFAULT_PROFILE_SPACE),
    tierFlag: readUint(params, 'tier-flag', MAX_TIER_FLAG, DEFAULT_TIER_FLAG),
    profileId: readUint(params, 'profile-id', MAX_PROFILE_ID, DEFAULT_PROFILE_ID),
    levelId: readUint(params, 'level-id', MAX_LEVEL_ID, DEFAULT_LEVEL_ID),
    maxDonDiff: readUint(params, 'sprop-max-don-diff', MAX_DON_DIFF, 0),
    txMode: txMode as 'SRST' | 'MSST',
    spropNalus: [],
    params,
  }
  for (const key of ['sprop-vps', 'sprop-sps', 'sprop-pps', 'sprop-sei']) {
    for (const nal of readNalus(params, key)) {
      out.spropNalus.push(nal)
      const type = nalType(nal)
      if (type === H265NalType.VPS && !out.vps) out.vps = nal
      else if (type === H265NalType.SPS && !out.sps) out.sps = nal
      else if (type === H265NalType.PPS && !out.pps) out.pps = nal
    }
  }
  return out
}
