/**
 * Keeps a storm of like events from flooding the log: in each window the first `burst` events are
 * logged one line each; past that they are only counted, and one summary line at the end of the
 * window says how many of each kind there were ("1,932 sessions opened in the last 10 s"). A window
 * starts with the first event after the previous one ended, so a quiet server keeps no timer.
 */

export interface StormGateOptions {
  /** Length of a window (ms). */
  windowMs: number
  /** Events logged one by one per window; the rest are counted. */
  burst: number
  /** Monotonic milliseconds. */
  now(): number
  /** Called at the end of a window in which events were held back: every event of the window by kind. */
  summary(counts: ReadonlyMap<string, number>, windowMs: number): void
}

export class StormGate {
  private windowStart = Number.NEGATIVE_INFINITY
  private passed = 0
  private held = 0
  private readonly counts = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly o: StormGateOptions) {}

  /** Counts one event of `kind`; true when its own line should be written. */
  pass(kind: string): boolean {
    const now = this.o.now()
    if (now - this.windowStart >= this.o.windowMs) {
      this.flush()
      this.windowStart = now
    }
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1)
    if (this.passed < this.o.burst) {
      this.passed++
      return true
    }
    this.held++
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.o.windowMs - now))
      this.timer.unref()
    }
    return false
  }

  /** Ends the window: writes its summary if events were held back. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.held > 0) this.o.summary(new Map(this.counts), this.o.windowMs)
    this.counts.clear()
    this.passed = 0
    this.held = 0
    this.windowStart = Number.NEGATIVE_INFINITY
  }

  /** Idempotent: the last summary is written and the timer cleared. */
  close(): void {
    this.flush()
  }
}

/** 1932 → "1,932" (logs read the same on every locale). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}
