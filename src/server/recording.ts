/**
 * Recording on the server (`rtspkit serve --record DIR`, `record: true` on a path): every stream — local
 * sources, publishers, relays while pulled — is written as segments named by the path's `recordPath`
 * template, rotated at the first keyframe after each segment duration.
 *
 * Crash safety: a fragment (a cluster in Matroska) ends at every keyframe and before it would span the
 * part duration (1 s by default), and is written whole with one write(2); the init segment is written
 * at once. A process killed at any moment leaves a file that plays up to at most one part before the end.
 *
 * Formats: fMP4 by default. A stream with a track MP4 cannot hold (a codec without `mp4` hooks) is recorded as
 * Matroska instead, which holds them all, and says so in the log; a track neither can hold is left
 * out with a log line, never silently.
 *
 * Events: 'segmentCreate' (pathName, file) when a file is created, 'segmentComplete' (pathName, file)
 * when it is complete on disk (for runOnRecordSegmentCreate / Complete).
 */
import { EventEmitter } from 'node:events'
import path from 'node:path'
import { SegmentRecorder, DEFAULT_SEGMENT_DURATION_MS, recordingDirectory, type FsyncPolicy } from '../formats/mp4/segment-recorder.js'
import { checkMp4Tracks } from '../formats/mp4/fragmented-mp4-writer.js'
import { DecodeTimes } from '../formats/mp4/decode-times.js'
import { MatroskaWriter, matroskaHolds } from '../formats/matroska/matroska-writer.js'
import { DEFAULT_RECORD_PATH, expandRecordPath } from '../recordings/record-path.js'
import { RtspkitError } from '../errors.js'
import type { TrackInfo } from '../sources/source.js'
import type { Clock } from '../util/clock.js'
import type { RtspServer } from './rtsp-server.js'
import { trackInfoOf, type ServerStream } from './server-stream.js'

/** How one path is recorded. */
export interface PathRecordSettings {
  /** Template (recordings/record-path.ts) of the files, without extension. */
  recordPath: string
  /** fmp4 unless a track needs Matroska. */
  format: 'fmp4' | 'matroska'
  segmentDurationMs: number
  /** Longest fragment: what a crash loses at most. */
  partDurationMs: number
  fsync: FsyncPolicy
}

export interface ServerRecordingOptions {
  /** Root of the default template when `settingsFor` is not given. */
  dir: string
  /** Default 10 minutes. */
  segmentDurationMs?: number
  /** Which paths to record (default: all). */
  include?: (path: string) => boolean
  /** Per-path settings; undefined = not recorded. Overrides dir, segmentDurationMs and include. */
  settingsFor?: (path: string) => PathRecordSettings | undefined
  clock?: Clock
  log?: (msg: string) => void
}

const DEFAULT_PART_MS = 1000
const EXTENSIONS = { fmp4: '.mp4', matroska: '.mkv' } as const

type Frame = Buffer | readonly Buffer[]

export class ServerRecording extends EventEmitter {
  private readonly active = new Map<ServerStream, { recorder: SegmentRecorder; untap: () => void }>()
  private readonly pending = new Set<Promise<void>>()
  private closed = false
  private readonly onStream = (s: ServerStream): void => this.start(s)

  constructor(
    private readonly server: RtspServer,
    private readonly opts: ServerRecordingOptions,
  ) {
    super()
    server.on('stream', this.onStream)
  }

  /** Files completed so far, per path. */
  segments(): Record<string, readonly string[]> {
    const out: Record<string, readonly string[]> = {}
    for (const [s, a] of this.active) out[s.name] = a.recorder.segments
    return out
  }

  /** Files being written now (retention leaves them alone). */
  activeFiles(): string[] {
    return [...this.active.values()].flatMap((a) => (a.recorder.path ? [path.resolve(a.recorder.path)] : []))
  }

  private settings(name: string): PathRecordSettings | undefined {
    if (this.opts.settingsFor) return this.opts.settingsFor(name)
    if (this.opts.include && !this.opts.include(name)) return undefined
    return {
      recordPath: `${this.opts.dir.replace(/[\\/]+$/, '')}/${DEFAULT_RECORD_PATH}`,
      format: 'fmp4',
      segmentDurationMs: this.opts.segmentDurationMs ?? DEFAULT_SEGMENT_DURATION_MS,
      partDurationMs: DEFAULT_PART_MS,
      fsync: 'segment',
    }
  }

  private start(stream: ServerStream): void {
    if (this.closed || this.active.has(stream)) return
    const settings = this.settings(stream.name)
    if (!settings) return
    const log = (msg: string): void => this.opts.log?.(`recording /${stream.name}: ${msg}`)
    const all: { index: number; info: TrackInfo }[] = []
    for (const t of stream.tracks) {
      const spec = t.media.kind === 'video' ? stream.spec.video : stream.spec.audio
      if (!spec || spec.codec === 'rtp') {
        log(`track ${t.index} (${t.media.codec}) is relayed without a known codec; not recorded`)
        continue
      }
      all.push({ index: t.index, info: trackInfoOf(t.media.kind, spec) })
    }
    const mp4Ok = (info: TrackInfo): boolean => {
      try {
        checkMp4Tracks([info])
        return true
      } catch {
        return false
      }
    }
    let format = settings.format
    if (format === 'fmp4' && all.some((p) => !mp4Ok(p.info) && matroskaHolds(p.info))) {
      format = 'matroska'
      const odd = all.filter((p) => !mp4Ok(p.info)).map((p) => `${p.info.codec} ${p.info.kind}`)
      log(`MP4 cannot hold ${odd.join(', ')}: recording as Matroska (.mkv)`)
    }
    const holds = format === 'fmp4' ? mp4Ok : matroskaHolds
    const picked = all.filter((p) => holds(p.info))
    for (const p of all) if (!holds(p.info)) log(`${p.info.codec} ${p.info.kind} cannot be recorded (${format}); left out`)
    if (picked.length === 0) {
      log(`nothing to record (${stream.tracks.map((t) => t.media.codec).join(', ')})`)
      return
    }
    let recorder: SegmentRecorder
    try {
      recordingDirectory('.', stream.name) // refuses '..' and the like before a template can use the name
      recorder = new SegmentRecorder({
        dir: '.',
        pathName: stream.name,
        tracks: picked.map((p) => p.info),
        segmentDurationMs: settings.segmentDurationMs,
        fragmentDurationMs: settings.partDurationMs,
        maxFragmentDurationMs: settings.partDurationMs,
        cutAtKeyframes: true,
        nameByMediaTime: true,
        fsync: settings.fsync,
        fileBase: (wallMs) => expandRecordPath(settings.recordPath, stream.name, wallMs),
        extension: EXTENSIONS[format],
        ...(this.opts.clock ? { clock: this.opts.clock } : {}),
        ...(format === 'matroska'
          ? { createWriter: (tracks, output) => new MatroskaWriter(tracks, output, { maxFragmentDurationMs: settings.partDurationMs }) }
          : {}),
      })
    } catch (err) {
      log((err as Error).message)
      return
    }
    recorder.on('segmentCreate', (file: string) => {
      log(`writing ${file}`)
      this.emit('segmentCreate', stream.name, file)
    })
    recorder.on('segmentComplete', (file: string) => {
      log(`finished ${file}`)
      this.emit('segmentComplete', stream.name, file)
    })
    recorder.on('error', (err: Error) => log(err.message))
    const slot = new Map(picked.map((p, i) => [p.index, i]))
    const write = (i: number, data: Frame, ptsMs: number, keyframe: boolean, dtsMs?: number): void => {
      try {
        recorder.writeFrame(i, data, ptsMs, { keyframe, ...(dtsMs === undefined ? {} : { dtsMs }) })
      } catch (err) {
        if (!(err instanceof RtspkitError)) throw err
        log(err.message)
      }
    }
    // Video from files and publishers may hold B-frames: decode times from a window of presentation times.
    const decode = picked.map((p, i) =>
      p.info.kind === 'video' && format === 'fmp4'
        ? new DecodeTimes<{ data: Frame; keyframe: boolean }>((f, pts, dts) => write(i, f.data, pts, f.keyframe, dts))
        : undefined,
    )
    const untap = stream.tapFrames((track, data, ptsMs, keyframe) => {
      const i = slot.get(track.index)
      if (i === undefined) return
      const d = decode[i]
      if (d) d.push({ data, keyframe }, ptsMs)
      else write(i, data, ptsMs, keyframe)
    })
    this.active.set(stream, {
      recorder,
      untap: () => {
        untap()
        for (const d of decode) d?.flush()
      },
    })
    stream.once('close', () => this.finish(stream))
  }

  private finish(stream: ServerStream): void {
    const a = this.active.get(stream)
    if (!a) return
    this.active.delete(stream)
    a.untap()
    const p = a.recorder.close().catch((err: Error) => this.opts.log?.(`recording /${stream.name}: ${err.message}`))
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
  }

  /** Finishes every recording (the last fragment of each file is written). Idempotent. */
  async close(): Promise<void> {
    this.closed = true
    this.server.off('stream', this.onStream)
    for (const s of [...this.active.keys()]) this.finish(s)
    await Promise.all([...this.pending])
  }
}
