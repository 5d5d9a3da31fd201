/** SRTP (RFC 3711) and its key exchange in RTSP: MIKEY (RFC 3830) carried per RFC 4567. */
export * from './srtp-profile.js'
export * from './srtp-errors.js'
export { SrtpContext, type SrtpCounters } from './srtp-context.js'
export * from './mikey.js'
export * from './key-mgmt.js'
export * from './srtp-keys.js'
