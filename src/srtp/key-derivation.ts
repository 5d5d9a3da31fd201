/**
 * SRTP key derivation (RFC 3711 §4.3) with a key derivation rate of 0: each session key is the
 * AES-CM keystream under the master key, from the IV (label << 48 XOR master salt) * 2^16.
 */
import { AesCounterMode, AES_BLOCK } from './aes-cm.js'
import type { SrtpMasterKey, SrtpProfile } from './srtp-profile.js'

/** The labels of RFC 3711 §4.3.1 and §4.3.2. */
export const Label = {
  rtpEncryption: 0,
  rtpAuthentication: 1,
  rtpSalt: 2,
  rtcpEncryption: 3,
  rtcpAuthentication: 4,
  rtcpSalt: 5,
} as const

/** Byte of the 14-byte salt that the label is XORed into (key_id = label || r, 7 bytes, r = 0). */
const LABEL_OFFSET = 7

export interface SessionKeys {
  readonly encryptionKey: Buffer
  readonly authenticationKey: Buffer
  readonly salt: Buffer
}

/** One session key: `length` bytes derived with `label` (exported for the RFC test vectors). */
export function deriveKey(prf: AesCounterMode, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(AES_BLOCK)
  masterSalt.copy(iv, 0, 0, 14)
  iv[LABEL_OFFSET]! ^= label
  return prf.keystream(iv, length)
}

export function deriveSessionKeys(master: SrtpMasterKey, profile: SrtpProfile, rtcp: boolean): SessionKeys {
  const prf = new AesCounterMode(master.key)
  const base = rtcp ? Label.rtcpEncryption : Label.rtpEncryption
  return {
    encryptionKey: deriveKey(prf, master.salt, base, profile.keyLength),
    authenticationKey: deriveKey(prf, master.salt, base + 1, profile.authKeyLength),
    salt: deriveKey(prf, master.salt, base + 2, profile.saltLength),
  }
}
