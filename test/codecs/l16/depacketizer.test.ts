import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, ParseError } from '../../../src/errors.js'
import { L16Depacketizer } from '../../../src/codecs/l16/depacketizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { L16_PACKET_VECTORS, VECTOR_TIMESTAMP } from './vectors.js'

describe('L16Depacketizer', () => {
  for (const v of L16_PACKET_VECTORS) {
    it(`reads ${v.name}, leaving the packets unchanged`, () => {
      const d = new L16Depacketizer({ channels: v.channels })
      const copies = v.packets.map((p) => Buffer.from(p))
      const frames = v.packets.flatMap((p) => d.push(RtpPacket.parse(p)))
      assert.deepEqual(Buffer.concat(frames.map((f) => f.data)), v.block)
      assert.equal(frames[0]!.timestamp, VECTOR_TIMESTAMP)
      frames.slice(1).forEach((f, i) => assert.equal(f.timestamp, frames[i]!.timestamp + frames[i]!.data.length / (2 * v.channels)))
      assert.deepEqual(v.packets, copies)
    })
  }

  it('returns nothing for an empty payload and rejects partial instants', () => {
    const d = new L16Depacketizer({ channels: 2 })
    assert.deepEqual(d.push(new RtpPacket({ payload: Buffer.alloc(0) })), [])
    assert.throws(
      () => d.push(new RtpPacket({ payload: Buffer.alloc(6) })),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_AUDIO_PARTIAL_SAMPLE',
    )
    assert.equal(new L16Depacketizer().channels, 1, 'RFC 3551 4.1: one channel when the rtpmap says none')
    assert.throws(() => new L16Depacketizer({ channels: 0 }), ConfigError)
    d.reset()
  })
})
