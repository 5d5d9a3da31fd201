/**
 * H.264 / H.265 elementary stream files: Annex-B byte streams (ITU-T H.264 Annex B, H.265 Annex B),
 * the access units one after the other. Frames before the first keyframe are skipped by default, since
 * no decoder can start from them.
 */
import type { RtpFrame } from '../rtp/receiver.js'
import type { ByteOutput } from './byte-output.js'
import type { FrameSink } from './frame-sink.js'

export interface AnnexBSinkOptions {
  /** e.g. "H.264 Annex-B". */
  label: string
  /** Skip frames until the first keyframe (default true). */
  waitForKeyframe?: boolean
}

export class AnnexBSink implements FrameSink {
  readonly description: string
  framesWritten = 0
  framesSkipped = 0
  private started: boolean
  private closing: Promise<void> | undefined

  constructor(
    private readonly out: ByteOutput,
    opts: AnnexBSinkOptions,
  ) {
    this.description = `${out.path ?? 'stdout'} (${opts.label})`
    this.started = opts.waitForKeyframe === false
  }

  write(frame: RtpFrame): void {
    if (this.closing) return
    if (!this.started && !frame.keyframe) {
      this.framesSkipped++
      return
    }
    this.started = true
    this.out.write(frame.data)
    this.framesWritten++
  }

  close(): Promise<void> {
    this.closing ??= this.out.close()
    return this.closing
  }
}
