/**
 * AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): the keystream is AES_k(IV), AES_k(IV + 1), …
 * where only the low 16 bits of the IV count. We keep one AES-128-ECB cipher per key (the key schedule
 * is made once) and encrypt a block of counters in one call, so the per-packet cost is one `update`.
 */
import { createCipheriv, type Cipher } from 'node:crypto'

export const AES_BLOCK = 16

export class AesCounterMode {
  private readonly ecb: Cipher
  /** Counter blocks for the longest packet seen so far; grown (rarely) when a longer one comes. */
  private counters: Buffer

  constructor(key: Buffer) {
    this.ecb = createCipheriv('aes-128-ecb', key, null)
    this.ecb.setAutoPadding(false)
    this.counters = Buffer.alloc(AES_BLOCK * 96)
  }

  /**
   * XORs `data` in place with the keystream that starts at the 16-byte `iv`. The block counter is
   * the IV's last two bytes (zero in SRTP's IVs), so a packet may span up to 65536 blocks.
   */
  xor(iv: Buffer, data: Buffer): void {
    const blocks = Math.ceil(data.length / AES_BLOCK)
    if (blocks === 0) return
    const need = blocks * AES_BLOCK
    if (this.counters.length < need) this.counters = Buffer.alloc(need)
    const counters = this.counters
    // The IV's first 14 bytes in every block, by doubling copies (a copy per block costs 10× more),
    // then each block's 16-bit counter.
    iv.copy(counters, 0, 0, AES_BLOCK)
    for (let n = AES_BLOCK; n < need;) {
      const c = Math.min(n, need - n)
      counters.copyWithin(n, 0, c)
      n += c
    }
    const base = iv.readUInt16BE(14)
    for (let b = 0; b < blocks; b++) {
      const off = b * AES_BLOCK
      const ctr = (base + b) & 0xffff
      counters[off + 14] = ctr >> 8
      counters[off + 15] = ctr & 0xff
    }
    const stream = this.ecb.update(counters.subarray(0, need))
    let i = 0
    // Four bytes at a time when both are 4-byte aligned (pooled Buffers and the RTP payload after a
    // 12-byte header usually are): half the cost of the byte loop.
    if ((data.byteOffset & 3) === 0 && (stream.byteOffset & 3) === 0) {
      const words = data.length >> 2
      const a = new Uint32Array(data.buffer, data.byteOffset, words)
      const b = new Uint32Array(stream.buffer, stream.byteOffset, words)
      for (let w = 0; w < words; w++) a[w]! ^= b[w]!
      i = words << 2
    }
    for (; i < data.length; i++) data[i]! ^= stream[i]!
  }

  /** `length` bytes of keystream from `iv` (key derivation and tests). */
  keystream(iv: Buffer, length: number): Buffer {
    const out = Buffer.alloc(length)
    this.xor(iv, out)
    return out
  }
}
