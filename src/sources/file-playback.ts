/**
 * A file served per reader (gst-rtsp-server's unshared factory): each reader plays the file from its
 * start with its own position — `Range: npt=S-` seeks, PAUSE keeps the place, PLAY resumes — and the
 * session ends at the end of the file unless it loops. The file is read once for all readers.
 */
import path from 'node:path'
import { ConfigError } from '../errors.js'
import type { PerReaderSource, ReaderContext, ReaderPlayback } from '../server/per-reader.js'
import type { ServerStream, StreamSpec } from '../server/server-stream.js'
import { describeFileInputs, findFileInput } from './input-source.js'
import { streamSpecFor } from './source-spec.js'
import { TimelinePlayer, type Timeline } from './timeline.js'

export interface FilePlaybackOptions {
  /** Start again at the end instead of ending the reader's session (default false). */
  loop?: boolean
  /** Frame rate for files without timing (Annex-B without VUI, concatenated images). */
  fps?: number | undefined
}

export class FilePlayback implements PerReaderSource {
  readonly spec: StreamSpec
  readonly durationSeconds: number | undefined
  readonly description: string
  private readonly timeline: Timeline
  private readonly loop: boolean

  constructor(file: string, opts: FilePlaybackOptions = {}) {
    const type = findFileInput(file)
    if (!type) {
      throw new ConfigError(
        'ERR_SOURCE_TYPE',
        `cannot serve ${file}: unknown file type "${path.extname(file) || '(none)'}"; supported: ${describeFileInputs()}`,
        { observed: file },
      )
    }
    this.timeline = type.timeline(file, { fps: opts.fps })
    this.loop = opts.loop ?? false
    this.spec = streamSpecFor(this.timeline.tracks.map((t) => t.info))
    this.durationSeconds = this.loop ? undefined : this.timeline.durationMs / 1000
    this.description = `${this.timeline.description.replace(/\)$/, '')}, each reader from the start${this.loop ? ', looping' : ''})`
  }

  open(stream: ServerStream, ctx: ReaderContext, ended: () => void): ReaderPlayback {
    const targets = this.timeline.tracks.map((t) => stream.tracks.find((st) => st.media.kind === t.info.kind))
    const player = new TimelinePlayer(this.timeline, { loop: this.loop, label: `/${ctx.path} for session ${ctx.sessionId}`, onEnd: ended })
    // The stream's clock only moves forward: a seek re-anchors the file's times at "now".
    let offsetMs = stream.elapsedMs()
    /** Where a seek put playback (presentation time, ms), until it pauses. */
    let seekedTo: number | undefined
    const at = (): number => seekedTo ?? player.positionMs()
    return {
      play(fromSeconds) {
        if (fromSeconds !== undefined) {
          seekedTo = player.seek(fromSeconds * 1000)
          offsetMs = stream.elapsedMs() - seekedTo
        }
        if (player.running) return
        player.start((track, frame, ptsMs) => {
          const target = targets[track]
          if (!target) return
          try {
            stream.pushFrame(target, frame, ptsMs + offsetMs)
          } catch (err) {
            stream.emit('warning', err)
          }
        })
      },
      pause: () => {
        player.stop()
        seekedTo = undefined
      },
      stop: () => player.stop(),
      position: () => at() / 1000,
      nextPtsMs: () => at() + offsetMs,
    }
  }
}
