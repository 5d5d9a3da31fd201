import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RtspkitError } from '../../src/errors.js'
import { ReorderBuffer } from '../../src/rtp/reorder-buffer.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'

const pkt = (seq: number): RtpPacket => new RtpPacket({ sequenceNumber: seq & 0xffff })
const seqs = (out: RtpPacket[]): number[] => out.map((p) => p.sequenceNumber)

describe('ReorderBuffer', () => {
  it('releases in order and reports duplicates and late packets', () => {
    const b = new ReorderBuffer({ window: 4 })
    const out: RtpPacket[] = []
    assert.equal(b.insert(10, pkt(10), 0, out), 'accepted')
    assert.equal(b.insert(12, pkt(12), 0, out), 'accepted')
    assert.equal(b.size, 1)
    assert.equal(b.insert(12, pkt(12), 0, out), 'duplicate')
    assert.equal(b.insert(11, pkt(11), 0, out), 'accepted')
    assert.deepEqual(seqs(out), [10, 11, 12])
    assert.equal(b.insert(11, pkt(11), 0, out), 'duplicate')
    assert.equal(b.expected, 13)
    // 13 missing; 17 overflows the window (17 - 13 >= 4): 13 is given up.
    for (const e of [14, 15, 16, 17]) b.insert(e, pkt(e), 0, out)
    assert.deepEqual(seqs(out), [10, 11, 12, 14, 15, 16, 17])
    assert.equal(b.skipped, 1)
    assert.equal(b.insert(13, pkt(13), 0, out), 'late')
    assert.equal(b.insert(13, pkt(13), 0, out), 'duplicate')
  })

  it('a jump far ahead skips the whole gap at once', () => {
    const b = new ReorderBuffer({ window: 8 })
    const out: RtpPacket[] = []
    b.insert(0, pkt(0), 0, out)
    b.insert(2, pkt(2), 0, out)
    b.insert(1000, pkt(1000), 0, out)
    assert.deepEqual(seqs(out), [0, 2])
    assert.equal(b.size, 1)
    b.flush(out)
    assert.deepEqual(seqs(out), [0, 2, 1000])
    assert.equal(b.skipped, 1 + 997)
  })

  it('gives up gaps by time, oldest first', () => {
    const b = new ReorderBuffer({ window: 16, maxDelayMs: 100 })
    const out: RtpPacket[] = []
    b.insert(0, pkt(0), 0, out)
    b.insert(2, pkt(2), 10, out)
    b.insert(5, pkt(5), 50, out)
    assert.equal(b.nextDeadline(), 110)
    b.releaseDue(110, out)
    assert.deepEqual(seqs(out), [0, 2])
    assert.equal(b.nextDeadline(), 150)
    b.releaseDue(149, out)
    assert.deepEqual(seqs(out), [0, 2])
    b.releaseDue(150, out)
    assert.deepEqual(seqs(out), [0, 2, 5])
    assert.equal(b.nextDeadline(), undefined)
  })

  it('rejects bad options with coded errors', () => {
    assert.throws(
      () => new ReorderBuffer({ window: 0 }),
      (e: RtspkitError) => e.code === 'ERR_REORDER_WINDOW',
    )
    assert.throws(
      () => new ReorderBuffer({ maxDelayMs: -1 }),
      (e: RtspkitError) => e.code === 'ERR_REORDER_DELAY',
    )
  })
})
