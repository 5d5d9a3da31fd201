/**
 * The CODECS attribute of EXT-X-STREAM-INF (RFC 8216bis section 4.4.6.2), in the syntax of RFC 6381
 * section 3.3 and ISO/IEC 14496-15 annex E:
 *
 *   H.264  avc1.PPCCLL          profile_idc, constraint_set flags, level_idc: SPS bytes 1..3 in hex
 *   H.265  hvc1.[A|B|C]P.F.TL.C1[.C2…]  profile space (none for 0), profile_idc; the 32 compatibility
 *                                flags bit-reversed, in hex without leading zeros; tier L/H and level_idc;
 *                                the 6 constraint bytes in hex, trailing zero bytes left out
 *   AAC    mp4a.40.OT           MPEG-4 audio object type of the AudioSpecificConfig
 *   Opus   opus                 ("Encapsulation of Opus in ISO Base Media File Format" section 4.1)
 *
 * Browsers refuse a variant whose CODECS they cannot parse, so an unknown value is left out rather
 * than guessed.
 */
import { parseAudioSpecificConfig } from '../codecs/aac/audio-specific-config.js'
import { parseH265Sps } from '../codecs/h265/sps.js'
import { RtspkitError } from '../errors.js'
import type { TrackInfo } from '../stream/media.js'

/** SPS bytes after the NAL header: profile_idc, constraint flags, level_idc. */
const AVC_PROFILE_BYTES = 3
const H265_SPACE_LETTERS = ['', 'A', 'B', 'C'] as const
const CONSTRAINT_HEX_DIGITS_PER_BYTE = 2

const hex2 = (n: number): string => n.toString(16).padStart(2, '0')

/** Reverses the 32 bits of `v` (the compatibility flags are written flag 31 first). */
function reverse32(v: number): number {
  let out = 0
  for (let i = 0; i < 32; i++) out = ((out << 1) | ((v >>> i) & 1)) >>> 0
  return out
}

export function avcCodecString(sps: Uint8Array): string | undefined {
  if (sps.length < 1 + AVC_PROFILE_BYTES) return undefined
  return `avc1.${hex2(sps[1]!)}${hex2(sps[2]!)}${hex2(sps[3]!)}`
}

export function hevcCodecString(sps: Uint8Array): string | undefined {
  let ptl
  try {
    ptl = parseH265Sps(sps).profileTierLevel
  } catch (err) {
    if (err instanceof RtspkitError) return undefined
    throw err
  }
  const constraintBytes: string[] = []
  for (let i = 0; i < ptl.constraintFlags.length; i += CONSTRAINT_HEX_DIGITS_PER_BYTE)
    constraintBytes.push(ptl.constraintFlags.slice(i, i + CONSTRAINT_HEX_DIGITS_PER_BYTE))
  while (constraintBytes.length > 0 && constraintBytes[constraintBytes.length - 1] === '00') constraintBytes.pop()
  return [
    'hvc1',
    `${H265_SPACE_LETTERS[ptl.profileSpace] ?? ''}${ptl.profileIdc}`,
    reverse32(ptl.compatibilityFlags).toString(16).toUpperCase(),
    `${ptl.tierFlag ? 'H' : 'L'}${ptl.levelIdc}`,
    ...constraintBytes,
  ].join('.')
}

export function aacCodecString(config: Uint8Array | undefined): string {
  if (!config) return 'mp4a.40.2'
  try {
    return `mp4a.40.${parseAudioSpecificConfig(config).objectType}`
  } catch (err) {
    if (err instanceof RtspkitError) return 'mp4a.40.2'
    throw err
  }
}

/** The RFC 6381 name of a track the muxer writes, or undefined when it cannot be told (no SPS yet). */
export function codecString(track: TrackInfo): string | undefined {
  switch (track.codec) {
    case 'h264':
      return track.sps ? avcCodecString(track.sps) : undefined
    case 'h265':
      return track.sps ? hevcCodecString(track.sps) : undefined
    case 'aac':
      return aacCodecString(track.config)
    case 'opus':
      return 'opus'
    default:
      return undefined
  }
}
