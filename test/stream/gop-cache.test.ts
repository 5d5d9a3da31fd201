import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GopCache } from '../../src/stream/gop-cache.js'
import { Unit } from '../../src/stream/unit.js'
import { frameInterleaved } from '../../src/rtsp/interleaved.js'
import { RtspReader } from '../../src/rtsp/reader.js'

/** A packetizer that counts its calls and numbers packets, so tests see when and in what order units are packetized. */
function counter() {
  let seq = 0
  return {
    calls: 0,
    packetize(payload: Buffer | readonly Buffer[], ts: number): Buffer[] {
      this.calls++
      const b = Buffer.alloc(12 + (Buffer.isBuffer(payload) ? payload.length : 0))
      b.writeUInt16BE(seq++, 2)
      b.writeUInt32BE(ts, 4)
      return [b]
    },
  }
}

const unit = (p: ReturnType<typeof counter>, i: number, keyframe: boolean, bytes = 100, atMs = i * 40) =>
  new Unit(0, i * 40, i * 3600, keyframe, Buffer.alloc(bytes), Buffer.alloc(bytes), atMs, p)

describe('Unit', () => {
  it('makes its RTP packets once, on first use, and shares them', () => {
    const p = counter()
    const u = unit(p, 0, true)
    assert.equal(u.packetized, false)
    assert.equal(p.calls, 0)
    const a = u.packets
    assert.equal(u.bytes, 112)
    assert.equal(u.packets, a)
    assert.equal(p.calls, 1)
    assert.equal(u.payloadBytes, 100)
  })

  it('keeps what outputs derive from its packets (the RTSP framing per channel, read back by the RTSP reader)', () => {
    const packets = [Buffer.from('8060000100000e1000000001aa', 'hex'), Buffer.from('80e0000200000e1000000001bbcc', 'hex')]
    const u = new Unit(0, 0, 3600, true, Buffer.alloc(0), Buffer.alloc(0), 0, { packetize: () => packets })
    let made = 0
    const frame = (channel: number) => (p: readonly Buffer[]) => (made++, frameInterleaved(channel, p))
    const framed = u.derived('rtsp-interleaved:2', frame(2))
    assert.equal(u.derived('rtsp-interleaved:2', frame(2)), framed, 'shared by every reader on the channel')
    assert.notEqual(u.derived('rtsp-interleaved:0', frame(0)), framed)
    assert.equal(made, 2)
    const events = new RtspReader().push(framed)
    assert.deepEqual(
      events.map((e) => (e.kind === 'interleaved' ? [e.channel, Buffer.from(e.payload).toString('hex')] : e.kind)),
      packets.map((p) => [2, p.toString('hex')]),
    )
  })
})

describe('GopCache', () => {
  it('keeps the last keyframe and every unit after it, oldest first', () => {
    const p = counter()
    const c = new GopCache({ maxBytes: 1 << 20, maxMs: 10_000 })
    c.add(unit(p, 0, false)) // before any keyframe: nothing to start from
    assert.equal(c.size, 0)
    const units = [unit(p, 1, true), unit(p, 2, false), unit(p, 3, false)]
    for (const u of units) c.add(u)
    assert.deepEqual(c.snapshot(), units)
    const k = unit(p, 4, true)
    c.add(k)
    assert.deepEqual(c.snapshot(), [k])
    assert.equal(c.payloadBytes, 100)
  })

  it('drops a GOP that outgrows its byte bound until the next keyframe', () => {
    const p = counter()
    const c = new GopCache({ maxBytes: 250, maxMs: 10_000 })
    c.add(unit(p, 0, true))
    c.add(unit(p, 1, false))
    assert.equal(c.size, 2)
    c.add(unit(p, 2, false)) // 300 bytes > 250
    assert.equal(c.size, 0)
    c.add(unit(p, 3, false))
    assert.equal(c.size, 0, 'stays empty until a keyframe')
    c.add(unit(p, 4, true))
    assert.equal(c.size, 1)
  })

  it('drops a GOP that spans more than its time bound', () => {
    const p = counter()
    const c = new GopCache({ maxBytes: 1 << 20, maxMs: 1000 })
    c.add(unit(p, 0, true, 10, 0))
    c.add(unit(p, 1, false, 10, 900))
    assert.equal(c.size, 2)
    c.add(unit(p, 2, false, 10, 1001))
    assert.equal(c.size, 0)
  })

  it('a reader joining early in a GOP starts at the previous keyframe, within the byte bound', () => {
    const p = counter()
    const c = new GopCache({ maxBytes: 1000, maxMs: 10_000 })
    const gop1 = [unit(p, 0, true, 100, 0), unit(p, 1, false, 100, 500), unit(p, 2, false, 100, 1000)]
    for (const u of gop1) c.add(u)
    const k = unit(p, 3, true, 100, 1500)
    c.add(k)
    assert.deepEqual(c.startUnits(1000), [...gop1, k], 'the current GOP spans 0 ms: both')
    const late = unit(p, 4, false, 100, 2600)
    c.add(late)
    assert.deepEqual(c.startUnits(1000), [k, late], 'the current GOP spans 1.1 s: enough on its own')
    assert.deepEqual(c.startUnits(5000), [...gop1, k, late])
    // The previous GOP goes when both together outgrow the bound.
    for (let i = 5; i < 11; i++) c.add(unit(p, i, false, 100, 2600 + i))
    assert.deepEqual(c.startUnits(5000)[0], k)
  })

  it('snapshot is a copy; clear() forgets', () => {
    const p = counter()
    const c = new GopCache({ maxBytes: 1 << 20, maxMs: 10_000 })
    c.add(unit(p, 0, true))
    const snap = c.snapshot()
    c.add(unit(p, 1, false))
    assert.equal(snap.length, 1)
    c.clear()
    assert.equal(c.size, 0)
    c.add(unit(p, 2, false))
    assert.equal(c.size, 0)
  })
})
