import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CodecError, ConfigError } from '../../../src/errors.js'
import { H264Depacketizer, type H264AccessUnit } from '../../../src/codecs/h264/depacketizer.js'
import { DEFAULT_MAX_PACKET_SIZE, H264Packetizer, MIN_MAX_PACKET_SIZE } from '../../../src/codecs/h264/packetizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { PACKET_VECTORS, VECTOR_SEQUENCE, VECTOR_SSRC, VECTOR_TIMESTAMP } from './vectors.js'

function vectorPacketizer(maxPacketSize?: number): H264Packetizer {
  return new H264Packetizer({ ssrc: VECTOR_SSRC, initialSequence: VECTOR_SEQUENCE, ...(maxPacketSize ? { maxPacketSize } : {}) })
}

describe('H264Packetizer', () => {
  for (const v of PACKET_VECTORS) {
    it(`writes ${v.name}`, () => {
      const p = vectorPacketizer(v.maxPacketSize)
      const inputs = v.nalus.map((n) => Buffer.from(n))
      const packets = p.packetize(v.nalus, VECTOR_TIMESTAMP)
      assert.deepEqual(
        packets.map((b) => b.toString('hex')),
        v.packets.map((b) => b.toString('hex')),
      )
      assert.equal(p.nextSequence, (VECTOR_SEQUENCE + v.packets.length) & 0xffff)
      assert.deepEqual(v.nalus, inputs, 'input NAL units unchanged')
    })
  }

  it('defaults: payload type 96, 1400-byte packets, a random initial sequence', () => {
    const p = new H264Packetizer({ ssrc: 1 })
    assert.equal(p.payloadType, 96)
    assert.equal(p.maxPacketSize, DEFAULT_MAX_PACKET_SIZE)
    assert.equal(DEFAULT_MAX_PACKET_SIZE, 1400)
    assert.ok(p.nextSequence >= 0 && p.nextSequence <= 0xffff)
    const big = Buffer.alloc(5000, 1)
    big[0] = 0x65
    for (const pkt of p.packetize([big], 0)) assert.ok(pkt.length <= 1400)
  })

  it('wraps the sequence number and keeps the SSRC', () => {
    const p = new H264Packetizer({ ssrc: 0xffffffff, initialSequence: 0xffff })
    const [a, b] = [p.packetize([Buffer.from([0x65, 1])], 1)[0]!, p.packetize([Buffer.from([0x41, 1])], 2)[0]!]
    assert.equal(a.readUInt16BE(2), 0xffff)
    assert.equal(b.readUInt16BE(2), 0)
    assert.equal(b.readUInt32BE(8), 0xffffffff)
    assert.equal(p.ssrc, 0xffffffff)
  })

  it('skips empty NAL units and returns nothing for an empty access unit', () => {
    const p = vectorPacketizer()
    assert.deepEqual(p.packetize([], 0), [])
    assert.deepEqual(p.packetize([Buffer.alloc(0)], 0), [])
    assert.equal(p.nextSequence, VECTOR_SEQUENCE)
    const pkts = p.packetize([Buffer.alloc(0), Buffer.from([0x65, 1]), Buffer.alloc(0)], 0)
    assert.equal(pkts.length, 1)
    assert.equal(pkts[0]!.subarray(12).toString('hex'), '6501')
  })

  it('rejects NAL unit types that collide with RTP packet types', () => {
    const p = vectorPacketizer()
    for (const t of [0, 24, 28, 31]) {
      assert.throws(
        () => p.packetize([Buffer.from([t, 1, 2])], 0),
        (e: unknown) => e instanceof CodecError && e.code === 'ERR_H264_NAL_TYPE',
      )
    }
  })

  it('validates its options', () => {
    const bad = [
      { ssrc: -1 },
      { ssrc: 2 ** 32 },
      { ssrc: 1, payloadType: 128 },
      { ssrc: 1, initialSequence: 65536 },
      { ssrc: 1, maxPacketSize: MIN_MAX_PACKET_SIZE - 1 },
      { ssrc: 1, maxPacketSize: 70000 },
    ]
    for (const o of bad) assert.throws(() => new H264Packetizer(o), ConfigError)
    assert.doesNotThrow(() => new H264Packetizer({ ssrc: 1, maxPacketSize: MIN_MAX_PACKET_SIZE }))
  })

  it('property: packets fit, sequence is contiguous, marker only last, depacketizer returns the input', () => {
    const nalArb = fc
      .tuple(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ minLength: 0, maxLength: 3000 }))
      .map(([type, nri, body]) => Buffer.concat([Buffer.from([(nri << 5) | type]), body]))
    fc.assert(
      fc.property(
        fc.array(nalArb, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: MIN_MAX_PACKET_SIZE, max: 1500 }),
        fc.integer({ min: 0, max: 0xffff }),
        (nalus, maxPacketSize, seq) => {
          const p = new H264Packetizer({ ssrc: 7, initialSequence: seq, maxPacketSize })
          const packets = p.packetize(nalus, 90000)
          const d = new H264Depacketizer()
          let au: H264AccessUnit | undefined
          packets.forEach((buf, i) => {
            assert.ok(buf.length <= maxPacketSize)
            const rtp = RtpPacket.parse(buf)
            assert.equal(rtp.sequenceNumber, (seq + i) & 0xffff)
            assert.equal(rtp.marker, i === packets.length - 1)
            assert.equal(rtp.timestamp, 90000)
            const out = d.push(rtp)
            if (i < packets.length - 1) assert.equal(out, undefined)
            else au = out
          })
          assert.ok(au)
          assert.deepEqual(
            au.nalus.map((n) => n.toString('hex')),
            nalus.map((n) => n.toString('hex')),
          )
          assert.equal(
            au.keyframe,
            nalus.some((n) => (n[0]! & 0x1f) === 5),
          )
        },
      ),
      { numRuns: 300 },
    )
  })
})
