import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withTimestamp, withTimestamps } from '../../src/rtp/rtp-packet.js'
import { RtspReader } from '../../src/rtsp/reader.js'
import { TrackSetup, type InterleavedSink } from '../../src/server/track-setup.js'
import type { ServerTrack } from '../../src/stream/stream.js'
import { Unit } from '../../src/stream/unit.js'

const PACKETS = [
  Buffer.from('8060000100000e1000000001aabb', 'hex'),
  Buffer.from('80e0000200000e1000000001cc', 'hex'),
  Buffer.from('0102', 'hex'), // shorter than a header: left as it is
]

function unitOf(packets: Buffer[]): Unit {
  return new Unit(0, 0, 3600, true, Buffer.alloc(0), Buffer.alloc(0), 0, { packetize: () => packets })
}

describe('instant start: restamped copies shared by readers', () => {
  it('Unit.derivedAt makes one value per key and stamp, and keeps only the newest stamp', () => {
    const u = unitOf(PACKETS)
    let made = 0
    const make = (stamp: number) => (p: readonly Buffer[]) => (made++, withTimestamps(p, stamp))
    const a = u.derivedAt('k', 7, make(7))
    assert.equal(u.derivedAt('k', 7, make(7)), a, 'a second reader starting at the same moment shares it')
    assert.equal(made, 1)
    const b = u.derivedAt('k', 8, make(8))
    assert.notEqual(b, a)
    assert.equal(b[0]!.readUInt32BE(4), 8)
    assert.notEqual(u.derivedAt('k', 7, make(7)), a, 'stamp 8 replaced stamp 7')
    assert.equal(made, 3)
    u.derivedAt('other', 7, make(7))
    assert.equal(u.derivedAt('k', 7, make(7))[0]!.readUInt32BE(4), 7, 'keys are independent')
    assert.equal(made, 4)
  })

  it('withTimestamps equals withTimestamp per packet, in one allocation, leaving the packets as they were', () => {
    const before = PACKETS.map((p) => p.toString('hex'))
    const out = withTimestamps(PACKETS, 0xdeadbeef)
    assert.deepEqual(
      out.map((p) => p.toString('hex')),
      PACKETS.map((p) => (p.length >= 12 ? withTimestamp(p, 0xdeadbeef) : p).toString('hex')),
    )
    assert.ok(out.every((p) => p.buffer === out[0]!.buffer))
    assert.deepEqual(
      PACKETS.map((p) => p.toString('hex')),
      before,
    )
  })

  it('a TCP track frames restamped packets on its channel, read back as such', () => {
    const sink = {} as InterleavedSink
    const track = { media: { kind: 'video' } } as unknown as ServerTrack
    const setup = new TrackSetup(track, { kind: 'tcp', sink, rtpChannel: 4, rtcpChannel: 5 })
    const framed = setup.framing!.frameAt(0x01020304)(PACKETS)
    const events = new RtspReader().push(framed)
    assert.deepEqual(
      events.map((e) => (e.kind === 'interleaved' ? [e.channel, Buffer.from(e.payload).toString('hex')] : e.kind)),
      PACKETS.map((p) => [4, (p.length >= 12 ? withTimestamp(p, 0x01020304) : p).toString('hex')]),
    )
    assert.equal(PACKETS[0]!.readUInt32BE(4), 0x0e10, 'the shared packets are untouched')
  })
})
