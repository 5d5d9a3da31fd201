import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { OpusDepacketizer } from '../../../src/codecs/opus/depacketizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { OPUS_PACKET_VECTORS, VECTOR_TIMESTAMP } from './vectors.js'

describe('OpusDepacketizer', () => {
  for (const v of OPUS_PACKET_VECTORS) {
    it(`reads ${v.name}, leaving the packets unchanged`, () => {
      const d = new OpusDepacketizer()
      const copies = v.packets.map((p) => Buffer.from(p))
      const frames = v.packets.flatMap((p) => d.push(RtpPacket.parse(p)))
      assert.deepEqual(
        frames.map((f) => f.data),
        v.opus,
      )
      assert.equal(frames[0]!.timestamp, VECTOR_TIMESTAMP)
      assert.ok(frames.every((f) => f.keyframe))
      assert.deepEqual(v.packets, copies)
    })
  }

  it('rejects payloads that are not Opus packets', () => {
    const d = new OpusDepacketizer()
    for (const payload of [Buffer.alloc(0), Buffer.from([0xf9, 1, 2, 3])]) {
      assert.throws(
        () => d.push(new RtpPacket({ payload })),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_OPUS_PACKET',
      )
    }
    d.reset()
  })
})
