/**
 * An `ffmpeg:` path: ffmpeg runs with the user's input arguments and writes H.264 Annex-B to stdout
 * (sources/ffmpeg-args.ts, sources/ffmpeg-process.ts); the path serves what it writes. Like a relay,
 * ffmpeg is started when the first reader arrives (or at once when always on), stopped a while after
 * the last leaves, and restarted with backoff if it dies while readers watch (on-demand.ts). A
 * reader is answered once ffmpeg has written its first IDR picture with SPS and PPS; if ffmpeg exits
 * before that, the reader gets 503 and the log says why, in ffmpeg's own last words.
 */
import { EventEmitter } from 'node:events'
import type { H264ByteStreamParser, H264AccessUnit } from '../codecs/h264/byte-stream-parser.js'
import { SourceError } from '../errors.js'
import { ffmpegCommandLine } from '../sources/ffmpeg-args.js'
import { FfmpegVideoProcess, type FfmpegExit } from '../sources/ffmpeg-process.js'
import type { Clock } from '../util/clock.js'
import { OnDemandFeed, type Feed, type OnDemandOptions } from './on-demand.js'
import type { RtspServer } from './rtsp-server.js'
import type { ServerStream } from './server-stream.js'

/** How long ffmpeg may take to write its first IDR picture by default (opening a camera is slow). */
export const DEFAULT_FFMPEG_START_TIMEOUT_MS = 15_000

export interface FfmpegPathOptions extends OnDemandOptions {
  /** The ffmpeg executable (default 'ffmpeg' on PATH). */
  bin?: string | undefined
  startTimeoutMs?: number | undefined
  /** Between SIGTERM and SIGKILL when stopping ffmpeg. */
  stopGraceMs?: number | undefined
}

export interface FfmpegPathDeps {
  clock?: Clock | undefined
  /** Starts, stops and failures. */
  log?: ((msg: string) => void) | undefined
  /** Each line ffmpeg writes to stderr. */
  debug?: ((msg: string) => void) | undefined
}

export interface FfmpegPathEvents {
  spawn: [pid: number | undefined]
  exit: [exit: FfmpegExit & { pid: number | undefined }]
}

export class FfmpegPath extends OnDemandFeed {
  /** ffmpeg processes starting and ending, for monitoring and tests. */
  readonly processes = new EventEmitter<FfmpegPathEvents>()
  /** The full ffmpeg argv (after the executable). */
  readonly argv: readonly string[]
  private readonly running = new Set<FfmpegVideoProcess>()

  /** `args`: the user's ffmpeg arguments, e.g. ['-f', 'v4l2', '-i', '/dev/video0']; ConfigError when they name no input. */
  constructor(name: string, args: readonly string[], server: RtspServer, deps: FfmpegPathDeps = {}, options: FfmpegPathOptions = {}) {
    const argv = ffmpegCommandLine(args)
    super(name, server, () => this.start(), { label: 'ffmpeg', log: deps.log }, options)
    this.argv = argv
    this.ffmpegDeps = deps
    this.ffmpegOptions = options
  }

  private readonly ffmpegDeps: FfmpegPathDeps
  private readonly ffmpegOptions: FfmpegPathOptions

  override close(): void {
    super.close()
    for (const p of this.running) p.stop()
  }

  /** Starts ffmpeg; resolves with the feed at its first IDR picture, rejects with SourceError if it ends first. */
  private start(): Promise<Feed> {
    return new Promise<Feed>((resolve, reject) => {
      let first: { au: H264AccessUnit; pts: number } | undefined
      let target: { stream: ServerStream; ended: (reason: string) => void } | undefined
      let exit: FfmpegExit | undefined
      const push = (stream: ServerStream, au: H264AccessUnit, pts: number): void => {
        try {
          stream.pushVideo(au.nalus, pts)
        } catch (err) {
          stream.emit('warning', err)
        }
      }
      const onUnit = (au: H264AccessUnit, pts: number, parser: H264ByteStreamParser): void => {
        if (target) return push(target.stream, au, pts)
        if (first || !au.keyframe || !parser.sps || !parser.pps || !parser.spsInfo) return // no decodable start yet
        first = { au, pts }
        clearTimeout(timer)
        const { width, height, fps } = parser.spsInfo
        resolve({
          spec: { video: { codec: 'h264', sps: parser.sps, pps: parser.pps, width, height, ...(fps ? { fps } : {}) } },
          description: `ffmpeg (pid ${proc.pid}) started: H.264 ${width}x${height}`,
          run: (stream, ended) => {
            if (exit) return ended(exit.reason)
            target = { stream, ended }
            push(stream, first!.au, first!.pts)
          },
          close: () => proc.stop(),
        })
      }
      const onExit = (e: FfmpegExit): void => {
        exit = e
        this.running.delete(proc)
        clearTimeout(timer)
        this.processes.emit('exit', { ...e, pid: proc.pid })
        this.ffmpegDeps.log?.(`ffmpeg /${this.name}: pid ${proc.pid} ${e.stopped ? 'stopped' : `ended: ${e.reason}`}`)
        if (!first)
          return reject(new SourceError('ERR_FFMPEG_EXIT', `ffmpeg: ${e.reason}`, { observed: { code: e.code, signal: e.signal } }))
        if (target && !e.stopped) target.ended(`ffmpeg: ${e.reason}`)
      }
      const proc = new FfmpegVideoProcess(
        this.argv,
        {
          accessUnit: onUnit,
          exit: onExit,
          stderr: (line) => this.ffmpegDeps.debug?.(`ffmpeg /${this.name}: ${line}`),
        },
        { bin: this.ffmpegOptions.bin, clock: this.ffmpegDeps.clock, stopGraceMs: this.ffmpegOptions.stopGraceMs },
      )
      this.running.add(proc)
      this.processes.emit('spawn', proc.pid)
      const timeoutMs = this.ffmpegOptions.startTimeoutMs ?? DEFAULT_FFMPEG_START_TIMEOUT_MS
      const timer = setTimeout(() => {
        proc.stop()
        reject(
          new SourceError('ERR_FFMPEG_START_TIMEOUT', `ffmpeg: no H.264 IDR picture within ${timeoutMs / 1000} s`, { observed: timeoutMs }),
        )
      }, timeoutMs)
      timer.unref()
    })
  }
}
