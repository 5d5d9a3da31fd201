/**
 * Bitrates from byte counters: each key keeps (time, total bytes) samples over a sliding window and
 * its rate is the difference between the newest and the oldest. A total that goes down (the path's
 * stream was made anew: another publisher, a relay reconnect) starts the key over.
 */

export const DEFAULT_BITRATE_WINDOW_MS = 5000
/** Bounds the memory per key whatever the sampling rate. */
const MAX_SAMPLES = 64

interface ByteSample {
  atMs: number
  bytes: number
}

export class BitrateMeter {
  private readonly series = new Map<string, ByteSample[]>()

  constructor(private readonly windowMs = DEFAULT_BITRATE_WINDOW_MS) {}

  /** Records `bytes` (a running total) for `key` at `atMs` (monotonic ms). */
  sample(key: string, bytes: number, atMs: number): void {
    let s = this.series.get(key)
    const last = s?.[s.length - 1]
    if (!s || (last && bytes < last.bytes)) {
      s = []
      this.series.set(key, s)
    }
    if (last && s.length > 0 && atMs <= last.atMs) {
      last.bytes = bytes // same instant: keep the newer total
      return
    }
    s.push({ atMs, bytes })
    // Keep one sample at or before the window's start, so the rate spans the whole window.
    while (s.length > 2 && s[1]!.atMs <= atMs - this.windowMs) s.shift()
    if (s.length > MAX_SAMPLES) s.shift()
  }

  /** Bits per second over the window ending at the newest sample; 0 until two samples span some time. */
  bitsPerSecond(key: string): number {
    return Math.round(this.perSecond(key) * 8)
  }

  /** The total's growth per second over the window (any counter: bytes, frames); 0 until two samples span some time. */
  perSecond(key: string): number {
    const s = this.series.get(key)
    if (!s || s.length < 2) return 0
    const first = s[0]!
    const last = s[s.length - 1]!
    const seconds = (last.atMs - first.atMs) / 1000
    return seconds > 0 ? (last.bytes - first.bytes) / seconds : 0
  }

  /** Forgets every key not in `keys` (paths that went away). */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.series.keys()) if (!keys.has(k)) this.series.delete(k)
  }
}
