/**
 * MIKEY (RFC 3830) as RTSP servers and clients use it to hand over SRTP keys (RFC 4567): one message
 * of data type "pre-shared key init" whose KEMAC carries the TEK in clear (encryption NULL, MAC NULL),
 * because the RTSP connection itself runs over TLS. GStreamer (gst-rtsp-server, rtspsrc,
 * rtspclientsink) and MediaMTX send exactly: HDR, T, RAND, SP, KEMAC. Other payloads are refused.
 *
 * HDR (§6.1):  version(8)=1 | data type(8)=0 | next payload(8) | V(1) PRF(7) | CSB ID(32) |
 *              #CS(8) | CS ID map type(8)=0 SRTP-ID | #CS × { policy no(8) SSRC(32) ROC(32) }
 * T (§6.6):    next(8) | TS type(8)=0 NTP-UTC | 64-bit NTP time
 * RAND (§6.11): next(8) | length(8) | random bytes (≥ 16)
 * SP (§6.10):  next(8) | policy no(8) | prot type(8)=0 SRTP | params length(16) | { type(8) len(8) value }
 * KEMAC (§6.2): next(8) | encr alg(8)=0 NULL | encr data length(16) | key data sub-payloads | MAC alg(8)=0
 * Key data (§6.13): next(8) | type(4)=2 TEK, KV(4)=0|1 | key data length(16) | key data [| SPI len(8) SPI]
 */
import { ParseError } from '../errors.js'
import { AES_CM_128_HMAC_SHA1_32, AES_CM_128_HMAC_SHA1_80, type SrtpMasterKey, type SrtpProfile } from './srtp-profile.js'

export const ERR_MIKEY = 'ERR_MIKEY'

const VERSION = 1
const DATA_TYPE_PSK_INIT = 0
const MAP_TYPE_SRTP_ID = 0
const HEADER_LENGTH = 10
const CS_ENTRY_LENGTH = 9

const PAYLOAD_LAST = 0
const PAYLOAD_KEMAC = 1
const PAYLOAD_T = 5
const PAYLOAD_SP = 10
const PAYLOAD_RAND = 11
const PAYLOAD_KEY_DATA = 20

const TS_NTP_UTC = 0
const T_LENGTH = 10
const MIN_RAND = 16
const PROT_SRTP = 0
const ENCR_NULL = 0
const MAC_NULL = 0
const KEY_TYPE_TEK = 2
const KV_NULL = 0
const KV_SPI = 1

/** SRTP policy parameter types (RFC 3830 §6.10.1). */
export const SrtpPolicyParam = {
  encryptionAlgorithm: 0,
  sessionEncryptionKeyLength: 1,
  authenticationAlgorithm: 2,
  sessionAuthenticationKeyLength: 3,
  sessionSaltLength: 4,
  prf: 5,
  keyDerivationRate: 6,
  srtpEncryption: 7,
  srtcpEncryption: 8,
  fecOrder: 9,
  srtpAuthentication: 10,
  authenticationTagLength: 11,
  prefixLength: 12,
} as const

const ENCR_AES_CM = 1
const AUTH_HMAC_SHA1 = 1

export interface MikeyCryptoSession {
  policyNo: number
  ssrc: number
  roc: number
}

export interface MikeyMessage {
  csbId: number
  sessions: MikeyCryptoSession[]
  /** NTP-UTC time of the T payload, as two u32 words; absent when the message has none. */
  timestamp?: { seconds: number; fraction: number }
  rand?: Buffer
  /** SRTP policy parameters by type (the first SP payload). */
  policy: Map<number, Buffer>
  /** The TEK: master key and salt (the first key data sub-payload). */
  masterKey: SrtpMasterKey
  profile: SrtpProfile
}

function fail(message: string, details: Record<string, unknown> = {}): ParseError {
  return new ParseError(ERR_MIKEY, `MIKEY: ${message}`, details)
}

function need(buf: Buffer, at: number, n: number, what: string): void {
  if (buf.length < at + n) throw fail(`${what} truncated`, { observed: buf.length - at, allowed: n })
}

/** The SRTP profile a policy names. GStreamer puts the tag length in "session auth key length". */
function profileOf(policy: Map<number, Buffer>): SrtpProfile {
  const encr = policy.get(SrtpPolicyParam.encryptionAlgorithm)
  if (encr !== undefined && encr[0] !== ENCR_AES_CM) throw fail('unsupported SRTP encryption', { observed: encr[0] })
  const keyLen = policy.get(SrtpPolicyParam.sessionEncryptionKeyLength)
  if (keyLen !== undefined && keyLen[0] !== 16) throw fail('unsupported key length', { observed: keyLen[0], allowed: 16 })
  const auth = policy.get(SrtpPolicyParam.authenticationAlgorithm)
  if (auth !== undefined && auth[0] !== AUTH_HMAC_SHA1) throw fail('unsupported SRTP authentication', { observed: auth[0] })
  const tag = policy.get(SrtpPolicyParam.authenticationTagLength) ?? policy.get(SrtpPolicyParam.sessionAuthenticationKeyLength)
  return tag !== undefined && tag[0] === 4 ? AES_CM_128_HMAC_SHA1_32 : AES_CM_128_HMAC_SHA1_80
}

/** Parses a MIKEY message; throws ParseError ERR_MIKEY on anything it does not understand. */
export function parseMikey(input: Uint8Array): MikeyMessage {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.length)
  need(buf, 0, HEADER_LENGTH, 'header')
  if (buf[0] !== VERSION) throw fail('unsupported version', { observed: buf[0], allowed: VERSION })
  if (buf[1] !== DATA_TYPE_PSK_INIT) throw fail('unsupported data type', { observed: buf[1], allowed: DATA_TYPE_PSK_INIT })
  let next = buf[2]!
  if ((buf[3]! & 0x7f) !== 0) throw fail('unsupported PRF', { observed: buf[3]! & 0x7f })
  const csbId = buf.readUInt32BE(4)
  const count = buf[8]!
  if (buf[9] !== MAP_TYPE_SRTP_ID) throw fail('unsupported CS ID map type', { observed: buf[9] })
  let at = HEADER_LENGTH
  need(buf, at, count * CS_ENTRY_LENGTH, 'CS ID map')
  const sessions: MikeyCryptoSession[] = []
  for (let i = 0; i < count; i++, at += CS_ENTRY_LENGTH) {
    sessions.push({ policyNo: buf[at]!, ssrc: buf.readUInt32BE(at + 1), roc: buf.readUInt32BE(at + 5) })
  }
  const msg: Partial<MikeyMessage> & { policy: Map<number, Buffer> } = { csbId, sessions, policy: new Map() }
  let sawPolicy = false
  while (next !== PAYLOAD_LAST) {
    const type = next
    need(buf, at, 2, 'payload')
    next = buf[at]!
    switch (type) {
      case PAYLOAD_T: {
        need(buf, at, T_LENGTH, 'T payload')
        if (buf[at + 1] !== TS_NTP_UTC) throw fail('unsupported timestamp type', { observed: buf[at + 1] })
        msg.timestamp = { seconds: buf.readUInt32BE(at + 2), fraction: buf.readUInt32BE(at + 6) }
        at += T_LENGTH
        break
      }
      case PAYLOAD_RAND: {
        const n = buf[at + 1]!
        if (n < MIN_RAND) throw fail('RAND too short', { observed: n, allowed: MIN_RAND })
        need(buf, at + 2, n, 'RAND payload')
        msg.rand = buf.subarray(at + 2, at + 2 + n)
        at += 2 + n
        break
      }
      case PAYLOAD_SP: {
        need(buf, at, 5, 'SP payload')
        if (buf[at + 2] !== PROT_SRTP) throw fail('unsupported protocol in SP', { observed: buf[at + 2] })
        const end = at + 5 + buf.readUInt16BE(at + 3)
        need(buf, at + 5, end - at - 5, 'SP parameters')
        let p = at + 5
        while (p < end) {
          need(buf, p, 2, 'SP parameter')
          const len = buf[p + 1]!
          if (p + 2 + len > end) throw fail('SP parameter overflows its payload', { observed: len })
          if (!sawPolicy && len > 0) msg.policy.set(buf[p]!, buf.subarray(p + 2, p + 2 + len))
          p += 2 + len
        }
        sawPolicy = true
        at = end
        break
      }
      case PAYLOAD_KEMAC: {
        need(buf, at, 4, 'KEMAC payload')
        if (buf[at + 1] !== ENCR_NULL) throw fail('encrypted KEMAC is not supported', { observed: buf[at + 1] })
        const length = buf.readUInt16BE(at + 2)
        const start = at + 4
        need(buf, start, length + 1, 'KEMAC payload')
        msg.masterKey ??= parseKeyData(buf.subarray(start, start + length))
        if (buf[start + length] !== MAC_NULL) throw fail('unsupported KEMAC MAC', { observed: buf[start + length] })
        at = start + length + 1
        break
      }
      default:
        throw fail('unsupported payload', { observed: type })
    }
  }
  for (let i = at; i < buf.length; i++) if (buf[i] !== 0) throw fail('bytes after the last payload', { observed: buf.length - at })
  if (msg.masterKey === undefined) throw fail('no KEMAC (no key)')
  return { ...msg, profile: profileOf(msg.policy) } as MikeyMessage
}

/** The key data sub-payloads of a KEMAC: the first TEK is the SRTP master key || salt. */
function parseKeyData(data: Buffer): SrtpMasterKey {
  let at = 0
  let key: SrtpMasterKey | undefined
  for (;;) {
    need(data, at, 4, 'key data')
    const next = data[at]!
    const type = data[at + 1]! >> 4
    const kv = data[at + 1]! & 0x0f
    if (type !== KEY_TYPE_TEK) throw fail('unsupported key type', { observed: type, allowed: KEY_TYPE_TEK })
    if (kv !== KV_NULL && kv !== KV_SPI) throw fail('unsupported key validity', { observed: kv })
    const n = data.readUInt16BE(at + 2)
    need(data, at + 4, n, 'key data')
    const tek = data.subarray(at + 4, at + 4 + n)
    at += 4 + n
    if (kv === KV_SPI) {
      need(data, at, 1, 'SPI')
      need(data, at + 1, data[at]!, 'SPI')
      at += 1 + data[at]!
    }
    if (key === undefined) {
      const want = AES_CM_128_HMAC_SHA1_80.keyLength + AES_CM_128_HMAC_SHA1_80.saltLength
      if (tek.length !== want) throw fail('TEK is not a 16-byte key and 14-byte salt', { observed: tek.length, allowed: want })
      key = { key: Buffer.from(tek.subarray(0, 16)), salt: Buffer.from(tek.subarray(16)) }
    }
    if (next === PAYLOAD_LAST) break
    if (next !== PAYLOAD_KEY_DATA) throw fail('unsupported KEMAC sub-payload', { observed: next })
  }
  if (at !== data.length) throw fail('bytes left in KEMAC', { observed: data.length - at })
  return key
}

export interface MikeyOffer {
  masterKey: SrtpMasterKey
  profile: SrtpProfile
  /** The sender's SSRCs (one crypto session each, ROC 0). */
  ssrcs: readonly number[]
  csbId: number
  /** 16 random bytes. */
  rand: Buffer
  /** NTP-UTC time of sending. */
  timestamp: { seconds: number; fraction: number }
}

/** Builds the message GStreamer and MediaMTX expect: HDR, T, RAND, SP, KEMAC. */
export function buildMikey(offer: MikeyOffer): Buffer {
  const tagLength = offer.profile.rtpTagLength
  const params: [number, number][] = [
    [SrtpPolicyParam.encryptionAlgorithm, ENCR_AES_CM],
    [SrtpPolicyParam.sessionEncryptionKeyLength, offer.profile.keyLength],
    [SrtpPolicyParam.authenticationAlgorithm, AUTH_HMAC_SHA1],
    // GStreamer reads the tag length here; RFC 3830 names it the auth key length. Both agree on 80/32.
    [SrtpPolicyParam.sessionAuthenticationKeyLength, tagLength],
    [SrtpPolicyParam.srtpEncryption, 1],
    [SrtpPolicyParam.srtcpEncryption, 1],
    [SrtpPolicyParam.srtpAuthentication, 1],
  ]
  const tek = Buffer.concat([offer.masterKey.key, offer.masterKey.salt])
  const size =
    HEADER_LENGTH + offer.ssrcs.length * CS_ENTRY_LENGTH + T_LENGTH + 2 + offer.rand.length + 5 + params.length * 3 + 4 + 4 + tek.length + 1
  const out = Buffer.alloc(size)
  out[0] = VERSION
  out[1] = DATA_TYPE_PSK_INIT
  out[2] = PAYLOAD_T
  out[3] = 0 // V = 0, PRF = MIKEY-1
  out.writeUInt32BE(offer.csbId >>> 0, 4)
  out[8] = offer.ssrcs.length
  out[9] = MAP_TYPE_SRTP_ID
  let at = HEADER_LENGTH
  for (const ssrc of offer.ssrcs) {
    out[at] = 0 // policy 0
    out.writeUInt32BE(ssrc >>> 0, at + 1)
    out.writeUInt32BE(0, at + 5) // ROC 0: the stream of this session starts here
    at += CS_ENTRY_LENGTH
  }
  out[at] = PAYLOAD_RAND
  out[at + 1] = TS_NTP_UTC
  out.writeUInt32BE(offer.timestamp.seconds >>> 0, at + 2)
  out.writeUInt32BE(offer.timestamp.fraction >>> 0, at + 6)
  at += T_LENGTH
  out[at] = PAYLOAD_SP
  out[at + 1] = offer.rand.length
  offer.rand.copy(out, at + 2)
  at += 2 + offer.rand.length
  out[at] = PAYLOAD_KEMAC
  out[at + 1] = 0 // policy no
  out[at + 2] = PROT_SRTP
  out.writeUInt16BE(params.length * 3, at + 3)
  at += 5
  for (const [type, value] of params) {
    out[at] = type
    out[at + 1] = 1
    out[at + 2] = value
    at += 3
  }
  out[at] = PAYLOAD_LAST
  out[at + 1] = ENCR_NULL
  out.writeUInt16BE(4 + tek.length, at + 2)
  at += 4
  out[at] = PAYLOAD_LAST
  out[at + 1] = (KEY_TYPE_TEK << 4) | KV_NULL
  out.writeUInt16BE(tek.length, at + 2)
  tek.copy(out, at + 4)
  at += 4 + tek.length
  out[at] = MAC_NULL
  return out
}
