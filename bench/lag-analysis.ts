/**
 * Lag to live, computed from a player's output samples and the reference timeline (bench/lag.ts).
 *
 * The lag of a player at time t is t minus the moment the access unit it output at t reached the
 * reference reader (a reader that does not buffer): how far behind live the player shows the stream.
 * The result for one join is the median over a window after joining (default 5–8 s), once start-up
 * transients (a GOP burst, a jitter buffer filling) are over.
 */
import { median, percentile } from './stats.js'

export interface LagSample {
  /** When the player output the access unit (wall ms). */
  at: number
  hash: string
}

/** The reference's arrival time of an access unit: the latest one not after `notAfter`, if any. */
export type ArrivalLookup = (hash: string, notAfter: number) => number | undefined

export interface LagOptions {
  /** The window, in ms after joining. */
  fromMs: number
  toMs: number
  /**
   * How far the reference's arrival may lie after the player's output and still match: the two
   * clocks are read by different processes, and on loopback a player can output an access unit a
   * little before the reference's event loop has noted it. A looping file repeats its access units
   * once per loop, far further apart than this.
   */
  clockSlackMs?: number
}

export interface LagResult {
  /** Output samples in the window, and those the reference also saw. */
  samples: number
  matched: number
  medianMs: number
  p90Ms: number
  /** From joining to the player's first output access unit (NaN when it output none). */
  firstOutputMs: number
  /** The lag of that first access unit: how old the first picture was. */
  firstLagMs: number
}

export const DEFAULT_CLOCK_SLACK_MS = 1000

export function measureLag(samples: readonly LagSample[], joinedAt: number, lookup: ArrivalLookup, opts: LagOptions): LagResult {
  const slack = opts.clockSlackMs ?? DEFAULT_CLOCK_SLACK_MS
  const lagOf = (s: LagSample): number | undefined => {
    const arrived = lookup(s.hash, s.at + slack)
    return arrived === undefined ? undefined : s.at - arrived
  }
  const lags: number[] = []
  let inWindow = 0
  for (const s of samples) {
    const since = s.at - joinedAt
    if (since < opts.fromMs || since > opts.toMs) continue
    inWindow++
    const lag = lagOf(s)
    if (lag !== undefined) lags.push(lag)
  }
  const first = samples[0]
  return {
    samples: inWindow,
    matched: lags.length,
    medianMs: median(lags),
    p90Ms: percentile(lags, 90),
    firstOutputMs: first ? first.at - joinedAt : NaN,
    firstLagMs: first ? (lagOf(first) ?? NaN) : NaN,
  }
}

export interface AcceptanceRow {
  player: string
  transport: string
  instantMs: number
  keyframeWaitMs: number
  pass: boolean
}

/**
 * The instant-start criterion: with instant start a player must be no further behind live than
 * when it waits for the next keyframe, within `toleranceMs` of measurement noise.
 */
export function acceptance(instantMs: number, keyframeWaitMs: number, toleranceMs: number): boolean {
  return Number.isFinite(instantMs) && Number.isFinite(keyframeWaitMs) && instantMs <= keyframeWaitMs + toleranceMs
}
