/**
 * SRTP and SRTCP protection (RFC 3711) of packets under one master key, for AES_CM_128_HMAC_SHA1_80/32
 * with a key derivation rate of 0 and no MKI. Socket-free: bytes in, bytes out.
 *
 * SRTP packet (§3.1):  RTP header | encrypted payload | auth tag (over header, payload and ROC)
 * SRTCP packet (§3.4): header + sender SSRC (8 bytes, clear) | encrypted rest | E(1) index(31) | auth tag
 *
 * The IV of both (§4.1.1) is (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16): the session salt in bytes
 * 0..13, the SSRC XORed into bytes 4..7 and the 48-bit index into bytes 8..13.
 */
import { timingSafeEqual } from 'node:crypto'
import { AesCounterMode, AES_BLOCK } from './aes-cm.js'
import { HmacSha1 } from './hmac-sha1.js'
import { deriveSessionKeys } from './key-derivation.js'
import { ReplayWindow } from './replay-window.js'
import { srtpAuthFailed, srtpReplayed, srtpShort } from './srtp-errors.js'
import type { SrtpMasterKey, SrtpProfile } from './srtp-profile.js'

const RTP_HEADER = 12
const RTCP_HEADER = 8
const SRTCP_INDEX = 4
const E_BIT = 0x80000000
const SRTCP_INDEX_MASK = 0x7fffffff
const SEQ_HALF = 32768
const SEQ_MOD = 65536

/** Per-SSRC state of one direction of SRTP (§3.2.1). */
interface RtpState {
  roc: number
  /** Highest sequence number seen (s_l); -1 before the first packet. */
  lastSeq: number
  readonly replay: ReplayWindow
}

interface RtcpState {
  /** Next SRTCP index to send. */
  nextIndex: number
  readonly replay: ReplayWindow
}

export interface SrtpCounters {
  /** Packets refused for a bad tag (tampering, wrong key). */
  authFailures: number
  /** Packets refused as replayed or too old. */
  replayed: number
}

class KeySet {
  readonly cipher: AesCounterMode
  readonly mac: HmacSha1
  readonly salt: Buffer

  constructor(master: SrtpMasterKey, profile: SrtpProfile, rtcp: boolean) {
    const keys = deriveSessionKeys(master, profile, rtcp)
    this.cipher = new AesCounterMode(keys.encryptionKey)
    this.mac = new HmacSha1(keys.authenticationKey)
    this.salt = keys.salt
  }
}

/** Length of an RTP header with its CSRCs and extension, or -1 when the packet is shorter. */
function rtpHeaderLength(p: Buffer): number {
  if (p.length < RTP_HEADER) return -1
  let n = RTP_HEADER + (p[0]! & 0x0f) * 4
  if ((p[0]! & 0x10) !== 0) {
    if (p.length < n + 4) return -1
    n += 4 + p.readUInt16BE(n + 2) * 4
  }
  return p.length < n ? -1 : n
}

export class SrtpContext {
  readonly profile: SrtpProfile
  readonly counters: SrtpCounters = { authFailures: 0, replayed: 0 }
  private readonly rtp: KeySet
  private readonly rtcp: KeySet
  private readonly rtpStates = new Map<number, RtpState>()
  private readonly rtcpStates = new Map<number, RtcpState>()
  /** Scratch space reused by every packet: the IV and the ROC trailer. */
  private readonly iv = Buffer.alloc(AES_BLOCK)
  private readonly roc = Buffer.alloc(4)

  constructor(master: SrtpMasterKey, profile: SrtpProfile) {
    if (master.key.length !== profile.keyLength || master.salt.length !== profile.saltLength) {
      throw srtpShort('master key or salt', master.key.length + master.salt.length, profile.keyLength + profile.saltLength)
    }
    this.profile = profile
    this.rtp = new KeySet(master, profile, false)
    this.rtcp = new KeySet(master, profile, true)
  }

  /** Encrypts and authenticates an RTP packet; returns a new buffer (the input is not changed). */
  protectRtp(packet: Uint8Array): Buffer {
    const p = Buffer.isBuffer(packet) ? packet : Buffer.from(packet.buffer, packet.byteOffset, packet.length)
    const headerLength = rtpHeaderLength(p)
    if (headerLength < 0) throw srtpShort('RTP packet', p.length, RTP_HEADER)
    const ssrc = p.readUInt32BE(8)
    const seq = p.readUInt16BE(2)
    const state = this.rtpState(ssrc)
    const index = this.estimate(state, seq)
    this.update(state, seq, index)
    const tagLength = this.profile.rtpTagLength
    const out = Buffer.allocUnsafe(p.length + tagLength)
    p.copy(out)
    this.setIv(this.rtp.salt, ssrc, index)
    this.rtp.cipher.xor(this.iv, out.subarray(headerLength, p.length))
    this.roc.writeUInt32BE(Math.floor(index / SEQ_MOD))
    this.rtp.mac.digest(out.subarray(0, p.length), this.roc).copy(out, p.length, 0, tagLength)
    return out
  }

  /** Checks and decrypts an SRTP packet; returns the RTP packet in a new buffer. Throws typed errors. */
  unprotectRtp(packet: Uint8Array): Buffer {
    const p = Buffer.isBuffer(packet) ? packet : Buffer.from(packet.buffer, packet.byteOffset, packet.length)
    const tagLength = this.profile.rtpTagLength
    const length = p.length - tagLength
    const headerLength = length >= RTP_HEADER ? rtpHeaderLength(p.subarray(0, length)) : -1
    if (headerLength < 0) throw srtpShort('SRTP packet', p.length, RTP_HEADER + tagLength)
    const ssrc = p.readUInt32BE(8)
    const seq = p.readUInt16BE(2)
    const state = this.rtpState(ssrc)
    const index = this.estimate(state, seq)
    if (!state.replay.check(index)) {
      this.counters.replayed++
      throw srtpReplayed(ssrc, index)
    }
    this.roc.writeUInt32BE(Math.floor(index / SEQ_MOD))
    const tag = this.rtp.mac.digest(p.subarray(0, length), this.roc)
    if (!timingSafeEqual(tag.subarray(0, tagLength), p.subarray(length))) {
      this.counters.authFailures++
      throw srtpAuthFailed(ssrc, index)
    }
    this.update(state, seq, index)
    state.replay.accept(index)
    const out = Buffer.allocUnsafe(length)
    p.copy(out, 0, 0, length)
    this.setIv(this.rtp.salt, ssrc, index)
    this.rtp.cipher.xor(this.iv, out.subarray(headerLength))
    return out
  }

  /** Encrypts and authenticates an RTCP compound packet (E bit set); returns a new buffer. */
  protectRtcp(packet: Uint8Array): Buffer {
    const p = Buffer.isBuffer(packet) ? packet : Buffer.from(packet.buffer, packet.byteOffset, packet.length)
    if (p.length < RTCP_HEADER) throw srtpShort('RTCP packet', p.length, RTCP_HEADER)
    const ssrc = p.readUInt32BE(4)
    const state = this.rtcpState(ssrc)
    const index = state.nextIndex
    state.nextIndex = (index + 1) & SRTCP_INDEX_MASK
    const tagLength = this.profile.rtcpTagLength
    const out = Buffer.allocUnsafe(p.length + SRTCP_INDEX + tagLength)
    p.copy(out)
    this.setIv(this.rtcp.salt, ssrc, index)
    this.rtcp.cipher.xor(this.iv, out.subarray(RTCP_HEADER, p.length))
    out.writeUInt32BE((E_BIT | index) >>> 0, p.length)
    const authenticated = p.length + SRTCP_INDEX
    this.rtcp.mac.digest(out.subarray(0, authenticated)).copy(out, authenticated, 0, tagLength)
    return out
  }

  /** Checks and decrypts an SRTCP packet; returns the RTCP compound packet in a new buffer. */
  unprotectRtcp(packet: Uint8Array): Buffer {
    const p = Buffer.isBuffer(packet) ? packet : Buffer.from(packet.buffer, packet.byteOffset, packet.length)
    const tagLength = this.profile.rtcpTagLength
    const min = RTCP_HEADER + SRTCP_INDEX + tagLength
    if (p.length < min) throw srtpShort('SRTCP packet', p.length, min)
    const authenticated = p.length - tagLength
    const length = authenticated - SRTCP_INDEX
    const ssrc = p.readUInt32BE(4)
    const word = p.readUInt32BE(length)
    const index = word & SRTCP_INDEX_MASK
    const state = this.rtcpState(ssrc)
    if (!state.replay.check(index)) {
      this.counters.replayed++
      throw srtpReplayed(ssrc, index)
    }
    const tag = this.rtcp.mac.digest(p.subarray(0, authenticated))
    if (!timingSafeEqual(tag.subarray(0, tagLength), p.subarray(authenticated))) {
      this.counters.authFailures++
      throw srtpAuthFailed(ssrc, index)
    }
    state.replay.accept(index)
    const out = Buffer.allocUnsafe(length)
    p.copy(out, 0, 0, length)
    if ((word & E_BIT) !== 0) {
      this.setIv(this.rtcp.salt, ssrc, index)
      this.rtcp.cipher.xor(this.iv, out.subarray(RTCP_HEADER))
    }
    return out
  }

  /**
   * The ROC a key exchange announced for `ssrc` (MIKEY's CS ID map, RFC 3830 §6.1.1): a sender that
   * has been running past a sequence wrap before we joined. Only before its first packet.
   */
  setRolloverCounter(ssrc: number, roc: number): void {
    const s = this.rtpState(ssrc >>> 0)
    if (s.lastSeq < 0) s.roc = roc >>> 0
  }

  private rtpState(ssrc: number): RtpState {
    let s = this.rtpStates.get(ssrc)
    if (s === undefined) {
      s = { roc: 0, lastSeq: -1, replay: new ReplayWindow() }
      this.rtpStates.set(ssrc, s)
    }
    return s
  }

  private rtcpState(ssrc: number): RtcpState {
    let s = this.rtcpStates.get(ssrc)
    if (s === undefined) {
      s = { nextIndex: 0, replay: new ReplayWindow() }
      this.rtcpStates.set(ssrc, s)
    }
    return s
  }

  /** The packet index i = 2^16 * v + SEQ, v guessed from ROC and s_l (RFC 3711 Appendix A). */
  private estimate(state: RtpState, seq: number): number {
    if (state.lastSeq < 0) return state.roc * SEQ_MOD + seq
    let v = state.roc
    if (state.lastSeq < SEQ_HALF) {
      if (seq - state.lastSeq > SEQ_HALF) v = state.roc - 1
    } else if (state.lastSeq - SEQ_HALF > seq) {
      v = state.roc + 1
    }
    // ROC is a u32; an index before the first ROC is clamped to it (it would fail the replay check).
    if (v < 0) v = 0
    return (v >>> 0) * SEQ_MOD + seq
  }

  /** Moves ROC and s_l forward after a packet was sent or authenticated (§3.3.1). */
  private update(state: RtpState, seq: number, index: number): void {
    const v = Math.floor(index / SEQ_MOD)
    if (state.lastSeq < 0 || v > state.roc) {
      state.roc = v
      state.lastSeq = seq
    } else if (v === state.roc && seq > state.lastSeq) {
      state.lastSeq = seq
    }
  }

  private setIv(salt: Buffer, ssrc: number, index: number): void {
    const iv = this.iv
    salt.copy(iv, 0, 0, 14)
    iv[14] = 0
    iv[15] = 0
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4)
    const high = Math.floor(index / 0x100000000)
    const low = index >>> 0
    iv.writeUInt16BE(iv.readUInt16BE(8) ^ (high & 0xffff), 8)
    iv.writeUInt32BE((iv.readUInt32BE(10) ^ low) >>> 0, 10)
  }
}
