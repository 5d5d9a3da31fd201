/**
 * Timestamps of the camera board API: integer microseconds (the unit of the board's encoder output),
 * as a number or a bigint. Two mistakes are easy to make when porting: passing seconds from
 * `time.time()` / `Date.now() / 1000` (caught at once: not an integer), and passing milliseconds
 * (`Date.now()`) or nanoseconds (`process.hrtime.bigint()`), which are integers too. Those are caught
 * by comparing how fast the timestamps advance with the wall clock over the first second: a unit off
 * by 1000 shows as media time running 1000 times too slow or too fast. Pushing up to RATE_TOLERANCE
 * times faster or slower than real time (a file sent in a burst, a stalled camera) is accepted.
 */
import { ConfigError } from '../errors.js'
import type { Clock } from '../util/clock.js'

export type MicroTimestamp = number | bigint

const US_PER_MS = 1000
/** Wall time after which the rate is judged. */
const JUDGE_AFTER_MS = 1000
/** Media time may run this many times faster or slower than the wall clock before it is called a unit error. */
const RATE_TOLERANCE = 30

const HINT = 'pass integer microseconds, e.g. Math.round(performance.now() * 1000) or process.hrtime.bigint() / 1000n'

/** Converts one track's microsecond timestamps to milliseconds, rejecting the wrong unit. */
export class TimestampGuard {
  private first: { us: number; wallMs: number } | undefined
  private verdict: 'pending' | 'ok' | ConfigError = 'pending'

  constructor(
    private readonly clock: Clock,
    private readonly label: string,
  ) {}

  /** Microseconds as a number, after checking the value and (during the first second) the rate. */
  check(timestamp: MicroTimestamp): number {
    if (this.verdict instanceof ConfigError) throw this.verdict
    const us = toMicroseconds(timestamp, this.label)
    const now = this.clock.monoMs()
    if (!this.first) {
      this.first = { us, wallMs: now }
      return us
    }
    if (this.verdict === 'pending') {
      const wall = now - this.first.wallMs
      if (wall >= JUDGE_AFTER_MS) {
        const rate = (us - this.first.us) / US_PER_MS / wall
        if (rate < 1 / RATE_TOLERANCE || rate > RATE_TOLERANCE) {
          const guess = rate > 0 && rate < 1 / RATE_TOLERANCE ? ' (milliseconds?)' : rate > RATE_TOLERANCE ? ' (nanoseconds?)' : ''
          this.verdict = new ConfigError(
            'ERR_K230_TIMESTAMP_UNIT',
            `${this.label}: timestamps advanced ${(us - this.first.us).toFixed(0)} in ${wall.toFixed(0)} ms of real time, ` +
              `which is not microseconds${guess}; ${HINT}`,
            { observed: rate, allowed: `media/real time rate ${1 / RATE_TOLERANCE}..${RATE_TOLERANCE}` },
          )
          throw this.verdict
        }
        this.verdict = 'ok'
      }
    }
    return us
  }
}

function toMicroseconds(timestamp: MicroTimestamp, label: string): number {
  if (typeof timestamp === 'bigint') {
    if (timestamp < 0n || timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ConfigError('ERR_K230_TIMESTAMP', `${label}: timestamp ${timestamp} is out of range`, {
        observed: timestamp,
        allowed: `0..${Number.MAX_SAFE_INTEGER}`,
      })
    }
    return Number(timestamp)
  }
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    const seconds = typeof timestamp === 'number' && Number.isFinite(timestamp) && !Number.isInteger(timestamp) ? ' (seconds?)' : ''
    throw new ConfigError(
      'ERR_K230_TIMESTAMP',
      `${label}: timestamp ${String(timestamp)} is not a non-negative integer${seconds}; ${HINT}`,
      {
        observed: timestamp,
        allowed: 'integer microseconds (number or bigint)',
      },
    )
  }
  return timestamp
}
