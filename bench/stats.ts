/**
 * Small statistics for the benches: a seeded pseudo-random generator (so random join moments repeat
 * from run to run) and percentiles.
 */

/**
 * mulberry32: a 32-bit-state generator, uniform in [0, 1). Not for cryptography; good enough to
 * scatter join moments over a GOP, and the same seed gives the same sequence on every machine.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000
  }
}

/**
 * The p-th percentile (0–100) with linear interpolation between closest ranks (numpy's default,
 * Excel's PERCENTILE.INC); NaN for no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo)
}

export const median = (values: readonly number[]): number => percentile(values, 50)

/** A fixed-width table: the first `leftColumns` columns left-aligned, the rest right-aligned. */
export function textTable(header: string[], rows: string[][], leftColumns = 2): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** A number with `digits` decimals, or 'n/a' for NaN / undefined. */
export function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits)
}
