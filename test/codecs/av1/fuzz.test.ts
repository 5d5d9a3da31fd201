import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parseAv1Payload } from '../../../src/codecs/av1/aggregation-header.js'
import { Av1Depacketizer } from '../../../src/codecs/av1/depacketizer.js'
import { readLeb128 } from '../../../src/codecs/av1/leb128.js'
import { OBU_HAS_SIZE_BIT, splitObus } from '../../../src/codecs/av1/obu.js'
import { Av1Packetizer } from '../../../src/codecs/av1/packetizer.js'
import { parseAv1SequenceHeader } from '../../../src/codecs/av1/sequence-header.js'
import { RtspkitError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { leb128Size, writeLeb128 } from '../../../src/codecs/av1/leb128.js'

function onlyOurErrors(f: () => unknown): void {
  try {
    f()
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
  }
}

/** A temporal unit of random OBUs (types other than temporal delimiter and tile list), each with obu_size. */
const temporalUnit = fc
  .array(
    fc.record({
      type: fc.constantFrom(1, 3, 4, 5, 6, 7, 15),
      extension: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      payload: fc.uint8Array({ maxLength: 3000 }),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((obus) => {
    const parts: Buffer[] = [Buffer.from([0x12, 0x00])]
    for (const o of obus) {
      const header = [(o.type << 3) | OBU_HAS_SIZE_BIT | (o.extension !== undefined ? 0x04 : 0)]
      if (o.extension !== undefined) header.push(o.extension)
      const size = Buffer.alloc(leb128Size(o.payload.length))
      writeLeb128(size, 0, o.payload.length)
      parts.push(Buffer.from(header), size, Buffer.from(o.payload))
    }
    return Buffer.concat(parts)
  })

describe('AV1 fuzzing', () => {
  it('the payload, OBU, leb128 and sequence header parsers and the depacketizer throw only our errors and never mutate input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bytes: fc.uint8Array({ maxLength: 32 }), marker: fc.boolean(), ts: fc.nat(3) }), { maxLength: 12 }),
        (list) => {
          const d = new Av1Depacketizer()
          for (const { bytes, marker, ts } of list) {
            const payload = Buffer.from(bytes)
            const copy = Buffer.from(payload)
            onlyOurErrors(() => parseAv1Payload(payload))
            onlyOurErrors(() => splitObus(payload))
            onlyOurErrors(() => readLeb128(payload, 0))
            onlyOurErrors(() => parseAv1SequenceHeader(payload))
            onlyOurErrors(() => d.push(new RtpPacket({ payload, marker, timestamp: ts })))
            assert.deepEqual(payload, copy)
          }
        },
      ),
    )
  })

  it('packetize → depacketize gives back the temporal unit, for random units and packet sizes', () => {
    fc.assert(
      fc.property(temporalUnit, fc.integer({ min: 15, max: 1500 }), (unit, max) => {
        const p = new Av1Packetizer({ ssrc: 1, initialSequence: 0, maxPacketSize: max })
        const d = new Av1Depacketizer()
        const packets = p.packetize(unit, 90)
        assert.ok(packets.every((b) => b.length <= max))
        const out = packets.flatMap((b) => d.push(RtpPacket.parse(b)))
        assert.equal(out.length, 1)
        assert.ok(out[0]!.data.equals(unit))
      }),
    )
  })
})
