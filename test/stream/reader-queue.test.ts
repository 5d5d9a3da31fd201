import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeyframeGate, ReaderQueue } from '../../src/stream/reader-queue.js'
import { Unit } from '../../src/stream/unit.js'

const none = { packetize: () => [] as Buffer[] }
const unit = (keyframe: boolean) => new Unit(0, 0, 0, keyframe, Buffer.alloc(1), Buffer.alloc(1), 0, none)

describe('ReaderQueue', () => {
  it('is a FIFO bounded in bytes, counting bytes held outside it', () => {
    const q = new ReaderQueue<string>(100)
    assert.equal(q.push('a', 40), true)
    assert.equal(q.push('b', 40), true)
    assert.equal(q.push('c', 40), false, 'over the bound')
    assert.equal(q.push('c', 10, 15), false, 'over the bound with bytes outside')
    assert.equal(q.push('c', 10, 10), true)
    assert.deepEqual([q.length, q.bytes], [3, 90])
    assert.equal(q.shift(40), 'a')
    assert.equal(q.peek(), 'b')
    assert.equal(q.shift(40), 'b')
    assert.equal(q.shift(10), 'c')
    assert.equal(q.shift(0), undefined)
    assert.deepEqual([q.length, q.bytes], [0, 0])
  })

  it('keeps order across many pushes and shifts (compaction)', () => {
    const q = new ReaderQueue<number>(1 << 30)
    let next = 0
    for (let i = 0; i < 5000; i++) {
      q.push(i, 1)
      if (i % 3 !== 0) assert.equal(q.shift(1), next++)
    }
    while (q.length) assert.equal(q.shift(1), next++)
    assert.equal(next, 5000)
  })
})

describe('KeyframeGate', () => {
  it('video starts at a keyframe; what is skipped before the first one is not a drop', () => {
    const g = new KeyframeGate(true)
    assert.equal(g.admit(unit(false)), false)
    assert.equal(g.admit(unit(true)), true)
    assert.equal(g.admit(unit(false)), true)
    assert.equal(g.dropped, 0)
  })

  it('after an overflow, every unit up to the next keyframe counts as dropped; one episode', () => {
    const g = new KeyframeGate(true)
    g.admit(unit(true))
    assert.equal(g.overflow(), true, 'starts an episode')
    assert.equal(g.admit(unit(false)), false)
    assert.equal(g.admit(unit(false)), false)
    assert.equal(g.overflow(), false, 'same episode')
    assert.equal(g.inEpisode, true)
    assert.equal(g.admit(unit(true)), true)
    assert.equal(g.inEpisode, false)
    assert.deepEqual([g.dropped, g.episodes], [4, 1])
  })

  it('audio takes any unit; an overflow drops only that unit', () => {
    const g = new KeyframeGate(false)
    assert.equal(g.admit(unit(false)), true)
    g.overflow()
    assert.equal(g.admit(unit(false)), true)
    assert.equal(g.dropped, 1)
  })

  it('restart() waits for a keyframe without counting; started() goes on at once', () => {
    const g = new KeyframeGate(true)
    g.admit(unit(true))
    g.restart()
    assert.equal(g.admit(unit(false)), false)
    g.started()
    assert.equal(g.admit(unit(false)), true)
    assert.equal(g.dropped, 0)
  })
})
