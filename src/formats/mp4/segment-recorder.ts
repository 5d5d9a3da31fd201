/**
 * Records a stream as a series of fragmented MP4 files, `DIR/<pathName>/<YYYY-MM-DD_HH-MM-SS-mmm>.mp4`
 * (UTC, from the injected clock when the segment opens). Each segment is a complete file with its own
 * init segment and starts at a keyframe: rotation happens at the first video keyframe after
 * `segmentDurationMs` of media (any frame for audio-only streams). Parameter sets learned in-band carry
 * over to the next segment, for streams that send them only once.
 *
 * Events: 'segment' (path, 'open' | 'finish') when a file is created and when it is complete on disk,
 * also as 'segmentCreate' (path) and 'segmentComplete' (path) for hooks; 'error' (err) when finishing a
 * segment fails (close() also rejects with the first such error).
 *
 * `fileBase` and `createWriter` let a recording name its files from a template and write another
 * container (Matroska); `fsync` decides when the bytes are forced to the disk (FsyncPolicy).
 */
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { asError, ConfigError, RtspkitError, StateError } from '../../errors.js'
import type { TrackInfo } from '../../stream/media.js'
import { openSyncFileOutput } from '../../sinks/sync-file-output.js'
import { fileError } from '../../sinks/byte-output.js'
import { systemClock, type Clock } from '../../util/clock.js'
import {
  checkMp4Tracks,
  FragmentedMp4Writer,
  type FragmentedMp4WriterOptions,
  type Mp4Output,
  type WriteFrameOptions,
} from './fragmented-mp4-writer.js'
import { mp4Of } from './sample-entry.js'

export const DEFAULT_SEGMENT_DURATION_MS = 10 * 60 * 1000
export const SEGMENT_EXTENSION = '.mp4'
/** Name suffixes tried when two segments open in the same millisecond. */
const MAX_NAME_COLLISIONS = 100
/** Segment names follow media time while it stays this close to the clock. */
const MAX_ANCHOR_DRIFT_MS = 5000
const FORBIDDEN_PATH_CHARS = /[\\\0]/

/**
 * When a segment's bytes are forced to the disk. A crashed process loses nothing either way (each
 * fragment is in the kernel once written); this is about power loss and kernel panics:
 * 'fragment' fsyncs every fragment (loses at most one), 'segment' fsyncs a file when it is complete,
 * 'never' leaves it to the OS (usually within 30 s).
 */
export type FsyncPolicy = 'fragment' | 'segment' | 'never'

/** What a segment is written with: FragmentedMp4Writer, or a writer of another container. */
export interface SegmentWriter {
  writeFrame(track: number, data: Uint8Array | readonly Uint8Array[], ptsMs: number, opts?: WriteFrameOptions): boolean
  close(): Promise<void>
  /** The tracks with what was learned in-band, to configure the next segment. */
  readonly tracks: TrackInfo[]
}

export interface SegmentRecorderOptions extends FragmentedMp4WriterOptions {
  /** Root directory of recordings. */
  dir: string
  /** The stream's path, e.g. "cam1" or "site/cam1" (subfolders); never escapes `dir`. */
  pathName: string
  tracks: readonly TrackInfo[]
  /** Default 10 minutes of media. */
  segmentDurationMs?: number
  /** Names the files. Default: the system clock. */
  clock?: Clock
  /** true = 'fragment', false = 'never' (the default). */
  fsync?: boolean | FsyncPolicy
  /** The file of a segment opened at `wallMs`, without extension. Default DIR/PATH/segmentName(wallMs). */
  fileBase?: (wallMs: number) => string
  /** Default SEGMENT_EXTENSION. */
  extension?: string
  /** Name segments after the first one by media time (segmentWallMs) rather than the clock. Default false. */
  nameByMediaTime?: boolean
  /** Default: a FragmentedMp4Writer (the tracks must be ones MP4 holds). */
  createWriter?: (tracks: readonly TrackInfo[], output: Mp4Output) => SegmentWriter
}

export type SegmentPhase = 'open' | 'finish'

/** `YYYY-MM-DD_HH-MM-SS-mmm` in UTC. */
export function segmentName(wallMs: number): string {
  const d = new Date(wallMs)
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}_${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}-${p(d.getUTCMilliseconds(), 3)}`
}

/** `dir` joined with the path name's components; ConfigError for empty, `.`, `..` or odd characters. */
export function recordingDirectory(dir: string, pathName: string): string {
  const parts = pathName.split('/').filter((p) => p !== '')
  const bad = parts.length === 0 || parts.some((p) => p === '.' || p === '..' || FORBIDDEN_PATH_CHARS.test(p))
  if (bad)
    throw new ConfigError(
      'ERR_RECORDER_PATH',
      `cannot record path ${JSON.stringify(pathName)}: it needs non-empty components other than . and ..`,
      { observed: pathName },
    )
  const root = path.resolve(dir)
  const out = path.join(root, ...parts)
  const rel = path.relative(root, out)
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
    throw new ConfigError('ERR_RECORDER_PATH', `path ${JSON.stringify(pathName)} leaves ${dir}`, { observed: pathName })
  return out
}

export class SegmentRecorder extends EventEmitter {
  readonly directory: string
  private readonly segmentMs: number
  private readonly clock: Clock
  private readonly leader: number
  private tracks: readonly TrackInfo[]
  private writer: SegmentWriter | undefined
  private currentPath: string | undefined
  private segmentStartMs: number | undefined
  private readonly finishing = new Set<Promise<void>>()
  private readonly finished: string[] = []
  private firstError: Error | undefined
  private closing: Promise<void> | undefined
  private anchor: { wallMs: number; ptsMs: number } | undefined

  constructor(private readonly opts: SegmentRecorderOptions) {
    super()
    if (!opts.createWriter) checkMp4Tracks(opts.tracks)
    this.directory = recordingDirectory(opts.dir, opts.pathName)
    const d = opts.segmentDurationMs ?? DEFAULT_SEGMENT_DURATION_MS
    if (!Number.isFinite(d) || d <= 0)
      throw new ConfigError('ERR_RECORDER_OPTION', 'segmentDurationMs must be a positive number', { observed: d, allowed: '> 0' })
    this.segmentMs = d
    this.clock = opts.clock ?? systemClock
    this.tracks = opts.tracks
    this.leader = opts.tracks.findIndex((t) => t.kind === 'video')
  }

  /** The file being written, if any. */
  get path(): string | undefined {
    return this.currentPath
  }

  /** Completed segment files, oldest first. */
  get segments(): readonly string[] {
    return this.finished
  }

  /** Like FragmentedMp4Writer.writeFrame; may finish one segment and open the next. */
  writeFrame(track: number, data: Uint8Array | readonly Uint8Array[], ptsMs: number, opts: WriteFrameOptions = {}): boolean {
    if (this.closing) throw new StateError('ERR_RECORDER_CLOSED', 'writeFrame after close', {})
    let keyframe = opts.keyframe
    const info = this.tracks[track]
    // Other containers' callers say which frames are keyframes (or every frame is one).
    if (keyframe === undefined && info?.kind === 'video' && !this.opts.createWriter) keyframe = mp4Of(info).accessUnit?.(data).keyframe
    if (this.writer && this.segmentStartMs !== undefined && this.rotatesAt(track, ptsMs, keyframe ?? true)) this.finishSegment()
    this.writer ??= this.openSegment(ptsMs)
    const written = this.writer.writeFrame(track, data, ptsMs, keyframe === undefined ? opts : { ...opts, keyframe })
    if (written) this.segmentStartMs ??= ptsMs
    return written
  }

  /** Idempotent: finishes the current segment; rejects with the first error of any segment. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.writer) this.finishSegment()
      await Promise.all([...this.finishing])
      if (this.firstError) throw this.firstError
    })()
    return this.closing
  }

  private rotatesAt(track: number, ptsMs: number, keyframe: boolean): boolean {
    if (ptsMs - this.segmentStartMs! < this.segmentMs) return false
    return this.leader < 0 || (track === this.leader && keyframe)
  }

  /**
   * The wall-clock time a segment starting at `ptsMs` is named after: the first segment's clock time
   * plus the media time since, so consecutive segments name contiguous times even when a source sent
   * a burst (a card catching up); re-anchored to the clock when they drift apart (a pause, a new source).
   */
  private segmentWallMs(ptsMs: number): number {
    const now = this.clock.wallMs()
    if (!this.opts.nameByMediaTime) return now
    const a = this.anchor
    const wall = a ? a.wallMs + (ptsMs - a.ptsMs) : now
    if (a && Math.abs(wall - now) <= MAX_ANCHOR_DRIFT_MS) return Math.round(wall)
    this.anchor = { wallMs: now, ptsMs }
    return now
  }

  private openSegment(ptsMs: number): SegmentWriter {
    const wallMs = this.segmentWallMs(ptsMs)
    const base = this.opts.fileBase ? this.opts.fileBase(wallMs) : path.join(this.directory, segmentName(wallMs))
    const dir = path.dirname(base)
    try {
      fs.mkdirSync(dir, { recursive: true })
    } catch (err) {
      throw fileError('ERR_RECORDER_DIR', dir, err)
    }
    const policy = this.opts.fsync === true ? 'fragment' : this.opts.fsync || 'never'
    for (let i = 0; ; i++) {
      const file = `${base}${i === 0 ? '' : `_${i}`}${this.opts.extension ?? SEGMENT_EXTENSION}`
      try {
        const output = openSyncFileOutput(file, {
          fsync: policy === 'fragment',
          fsyncOnClose: policy !== 'never',
          exclusive: true,
          publishOnFirstWrite: this.opts.cutAtKeyframes === true,
        })
        const writer = this.opts.createWriter
          ? this.opts.createWriter(this.tracks, output)
          : new FragmentedMp4Writer(this.tracks, output, this.opts)
        this.currentPath = file
        this.emit('segment', file, 'open' satisfies SegmentPhase)
        this.emit('segmentCreate', file)
        return writer
      } catch (err) {
        const exists = err instanceof RtspkitError && err.details.observed === 'EEXIST'
        if (!exists || i >= MAX_NAME_COLLISIONS) throw err
      }
    }
  }

  private finishSegment(): void {
    const writer = this.writer!
    const file = this.currentPath!
    this.tracks = writer.tracks
    this.writer = undefined
    this.currentPath = undefined
    this.segmentStartMs = undefined
    const done = writer
      .close()
      .then(
        () => {
          this.finished.push(file)
          this.emit('segment', file, 'finish' satisfies SegmentPhase)
          this.emit('segmentComplete', file)
        },
        (err: unknown) => {
          this.firstError ??= asError(err)
          if (this.listenerCount('error') > 0) this.emit('error', err)
        },
      )
      .finally(() => this.finishing.delete(done))
    this.finishing.add(done)
  }
}
