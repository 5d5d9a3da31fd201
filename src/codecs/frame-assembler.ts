/**
 * Collects the pieces of one frame carried over several RTP packets, for the depacketizers of
 * frame-based video formats: views of the packets' payloads, joined once when the frame is complete,
 * under a size limit.
 */
import { LimitError } from '../errors.js'

/** A frame larger than this is dropped (no real picture comes close; a stream of garbage could). */
export const MAX_ASSEMBLED_FRAME_SIZE = 16 * 1024 * 1024

export class FrameAssembler {
  private parts: Buffer[] = []
  private size = 0
  /** RTP timestamp of the frame being collected, undefined when none is. */
  timestamp: number | undefined

  constructor(
    private readonly codePrefix: string,
    private readonly maxSize = MAX_ASSEMBLED_FRAME_SIZE,
  ) {}

  get collecting(): boolean {
    return this.timestamp !== undefined
  }

  get byteLength(): number {
    return this.size
  }

  /** Starts a new frame, forgetting any partial one. */
  start(timestamp: number): void {
    this.reset()
    this.timestamp = timestamp
  }

  /** Adds a piece (kept as a view). Throws LimitError (`<prefix>FRAME_SIZE`) past the limit, forgetting the frame. */
  push(piece: Buffer): void {
    if (this.size + piece.length > this.maxSize) {
      const observed = this.size + piece.length
      this.reset()
      throw new LimitError(`${this.codePrefix}FRAME_SIZE`, `frame of more than ${this.maxSize} bytes`, {
        observed,
        allowed: `<= ${this.maxSize}`,
      })
    }
    if (piece.length === 0) return
    this.parts.push(piece)
    this.size += piece.length
  }

  /** The pieces so far, in order. */
  get pieces(): readonly Buffer[] {
    return this.parts
  }

  /** The whole frame (a view when it came in one piece) and forgets it. */
  take(): Buffer {
    const frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size)
    this.reset()
    return frame
  }

  reset(): void {
    this.parts = []
    this.size = 0
    this.timestamp = undefined
  }
}
