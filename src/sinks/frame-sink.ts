/**
 * Frame sinks: what `rtspkit rtp recv --out FILE` writes frames into. One file format per sink; the
 * table in sink-factory.ts picks one from the output's extension and the stream's codec.
 */
import type { RtpFrame } from '../rtp/receiver.js'

export interface FrameSink {
  /** A one-line description for logs: the file and what is written to it. */
  readonly description: string
  readonly framesWritten: number
  /** Frames not written (before the first keyframe, or refused by the format). */
  readonly framesSkipped: number
  write(frame: RtpFrame): void
  /** Idempotent: flushes, finishes the file (headers that need the final sizes), closes it. */
  close(): Promise<void>
}
