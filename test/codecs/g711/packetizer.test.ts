import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CodecError, ConfigError } from '../../../src/errors.js'
import { g711LawFromEncodingName, g711Rtpmap } from '../../../src/codecs/g711/format.js'
import { G711Packetizer } from '../../../src/codecs/g711/packetizer.js'
import { G711_PACKET_VECTORS, VECTOR_SEQUENCE, VECTOR_SSRC, VECTOR_TIMESTAMP } from './vectors.js'

describe('G711Packetizer', () => {
  for (const v of G711_PACKET_VECTORS) {
    it(`writes ${v.name}`, () => {
      const p = new G711Packetizer({
        law: v.law,
        ssrc: VECTOR_SSRC,
        initialSequence: VECTOR_SEQUENCE,
        channels: v.channels,
        packetTimeMs: v.packetTimeMs,
        maxPacketSize: v.maxPacketSize,
      })
      const input = Buffer.from(v.block)
      const packets = p.packetize(v.block, VECTOR_TIMESTAMP)
      assert.deepEqual(
        packets.map((b) => b.toString('hex')),
        v.packets.map((b) => b.toString('hex')),
      )
      assert.equal(p.nextSequence, (VECTOR_SEQUENCE + v.packets.length) & 0xffff)
      assert.deepEqual(v.block, input, 'input unchanged')
    })
  }

  it('defaults: static payload type, 20 ms = 160 samples per packet', () => {
    const u = new G711Packetizer({ law: 'pcmu', ssrc: 1 })
    const a = new G711Packetizer({ law: 'pcma', ssrc: 1, channels: 2 })
    assert.deepEqual([u.payloadType, u.samplesPerPacket, a.payloadType, a.samplesPerPacket], [0, 160, 8, 160])
    const packets = u.packetize(Buffer.alloc(400, 0xff), 0xffffff60)
    assert.deepEqual(
      packets.map((b) => [b.length - 12, b.readUInt32BE(4)]),
      [
        [160, 0xffffff60],
        [160, 0],
        [80, 160],
      ],
    )
  })

  it('treats an array of blocks as consecutive samples', () => {
    const p = new G711Packetizer({ law: 'pcmu', ssrc: 1, packetTimeMs: 1 })
    const packets = p.packetize([Buffer.alloc(5, 1), Buffer.alloc(5, 2)], 0)
    assert.deepEqual(
      packets.map((b) => b.subarray(12).toString('hex')),
      ['0101010101020202', '0202'],
    )
  })

  it('refuses partial samples and bad options', () => {
    const p = new G711Packetizer({ law: 'pcma', ssrc: 1, channels: 2 })
    assert.throws(
      () => p.packetize(Buffer.alloc(3), 0),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_AUDIO_PARTIAL_SAMPLE',
    )
    assert.deepEqual(p.packetize(Buffer.alloc(0), 0), [])
    const bad = (opts: object, code: string) =>
      assert.throws(
        () => new G711Packetizer({ law: 'pcmu', ssrc: 1, ...opts }),
        (e: unknown) => e instanceof ConfigError && e.code === code,
      )
    bad({ law: 'g722' }, 'ERR_G711_LAW')
    bad({ channels: 0 }, 'ERR_AUDIO_CHANNELS')
    bad({ packetTimeMs: 0.01 }, 'ERR_AUDIO_PACKET_TIME')
    bad({ packetTimeMs: 2000 }, 'ERR_AUDIO_PACKET_TIME')
    bad({ maxPacketSize: 13, channels: 2 }, 'ERR_RTP_MAX_PACKET_SIZE')
    bad({ payloadType: 200 }, 'ERR_RTP_PAYLOAD_TYPE')
    bad({ ssrc: -5 }, 'ERR_RTP_SSRC')
    bad({ initialSequence: -1 }, 'ERR_RTP_SEQUENCE')
  })
})

describe('G.711 SDP format', () => {
  it('writes rtpmap for static and multichannel payload types', () => {
    assert.equal(g711Rtpmap('pcmu', 0), '0 PCMU/8000')
    assert.equal(g711Rtpmap('pcma', 8), '8 PCMA/8000')
    assert.equal(g711Rtpmap('pcmu', 96, 2), '96 PCMU/8000/2')
    assert.deepEqual(['pcmu', 'PCMA', 'L16'].map(g711LawFromEncodingName), ['pcmu', 'pcma', undefined])
  })
})
