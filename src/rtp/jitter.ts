/**
 * Interarrival jitter, RFC 3550 section 6.4.1 and appendix A.8.
 *
 *   D(i,j) = (Rj - Ri) - (Sj - Si) = (Rj - Sj) - (Ri - Si)
 *   J(i) = J(i-1) + (|D(i-1,i)| - J(i-1)) / 16
 *
 * R is the arrival time and S the RTP timestamp, both in timestamp units. "The interarrival jitter J
 * is [...] calculated continuously as each data packet i is received from source SSRC_n, using this
 * difference D for that packet and the previous packet i-1 in order of arrival (not necessarily in
 * sequence)". A.8 computes the same estimate in fixed point; we keep it as a float and report the
 * integer part, which is what A.8's `jitter >> 4` yields.
 *
 * Timestamps are subtracted with 32-bit serial arithmetic, so a wrap of the RTP clock is not a spike.
 */
import { tsDiff } from '../util/serial.js'

/** The gain 1/16 "gives a good noise reduction ratio while maintaining a reasonable rate of convergence". */
const JITTER_GAIN_DIVISOR = 16
const MS_PER_SECOND = 1000

export class JitterEstimator {
  private readonly unitsPerMs: number
  private jitter = 0
  private lastArrivalUnits = 0
  private lastTimestamp = 0
  private started = false

  constructor(readonly clockRate: number) {
    this.unitsPerMs = clockRate / MS_PER_SECOND
  }

  /** Feeds one packet: its arrival time in milliseconds (any monotonic origin) and its RTP timestamp. */
  update(arrivalMs: number, timestamp: number): void {
    const arrival = arrivalMs * this.unitsPerMs
    if (this.started) {
      const d = arrival - this.lastArrivalUnits - tsDiff(this.lastTimestamp, timestamp)
      this.jitter += (Math.abs(d) - this.jitter) / JITTER_GAIN_DIVISOR
    }
    this.started = true
    this.lastArrivalUnits = arrival
    this.lastTimestamp = timestamp >>> 0
  }

  /** The estimate in timestamp units, as the reception report carries it (integer part, u32). */
  get value(): number {
    return Math.min(Math.floor(this.jitter), 0xffff_ffff) >>> 0
  }

  /** The estimate in milliseconds (fractional). */
  get milliseconds(): number {
    return this.jitter / this.unitsPerMs
  }

  reset(): void {
    this.jitter = 0
    this.started = false
  }
}
