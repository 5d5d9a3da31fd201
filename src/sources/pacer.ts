import { systemClock, type Clock } from '../util/clock.js'

/**
 * Calls `onTick` at a fixed frame rate without drift: each deadline is computed from the start
 * time and the frame index, not from the previous timer, so timer jitter never accumulates.
 * If the process falls behind by more than `maxLagFrames`, it skips ahead instead of bursting.
 */
export class Pacer {
  private timer: NodeJS.Timeout | undefined
  private startMono = 0
  private index = 0
  private readonly intervalMs: number

  constructor(
    fps: number,
    private readonly onTick: (frameIndex: number, ptsMs: number) => void,
    private readonly clock: Clock = systemClock,
    private readonly maxLagFrames = 5,
  ) {
    this.intervalMs = 1000 / fps
  }

  get running(): boolean {
    return this.timer !== undefined
  }

  start(): void {
    if (this.timer) return
    this.startMono = this.clock.monoMs() - this.index * this.intervalMs
    this.schedule(0)
  }

  /** Idempotent; clears the timer. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, delay))
  }

  private fire(): void {
    const now = this.clock.monoMs()
    const due = Math.floor((now - this.startMono) / this.intervalMs)
    if (due - this.index > this.maxLagFrames) this.index = due
    this.onTick(this.index, this.index * this.intervalMs)
    this.index++
    if (!this.timer) return // stopped from inside onTick
    this.schedule(this.startMono + this.index * this.intervalMs - this.clock.monoMs())
  }
}
