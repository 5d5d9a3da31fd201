import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CodecError, ConfigError, ParseError } from '../../../src/errors.js'
import { joinAnnexB } from '../../../src/codecs/h264/annexb.js'
import { H265Depacketizer, type H265AccessUnit } from '../../../src/codecs/h265/depacketizer.js'
import { DEFAULT_MAX_PACKET_SIZE, H265Packetizer, MIN_MAX_PACKET_SIZE } from '../../../src/codecs/h265/packetizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { PACKET_VECTORS, VECTOR_SEQUENCE, VECTOR_SSRC, VECTOR_TIMESTAMP } from './vectors.js'

function vectorPacketizer(maxPacketSize?: number): H265Packetizer {
  return new H265Packetizer({ ssrc: VECTOR_SSRC, initialSequence: VECTOR_SEQUENCE, ...(maxPacketSize ? { maxPacketSize } : {}) })
}

describe('H265Packetizer', () => {
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

    it(`writes ${v.name} from Annex-B bytes`, () => {
      const packets = vectorPacketizer(v.maxPacketSize).packetize(joinAnnexB(v.nalus), VECTOR_TIMESTAMP)
      assert.deepEqual(
        packets.map((b) => b.toString('hex')),
        v.packets.map((b) => b.toString('hex')),
      )
    })
  }

  it('defaults: payload type 96, 1400-byte packets, a random initial sequence', () => {
    const p = new H265Packetizer({ ssrc: 1 })
    assert.equal(p.payloadType, 96)
    assert.equal(p.maxPacketSize, DEFAULT_MAX_PACKET_SIZE)
    assert.equal(DEFAULT_MAX_PACKET_SIZE, 1400)
    assert.ok(p.nextSequence >= 0 && p.nextSequence <= 0xffff)
    const big = Buffer.alloc(5000, 1)
    big[0] = 0x26
    const packets = p.packetize([big], 0)
    assert.equal(packets.length, 4)
    for (const pkt of packets) assert.ok(pkt.length <= 1400)
  })

  it('wraps the sequence number and keeps the SSRC', () => {
    const p = new H265Packetizer({ ssrc: 0xffffffff, initialSequence: 0xffff })
    const [a, b] = [p.packetize([Buffer.from([0x26, 1, 1])], 1)[0]!, p.packetize([Buffer.from([0x02, 1, 1])], 2)[0]!]
    assert.equal(a.readUInt16BE(2), 0xffff)
    assert.equal(b.readUInt16BE(2), 0)
    assert.equal(b.readUInt32BE(8), 0xffffffff)
    assert.equal(p.ssrc, 0xffffffff)
  })

  it('skips empty NAL units and returns nothing for an empty access unit', () => {
    const p = vectorPacketizer()
    assert.deepEqual(p.packetize([], 0), [])
    assert.deepEqual(p.packetize([Buffer.alloc(0)], 0), [])
    assert.deepEqual(p.packetize(Buffer.alloc(0), 0), [])
    assert.equal(p.nextSequence, VECTOR_SEQUENCE)
    const pkts = p.packetize([Buffer.alloc(0), Buffer.from([0x26, 1, 7]), Buffer.alloc(0)], 0)
    assert.equal(pkts.length, 1)
    assert.equal(pkts[0]!.subarray(12).toString('hex'), '260107')
  })

  it('rejects NAL units a receiver would misread: types 48..63, TID 0, shorter than the header', () => {
    const p = vectorPacketizer()
    const code = (c: string) => (e: unknown) => e instanceof CodecError && e.code === c
    for (const t of [48, 49, 50, 63]) assert.throws(() => p.packetize([Buffer.from([t << 1, 1, 2])], 0), code('ERR_H265_NAL_TYPE'))
    assert.throws(() => p.packetize([Buffer.from([0x02, 0x00, 2])], 0), code('ERR_H265_NAL_HEADER'))
    assert.throws(() => p.packetize([Buffer.from([0x02])], 0), code('ERR_H265_NAL_HEADER'))
    assert.equal(p.nextSequence, VECTOR_SEQUENCE, 'nothing sent')
    assert.throws(() => p.packetize(Buffer.from('not annex b'), 0), ParseError)
  })

  it('validates its options', () => {
    const bad = [
      { ssrc: -1 },
      { ssrc: 2 ** 32 },
      { ssrc: 1.5 },
      { ssrc: 1, payloadType: 128 },
      { ssrc: 1, initialSequence: 65536 },
      { ssrc: 1, maxPacketSize: MIN_MAX_PACKET_SIZE - 1 },
      { ssrc: 1, maxPacketSize: 70000 },
    ]
    for (const o of bad) assert.throws(() => new H265Packetizer(o), ConfigError)
    assert.doesNotThrow(() => new H265Packetizer({ ssrc: 1, maxPacketSize: MIN_MAX_PACKET_SIZE }))
  })

  it('property: packets fit, sequence is contiguous, marker only last, depacketizer returns the input', () => {
    const nalArb = fc
      .tuple(
        fc.integer({ min: 0, max: 47 }),
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 1, max: 7 }),
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      )
      .map(([type, layer, tid, body]) => Buffer.concat([Buffer.from([(type << 1) | (layer >> 5), ((layer & 0x1f) << 3) | tid]), body]))
    fc.assert(
      fc.property(
        fc.array(nalArb, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: MIN_MAX_PACKET_SIZE, max: 1500 }),
        fc.integer({ min: 0, max: 0xffff }),
        (nalus, maxPacketSize, seq) => {
          const p = new H265Packetizer({ ssrc: 7, initialSequence: seq, maxPacketSize })
          const packets = p.packetize(nalus, 90000)
          const d = new H265Depacketizer()
          let aus: H265AccessUnit[] = []
          packets.forEach((buf, i) => {
            assert.ok(buf.length <= maxPacketSize)
            const rtp = RtpPacket.parse(buf)
            assert.equal(rtp.sequenceNumber, (seq + i) & 0xffff)
            assert.equal(rtp.marker, i === packets.length - 1)
            assert.equal(rtp.timestamp, 90000)
            aus = d.pushAccessUnits(rtp)
            if (i < packets.length - 1) assert.equal(aus.length, 0)
          })
          assert.equal(aus.length, 1)
          assert.deepEqual(
            aus[0]!.nalus.map((n) => n.toString('hex')),
            nalus.map((n) => n.toString('hex')),
          )
          assert.equal(
            aus[0]!.keyframe,
            nalus.some((n) => ((n[0]! >> 1) & 0x3f) >= 16 && ((n[0]! >> 1) & 0x3f) <= 23),
          )
        },
      ),
      { numRuns: 300 },
    )
  })
})
