import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CodecError, ConfigError } from '../../../src/errors.js'
import { l16Rtpmap, l16StaticPayloadType } from '../../../src/codecs/l16/format.js'
import { L16Packetizer } from '../../../src/codecs/l16/packetizer.js'
import { L16_PACKET_VECTORS, VECTOR_SEQUENCE, VECTOR_SSRC, VECTOR_TIMESTAMP } from './vectors.js'

describe('L16Packetizer', () => {
  for (const v of L16_PACKET_VECTORS) {
    it(`writes ${v.name}`, () => {
      const p = new L16Packetizer({
        ssrc: VECTOR_SSRC,
        initialSequence: VECTOR_SEQUENCE,
        sampleRate: v.sampleRate,
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

  it('cuts about 20 ms, fewer instants when that would not fit maxPacketSize', () => {
    assert.equal(new L16Packetizer({ ssrc: 1, sampleRate: 8000, channels: 1 }).samplesPerPacket, 160)
    assert.equal(new L16Packetizer({ ssrc: 1, sampleRate: 48000, channels: 2 }).samplesPerPacket, 347) // 1388 / 4
    assert.equal(new L16Packetizer({ ssrc: 1, sampleRate: 44100, channels: 1, maxPacketSize: 9000 }).samplesPerPacket, 882)
    const p = new L16Packetizer({ ssrc: 1, sampleRate: 48000, channels: 2 })
    const packets = p.packetize([Buffer.alloc(960 * 4 - 4), Buffer.alloc(4)], 0xfffffe00)
    assert.deepEqual(
      packets.map((b) => [b.length, b.readUInt32BE(4)]),
      [
        [1400, 0xfffffe00],
        [1400, (0xfffffe00 + 347) >>> 0],
        [12 + 266 * 4, (0xfffffe00 + 694) >>> 0],
      ],
    )
  })

  it('uses payload types 10 and 11 only for 44100 Hz stereo and mono', () => {
    assert.deepEqual(
      [l16StaticPayloadType(44100, 2), l16StaticPayloadType(44100, 1), l16StaticPayloadType(44100, 3), l16StaticPayloadType(48000, 2)],
      [10, 11, undefined, undefined],
    )
    assert.equal(new L16Packetizer({ ssrc: 1, sampleRate: 48000, channels: 1 }).payloadType, 98)
    assert.equal(new L16Packetizer({ ssrc: 1, sampleRate: 44100, channels: 2, payloadType: 100 }).payloadType, 100)
    assert.equal(l16Rtpmap(98, 48000, 2), '98 L16/48000/2')
  })

  it('refuses partial instants and bad options', () => {
    const p = new L16Packetizer({ ssrc: 1, sampleRate: 48000, channels: 2 })
    assert.throws(
      () => p.packetize(Buffer.alloc(6), 0),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_AUDIO_PARTIAL_SAMPLE',
    )
    assert.deepEqual(p.packetize(Buffer.alloc(0), 0), [])
    const bad = (opts: object, code: string) =>
      assert.throws(
        () => new L16Packetizer({ ssrc: 1, sampleRate: 48000, channels: 2, ...opts }),
        (e: unknown) => e instanceof ConfigError && e.code === code,
      )
    bad({ sampleRate: 0 }, 'ERR_AUDIO_SAMPLE_RATE')
    bad({ sampleRate: 44100.5 }, 'ERR_AUDIO_SAMPLE_RATE')
    bad({ channels: 65 }, 'ERR_AUDIO_CHANNELS')
    bad({ maxPacketSize: 15 }, 'ERR_RTP_MAX_PACKET_SIZE')
    bad({ packetTimeMs: 0 }, 'ERR_AUDIO_PACKET_TIME')
    bad({ payloadType: 128 }, 'ERR_RTP_PAYLOAD_TYPE')
    bad({ ssrc: 1.5 }, 'ERR_RTP_SSRC')
    bad({ initialSequence: 70000 }, 'ERR_RTP_SEQUENCE')
  })
})
