/**
 * Plays the timed samples of several tracks in real time, interleaved by time: the source-side twin of
 * Pacer for files whose samples carry their own times (MP4) rather than a fixed frame rate. Deadlines
 * are computed from the start time, so timer jitter never accumulates; looping adds one period per
 * pass, so times keep growing across loops and across stop/start.
 */
import { StateError } from '../errors.js'
import { systemClock, type Clock } from '../util/clock.js'

export interface TimedTrack {
  /** Samples in the order they are played. */
  readonly count: number
  /** When sample `i` is due, in ms from the start of a pass (non-decreasing in `i`). */
  dueMs(i: number): number
}

export interface TimedPlayerOptions {
  /** Length of one pass in ms; when looping, pass k plays each sample at k·periodMs + dueMs(i). */
  periodMs: number
  /** Start again after the end (default true); when false the player stops itself. */
  loop?: boolean | undefined
  clock?: Clock | undefined
  /** Behind by more than this, the player moves its start forward rather than bursting (default 500 ms). */
  maxLagMs?: number | undefined
  label: string
  /** Called when a player that does not loop has played its last sample and stopped itself. */
  onEnd?: (() => void) | undefined
}

/** Samples pushed in one timer callback at most, so a stalled process catches up in steps. */
const MAX_SAMPLES_PER_TICK = 256
const DEFAULT_MAX_LAG_MS = 500

/** Called per sample: `passMs` is k·periodMs for pass k (add it to the sample's own times). */
export type TimedSampleHandler = (track: number, index: number, passMs: number) => void

export class TimedPlayer {
  private timer: NodeJS.Timeout | undefined
  private readonly cursor: number[]
  private readonly pass: number[]
  private readonly loop: boolean
  private readonly clock: Clock
  private readonly maxLagMs: number
  /** ms of the timeline played when stopped; the start resumes from there. */
  private elapsedAtStop = 0
  private startMono = 0
  private onSample: TimedSampleHandler | undefined

  constructor(
    private readonly tracks: readonly TimedTrack[],
    private readonly opts: TimedPlayerOptions,
  ) {
    this.cursor = tracks.map(() => 0)
    this.pass = tracks.map(() => 0)
    this.loop = opts.loop ?? true
    this.clock = opts.clock ?? systemClock
    this.maxLagMs = opts.maxLagMs ?? DEFAULT_MAX_LAG_MS
  }

  get running(): boolean {
    return this.timer !== undefined
  }

  start(onSample: TimedSampleHandler): void {
    if (this.timer) throw new StateError('ERR_SOURCE_STARTED', `${this.opts.label} is already started`)
    this.onSample = onSample
    this.startMono = this.clock.monoMs() - this.elapsedAtStop
    this.schedule(0)
  }

  /** ms of the timeline played so far (including earlier passes). */
  elapsedMs(): number {
    return this.timer ? this.clock.monoMs() - this.startMono : this.elapsedAtStop
  }

  /**
   * Moves each track to sample `cursors[track]` of the first pass, and the clock to `ms` (the time the
   * first of them is due). A running player continues from there at once.
   */
  seek(cursors: readonly number[], ms: number): void {
    cursors.forEach((c, i) => {
      this.cursor[i] = c
      this.pass[i] = 0
    })
    this.elapsedAtStop = ms
    if (this.timer) {
      clearTimeout(this.timer)
      this.startMono = this.clock.monoMs() - ms
      this.schedule(0)
    }
  }

  /** Idempotent; clears the timer. A later `start` resumes where it stopped. */
  stop(): void {
    if (!this.timer) return
    clearTimeout(this.timer)
    this.timer = undefined
    this.elapsedAtStop = this.clock.monoMs() - this.startMono
  }

  /** The track whose next sample is due first, and when; undefined when every track has ended. */
  private next(): { track: number; due: number } | undefined {
    let best: { track: number; due: number } | undefined
    this.tracks.forEach((t, track) => {
      const i = this.cursor[track]!
      if (i >= t.count) return
      const due = this.pass[track]! * this.opts.periodMs + t.dueMs(i)
      if (!best || due < best.due) best = { track, due }
    })
    return best
  }

  private advance(track: number): void {
    if (++this.cursor[track]! < this.tracks[track]!.count || !this.loop) return
    this.cursor[track] = 0
    this.pass[track]!++
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, delay))
  }

  private fire(): void {
    let elapsed = this.clock.monoMs() - this.startMono
    for (let n = 0; n < MAX_SAMPLES_PER_TICK; n++) {
      const next = this.next()
      if (!next) {
        this.stop()
        this.opts.onEnd?.()
        return
      }
      if (next.due > elapsed) break
      if (elapsed - next.due > this.maxLagMs) {
        // Far behind (a stalled process): slide the start instead of bursting a backlog.
        this.startMono += elapsed - next.due
        elapsed = next.due
      }
      const index = this.cursor[next.track]!
      const passMs = this.pass[next.track]! * this.opts.periodMs
      this.advance(next.track)
      this.onSample?.(next.track, index, passMs)
      if (!this.timer) return // stopped from inside onSample
    }
    const next = this.next()
    if (!next) {
      this.stop()
      this.opts.onEnd?.()
      return
    }
    this.schedule(next.due - (this.clock.monoMs() - this.startMono))
  }
}
