/**
 * HMAC-SHA1 (RFC 2104) with the key's inner and outer pads hashed once: each packet then costs two
 * `Hash.copy()` and no key set-up, which `createHmac` would redo per call.
 */
import { createHash, type Hash } from 'node:crypto'

const SHA1_BLOCK = 64

export class HmacSha1 {
  private readonly inner: Hash
  private readonly outer: Hash

  constructor(key: Buffer) {
    // Keys longer than a block are hashed first (RFC 2104 §2); SRTP's are 20 bytes.
    const k = key.length > SHA1_BLOCK ? createHash('sha1').update(key).digest() : key
    const ipad = Buffer.alloc(SHA1_BLOCK, 0x36)
    const opad = Buffer.alloc(SHA1_BLOCK, 0x5c)
    for (let i = 0; i < k.length; i++) {
      ipad[i]! ^= k[i]!
      opad[i]! ^= k[i]!
    }
    this.inner = createHash('sha1').update(ipad)
    this.outer = createHash('sha1').update(opad)
  }

  /** HMAC of `data` followed by `trailer` (SRTP's ROC), 20 bytes. */
  digest(data: Buffer, trailer?: Buffer): Buffer {
    const inner = this.inner.copy().update(data)
    if (trailer !== undefined) inner.update(trailer)
    return this.outer.copy().update(inner.digest()).digest()
  }
}
