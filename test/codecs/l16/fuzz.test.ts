import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RtspkitError } from '../../../src/errors.js'
import { L16Depacketizer } from '../../../src/codecs/l16/depacketizer.js'
import { L16Packetizer } from '../../../src/codecs/l16/packetizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { L16_PACKET_VECTORS } from './vectors.js'

describe('L16 fuzzing', () => {
  it('the depacketizer throws only RtspkitError and never mutates input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 8 }), (channels, list) => {
        const d = new L16Depacketizer({ channels })
        for (const b of [...list, ...L16_PACKET_VECTORS.flatMap((v) => v.packets)]) {
          const before = Buffer.from(b)
          try {
            d.push(RtpPacket.parse(b))
          } catch (err) {
            if (!(err instanceof RtspkitError)) throw err
          }
          assert.deepEqual(Buffer.from(b), before)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('packetize → depacketize gives back the block; packets fit and hold whole instants', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8000, 11025, 16000, 44100, 48000, 96000),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 60, max: 1500 }),
        fc.nat({ max: 0xffffffff }),
        (sampleRate, channels, instants, maxPacketSize, ts) => {
          const block = Buffer.from(Array.from({ length: instants * channels * 2 }, (_, i) => (i * 7) & 0xff))
          const packets = new L16Packetizer({ ssrc: 1, sampleRate, channels, maxPacketSize }).packetize(block, ts)
          assert.ok(packets.every((p) => p.length <= maxPacketSize && (p.length - 12) % (channels * 2) === 0))
          const frames = packets.flatMap((p) => new L16Depacketizer({ channels }).push(RtpPacket.parse(p)))
          assert.deepEqual(Buffer.concat([Buffer.alloc(0), ...frames.map((f) => f.data)]), block)
          let t = ts
          for (const f of frames) {
            assert.equal(f.timestamp, t >>> 0)
            assert.ok(f.data.length / (channels * 2) <= Math.round(sampleRate / 50))
            t += f.data.length / (channels * 2)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
