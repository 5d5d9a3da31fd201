/**
 * What every output needs to stay out of the input's way: a queue bounded in bytes, and per track
 * a gate that, once the queue overflowed, drops whole units up to the next keyframe and counts
 * every one of them. A reader that cannot keep up loses pictures, never the publisher's or the
 * other readers' time.
 */
import type { Unit } from './unit.js'

/** A FIFO bounded in bytes. `push` refuses an item that would take it over the bound. */
export class ReaderQueue<T> {
  private items: T[] = []
  private head = 0
  private queued = 0

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.queued
  }

  get length(): number {
    return this.items.length - this.head
  }

  /** Whether `bytes` more fit, counting `outside` bytes already handed on (socket buffers, sends in flight). */
  fits(bytes: number, outside = 0): boolean {
    return this.queued + outside + bytes <= this.maxBytes
  }

  push(item: T, bytes: number, outside = 0): boolean {
    if (!this.fits(bytes, outside)) return false
    this.items.push(item)
    this.queued += bytes
    return true
  }

  /** Items waiting, oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!
  }

  peek(): T | undefined {
    return this.items[this.head]
  }

  /** Removes the oldest item; `bytes` is what it was pushed with. */
  shift(bytes: number): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined as T
    this.queued -= bytes
    // Compact now and then so the array does not grow forever.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    if (this.head === this.items.length) this.clear()
    return item
  }

  clear(): void {
    this.items = []
    this.head = 0
    this.queued = 0
  }
}

/**
 * Per track of a reader: whether the next unit may go out. A reader starts at a keyframe; after an
 * overflow ("too slow") it skips to the next keyframe, and every unit it skips meanwhile is counted.
 */
export class KeyframeGate {
  /** Units not sent because the reader was too slow (dropped, and skipped until the next keyframe). */
  dropped = 0
  /** Bytes of those units (their RTP packets, as queued). */
  bytesDropped = 0
  /** Slow episodes: overflows that started a run of drops. */
  episodes = 0
  private waiting: boolean
  private dropping = false

  /** `startAtKeyframe`: false for tracks whose every unit may start a reader (audio). */
  constructor(private readonly startAtKeyframe: boolean) {
    this.waiting = startAtKeyframe
  }

  get waitingKeyframe(): boolean {
    return this.waiting
  }

  /** True while the reader is skipping after an overflow. */
  get inEpisode(): boolean {
    return this.dropping
  }

  /** Wait for a keyframe again (a new feeder, or PLAY after PAUSE); no drop is counted. */
  restart(): void {
    this.waiting = this.startAtKeyframe
    this.dropping = false
  }

  /** The reader goes on from here without waiting (it was given a keyframe another way: instant start). */
  started(): void {
    this.waiting = false
    this.dropping = false
  }

  /** Whether `unit` may be sent; counts it when it is skipped during a slow episode. */
  admit(unit: Unit): boolean {
    if (!this.waiting) return true
    if (unit.keyframe) {
      this.waiting = false
      this.dropping = false
      return true
    }
    if (this.dropping) {
      this.dropped++
      this.bytesDropped += unit.bytes
    }
    return false
  }

  /** The queue had no room for a unit of `bytes`: it is dropped, and the track skips to the next keyframe. Returns true when this starts an episode. */
  overflow(bytes = 0): boolean {
    this.dropped++
    this.bytesDropped += bytes
    this.waiting = this.startAtKeyframe
    if (this.dropping) return false
    this.dropping = this.startAtKeyframe
    this.episodes++
    return true
  }
}
