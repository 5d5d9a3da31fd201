/**
 * Bit writer for JPEG entropy-coded segments, ITU-T T.81 F.1.2.3: bits are packed MSB first, a 0x00 is
 * stuffed after every 0xFF byte, and a segment is padded to a byte boundary with 1-bits (F.1.2.3,
 * "byte alignment") before a marker.
 *
 * The buffer is allocated once and doubles when `ensure` finds it short, which callers do once per MCU,
 * so growth is rare and the per-bit path has no bounds checks beyond the typed array's own.
 */

const BYTE_BITS = 8
const STUFFED_AFTER = 0xff
const INITIAL_CAPACITY = 64 * 1024

export class JpegBitWriter {
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
