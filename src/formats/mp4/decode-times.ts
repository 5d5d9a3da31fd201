/**
 * Decode times for video that arrives in decode order with presentation times only (RTP carries no
 * DTS). With B-frames the presentation times go back and forth; MP4 needs decode times that only go
 * forward and never pass the presentation time (ISO/IEC 14496-12 §8.6.1: CT = DT + offset).
 *
 * Frames are held `depth` deep. The n-th frame out decodes at the n-th smallest presentation time,
 * moved back by a fixed delay: two frame durations when the first window shows reordering (enough
 * for B-pyramids of three B-frames), none otherwise — so streams without B-frames keep DTS = PTS.
 * Once the first window shows no reordering, frames pass straight through: a recording holds no frame
 * back beyond its fragment, which bounds what a crash loses.
 */
const DEFAULT_DEPTH = 4
/** Frames a B-frame may be presented before frames decoded ahead of it, in frame durations. */
const REORDER_DELAY_FRAMES = 2
/** The smallest step between decode times when presentation times would not move forward (ms). */
const MIN_STEP_MS = 0.001

export class DecodeTimes<T> {
  private readonly window: { item: T; ptsMs: number }[] = []
  /** Presentation times pushed and not yet used as a decode time (at most depth + 1). */
  private readonly unused: number[] = []
  private delayMs: number | undefined
  private lastDtsMs = -Infinity

  constructor(
    private readonly emit: (item: T, ptsMs: number, dtsMs: number) => void,
    private readonly depth = DEFAULT_DEPTH,
  ) {}

  push(item: T, ptsMs: number): void {
    this.window.push({ item, ptsMs })
    this.unused.push(ptsMs)
    if (this.window.length > this.depth) this.release()
    if (this.delayMs === 0) while (this.window.length > 0) this.release()
  }

  /** Emits every held frame (end of stream). */
  flush(): void {
    while (this.window.length > 0) this.release()
  }

  private release(): void {
    this.delayMs ??= this.reorderDelay()
    let m = 0
    for (let i = 1; i < this.unused.length; i++) if (this.unused[i]! < this.unused[m]!) m = i
    const smallest = this.unused.splice(m, 1)[0]!
    const front = this.window.shift()!
    const dts = Math.min(Math.max(smallest - this.delayMs, this.lastDtsMs + MIN_STEP_MS), front.ptsMs)
    this.lastDtsMs = Math.max(this.lastDtsMs, dts)
    this.emit(front.item, front.ptsMs, dts)
  }

  /** From the first window: a frame presented before one decoded ahead of it means B-frames. */
  private reorderDelay(): number {
    const pts = this.window.map((f) => f.ptsMs)
    const reordered = pts.some((p, i) => i > 0 && p < pts[i - 1]!)
    if (!reordered) return 0
    const sorted = [...pts].sort((a, b) => a - b)
    let step = Infinity
    for (let i = 1; i < sorted.length; i++) if (sorted[i]! > sorted[i - 1]!) step = Math.min(step, sorted[i]! - sorted[i - 1]!)
    return Number.isFinite(step) ? REORDER_DELAY_FRAMES * step : 0
  }
}
