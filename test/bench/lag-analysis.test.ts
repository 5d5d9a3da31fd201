import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { acceptance, measureLag, type LagSample } from '../../bench/lag-analysis.js'
import { median, percentile, seededRandom } from '../../bench/stats.js'

/** A reference that saw access unit `au<i>` arrive at 1000 + 33 i ms. */
const arrivals = new Map(Array.from({ length: 400 }, (_, i) => [`au${i}`, 1000 + 33 * i]))
const lookup = (hash: string, notAfter: number) => {
  const at = arrivals.get(hash)
  return at !== undefined && at <= notAfter ? at : undefined
}

describe('measureLag', () => {
  it('is output time minus reference arrival, over the window after joining', () => {
    // Joined at 1000; outputs every access unit 40 ms after the reference, but 500 ms late before 2 s.
    const samples: LagSample[] = Array.from({ length: 300 }, (_, i) => {
      const ref = 1000 + 33 * i
      return { at: ref + (ref < 3000 ? 500 : 40), hash: `au${i}` }
    })
    const r = measureLag(samples, 1000, lookup, { fromMs: 5000, toMs: 8000 })
    assert.equal(r.medianMs, 40)
    assert.equal(r.matched, r.samples)
    assert.ok(r.samples >= 90 && r.samples <= 92, `about 3 s of 33 ms frames, got ${r.samples}`)
    assert.equal(r.firstOutputMs, 500)
    assert.equal(r.firstLagMs, 500)
  })

  it('leaves out access units the reference never saw, and reports NaN without output', () => {
    const samples: LagSample[] = [
      { at: 7000, hash: 'unknown' },
      { at: 7010, hash: 'au100' },
    ]
    const r = measureLag(samples, 1000, lookup, { fromMs: 5000, toMs: 8000 })
    assert.deepEqual([r.samples, r.matched, r.medianMs], [2, 1, 7010 - 4300])
    assert.ok(Number.isNaN(measureLag([], 0, lookup, { fromMs: 0, toMs: 1 }).medianMs))
  })

  it('matches a reference arrival up to the clock slack after the output', () => {
    const samples: LagSample[] = [{ at: 4290, hash: 'au100' }] // reference noted it at 4300
    assert.equal(measureLag(samples, 0, lookup, { fromMs: 0, toMs: 10_000 }).medianMs, -10)
    assert.equal(measureLag(samples, 0, lookup, { fromMs: 0, toMs: 10_000, clockSlackMs: 5 }).matched, 0)
  })
})

describe('acceptance', () => {
  it('passes when instant start is no further behind than waiting, within the tolerance', () => {
    assert.ok(acceptance(40, 40, 0))
    assert.ok(acceptance(80, 40, 50))
    assert.ok(!acceptance(100, 40, 50))
    assert.ok(!acceptance(NaN, 40, 50))
  })
})

describe('bench statistics', () => {
  it('seededRandom repeats for a seed and stays in [0, 1)', () => {
    const a = seededRandom(1)
    const b = seededRandom(1)
    const xs = Array.from({ length: 1000 }, () => a())
    assert.deepEqual(
      xs.slice(0, 5),
      Array.from({ length: 5 }, () => b()),
    )
    assert.ok(xs.every((x) => x >= 0 && x < 1))
    assert.notEqual(seededRandom(2)(), xs[0])
  })

  it('percentile interpolates between ranks', () => {
    assert.equal(median([3, 1, 2]), 2)
    assert.equal(median([1, 2, 3, 4]), 2.5)
    assert.equal(percentile([0, 10], 90), 9)
    assert.ok(Number.isNaN(median([])))
  })
})
