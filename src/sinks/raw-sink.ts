/** Raw payloads one after the other (passthrough streams): enough to inspect or re-wrap them. */
import type { RtpFrame } from '../rtp/receiver.js'
import type { ByteOutput } from './byte-output.js'
import type { FrameSink } from './frame-sink.js'

export class RawSink implements FrameSink {
  readonly description: string
  framesWritten = 0
  readonly framesSkipped = 0
  private closing: Promise<void> | undefined

  constructor(
    private readonly out: ByteOutput,
    label: string,
  ) {
    this.description = `${out.path ?? 'stdout'} (${label})`
  }

  write(frame: RtpFrame): void {
    if (this.closing) return
    this.out.write(frame.data)
    this.framesWritten++
  }

  close(): Promise<void> {
    this.closing ??= this.out.close()
    return this.closing
  }
}
