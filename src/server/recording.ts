/**
 * Recording on the server (`rtspkit serve --record DIR`): every stream — local sources, publishers,
 * relays while pulled — is written as fragmented MP4 segments, DIR/<path>/<UTC time>.mp4, rotated at
 * the first keyframe after each `segmentDurationMs`. Formats MP4 cannot hold (codecs without MP4
 * hooks, `Codec.mp4`, and relayed packets of unknown codecs) are left out of the file.
 */
import { EventEmitter } from 'node:events'
import { SegmentRecorder, DEFAULT_SEGMENT_DURATION_MS } from '../formats/mp4/segment-recorder.js'
import { checkMp4Tracks } from '../formats/mp4/fragmented-mp4-writer.js'
import { DecodeTimes } from '../formats/mp4/decode-times.js'
import { RtspkitError } from '../errors.js'
import type { TrackInfo } from '../sources/source.js'
import type { RtspServer } from './rtsp-server.js'
import { trackInfoOf, type ServerStream } from './server-stream.js'

export interface ServerRecordingOptions {
  dir: string
  /** Default 10 minutes. */
  segmentDurationMs?: number
  /** Which paths to record (default: all). */
  include?: (path: string) => boolean
  log?: (msg: string) => void
}

/** Events: 'segmentCreate' and 'segmentComplete' (pathName, file), for runOnRecordSegmentCreate / Complete. */
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

  private start(stream: ServerStream): void {
    if (this.closed || this.active.has(stream) || (this.opts.include && !this.opts.include(stream.name))) return
    const picked: { index: number; info: TrackInfo }[] = []
    for (const t of stream.tracks) {
      const spec = t.media.kind === 'video' ? stream.spec.video : stream.spec.audio
      if (!spec || spec.codec === 'rtp') continue
      const info = trackInfoOf(t.media.kind, spec)
      try {
        checkMp4Tracks([info])
      } catch {
        continue // a format MP4 cannot hold
      }
      picked.push({ index: t.index, info })
    }
    if (picked.length === 0) {
      this.opts.log?.(
        `recording /${stream.name}: nothing MP4 can hold (${stream.tracks.map((t) => t.media.codec).join(', ')}); not recorded`,
      )
      return
    }
    let recorder: SegmentRecorder
    try {
      recorder = new SegmentRecorder({
        dir: this.opts.dir,
        pathName: stream.name,
        tracks: picked.map((p) => p.info),
        segmentDurationMs: this.opts.segmentDurationMs ?? DEFAULT_SEGMENT_DURATION_MS,
      })
    } catch (err) {
      this.opts.log?.(`recording /${stream.name}: ${(err as Error).message}`)
      return
    }
    recorder.on('segment', (file: string, phase: string) => {
      this.opts.log?.(`recording /${stream.name}: ${phase === 'open' ? 'writing' : 'finished'} ${file}`)
      this.emit(phase === 'open' ? 'segmentCreate' : 'segmentComplete', stream.name, file)
    })
    recorder.on('error', (err: Error) => this.opts.log?.(`recording /${stream.name}: ${err.message}`))
    const slot = new Map(picked.map((p, i) => [p.index, i]))
    const write = (i: number, data: Buffer | readonly Buffer[], ptsMs: number, dtsMs?: number): void => {
      try {
        recorder.writeFrame(i, data, ptsMs, dtsMs === undefined ? {} : { dtsMs })
      } catch (err) {
        if (!(err instanceof RtspkitError)) throw err
        this.opts.log?.(`recording /${stream.name}: ${err.message}`)
      }
    }
    // Video from files and publishers may hold B-frames: decode times from a window of presentation times.
    const decode = picked.map((p, i) =>
      p.info.kind === 'video' ? new DecodeTimes<Buffer | readonly Buffer[]>((data, pts, dts) => write(i, data, pts, dts)) : undefined,
    )
    const untap = stream.tapFrames((track, data, ptsMs) => {
      const i = slot.get(track.index)
      if (i === undefined) return
      const d = decode[i]
      if (d) d.push(data, ptsMs)
      else write(i, data, ptsMs)
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
