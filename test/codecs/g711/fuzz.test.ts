import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RtspkitError } from '../../../src/errors.js'
import { G711Depacketizer } from '../../../src/codecs/g711/depacketizer.js'
import { G711Packetizer } from '../../../src/codecs/g711/packetizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { G711_PACKET_VECTORS } from './vectors.js'

describe('G.711 fuzzing', () => {
  it('the depacketizer throws only RtspkitError and never mutates input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 8 }), (channels, list) => {
        const d = new G711Depacketizer({ channels })
        for (const b of [...list, ...G711_PACKET_VECTORS.flatMap((v) => v.packets)]) {
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

  it('packetize → depacketize gives back the block with timestamps counting instants', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 16, max: 600 }),
        fc.nat({ max: 0xffffffff }),
        (channels, instants, ptime, maxPacketSize, ts) => {
          const block = Buffer.from(Array.from({ length: instants * channels }, (_, i) => i & 0xff))
          const packets = new G711Packetizer({
            law: 'pcmu',
            ssrc: 1,
            channels,
            packetTimeMs: ptime,
            maxPacketSize: Math.max(maxPacketSize, 12 + channels),
          }).packetize(block, ts)
          const d = new G711Depacketizer({ channels })
          const frames = packets.flatMap((p) => d.push(RtpPacket.parse(p)))
          assert.deepEqual(Buffer.concat([Buffer.alloc(0), ...frames.map((f) => f.data)]), block)
          let t = ts
          for (const f of frames) {
            assert.equal(f.timestamp, t >>> 0)
            assert.ok(f.data.length / channels <= Math.round(8 * ptime))
            t += f.data.length / channels
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
