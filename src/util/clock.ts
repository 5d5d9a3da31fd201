/** Injected time sources: wall clock for RTCP/NTP, monotonic for pacing and timeouts. */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  wallMs(): number
  /** Monotonic milliseconds (arbitrary origin). */
  monoMs(): number
}

export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monoMs: () => performance.now(),
}
