/**
 * JPEG frames: an `.mjpeg` file of concatenated JFIF images (what `ffmpeg -f mjpeg` reads and writes),
 * or a directory with one `frame-000001.jpg` per frame.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../errors.js'
import type { RtpFrame } from '../rtp/receiver.js'
import type { ByteOutput } from './byte-output.js'
import type { FrameSink } from './frame-sink.js'

const FRAME_NUMBER_DIGITS = 6

export class MjpegSink implements FrameSink {
  readonly description: string
  framesWritten = 0
  readonly framesSkipped = 0
  private closing: Promise<void> | undefined

  constructor(private readonly out: ByteOutput) {
    this.description = `${out.path ?? 'stdout'} (MJPEG, concatenated JPEG images)`
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

/** One file per frame, `frame-NNNNNN.jpg` from 1; the directory is created when missing. */
export class JpegDirectorySink implements FrameSink {
  readonly description: string
  framesWritten = 0
  readonly framesSkipped = 0
  private closed = false

  constructor(private readonly dir: string) {
    try {
      fs.mkdirSync(dir, { recursive: true })
    } catch (err) {
      throw new ConfigError('ERR_SINK_FILE', `cannot create directory ${dir}: ${(err as Error).message}`, { path: dir }, { cause: err })
    }
    this.description = `${dir}${dir.endsWith(path.sep) ? '' : path.sep} (one JPEG file per frame)`
  }

  /** Path of frame `n` (1-based). */
  framePath(n: number): string {
    return path.join(this.dir, `frame-${String(n).padStart(FRAME_NUMBER_DIGITS, '0')}.jpg`)
  }

  write(frame: RtpFrame): void {
    if (this.closed) return
    try {
      fs.writeFileSync(this.framePath(this.framesWritten + 1), frame.data)
    } catch (err) {
      throw new ConfigError(
        'ERR_SINK_WRITE',
        `cannot write ${this.framePath(this.framesWritten + 1)}: ${(err as Error).message}`,
        { path: this.dir },
        { cause: err },
      )
    }
    this.framesWritten++
  }

  close(): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }
}
