/**
 * HMAC-SHA1 (RFC 2104) under one key. Measured on Node 20: a fresh `createHmac` per packet (~4.6 µs
 * for 1200 bytes) beats copying pre-hashed inner/outer pad states (~11 µs: two Hash.copy and an extra
 * digest), so the key is kept and the HMAC made per call.
 */
import { createHmac } from 'node:crypto'

export class HmacSha1 {
  constructor(private readonly key: Buffer) {}

  /** HMAC of `data` followed by `trailer` (SRTP's ROC), 20 bytes. */
  digest(data: Buffer, trailer?: Buffer): Buffer {
    const h = createHmac('sha1', this.key).update(data)
    if (trailer !== undefined) h.update(trailer)
    return h.digest()
  }
}
