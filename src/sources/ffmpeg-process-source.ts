/**
 * A live H.264 or H.265 source made by an ffmpeg child process: ffmpeg writes an Annex-B elementary
 * stream (ITU-T H.264 / H.265 Annex B) to its stdout, which is split into NAL units and grouped into
 * access units as it arrives. Presentation times are arrival times on the injected clock, which is what
 * a live encoder's output means.
 *
 * Inputs: a V4L2 camera (`-f v4l2 -i /dev/video0`) or ffmpeg's own test pattern read at real rate
 * (`-re -f lavfi -i testsrc2`). The encoder runs with `-tune zerolatency` (no B-frames, no lookahead)
 * and a one-second GOP, so a reader that joins waits at most a second for a keyframe.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { ConfigError } from '../errors.js'
import { AnnexBSplitter } from '../codecs/h264/annexb.js'
import { AccessUnitSplitter } from '../codecs/h264/access-unit.js'
import { H265AccessUnitSplitter } from '../codecs/h265/access-unit.js'
import { systemClock, type Clock } from '../util/clock.js'
import type { FramePush, MediaSource, TrackInfo } from './source.js'

export type FfmpegInput =
  | { kind: 'camera'; device: string }
  | { kind: 'testsrc'; width: number; height: number }

export interface FfmpegProcessSourceOptions {
  input: FfmpegInput
  codec: 'h264' | 'h265'
  fps: number
  /** The ffmpeg executable (default `ffmpeg` on PATH). */
  ffmpeg?: string
  clock?: Clock
  /** ffmpeg ended on its own or wrote an error; the last lines of its stderr. */
  onExit?: (message: string) => void
}

/** Lines of ffmpeg's stderr kept for the exit message. */
const STDERR_TAIL_LINES = 5

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
  const source = input.kind === 'camera'
    ? ['-f', 'v4l2', '-i', input.device]
    : ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${input.width}x${input.height}:rate=${fps}`]
  const encoder = codec === 'h264'
    ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', gop, '-f', 'h264']
    : ['-c:v', 'libx265', '-preset', 'ultrafast', '-tune', 'zerolatency', '-x265-params', `log-level=error:keyint=${gop}:bframes=0`, '-f', 'hevc']
  return ['-hide_banner', '-nostats', '-loglevel', 'error', ...source, '-an', '-pix_fmt', 'yuv420p', ...encoder, '-']
}

export class FfmpegProcessSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  private readonly opts: FfmpegProcessSourceOptions
  private readonly clock: Clock
  private child: ChildProcessByStdio<null, Readable, Readable> | undefined

  constructor(opts: FfmpegProcessSourceOptions) {
    if (!(opts.fps > 0 && opts.fps <= 240)) throw new ConfigError('ERR_FPS', `frame rate ${opts.fps} is out of range; use 0 < fps <= 240`, { observed: opts.fps, allowed: '(0, 240]' })
    this.opts = opts
    this.clock = opts.clock ?? systemClock
    const size = opts.input.kind === 'testsrc' ? { width: opts.input.width, height: opts.input.height } : {}
    this.tracks = [{ kind: 'video', codec: opts.codec, fps: opts.fps, ...size }]
    const what = opts.input.kind === 'camera' ? `camera ${opts.input.device}` : `ffmpeg testsrc2 ${opts.input.width}x${opts.input.height}`
    this.description = `${what} through ffmpeg (${opts.codec === 'h264' ? 'H.264' : 'H.265'} @${opts.fps})`
  }

  get running(): boolean {
    return this.child !== undefined
  }

  start(push: FramePush): void {
    if (this.child) return
    const child = spawn(this.opts.ffmpeg ?? 'ffmpeg', ffmpegArgs(this.opts.input, this.opts.codec, this.opts.fps), { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    const t0 = this.clock.monoMs()
    const nals = new AnnexBSplitter()
    const units = this.opts.codec === 'h264' ? new AccessUnitSplitter() : new H265AccessUnitSplitter()
    const emit = (nal: Buffer): void => {
      // Access units are views into the splitter's buffer, which is never rewritten behind them.
      const au = units.push(nal)
      if (au) push(0, au, this.clock.monoMs() - t0)
    }
    let tail: string[] = []
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        for (const nal of nals.push(chunk)) emit(nal)
      } catch (err) {
        tail.push(`bad stream from ffmpeg: ${(err as Error).message}`)
        this.stop()
      }
    })
    child.stderr.on('data', (d: Buffer) => {
      tail = [...tail, ...d.toString().split('\n').filter(Boolean)].slice(-STDERR_TAIL_LINES)
    })
    const exited = (reason: string): void => {
      const wasOurs = this.child === child
      if (wasOurs) this.child = undefined
      if (wasOurs) this.opts.onExit?.(`ffmpeg ${reason}${tail.length ? `: ${tail.join(' | ')}` : ''}`)
    }
    child.on('error', (err) => exited(`could not run (${err.message})`))
    child.on('close', (code, signal) => exited(signal ? `ended by ${signal}` : `exited with code ${code}`))
  }

  /** Idempotent: kills ffmpeg. */
  stop(): void {
    const child = this.child
    this.child = undefined
    if (child && child.exitCode === null) child.kill('SIGTERM')
  }
}
