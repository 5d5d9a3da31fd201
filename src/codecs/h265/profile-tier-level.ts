/**
 * profile_tier_level( profilePresentFlag, maxNumSubLayersMinus1 ), ITU-T H.265 section 7.3.3 (syntax)
 * and 7.4.4 (semantics). Carried by the VPS and the SPS; the general part gives the SDP parameters
 * profile-space, tier-flag, profile-id, level-id, profile-compatibility-indicator and
 * interop-constraints (RFC 7798 section 7.1).
 *
 *   general_profile_space               u(2)
 *   general_tier_flag                   u(1)
 *   general_profile_idc                 u(5)
 *   general_profile_compatibility_flag  u(1) x 32
 *   general_progressive_source_flag …   48 bits of constraint flags (4 source flags, 43 + 1 more)
 *   general_level_idc                   u(8)
 *   sub_layer_profile_present_flag[i], sub_layer_level_present_flag[i]   for i < maxNumSubLayersMinus1
 *   reserved_zero_2bits                 for i in maxNumSubLayersMinus1..7 when maxNumSubLayersMinus1 > 0
 *   per sub-layer: 88 bits of profile when present, u(8) level when present
 */
import type { BitReader } from '../../util/bit-reader.js'

/** The general part before general_level_idc: 2 + 1 + 5 + 32 + 48 bits. */
const CONSTRAINT_FLAGS_BITS = 48
const CONSTRAINT_FLAGS_HIGH_BITS = 16
const CONSTRAINT_FLAGS_LOW_BITS = 32
const COMPATIBILITY_FLAGS_BITS = 32
/** A sub-layer profile: profile_space, tier, profile_idc, 32 compatibility flags, 48 constraint bits. */
const SUB_LAYER_PROFILE_BITS = 2 + 1 + 5 + COMPATIBILITY_FLAGS_BITS + CONSTRAINT_FLAGS_BITS
const SUB_LAYER_LEVEL_BITS = 8
/** The sub-layer flag pairs are padded to 8 entries (2 bits each). */
const MAX_SUB_LAYER_SLOTS = 8
const RESERVED_ZERO_2BITS = 2

export interface ProfileTierLevel {
  /** general_profile_space: 0 for every profile of the specification. */
  profileSpace: number
  /** general_tier_flag: 0 Main tier, 1 High tier. */
  tierFlag: number
  /** general_profile_idc: 1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions… */
  profileIdc: number
  /** general_profile_compatibility_flag[0..31] as an unsigned 32-bit number, flag 0 the most significant bit. */
  compatibilityFlags: number
  /** The 48 bits from general_progressive_source_flag on, as 12 uppercase hex digits (interop-constraints). */
  constraintFlags: string
  /** general_level_idc: 30 times the level number (93 is level 3.1). */
  levelIdc: number
}

/** Reads profile_tier_level(1, maxNumSubLayersMinus1) and returns its general part. */
export function readProfileTierLevel(r: BitReader, maxNumSubLayersMinus1: number): ProfileTierLevel {
  const profileSpace = r.readBits(2)
  const tierFlag = r.readBits(1)
  const profileIdc = r.readBits(5)
  const compatibilityFlags = r.readBits(COMPATIBILITY_FLAGS_BITS)
  const high = r.readBits(CONSTRAINT_FLAGS_HIGH_BITS)
  const low = r.readBits(CONSTRAINT_FLAGS_LOW_BITS)
  const constraintFlags = (high.toString(16).padStart(4, '0') + low.toString(16).padStart(8, '0')).toUpperCase()
  const levelIdc = r.readBits(8)

  const profilePresent: boolean[] = []
  const levelPresent: boolean[] = []
  for (let i = 0; i < maxNumSubLayersMinus1; i++) {
    profilePresent.push(r.readFlag())
    levelPresent.push(r.readFlag())
  }
  if (maxNumSubLayersMinus1 > 0) r.skipBits(RESERVED_ZERO_2BITS * (MAX_SUB_LAYER_SLOTS - maxNumSubLayersMinus1))
  for (let i = 0; i < maxNumSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skipBits(SUB_LAYER_PROFILE_BITS)
    if (levelPresent[i]) r.skipBits(SUB_LAYER_LEVEL_BITS)
  }
  return { profileSpace, tierFlag, profileIdc, compatibilityFlags, constraintFlags, levelIdc }
}
