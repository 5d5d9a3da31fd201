import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parseVp9Descriptor } from '../../../src/codecs/vp9/descriptor.js'
import { Vp9Depacketizer } from '../../../src/codecs/vp9/depacketizer.js'
import { parseVp9FrameHeader } from '../../../src/codecs/vp9/frame-header.js'
import { Vp9Packetizer } from '../../../src/codecs/vp9/packetizer.js'
import { RtspkitError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { KEY_FRAME } from './vectors.js'

function onlyOurErrors(f: () => unknown): void {
  try {
    f()
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
  }
}

describe('VP9 fuzzing', () => {
  it('the descriptor and frame header parsers and the depacketizer throw only our errors and never mutate input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bytes: fc.uint8Array({ maxLength: 32 }), marker: fc.boolean(), ts: fc.nat(3) }), { maxLength: 12 }),
        (list) => {
          const d = new Vp9Depacketizer()
          for (const { bytes, marker, ts } of list) {
            const payload = Buffer.from(bytes)
            const copy = Buffer.from(payload)
            onlyOurErrors(() => parseVp9Descriptor(payload))
            onlyOurErrors(() => parseVp9FrameHeader(payload))
            onlyOurErrors(() => d.push(new RtpPacket({ payload, marker, timestamp: ts })))
            assert.deepEqual(payload, copy)
          }
        },
      ),
    )
  })

  it('packetize → depacketize gives back the frame, for random frames (key frames too) and packet sizes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 5000 }), fc.boolean(), fc.integer({ min: 21, max: 1500 }), (bytes, key, max) => {
        const frame = key ? Buffer.concat([KEY_FRAME, bytes]) : Buffer.from(bytes)
        const p = new Vp9Packetizer({ ssrc: 1, initialSequence: 0, maxPacketSize: max })
        const d = new Vp9Depacketizer()
        const packets = p.packetize(frame, 90)
        const out = packets.flatMap((b) => d.push(RtpPacket.parse(b)))
        assert.equal(out.length, 1)
        assert.ok(out[0]!.data.equals(frame))
        if (key) assert.equal(out[0]!.keyframe, true)
        assert.ok(packets.every((b) => b.length <= max))
      }),
    )
  })
})
