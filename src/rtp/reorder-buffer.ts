/**
 * A small reorder buffer for one RTP stream, keyed by extended sequence number (RFC 3550 appendix A.1:
 * the 16-bit sequence number plus 65536 per wrap). Packets are released strictly in sequence order.
 *
 * A missing packet is waited for until either
 *   - a packet arrives `window` or more sequence numbers after it (the buffer would overflow), or
 *   - the oldest packet held has waited `maxDelayMs` (see `releaseDue` and `nextDeadline`).
 * Then the gap is given up (the packet is lost) and the held packets after it are released. A packet
 * arriving after its slot was given up is "late" and dropped; one seen before is a "duplicate".
 *
 * Memory is allocated once: `window` slots and a ring remembering the last `historySize` sequence
 * numbers accepted (for duplicate detection). Packets are held by reference, not copied: the caller
 * must not reuse their buffers (node:dgram gives each datagram its own buffer).
 */
import { ConfigError } from '../errors.js'
import type { RtpPacket } from './rtp-packet.js'

export const DEFAULT_REORDER_WINDOW = 64
export const MAX_REORDER_WINDOW = 4096
export const DEFAULT_REORDER_MAX_DELAY_MS = 200
const MAX_REORDER_DELAY_MS = 60_000
/** Duplicates are recognised this far back, and at least twice the window. */
const MIN_HISTORY = 2048
const NO_SEQUENCE = -1

export type InsertOutcome = 'accepted' | 'duplicate' | 'late'

interface Slot {
  ext: number
  packet: RtpPacket
  arrivalMs: number
}

export interface ReorderBufferOptions {
  /** Packets held at most, and how far ahead of a gap a packet may be before the gap is given up. Default 64. */
  window?: number | undefined
  /** Longest a packet waits for an earlier missing one, in milliseconds. Default 200. */
  maxDelayMs?: number | undefined
}

export class ReorderBuffer {
  readonly window: number
  readonly maxDelayMs: number
  private readonly slots: (Slot | undefined)[]
  private readonly history: Float64Array
  /** Extended sequence number released next; NO_SEQUENCE before the first packet. */
  private next = NO_SEQUENCE
  private held = 0
  /** Gaps given up so far, in packets. */
  skipped = 0

  constructor(opts: ReorderBufferOptions = {}) {
    const window = opts.window ?? DEFAULT_REORDER_WINDOW
    const maxDelayMs = opts.maxDelayMs ?? DEFAULT_REORDER_MAX_DELAY_MS
    if (!Number.isInteger(window) || window < 1 || window > MAX_REORDER_WINDOW) {
      throw new ConfigError('ERR_REORDER_WINDOW', `reorder window ${window} is not in 1..${MAX_REORDER_WINDOW}`, {
        observed: window,
        allowed: `1..${MAX_REORDER_WINDOW}`,
      })
    }
    if (!(maxDelayMs >= 0 && maxDelayMs <= MAX_REORDER_DELAY_MS)) {
      throw new ConfigError('ERR_REORDER_DELAY', `reorder delay ${maxDelayMs} ms is not in 0..${MAX_REORDER_DELAY_MS}`, {
        observed: maxDelayMs,
        allowed: `0..${MAX_REORDER_DELAY_MS}`,
      })
    }
    this.window = window
    this.maxDelayMs = maxDelayMs
    this.slots = new Array<Slot | undefined>(window).fill(undefined)
    this.history = new Float64Array(Math.max(MIN_HISTORY, 2 * window)).fill(NO_SEQUENCE)
  }

  /** Packets currently waiting for a gap to fill. */
  get size(): number {
    return this.held
  }

  /** Extended sequence number expected next (undefined before the first packet). */
  get expected(): number | undefined {
    return this.next === NO_SEQUENCE ? undefined : this.next
  }

  /**
   * Offers packet `ext`; appends the packets it releases, in order, to `out`. A window overflow gives
   * up the oldest gaps first. `ext` must not be negative.
   */
  insert(ext: number, packet: RtpPacket, arrivalMs: number, out: RtpPacket[]): InsertOutcome {
    if (this.next === NO_SEQUENCE) this.next = ext
    const h = ext % this.history.length
    if (this.history[h] === ext) return 'duplicate'
    if (ext < this.next) {
      this.history[h] = ext // a second copy is a duplicate, not late again
      return 'late'
    }
    this.history[h] = ext
    if (ext === this.next && this.held === 0) {
      // The common case: in order, nothing waiting.
      out.push(packet)
      this.next++
      return 'accepted'
    }
    if (ext - this.next >= this.window) this.advanceTo(ext - this.window + 1, out)
    this.slots[ext % this.window] = { ext, packet, arrivalMs }
    this.held++
    this.drain(out)
    return 'accepted'
  }

  /** Monotonic time at which the oldest held packet stops waiting, or undefined when none is held. */
  nextDeadline(): number | undefined {
    let oldest = Infinity
    if (this.held === 0) return undefined
    for (const s of this.slots) if (s && s.arrivalMs < oldest) oldest = s.arrivalMs
    return oldest + this.maxDelayMs
  }

  /** Gives up the gaps in front of packets that have waited `maxDelayMs` by `nowMs`; appends released packets to `out`. */
  releaseDue(nowMs: number, out: RtpPacket[]): void {
    while (this.held > 0) {
      const deadline = this.nextDeadline()!
      if (deadline > nowMs) return
      this.advanceTo(this.lowestHeld(), out)
      this.drain(out)
    }
  }

  /** Releases everything held, giving up every gap (end of stream). */
  flush(out: RtpPacket[]): void {
    while (this.held > 0) {
      this.advanceTo(this.lowestHeld(), out)
      this.drain(out)
    }
  }

  /** Forgets everything, including the expected sequence number and the duplicate history. */
  reset(): void {
    this.slots.fill(undefined)
    this.history.fill(NO_SEQUENCE)
    this.held = 0
    this.next = NO_SEQUENCE
  }

  private lowestHeld(): number {
    for (let e = this.next; e < this.next + this.window; e++) {
      const s = this.slots[e % this.window]
      if (s && s.ext === e) return e
    }
    return this.next // unreachable while held > 0
  }

  /** Moves `next` up to `target`, releasing held packets on the way and counting the gaps skipped. */
  private advanceTo(target: number, out: RtpPacket[]): void {
    if (this.held === 0) {
      this.skipped += Math.max(0, target - this.next)
      this.next = Math.max(this.next, target)
      return
    }
    while (this.next < target) {
      const i = this.next % this.window
      const s = this.slots[i]
      if (s && s.ext === this.next) {
        out.push(s.packet)
        this.slots[i] = undefined
        this.held--
      } else {
        this.skipped++
      }
      this.next++
      if (this.held === 0 && this.next < target) {
        this.skipped += target - this.next
        this.next = target
      }
    }
  }

  private drain(out: RtpPacket[]): void {
    for (;;) {
      const i = this.next % this.window
      const s = this.slots[i]
      if (!s || s.ext !== this.next) return
      out.push(s.packet)
      this.slots[i] = undefined
      this.held--
      this.next++
    }
  }
}
