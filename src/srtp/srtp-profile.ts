/**
 * SRTP protection profiles (RFC 3711 §8.2, RFC 4568 §6.2.1). Both use AES-128 in counter mode and
 * HMAC-SHA1; they differ only in the length of the authentication tag on RTP packets (SRTCP always
 * carries the 80-bit tag, RFC 3711 §5.2).
 */

export type SrtpProfileName = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32'

export interface SrtpProfile {
  readonly name: SrtpProfileName
  /** Bytes of the master (and session) encryption key. */
  readonly keyLength: number
  /** Bytes of the master (and session) salt. */
  readonly saltLength: number
  /** Bytes of the session authentication key. */
  readonly authKeyLength: number
  /** Bytes of the tag appended to SRTP packets. */
  readonly rtpTagLength: number
  /** Bytes of the tag appended to SRTCP packets. */
  readonly rtcpTagLength: number
}

export const AES_CM_128_HMAC_SHA1_80: SrtpProfile = {
  name: 'AES_CM_128_HMAC_SHA1_80',
  keyLength: 16,
  saltLength: 14,
  authKeyLength: 20,
  rtpTagLength: 10,
  rtcpTagLength: 10,
}

export const AES_CM_128_HMAC_SHA1_32: SrtpProfile = {
  ...AES_CM_128_HMAC_SHA1_80,
  name: 'AES_CM_128_HMAC_SHA1_32',
  rtpTagLength: 4,
}

export function srtpProfileByName(name: string): SrtpProfile | undefined {
  if (name === AES_CM_128_HMAC_SHA1_80.name) return AES_CM_128_HMAC_SHA1_80
  if (name === AES_CM_128_HMAC_SHA1_32.name) return AES_CM_128_HMAC_SHA1_32
  return undefined
}

/** A master key and salt, as a key exchange (MIKEY, SDES) delivers them. */
export interface SrtpMasterKey {
  readonly key: Buffer
  readonly salt: Buffer
}
