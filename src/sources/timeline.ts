/**
 * A file as a timeline: per track, samples in decode order with the time each is due, its
 * presentation time and whether a decoder can start there. Files are read into one once; any number
 * of TimelinePlayers then play it, each from its own position — the shared source of a path (looping)
 * or one reader's own playback (seeking, pausing, ending at the end).
 */
import { StateError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import type { FramePush, TrackInfo } from './source.js'
import { TimedPlayer } from './timed-player.js'

export interface TimelineTrack {
  readonly info: TrackInfo
  readonly count: number
  /** When sample `i` is due, ms from the start (non-decreasing in `i`). */
  dueMs(i: number): number
  /** Its presentation time, ms from the start (differs from dueMs with B-frames). */
  ptsMs(i: number): number
  /** A decoder can start here (always true for audio and intra-only video). */
  keyframe(i: number): boolean
  /** The sample as a frame (see FramePush); undefined when it cannot be read. */
  frame(i: number): Buffer | Buffer[] | undefined
}

export interface Timeline {
  readonly tracks: readonly TimelineTrack[]
  /** Length of one pass, ms. */
  readonly durationMs: number
  readonly description: string
  /** Idempotent: releases the file. */
  close(): void
}

/** A track of frames at a fixed rate: frame i is due at i/rate seconds. */
export function fixedRateTrack(
  info: TrackInfo,
  frames: readonly (Buffer | Buffer[])[],
  framesPerSecond: number,
  keyframe: (i: number) => boolean = () => true,
): TimelineTrack {
  const step = 1000 / framesPerSecond
  return {
    info,
    count: frames.length,
    dueMs: (i) => i * step,
    ptsMs: (i) => i * step,
    keyframe,
    frame: (i) => frames[i],
  }
}

export interface TimelinePlayerOptions {
  /** Start again after the end (default true); false: stop and call onEnd. */
  loop?: boolean | undefined
  clock?: Clock | undefined
  label: string
  /** Called when a player that does not loop has pushed its last sample (it has stopped). */
  onEnd?: () => void
}

/** A keyframe this close after the requested time still counts as "at" it (rounding in npt). */
const SEEK_TOLERANCE_MS = 0.5

/** Plays a timeline in real time; `seek` moves to a keyframe; pts grow across loops. */
export class TimelinePlayer {
  private readonly player: TimedPlayer
  private push: FramePush | undefined
  private wanted: (() => boolean) | undefined

  constructor(
    private readonly timeline: Timeline,
    private readonly opts: TimelinePlayerOptions,
  ) {
    this.player = new TimedPlayer(timeline.tracks, {
      periodMs: timeline.durationMs,
      loop: opts.loop ?? true,
      clock: opts.clock,
      label: opts.label,
      onEnd: opts.onEnd,
    })
  }

  get running(): boolean {
    return this.player.running
  }

  /** Where playback is in the file, ms. */
  positionMs(): number {
    return this.player.elapsedMs() % Math.max(1, this.timeline.durationMs)
  }

  /** Throws StateError when already playing. */
  start(push: FramePush, wanted?: () => boolean): void {
    if (this.player.running) throw new StateError('ERR_SOURCE_STARTED', `${this.opts.label} is already started`)
    this.push = push
    this.wanted = wanted
    this.player.start((track, index, passMs) => this.onSample(track, index, passMs))
  }

  /** Pauses; a later start resumes at the same place. Idempotent. */
  stop(): void {
    this.player.stop()
  }

  /**
   * Moves to `ms` into the file (presentation time): video from its last keyframe presented at or
   * before `ms`, other tracks from that keyframe's time, so the picture starts clean and the tracks
   * stay together. Returns the presentation time playback starts at.
   */
  seek(ms: number): number {
    const tracks = this.timeline.tracks
    const target = Math.max(0, Math.min(ms, this.timeline.durationMs))
    let startDue = target
    let startPts = target
    const video = tracks.findIndex((t) => t.info.kind === 'video')
    const cursors = tracks.map(() => 0)
    if (video >= 0 && tracks[video]!.count > 0) {
      const t = tracks[video]!
      let k = 0
      for (let i = 0; i < t.count; i++) if (t.keyframe(i) && t.ptsMs(i) <= target + SEEK_TOLERANCE_MS) k = i
      cursors[video] = k
      startDue = t.dueMs(k)
      startPts = t.ptsMs(k)
    }
    tracks.forEach((t, i) => {
      if (i === video) return
      let j = 0
      while (j < t.count && t.dueMs(j) < startDue) j++
      cursors[i] = j
    })
    this.player.seek(cursors, startDue)
    return startPts
  }

  private onSample(track: number, index: number, passMs: number): void {
    const t = this.timeline.tracks[track]!
    if (this.wanted && !this.wanted()) return
    const frame = t.frame(index)
    if (frame) this.push?.(track, frame, passMs + t.ptsMs(index))
  }
}
