/**
 * One ffmpeg process writing H.264 (or H.265) Annex-B to stdout (see ffmpeg-args.ts), its output split
 * into access units as it arrives (codecs/annexb-stream-parser.ts). Each access unit is timed by its
 * arrival on the injected monotonic clock (ffmpeg paces a live input: a camera, or a file with -re),
 * smoothed by the SPS frame rate when there is one (see nextPts). stderr goes line by line to `onStderr`; when
 * ffmpeg fails, its last stderr line is the reason reported.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { AnnexBStreamParser, type StreamAccessUnit, type StreamVideoCodec } from '../codecs/annexb-stream-parser.js'
import { systemClock, type Clock } from '../util/clock.js'

/** SIGTERM first (ffmpeg closes its input, e.g. releases a camera); SIGKILL if it is still there after this. */
export const DEFAULT_STOP_GRACE_MS = 2000
/** stderr lines kept for the failure reason. */
const STDERR_TAIL_LINES = 20
/** How much of the gap between the frame-rate grid and the arrival time each picture closes. */
const PTS_PULL = 0.05
/** Further than this from the arrival time (a stall, a burst), the grid is dropped for the arrival time. */
const PTS_RESYNC_MS = 500

/**
 * The presentation time of a picture that arrived at `now`, after one at `last`. Pipe reads jitter by
 * tens of milliseconds, which players see as uneven timestamps; so with a frame rate the time advances
 * by one frame period, pulled gently toward the arrival time (that follows a camera whose real rate
 * differs from the nominal one), and jumps to the arrival time after a stall. Strictly increasing.
 */
export function nextPts(last: number | undefined, now: number, fps: number | undefined): number {
  if (last === undefined) return now
  if (!fps) return Math.max(now, last + 1)
  const grid = last + 1000 / fps
  const pts = Math.abs(now - grid) > PTS_RESYNC_MS ? now : grid + (now - grid) * PTS_PULL
  return Math.max(pts, last + 1)
}

export interface FfmpegExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** One line: ffmpeg's last stderr line, or how it ended. */
  reason: string
  /** stop() was called: nothing went wrong. */
  stopped: boolean
}

export interface FfmpegProcessHandlers {
  accessUnit(au: StreamAccessUnit, ptsMs: number, parser: AnnexBStreamParser): void
  /** Called once, after stdout and stderr are closed. */
  exit(exit: FfmpegExit): void
  stderr?(line: string): void
}

export interface FfmpegProcessOptions {
  /** The ffmpeg executable (default 'ffmpeg', looked up on PATH). */
  bin?: string
  clock?: Clock
  stopGraceMs?: number
  /** What ffmpeg writes (default h264). */
  codec?: StreamVideoCodec
}

export class FfmpegVideoProcess {
  readonly pid: number | undefined
  private readonly child: ChildProcess
  private readonly parser: AnnexBStreamParser
  private readonly clock: Clock
  private readonly tail: string[] = []
  private partialLine = ''
  private lastPts: number | undefined
  private failure: string | undefined
  private stopped = false
  private exited = false
  private killTimer: NodeJS.Timeout | undefined

  constructor(
    argv: readonly string[],
    private readonly handlers: FfmpegProcessHandlers,
    private readonly opts: FfmpegProcessOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock
    this.parser = new AnnexBStreamParser(opts.codec ?? 'h264')
    const bin = opts.bin ?? 'ffmpeg'
    this.child = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.pid = this.child.pid
    this.child.stdout!.on('data', (chunk: Buffer) => this.onStdout(chunk))
    this.child.stderr!.setEncoding('utf8')
    this.child.stderr!.on('data', (text: string) => this.onStderr(text))
    this.child.on('error', (err: NodeJS.ErrnoException) => {
      this.failure ??= err.code === 'ENOENT' ? `${bin} not found; install ffmpeg or put it on PATH` : err.message
      this.finish(null, null)
    })
    this.child.on('close', (code, signal) => this.finish(code, signal))
  }

  get running(): boolean {
    return !this.exited
  }

  /** Idempotent: SIGTERM, then SIGKILL after the grace period. */
  stop(): void {
    if (this.stopped || this.exited) return
    this.stopped = true
    this.child.kill('SIGTERM')
    this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS)
    this.killTimer.unref()
  }

  private onStdout(chunk: Buffer): void {
    if (this.failure) return
    let units: StreamAccessUnit[]
    try {
      units = this.parser.push(chunk)
    } catch (err) {
      const name = this.opts.codec === 'h265' ? 'H.265' : 'H.264'
      this.failure = `output is not ${name} Annex-B (${(err as Error).message}); with -c:v copy the input must be ${name}`
      this.stop()
      return
    }
    for (const au of units) {
      const pts = nextPts(this.lastPts, this.clock.monoMs(), this.parser.spsInfo?.fps)
      this.lastPts = pts
      this.handlers.accessUnit(au, pts, this.parser)
    }
  }

  private onStderr(text: string): void {
    const lines = (this.partialLine + text).split(/\r\n|\r|\n/)
    this.partialLine = lines.pop() ?? ''
    for (const line of lines) this.addLine(line)
  }

  private addLine(line: string): void {
    const trimmed = line.trim()
    if (!trimmed) return
    this.tail.push(trimmed)
    if (this.tail.length > STDERR_TAIL_LINES) this.tail.shift()
    this.handlers.stderr?.(trimmed)
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return
    this.exited = true
    if (this.killTimer) clearTimeout(this.killTimer)
    this.addLine(this.partialLine)
    this.partialLine = ''
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`
    const reason = this.failure ?? (this.stopped ? 'stopped' : code === 0 ? `${how} (end of input)` : (this.tail.at(-1) ?? how))
    this.handlers.exit({ code, signal, reason, stopped: this.stopped && !this.failure })
  }
}
