/**
 * The byte stream format of NAL-structured video, ITU-T H.264 Annex B (B.1 syntax, B.2 semantics);
 * H.265 Annex B is the same.
 *
 *   byte_stream_nal_unit: leading_zero_8bits* [zero_byte] 0x000001 nal_unit trailing_zero_8bits*
 *
 * A NAL unit never contains 0x000000, 0x000001 or 0x000002 (emulation prevention), so a start code
 * is found by searching for 0x000001; the zero bytes in front of it (the 4th start-code byte, or
 * trailing_zero_8bits) belong to no NAL unit and are trimmed.
 */
import { LimitError, ParseError } from '../errors.js'

export const START_CODE = Buffer.from([0x00, 0x00, 0x00, 0x01])
const START_CODE_3 = START_CODE.subarray(1)
const START_CODE_3_SIZE = 3
/** Initial capacity of the streaming splitter's buffer. */
const SPLITTER_INITIAL_CAPACITY = 64 * 1024
/** Default cap on one NAL unit held by AnnexBSplitter while waiting for the next start code. */
export const DEFAULT_MAX_ANNEXB_NAL_SIZE = 8 * 1024 * 1024

/** Index of the last non-zero byte in [from, to) plus one; `from` when all are zero. */
function trimZeros(buf: Buffer, from: number, to: number): number {
  let end = to
  while (end > from && buf[end - 1] === 0) end--
  return end
}

function checkLeading(buf: Buffer, end: number): void {
  for (let i = 0; i < end; i++) {
    if (buf[i] !== 0) {
      throw new ParseError(
        'ERR_ANNEXB_START',
        `not an Annex-B byte stream: byte ${i} is 0x${buf[i]!.toString(16).padStart(2, '0')} before the first start code`,
        {
          observed: buf[i],
          allowed: 'zero bytes then 0x000001',
        },
      )
    }
  }
}

/**
 * Splits an Annex-B byte stream into NAL units. The returned buffers are views into `input`
 * (no copy). Empty NAL units are skipped. Throws ParseError('ERR_ANNEXB_START') when non-zero
 * bytes come before the first start code, or when non-empty input has no start code at all.
 */
export function splitAnnexB(input: Uint8Array): Buffer[] {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const out: Buffer[] = []
  let sc = buf.indexOf(START_CODE_3)
  if (sc < 0) {
    checkLeading(buf, buf.length)
    return out
  }
  checkLeading(buf, sc)
  while (sc >= 0) {
    const start = sc + START_CODE_3_SIZE
    const next = buf.indexOf(START_CODE_3, start)
    const end = trimZeros(buf, start, next < 0 ? buf.length : next)
    if (end > start) out.push(buf.subarray(start, end))
    sc = next
  }
  return out
}

/** Writes each NAL unit after a 4-byte start code, into one buffer allocated once. */
export function joinAnnexB(nalus: readonly Uint8Array[]): Buffer {
  let size = 0
  for (const n of nalus) size += START_CODE.length + n.length
  const out = Buffer.allocUnsafe(size)
  let off = 0
  for (const n of nalus) {
    off += START_CODE.copy(out, off)
    out.set(n, off)
    off += n.length
  }
  return out
}

/**
 * Incremental Annex-B splitter for byte streams that arrive in chunks (pipes, sockets).
 * `push` returns the NAL units completed by the chunk — a NAL unit is complete once the next start
 * code is seen — and `flush` returns the last one at end of stream.
 *
 * Chunks are copied once into an internal buffer; returned NAL units are views into it, and the
 * bytes behind a returned view are never written again (the buffer is replaced, not compacted).
 */
export class AnnexBSplitter {
  private buf: Buffer = Buffer.alloc(0)
  private len = 0
  /** Start of the current NAL unit's payload, or -1 before the first start code. */
  private nalStart = -1
  /** Where the next start-code search begins. */
  private scanPos = 0
  private readonly maxNalSize: number

  constructor(opts: { maxNalSize?: number } = {}) {
    this.maxNalSize = opts.maxNalSize ?? DEFAULT_MAX_ANNEXB_NAL_SIZE
  }

  push(chunk: Uint8Array): Buffer[] {
    this.append(chunk)
    const out: Buffer[] = []
    const view = this.buf.subarray(0, this.len)
    for (;;) {
      const sc = view.indexOf(START_CODE_3, this.scanPos)
      if (sc < 0) break
      if (this.nalStart < 0) {
        this.guard(() => checkLeading(view, sc))
      } else {
        const end = trimZeros(view, this.nalStart, sc)
        if (end > this.nalStart) out.push(view.subarray(this.nalStart, end))
      }
      this.nalStart = sc + START_CODE_3_SIZE
      this.scanPos = this.nalStart
    }
    // A start code may straddle this chunk and the next: rescan the last two bytes.
    this.scanPos = Math.max(this.scanPos, this.len - (START_CODE_3_SIZE - 1))
    if (this.nalStart < 0) {
      this.guard(() => checkLeading(view, this.len))
    } else if (this.len - this.nalStart > this.maxNalSize) {
      const size = this.len - this.nalStart
      this.reset()
      throw new LimitError('ERR_ANNEXB_NAL_SIZE', `NAL unit larger than ${this.maxNalSize} bytes`, {
        observed: size,
        allowed: this.maxNalSize,
      })
    }
    return out
  }

  /** Returns the last NAL unit (if any) and resets the splitter for a new stream. */
  flush(): Buffer[] {
    const out: Buffer[] = []
    if (this.nalStart >= 0) {
      const end = trimZeros(this.buf, this.nalStart, this.len)
      if (end > this.nalStart) out.push(this.buf.subarray(this.nalStart, end))
    }
    this.reset()
    return out
  }

  reset(): void {
    this.buf = Buffer.alloc(0)
    this.len = 0
    this.nalStart = -1
    this.scanPos = 0
  }

  private guard(check: () => void): void {
    try {
      check()
    } catch (err) {
      this.reset()
      throw err
    }
  }

  private append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      // Keep only the unfinished NAL unit (or, before the first start code, the last two bytes).
      const keepFrom = this.nalStart >= 0 ? this.nalStart : Math.max(0, this.len - (START_CODE_3_SIZE - 1))
      const kept = this.len - keepFrom
      const next = Buffer.allocUnsafe(Math.max(SPLITTER_INITIAL_CAPACITY, (kept + chunk.length) * 2))
      this.buf.copy(next, 0, keepFrom, this.len)
      this.buf = next
      this.len = kept
      if (this.nalStart >= 0) this.nalStart -= keepFrom
      this.scanPos = Math.max(0, this.scanPos - keepFrom)
    }
    this.buf.set(chunk, this.len)
    this.len += chunk.length
  }
}
