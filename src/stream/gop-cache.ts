/**
 * The units of one video track since its last keyframe: what a new reader gets at once so that it
 * can show a picture right away (instant start). Bounded by bytes and by time; a GOP that outgrows
 * either bound is dropped, and readers then wait for the next keyframe as without a cache.
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

  constructor(private readonly limits: GopCacheLimits) {}

  /** Adds a unit of the track, in push order. */
  add(unit: Unit): void {
    if (unit.keyframe) {
      this.units = [unit]
      this.bytes = unit.payloadBytes
      this.overflowed = false
    } else {
      if (this.overflowed || this.units.length === 0) return
      this.units.push(unit)
      this.bytes += unit.payloadBytes
    }
    const first = this.units[0]!
    if (this.bytes > this.limits.maxBytes || unit.arrivalMono - first.arrivalMono > this.limits.maxMs) this.clear(true)
  }

  /** The keyframe and every unit after it, oldest first (a copy the caller may keep). */
  snapshot(): Unit[] {
    return this.units.slice()
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
    this.overflowed = overflow
  }
}
