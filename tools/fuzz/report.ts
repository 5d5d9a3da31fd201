/**
 * What the fuzz and soak scripts print at the end: fixed-width tables (bench/stats.ts), the verdict
 * and one machine-readable line (`PREFIX {json}`) that the CI test and the comparison docs read.
 */
import { textTable } from '../../bench/stats.js'

export interface Verdict {
  failures: string[]
}

export function counterTable(title: string, counts: Map<string, number>): string {
  const total = [...counts.values()].reduce((a, b) => a + b, 0)
  const rows = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => [k, String(v), total === 0 ? '0.0%' : `${((100 * v) / total).toFixed(1)}%`])
  return textTable([title, 'count', 'share'], rows, 1)
}

export function printVerdict(prefix: string, result: object, verdict: Verdict): void {
  if (verdict.failures.length === 0) console.log(`\n${prefix}: PASS`)
  else {
    console.log(`\n${prefix}: FAIL`)
    for (const f of verdict.failures) console.log(`  - ${f}`)
  }
  console.log(`${prefix} RESULT ${JSON.stringify({ ...result, failures: verdict.failures })}`)
}

export const mib = (bytes: number): string => (Number.isNaN(bytes) ? 'n/a' : (bytes / (1024 * 1024)).toFixed(1))

/** The largest of `values` (-Infinity when empty); a loop, since a long run's samples are too many for Math.max(...values). */
export function largest(values: readonly number[]): number {
  let max = -Infinity
  for (const v of values) if (v > max) max = v
  return max
}
