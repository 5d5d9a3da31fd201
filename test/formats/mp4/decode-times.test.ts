import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DecodeTimes } from '../../../src/formats/mp4/decode-times.js'

function run(pts: number[], depth?: number): { pts: number; dts: number }[] {
  const out: { pts: number; dts: number }[] = []
  const d = new DecodeTimes<number>((_i, p, dts) => out.push({ pts: p, dts }), depth)
  pts.forEach((p, i) => d.push(i, p))
  d.flush()
  return out
}

describe('DecodeTimes', () => {
  it('without B-frames decode time is the presentation time', () => {
    const r = run([0, 40, 80, 120, 160, 200])
    assert.deepEqual(
      r.map((x) => x.dts),
      [0, 40, 80, 120, 160, 200],
    )
  })

  it('with B-frames (decode order I0 P3 B1 B2 P6 B4 B5) decode times go forward and never pass presentation', () => {
    const pts = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8].map((x) => x * 40)
    const r = run(pts)
    assert.deepEqual(
      r.map((x) => x.pts),
      pts,
      'order and presentation times kept',
    )
    for (let i = 0; i < r.length; i++) {
      assert.ok(r[i]!.dts <= r[i]!.pts, `frame ${i}: dts ${r[i]!.dts} <= pts ${r[i]!.pts}`)
      if (i > 0) assert.ok(r[i]!.dts > r[i - 1]!.dts, `frame ${i}: dts increases`)
    }
    assert.deepEqual(
      r.slice(0, 4).map((x) => x.dts),
      [-80, -40, 0, 40],
      'sorted presentation times, two frames earlier',
    )
  })

  it('a reorder deeper than the window still yields dts <= pts', () => {
    const r = run([0, 200, 40, 80, 120, 160], 2)
    for (const x of r) assert.ok(x.dts <= x.pts)
  })
})
