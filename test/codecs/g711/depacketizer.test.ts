import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, ParseError } from '../../../src/errors.js'
import { G711Depacketizer } from '../../../src/codecs/g711/depacketizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { G711_PACKET_VECTORS, VECTOR_TIMESTAMP } from './vectors.js'

describe('G711Depacketizer', () => {
  for (const v of G711_PACKET_VECTORS) {
    it(`reads ${v.name}, leaving the packets unchanged`, () => {
      const d = new G711Depacketizer({ channels: v.channels })
      const copies = v.packets.map((p) => Buffer.from(p))
      const frames = v.packets.flatMap((p) => d.push(RtpPacket.parse(p)))
      assert.deepEqual(Buffer.concat(frames.map((f) => f.data)), v.block)
      assert.equal(frames[0]!.timestamp, VECTOR_TIMESTAMP)
      frames.slice(1).forEach((f, i) => assert.equal(f.timestamp, frames[i]!.timestamp + frames[i]!.data.length / (v.channels ?? 1)))
      assert.deepEqual(v.packets, copies)
    })
  }

  it('returns nothing for an empty payload and rejects partial samples', () => {
    const d = new G711Depacketizer({ channels: 2 })
    assert.deepEqual(d.push(new RtpPacket({ payload: Buffer.alloc(0) })), [])
    assert.throws(
      () => d.push(new RtpPacket({ payload: Buffer.alloc(3) })),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_AUDIO_PARTIAL_SAMPLE',
    )
    assert.throws(() => new G711Depacketizer({ channels: 0 }), ConfigError)
    d.reset()
  })
})
