/**
 * The units of one video track since its last keyframe: what a new reader gets at once so that it
 * can show a picture right away (instant start). Bounded by bytes and by time; a GOP that outgrows
 * either bound is dropped, and readers then wait for the next keyframe as without a cache.
 *
 * The GOP before the current one is kept too, within the same byte bound: a reader that joins just
 * after a keyframe gets both, so its player has enough pictures at once to learn the frame rate
 * (ffmpeg reads about 20 before it shows the first) instead of waiting for live ones.
 */
import type { Unit } from './unit.js'

export interface GopCacheLimits {
  /** Payload bytes the cache may hold (default 4 MiB). */
  maxBytes: number
  /** Span from the keyframe to the newest unit, ms (default 10 s). */
  maxMs: number
}

export const DEFAULT_GOP_CACHE_LIMITS: GopCacheLimits = { maxBytes: 4 * 1024 * 1024, maxMs: 10_000 }

export class GopCache {
  private units: Unit[] = []
  private bytes = 0
  /** True while the current GOP overflowed: nothing is kept until the next keyframe. */
  private overflowed = false
  /** The complete GOP before the current one (empty when it did not fit). */
  private previous: Unit[] = []
  private previousBytes = 0

  constructor(private readonly limits: GopCacheLimits) {}

  /** Adds a unit of the track, in push order. */
  add(unit: Unit): void {
    if (unit.keyframe) {
      this.previous = this.overflowed ? [] : this.units
      this.previousBytes = this.overflowed ? 0 : this.bytes
      this.units = [unit]
      this.bytes = unit.payloadBytes
      this.overflowed = false
    } else {
      if (this.overflowed || this.units.length === 0) return
      this.units.push(unit)
      this.bytes += unit.payloadBytes
    }
    const first = this.units[0]!
    if (this.bytes > this.limits.maxBytes || unit.arrivalMono - first.arrivalMono > this.limits.maxMs) return this.clear(true)
    if (this.previousBytes + this.bytes > this.limits.maxBytes) {
      this.previous = []
      this.previousBytes = 0
    }
  }

  /** The keyframe and every unit after it, oldest first (a copy the caller may keep). */
  snapshot(): Unit[] {
    return this.units.slice()
  }

  /**
   * What a new reader starts with: the current GOP, or — when it spans less than `minSpanMs` and the
   * previous one was kept — the previous GOP and the current one. Oldest first, starting at a keyframe.
   */
  startUnits(minSpanMs: number): Unit[] {
    const first = this.units[0]
    const last = this.units[this.units.length - 1]
    if (!first || !last) return []
    if (last.arrivalMono - first.arrivalMono >= minSpanMs || this.previous.length === 0) return this.units.slice()
    return this.previous.concat(this.units)
  }

  get size(): number {
    return this.units.length
  }

  get payloadBytes(): number {
    return this.bytes
  }

  /** Forgets everything (a new feeder starts; or `overflow`: the GOP is too large to keep). */
  clear(overflow = false): void {
    this.units = []
    this.bytes = 0
    this.previous = []
    this.previousBytes = 0
    this.overflowed = overflow
  }
}
