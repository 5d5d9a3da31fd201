import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parseVp8Descriptor } from '../../../src/codecs/vp8/descriptor.js'
import { Vp8Depacketizer } from '../../../src/codecs/vp8/depacketizer.js'
import { parseVp8FrameHeader } from '../../../src/codecs/vp8/frame-header.js'
import { Vp8Packetizer } from '../../../src/codecs/vp8/packetizer.js'
import { RtspkitError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'

function onlyOurErrors(f: () => unknown): void {
  try {
    f()
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
  }
}

describe('VP8 fuzzing', () => {
  it('the descriptor and frame header parsers and the depacketizer throw only our errors and never mutate input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bytes: fc.uint8Array({ maxLength: 24 }), marker: fc.boolean(), ts: fc.nat(3) }), { maxLength: 12 }),
        (list) => {
          const d = new Vp8Depacketizer()
          for (const { bytes, marker, ts } of list) {
            const payload = Buffer.from(bytes)
            const copy = Buffer.from(payload)
            onlyOurErrors(() => parseVp8Descriptor(payload))
            onlyOurErrors(() => parseVp8FrameHeader(payload))
            onlyOurErrors(() => d.push(new RtpPacket({ payload, marker, timestamp: ts })))
            assert.deepEqual(payload, copy)
          }
        },
      ),
    )
  })

  it('packetize → depacketize gives back the frame, for random frames and packet sizes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 5000 }),
        fc.integer({ min: 17, max: 1500 }),
        fc.nat(0x7fff),
        (bytes, max, pid) => {
          const frame = Buffer.from(bytes)
          const p = new Vp8Packetizer({ ssrc: 1, initialSequence: 0, maxPacketSize: max, initialPictureId: pid })
          const d = new Vp8Depacketizer()
          const out = p.packetize(frame, 90).flatMap((b) => d.push(RtpPacket.parse(b)))
          assert.equal(out.length, 1)
          assert.ok(out[0]!.data.equals(frame))
          assert.ok(p.packetize(frame, 180).every((b) => b.length <= max))
        },
      ),
    )
  })
})
