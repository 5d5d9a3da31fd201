import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BitrateMeter } from '../../src/api/bitrate.js'

describe('BitrateMeter', () => {
  it('is 0 until two samples span time, then bits per second over the window', () => {
    const m = new BitrateMeter(2000)
    assert.equal(m.bitsPerSecond('p'), 0)
    m.sample('p', 0, 0)
    assert.equal(m.bitsPerSecond('p'), 0)
    m.sample('p', 1000, 0) // same instant: the newer total replaces
    m.sample('p', 2000, 1000)
    assert.equal(m.bitsPerSecond('p'), 8000) // 1000 bytes in 1 s
    for (let t = 2000; t <= 10_000; t += 1000) m.sample('p', 2000 + (t - 1000) * 10, t) // 10 000 B/s from here
    assert.equal(m.bitsPerSecond('p'), 80_000) // the 1 000 B/s second has left the 2 s window
  })

  it('starts a key over when its total goes down (a new publisher), and forgets keys not retained', () => {
    const m = new BitrateMeter(5000)
    m.sample('p', 5000, 0)
    m.sample('p', 10_000, 1000)
    m.sample('p', 100, 2000)
    assert.equal(m.bitsPerSecond('p'), 0)
    m.sample('p', 600, 2500)
    assert.equal(m.bitsPerSecond('p'), 8000)
    m.sample('q', 0, 0)
    m.sample('q', 125, 1000)
    m.retain(new Set(['p']))
    assert.equal(m.bitsPerSecond('q'), 0)
    assert.equal(m.bitsPerSecond('p'), 8000)
  })
})
