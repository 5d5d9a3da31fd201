/**
 * The RFC 6381 name of an `hvc1` sample entry, ISO/IEC 14496-15 annex E.3:
 *
 *   hvc1.[A|B|C]P.F.TL.C1[.C2…]   profile space (nothing for 0) and general_profile_idc; the 32
 *       general_profile_compatibility flags in reverse bit order, hex without leading zeros; tier
 *       (L Main, H High) and general_level_idc; the 6 constraint bytes in hex, trailing zero bytes left out
 */
import { RtspkitError } from '../../errors.js'
import { parseH265Sps } from './sps.js'

const SPACE_LETTERS = ['', 'A', 'B', 'C'] as const
const HEX_DIGITS_PER_BYTE = 2
const FLAG_BITS = 32

function reverseBits32(v: number): number {
  let out = 0
  for (let i = 0; i < FLAG_BITS; i++) out = ((out << 1) | ((v >>> i) & 1)) >>> 0
  return out
}

/** From an SPS NAL unit; undefined when it cannot be parsed. */
export function hevcCodecsString(sps: Uint8Array): string | undefined {
  let ptl
  try {
    ptl = parseH265Sps(sps).profileTierLevel
  } catch (err) {
    if (err instanceof RtspkitError) return undefined
    throw err
  }
  const bytes: string[] = []
  for (let i = 0; i < ptl.constraintFlags.length; i += HEX_DIGITS_PER_BYTE)
    bytes.push(ptl.constraintFlags.slice(i, i + HEX_DIGITS_PER_BYTE))
  while (bytes.length > 0 && bytes.at(-1) === '00') bytes.pop()
  return [
    'hvc1',
    `${SPACE_LETTERS[ptl.profileSpace] ?? ''}${ptl.profileIdc}`,
    reverseBits32(ptl.compatibilityFlags).toString(16).toUpperCase(),
    `${ptl.tierFlag ? 'H' : 'L'}${ptl.levelIdc}`,
    ...bytes,
  ].join('.')
}
