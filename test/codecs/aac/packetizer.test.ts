import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CodecError, ConfigError } from '../../../src/errors.js'
import { AAC_MIN_PACKET_SIZE, AacPacketizer, DEFAULT_MAX_PACKET_SIZE } from '../../../src/codecs/aac/packetizer.js'
import { AAC_PACKET_VECTORS, VECTOR_AU_DURATION, VECTOR_SEQUENCE, VECTOR_SSRC, VECTOR_TIMESTAMP } from './vectors.js'

function vectorPacketizer(maxPacketSize?: number): AacPacketizer {
  return new AacPacketizer({ ssrc: VECTOR_SSRC, initialSequence: VECTOR_SEQUENCE, maxPacketSize, auDuration: VECTOR_AU_DURATION })
}

describe('AacPacketizer', () => {
  for (const v of AAC_PACKET_VECTORS) {
    it(`writes ${v.name}`, () => {
      const p = vectorPacketizer(v.maxPacketSize)
      const inputs = v.aus.map((a) => Buffer.from(a))
      const packets = p.packetize(v.aus.length === 1 ? v.aus[0]! : v.aus, VECTOR_TIMESTAMP)
      assert.deepEqual(
        packets.map((b) => b.toString('hex')),
        v.packets.map((b) => b.toString('hex')),
      )
      assert.equal(p.nextSequence, (VECTOR_SEQUENCE + v.packets.length) & 0xffff)
      assert.deepEqual(v.aus, inputs, 'input AUs unchanged')
      if (v.maxPacketSize) for (const pkt of packets) assert.ok(pkt.length <= v.maxPacketSize)
    })
  }

  it('defaults: payload type 97, 1400-byte packets, 1024 ticks per AU, a random initial sequence', () => {
    const p = new AacPacketizer({ ssrc: 1 })
    assert.equal(p.payloadType, 97)
    assert.equal(p.maxPacketSize, DEFAULT_MAX_PACKET_SIZE)
    assert.equal(p.auDuration, 1024)
    assert.ok(p.nextSequence >= 0 && p.nextSequence <= 0xffff)
    const packets = p.packetize([Buffer.alloc(700), Buffer.alloc(700), Buffer.alloc(8191)], 0xfffffc00)
    assert.ok(packets.every((pkt) => pkt.length <= 1400))
    assert.equal(packets[0]!.readUInt16BE(12), 16, 'two 700-byte AUs do not fit 1400 bytes together')
    assert.equal(packets[1]!.readUInt32BE(4), 0, 'timestamps wrap')
    assert.equal(packets[2]!.readUInt32BE(4), 1024)
  })

  it('wraps the sequence number and keeps the SSRC', () => {
    const p = new AacPacketizer({ ssrc: 0xffffffff, initialSequence: 0xffff })
    const [a, b] = [p.packetize(Buffer.from([1]), 1)[0]!, p.packetize(Buffer.from([2]), 2)[0]!]
    assert.equal(a.readUInt16BE(2), 0xffff)
    assert.equal(b.readUInt16BE(2), 0)
    assert.equal(b.readUInt32BE(8), 0xffffffff)
  })

  it('returns nothing for no AUs and refuses empty or oversized AUs before sending anything', () => {
    const p = vectorPacketizer()
    assert.deepEqual(p.packetize([], 0), [])
    const tooBig = (e: unknown) => e instanceof CodecError && e.code === 'ERR_AAC_AU_SIZE'
    assert.throws(() => p.packetize(Buffer.alloc(8192), 0), tooBig)
    assert.throws(() => p.packetize([Buffer.alloc(10), Buffer.alloc(0)], 0), tooBig)
    assert.equal(p.nextSequence, VECTOR_SEQUENCE)
  })

  it('validates its options', () => {
    const bad = (opts: Partial<ConstructorParameters<typeof AacPacketizer>[0]>, code: string) =>
      assert.throws(
        () => new AacPacketizer({ ssrc: 1, ...opts }),
        (e: unknown) => e instanceof ConfigError && e.code === code,
      )
    bad({ payloadType: 128 }, 'ERR_RTP_PAYLOAD_TYPE')
    bad({ maxPacketSize: AAC_MIN_PACKET_SIZE - 1 }, 'ERR_RTP_MAX_PACKET_SIZE')
    bad({ maxPacketSize: 70000 }, 'ERR_RTP_MAX_PACKET_SIZE')
    bad({ ssrc: -1 }, 'ERR_RTP_SSRC')
    bad({ initialSequence: 65536 }, 'ERR_RTP_SEQUENCE')
    bad({ auDuration: 0 }, 'ERR_AAC_AU_DURATION')
    assert.equal(new AacPacketizer({ ssrc: 1, maxPacketSize: AAC_MIN_PACKET_SIZE }).packetize(Buffer.alloc(3, 7), 0).length, 3)
  })
})
