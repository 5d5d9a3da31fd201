/**
 * Entropy writer for baseline JPEG, ITU-T T.81 Annex F.1.2: Huffman coding of 8x8 blocks (F.1.2.1 DC
 * differences, F.1.2.2 AC run/size symbols) and bit packing (F.1.2.3): MSB first, a 0x00 stuffed after
 * every 0xFF byte, segments padded to a byte boundary with 1-bits before a marker.
 *
 * The buffer is allocated once and doubles when `ensure` finds it short, which callers do once per MCU,
 * so growth is rare.
 */
import { BLOCK_AREA, type HuffmanCodes } from './tables.js'

const EOB = 0x00
const ZRL = 0xf0
const ZRL_RUN = 16
const RUN_SHIFT = 4

const BYTE_BITS = 8
const STUFFED_AFTER = 0xff
const INITIAL_CAPACITY = 64 * 1024

export class JpegEntropyWriter {
  private buf: Buffer
  private pos = 0
  /** Pending bits, right-aligned; fewer than 8 between calls. */
  private acc = 0
  private nbits = 0

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(Math.max(BYTE_BITS, initialCapacity))
  }

  /** Bytes written so far (pending bits excluded). */
  get length(): number {
    return this.pos
  }

  reset(): void {
    this.pos = 0
    this.acc = 0
    this.nbits = 0
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < this.pos + n) cap *= 2
    const next = Buffer.allocUnsafe(cap)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /**
   * Appends the low `len` bits of `code` (len <= 16; the caller has called `ensure`).
   * With fewer than 8 bits pending, the accumulator stays within 24 bits.
   */
  put(code: number, len: number): void {
    let n = this.nbits + len
    const acc = (this.acc << len) | code
    const buf = this.buf
    while (n >= BYTE_BITS) {
      n -= BYTE_BITS
      const byte = (acc >>> n) & 0xff
      buf[this.pos++] = byte
      if (byte === STUFFED_AFTER) buf[this.pos++] = 0
    }
    this.acc = acc & ((1 << n) - 1)
    this.nbits = n
  }

  /**
   * Huffman-codes one block of quantized coefficients in zig-zag order against the DC predictor `pred`;
   * returns the new predictor (the block's DC). The caller has called `ensure` for the MCU.
   */
  encodeBlock(zz: Int32Array, pred: number, dc: HuffmanCodes, ac: HuffmanCodes): number {
    const dcv = zz[0]!
    let diff = dcv - pred
    if (diff === 0) {
      this.put(dc.code[0]!, dc.length[0]!)
    } else {
      let mag = diff
      if (mag < 0) {
        mag = -mag
        diff--
      } // negative values are sent as diff - 1 in `size` bits
      const size = 32 - Math.clz32(mag)
      this.put(dc.code[size]!, dc.length[size]!)
      this.put(diff & ((1 << size) - 1), size)
    }
    let last = BLOCK_AREA - 1
    while (last > 0 && zz[last] === 0) last--
    const acCode = ac.code
    const acLen = ac.length
    let run = 0
    for (let k = 1; k <= last; k++) {
      let v = zz[k]!
      if (v === 0) {
        run++
        continue
      }
      while (run >= ZRL_RUN) {
        this.put(acCode[ZRL]!, acLen[ZRL]!)
        run -= ZRL_RUN
      }
      let mag = v
      if (mag < 0) {
        mag = -mag
        v--
      }
      const size = 32 - Math.clz32(mag)
      const sym = (run << RUN_SHIFT) | size
      this.put(acCode[sym]!, acLen[sym]!)
      this.put(v & ((1 << size) - 1), size)
      run = 0
    }
    if (last < BLOCK_AREA - 1) this.put(acCode[EOB]!, acLen[EOB]!)
    return dcv
  }

  /** Pads the pending bits to a byte boundary with 1-bits (T.81 F.1.2.3). */
  alignWithOnes(): void {
    if (this.nbits > 0) {
      const pad = BYTE_BITS - this.nbits
      this.put((1 << pad) - 1, pad)
    }
  }

  /** Appends raw bytes (markers, headers): no stuffing, requires byte alignment. */
  writeRaw(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /** Appends a two-byte marker 0xFF `code` (byte-aligned). */
  writeMarker(code: number): void {
    this.ensure(2)
    this.buf[this.pos++] = 0xff
    this.buf[this.pos++] = code
  }

  /** Reserves `n` raw bytes and returns the internal buffer and offset to fill them. */
  reserve(n: number): { buf: Buffer; offset: number } {
    this.ensure(n)
    const offset = this.pos
    this.pos += n
    return { buf: this.buf, offset }
  }

  /** A view of the bytes written; valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos)
  }

  /** A copy of the bytes written, safe to keep. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.pos)
    this.buf.copy(out, 0, 0, this.pos)
    return out
  }
}
