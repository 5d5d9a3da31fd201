/**
 * A live H.264 or H.265 source made by an ffmpeg child process (the camera board module's
 * `RtspServer`): the process, its Annex-B output split into access units and their timing are
 * FfmpegVideoProcess's (ffmpeg-process.ts); this chooses the input and the encoder.
 *
 * Inputs: a V4L2 camera (`-f v4l2 -i /dev/video0`) or ffmpeg's own test pattern read at real rate
 * (`-re -f lavfi -i testsrc2`). The encoder runs with `-tune zerolatency` (no B-frames, no lookahead)
 * and a one-second GOP, so a reader that joins waits at most a second for a keyframe.
 */
import { accessSync, constants } from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../errors.js'
import { systemClock, type Clock } from '../util/clock.js'
import { FfmpegVideoProcess } from './ffmpeg-process.js'
import type { FramePush, MediaSource, TrackInfo } from './source.js'

export type FfmpegInput = { kind: 'camera'; device: string } | { kind: 'testsrc'; width: number; height: number }

export interface FfmpegProcessSourceOptions {
  input: FfmpegInput
  codec: 'h264' | 'h265'
  fps: number
  /** The ffmpeg executable (default `ffmpeg` on PATH). */
  ffmpeg?: string
  clock?: Clock
  /** ffmpeg ended on its own or failed; its last stderr line. */
  onExit?: (message: string) => void
}

/** The path of `name` on PATH when it is an executable file there. */
export function findExecutable(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue
    const candidate = path.join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** The ffmpeg arguments for an input and codec, writing Annex-B to stdout. */
export function ffmpegArgs(input: FfmpegInput, codec: 'h264' | 'h265', fps: number): string[] {
  const gop = String(Math.max(1, Math.round(fps)))
  const source =
    input.kind === 'camera'
      ? ['-f', 'v4l2', '-i', input.device]
      : ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${input.width}x${input.height}:rate=${fps}`]
  const encoder =
    codec === 'h264'
      ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', gop, '-f', 'h264']
      : [
          '-c:v',
          'libx265',
          '-preset',
          'ultrafast',
          '-tune',
          'zerolatency',
          '-x265-params',
          `log-level=error:keyint=${gop}:bframes=0`,
          '-f',
          'hevc',
        ]
  return ['-hide_banner', '-nostats', '-loglevel', 'error', ...source, '-an', '-pix_fmt', 'yuv420p', ...encoder, '-']
}

export class FfmpegProcessSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  private readonly opts: FfmpegProcessSourceOptions
  private readonly clock: Clock
  private process: FfmpegVideoProcess | undefined

  constructor(opts: FfmpegProcessSourceOptions) {
    if (!(opts.fps > 0 && opts.fps <= 240))
      throw new ConfigError('ERR_FPS', `frame rate ${opts.fps} is out of range; use 0 < fps <= 240`, {
        observed: opts.fps,
        allowed: '(0, 240]',
      })
    this.opts = opts
    this.clock = opts.clock ?? systemClock
    const size = opts.input.kind === 'testsrc' ? { width: opts.input.width, height: opts.input.height } : {}
    this.tracks = [{ kind: 'video', codec: opts.codec, fps: opts.fps, ...size }]
    const what = opts.input.kind === 'camera' ? `camera ${opts.input.device}` : `ffmpeg testsrc2 ${opts.input.width}x${opts.input.height}`
    this.description = `${what} through ffmpeg (${opts.codec === 'h264' ? 'H.264' : 'H.265'} @${opts.fps})`
  }

  get running(): boolean {
    return this.process !== undefined
  }

  start(push: FramePush): void {
    if (this.process) return
    const t0 = this.clock.monoMs()
    const proc: FfmpegVideoProcess = new FfmpegVideoProcess(
      ffmpegArgs(this.opts.input, this.opts.codec, this.opts.fps),
      {
        // Times from the start of this run (the shared process times by arrival on the same clock).
        accessUnit: (au, ptsMs) => push(0, au.nalus, ptsMs - t0),
        exit: (exit) => {
          if (this.process !== proc) return
          this.process = undefined
          if (!exit.stopped) this.opts.onExit?.(`ffmpeg ${exit.reason}`)
        },
      },
      { bin: this.opts.ffmpeg, clock: this.clock, codec: this.opts.codec },
    )
    this.process = proc
  }

  /** Idempotent: stops ffmpeg. */
  stop(): void {
    const proc = this.process
    this.process = undefined
    proc?.stop()
  }
}
