/** Making a fresh master key and its MIKEY offer, with randomness and clock injected. */
import { buildMikey } from './mikey.js'
import { AES_CM_128_HMAC_SHA1_80, type SrtpMasterKey, type SrtpProfile } from './srtp-profile.js'

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2208988800

export interface SrtpKeySource {
  randomBytes(n: number): Buffer
  nowMs(): number
}

export function newMasterKey(random: SrtpKeySource, profile: SrtpProfile = AES_CM_128_HMAC_SHA1_80): SrtpMasterKey {
  return { key: random.randomBytes(profile.keyLength), salt: random.randomBytes(profile.saltLength) }
}

/** A MIKEY message offering `masterKey` for the sender's `ssrcs`. */
export function mikeyOffer(
  source: SrtpKeySource,
  masterKey: SrtpMasterKey,
  ssrcs: readonly number[],
  profile: SrtpProfile = AES_CM_128_HMAC_SHA1_80,
): Buffer {
  const ms = source.nowMs()
  const seconds = Math.floor(ms / 1000) + NTP_UNIX_OFFSET
  const fraction = Math.floor(((ms % 1000) / 1000) * 0x100000000)
  return buildMikey({
    masterKey,
    profile,
    ssrcs,
    csbId: source.randomBytes(4).readUInt32BE(0),
    rand: source.randomBytes(16),
    timestamp: { seconds: seconds >>> 0, fraction: fraction >>> 0 },
  })
}
