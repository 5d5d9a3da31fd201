/**
 * An MP4 file being recorded (the client's `play --out x.mp4`): a FragmentedMp4Writer over a file written
 * synchronously, one fragment per write, so the file is playable up to its last complete fragment
 * whenever the process stops.
 */
import type { TrackInfo } from '../../sources/source.js'
import { openSyncFileOutput } from '../../sinks/sync-file-output.js'
import { checkMp4Tracks, FragmentedMp4Writer, type FragmentedMp4WriterOptions, type Mp4TrackStats } from './fragmented-mp4-writer.js'

export interface Mp4FileOptions extends FragmentedMp4WriterOptions {
  /** fsync every fragment (survives power loss, not only a crash). Default false. */
  fsync?: boolean
}

export interface Mp4File {
  readonly path: string
  readonly tracks: readonly TrackInfo[]
  /** Returns false when the frame was dropped (before the first keyframe…). `keyframe` defaults to what the access unit holds. */
  writeFrame(track: number, data: Uint8Array | readonly Uint8Array[], ptsMs: number, keyframe?: boolean, dtsMs?: number): boolean
  trackStats(track: number): Mp4TrackStats
  /** Idempotent: writes the last fragment and closes the file. */
  close(): Promise<void>
}

/** Creates (truncates) `file`; ConfigError for a bad path or a track the MP4 writer cannot carry. */
export function openMp4File(file: string, tracks: readonly TrackInfo[], opts: Mp4FileOptions = {}): Mp4File {
  // Check the tracks before creating the file, so a refused stream leaves nothing behind.
  checkMp4Tracks(tracks)
  const writer = new FragmentedMp4Writer(tracks, openSyncFileOutput(file, { fsync: opts.fsync ?? false }), opts)
  return {
    path: file,
    get tracks() {
      return writer.tracks
    },
    writeFrame: (track, data, ptsMs, keyframe, dtsMs) =>
      writer.writeFrame(track, data, ptsMs, { ...(keyframe !== undefined ? { keyframe } : {}), ...(dtsMs !== undefined ? { dtsMs } : {}) }),
    trackStats: (track) => writer.trackStats(track),
    close: () => writer.close(),
  }
}
