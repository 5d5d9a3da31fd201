import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CodecError, ConfigError, ParseError } from '../../../src/errors.js'
import { opusFmtp, opusRtpmap, parseOpusFmtp } from '../../../src/codecs/opus/format.js'
import { OPUS_MIN_PACKET_SIZE, OpusPacketizer } from '../../../src/codecs/opus/packetizer.js'
import { hex } from '../../helpers/split.js'
import { OPUS_PACKET_VECTORS, VECTOR_SEQUENCE, VECTOR_SSRC, VECTOR_TIMESTAMP } from './vectors.js'

describe('OpusPacketizer', () => {
  for (const v of OPUS_PACKET_VECTORS) {
    it(`writes ${v.name}`, () => {
      const p = new OpusPacketizer({ ssrc: VECTOR_SSRC, initialSequence: VECTOR_SEQUENCE })
      const inputs = v.opus.map((o) => Buffer.from(o))
      const packets = p.packetize(v.opus.length === 1 ? v.opus[0]! : v.opus, VECTOR_TIMESTAMP)
      assert.deepEqual(
        packets.map((b) => b.toString('hex')),
        v.packets.map((b) => b.toString('hex')),
      )
      assert.equal(p.nextSequence, (VECTOR_SEQUENCE + v.packets.length) & 0xffff)
      assert.deepEqual(v.opus, inputs, 'input packets unchanged')
    })
  }

  it('defaults to payload type 111 and a random sequence; wraps sequence and timestamp', () => {
    const p = new OpusPacketizer({ ssrc: 7, initialSequence: 0xffff })
    assert.equal(p.payloadType, 111)
    const out = p.packetize([hex('fc 00'), hex('fc 01')], 0xfffffe00)
    assert.deepEqual(
      out.map((b) => [b.readUInt16BE(2), b.readUInt32BE(4)]),
      [
        [0xffff, 0xfffffe00],
        [0, 0x1c0],
      ],
    )
    assert.ok(new OpusPacketizer({ ssrc: 1 }).nextSequence <= 0xffff)
  })

  it('checks every packet before sending any', () => {
    const p = new OpusPacketizer({ ssrc: 1, initialSequence: 5, maxPacketSize: 20 })
    assert.throws(
      () => p.packetize([hex('fc 00'), hex('')], 0),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_OPUS_PACKET',
    )
    assert.throws(
      () => p.packetize([hex('fc 00'), Buffer.concat([hex('fc'), Buffer.alloc(8)])], 0),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_OPUS_PACKET_SIZE',
    )
    assert.equal(p.nextSequence, 5)
    assert.deepEqual(p.packetize([], 0), [])
  })

  it('validates its options', () => {
    const bad = (opts: Partial<ConstructorParameters<typeof OpusPacketizer>[0]>, code: string) =>
      assert.throws(
        () => new OpusPacketizer({ ssrc: 1, ...opts }),
        (e: unknown) => e instanceof ConfigError && e.code === code,
      )
    bad({ payloadType: -1 }, 'ERR_RTP_PAYLOAD_TYPE')
    bad({ maxPacketSize: OPUS_MIN_PACKET_SIZE - 1 }, 'ERR_RTP_MAX_PACKET_SIZE')
    bad({ ssrc: 2 ** 32 }, 'ERR_RTP_SSRC')
    bad({ initialSequence: 1.5 }, 'ERR_RTP_SEQUENCE')
  })
})

describe('Opus SDP format', () => {
  it('always says opus/48000/2 and signals stereo with sprop-stereo', () => {
    assert.equal(opusRtpmap(111), '111 opus/48000/2')
    assert.equal(opusFmtp(2), 'sprop-stereo=1')
    assert.equal(opusFmtp(1), undefined)
  })

  it('parses fmtp flags and keeps the other parameters', () => {
    const p = parseOpusFmtp('sprop-stereo=1; stereo=0;useinbandfec=1;maxplaybackrate=16000')
    assert.deepEqual([p.spropStereo, p.stereo, p.params.get('useinbandfec'), p.params.get('maxplaybackrate')], [true, false, '1', '16000'])
    assert.deepEqual([parseOpusFmtp('').spropStereo, parseOpusFmtp(new Map()).stereo], [false, false])
    assert.throws(
      () => parseOpusFmtp('stereo=yes'),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_OPUS_FMTP',
    )
  })
})
