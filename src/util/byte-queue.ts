/**
 * A FIFO of received chunks for incremental parsers (the shape of ws's Receiver and undici's parser).
 *
 * Chunks are kept as pushed, never concatenated on arrival. `consume(n)` returns a view into a chunk
 * when the n bytes lie in one chunk and copies only when they straddle chunks, so a parser that
 * reads whole frames from whole socket reads never copies. Views alias the pushed chunks: callers
 * must not push a buffer they intend to reuse (socket 'data' buffers are never reused by Node).
 */

/** Compact the chunk array once this many consumed slots have piled up at its front. */
const COMPACT_THRESHOLD = 32

export class ByteQueue {
  private chunks: Buffer[] = []
  /** Index in `chunks` of the first chunk still holding unread bytes. */
  private head = 0
  /** Read offset inside `chunks[head]`. */
  private offset = 0
  private size = 0

  /** Number of unread bytes. */
  get length(): number {
    return this.size
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.chunks.push(buf)
    this.size += buf.length
  }

  /** The byte at position `i` from the read position, or -1 when `i` is outside [0, length). */
  peek(i: number): number {
    if (i < 0 || i >= this.size) return -1
    const [c, at] = this.locate(i)
    return this.chunks[c]![at]!
  }

  /**
   * Position of the first `byte` in [from, limit) counted from the read position, or -1.
   * `limit` defaults to `length` and is clamped to it.
   */
  indexOf(byte: number, from = 0, limit = this.size): number {
    const end = Math.min(limit, this.size)
    if (from < 0) from = 0
    if (from >= end) return -1
    let [c, at] = this.locate(from)
    let pos = from
    while (pos < end) {
      const chunk = this.chunks[c]!
      const hi = Math.min(chunk.length, at + (end - pos))
      const found = chunk.subarray(at, hi).indexOf(byte)
      if (found !== -1) return pos + found
      pos += hi - at
      c++
      at = 0
    }
    return -1
  }

  /**
   * Removes and returns the next `n` bytes: a view when they lie in one chunk, otherwise one copy.
   * `n` is clamped to `length`.
   */
  consume(n: number): Buffer {
    n = Math.max(0, Math.min(n, this.size))
    if (n === 0) return Buffer.alloc(0)
    const first = this.chunks[this.head]!
    if (first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n)
      this.advance(n)
      return view
    }
    const out = Buffer.allocUnsafe(n)
    let written = 0
    while (written < n) {
      const chunk = this.chunks[this.head]!
      const take = Math.min(chunk.length - this.offset, n - written)
      chunk.copy(out, written, this.offset, this.offset + take)
      written += take
      this.advance(take)
    }
    return out
  }

  /** Discards the next `n` bytes (clamped to `length`). */
  skip(n: number): void {
    n = Math.max(0, Math.min(n, this.size))
    while (n > 0) {
      const chunk = this.chunks[this.head]!
      const take = Math.min(chunk.length - this.offset, n)
      this.advance(take)
      n -= take
    }
  }

  /** Drops everything. */
  clear(): void {
    this.chunks = []
    this.head = 0
    this.offset = 0
    this.size = 0
  }

  /**
   * Chunk index and offset of queue position `pos` (0 <= pos < length). Walks from whichever end is
   * nearer: parsers mostly look at the newest bytes (an incomplete line's tail), so walking back
   * from the last chunk keeps byte-at-a-time input linear instead of quadratic.
   */
  private locate(pos: number): [number, number] {
    if (pos * 2 < this.size) {
      let at = pos + this.offset
      let c = this.head
      while (at >= this.chunks[c]!.length) {
        at -= this.chunks[c]!.length
        c++
      }
      return [c, at]
    }
    // `fromEnd` counts bytes after `pos`, plus one.
    let fromEnd = this.size - pos
    let c = this.chunks.length - 1
    for (;;) {
      const avail = this.chunks[c]!.length - (c === this.head ? this.offset : 0)
      if (fromEnd <= avail) return [c, this.chunks[c]!.length - fromEnd]
      fromEnd -= avail
      c--
    }
  }

  /** Moves the read position forward by `n` bytes, all within `chunks[head]`. */
  private advance(n: number): void {
    this.offset += n
    this.size -= n
    if (this.offset === this.chunks[this.head]!.length) {
      this.head++
      this.offset = 0
      if (this.head === this.chunks.length) {
        this.chunks.length = 0
        this.head = 0
      } else if (this.head >= COMPACT_THRESHOLD) {
        this.chunks.splice(0, this.head)
        this.head = 0
      }
    }
  }
}
