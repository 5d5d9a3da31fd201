import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RtspkitError } from '../../../src/errors.js'
import { parseAdtsHeader, splitAdts, toAdts } from '../../../src/codecs/aac/adts.js'
import { parseAudioSpecificConfig } from '../../../src/codecs/aac/audio-specific-config.js'
import { AacDepacketizer } from '../../../src/codecs/aac/depacketizer.js'
import { parseAacFmtp } from '../../../src/codecs/aac/format.js'
import { AAC_MIN_PACKET_SIZE, AacPacketizer } from '../../../src/codecs/aac/packetizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { AAC_PACKET_VECTORS, ASC_LC_48K_STEREO } from './vectors.js'

/** Runs `f`; any throw must be one of ours. */
function onlyOurErrors(f: () => unknown): void {
  try {
    f()
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    assert.equal(typeof err.code, 'string')
  }
}

/** mpeg4-generic payloads whose AU-headers-length and AU sizes are often plausible. */
const aacPayload = fc
  .record({
    headerBits: fc.oneof(fc.constantFrom(0, 16, 32, 48), fc.integer({ min: 0, max: 0xffff })),
    sizes: fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0x1fff })), { maxLength: 4 }),
    data: fc.uint8Array({ maxLength: 120 }),
  })
  .map(({ headerBits, sizes, data }) => {
    const head = Buffer.alloc(2 + sizes.length * 2)
    head.writeUInt16BE(headerBits, 0)
    sizes.forEach((s, i) => head.writeUInt16BE((s << 3) & 0xffff, 2 + i * 2))
    return Buffer.concat([head, data])
  })

const fieldWidths = fc.record({
  sizeLength: fc.integer({ min: 1, max: 16 }),
  indexLength: fc.integer({ min: 0, max: 4 }),
  indexDeltaLength: fc.integer({ min: 0, max: 4 }),
  ctsDeltaLength: fc.integer({ min: 0, max: 8 }),
  dtsDeltaLength: fc.integer({ min: 0, max: 8 }),
  randomAccessIndication: fc.boolean(),
  streamStateIndication: fc.integer({ min: 0, max: 4 }),
  auxiliaryDataSizeLength: fc.integer({ min: 0, max: 12 }),
})

describe('AAC fuzzing', () => {
  it('AacDepacketizer throws only RtspkitError, never mutates packets and keeps at most maxAccessUnitSize pending', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(aacPayload, fc.boolean(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 })), { maxLength: 16 }),
        (list) => {
          const d = new AacDepacketizer({ maxAccessUnitSize: 200 })
          let seq = 0
          for (const [payload, marker, ts, seqStep] of list) {
            seq = (seq + seqStep) & 0xffff
            const pkt = new RtpPacket({ payloadType: 97, sequenceNumber: seq, timestamp: ts, ssrc: 1, marker, payload })
            const before = Buffer.from(payload)
            onlyOurErrors(() => {
              for (const f of d.push(pkt)) assert.ok(f.data.length > 0 && f.data.length <= 200)
            })
            assert.deepEqual(pkt.payload, before)
            assert.ok(d.pendingBytes <= 200)
          }
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('AacDepacketizer with any AU-header layout throws only RtspkitError', () => {
    fc.assert(
      fc.property(fieldWidths, fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 8 }), (widths, payloads) => {
        const d = new AacDepacketizer(widths)
        payloads.forEach((payload, i) =>
          onlyOurErrors(() => d.push(new RtpPacket({ sequenceNumber: i, payload: Buffer.from(payload), marker: i % 2 === 0 }))),
        )
      }),
      { numRuns: 2000 },
    )
  })

  it('AacDepacketizer throws only RtspkitError on random bytes parsed as RTP, between valid packets', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 8 }), (list) => {
        const d = new AacDepacketizer()
        const valid = AAC_PACKET_VECTORS.flatMap((v) => v.packets)
        for (const bytes of [...valid.slice(3, 5), ...list.map((b) => Buffer.from(b)), ...valid])
          onlyOurErrors(() => d.push(RtpPacket.parse(bytes)))
      }),
      { numRuns: 1000 },
    )
  })

  it('the parsers throw only RtspkitError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        onlyOurErrors(() => parseAudioSpecificConfig(bytes))
        onlyOurErrors(() => parseAdtsHeader(bytes))
        onlyOurErrors(() => splitAdts(bytes))
        onlyOurErrors(() => splitAdts(Buffer.concat([toAdts([Buffer.from([1, 2])], ASC_LC_48K_STEREO), bytes])))
      }),
      { numRuns: 3000 },
    )
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => onlyOurErrors(() => parseAacFmtp(text))),
      { numRuns: 1000 },
    )
  })

  it('packetize → depacketize gives back every AU with its timestamp, for any AU sizes and packet size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: AAC_MIN_PACKET_SIZE, max: 1500 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffff }),
        (sizes, maxPacketSize, timestamp, seq) => {
          const aus = sizes.map((n, i) => Buffer.alloc(n, i + 1))
          const p = new AacPacketizer({ ssrc: 5, initialSequence: seq, maxPacketSize })
          const packets = p.packetize(aus, timestamp)
          assert.ok(packets.every((pkt) => pkt.length <= maxPacketSize))
          const d = new AacDepacketizer()
          const frames = packets.flatMap((pkt) => d.push(RtpPacket.parse(pkt)))
          assert.deepEqual(
            frames.map((f) => f.data),
            aus,
          )
          assert.deepEqual(
            frames.map((f) => f.timestamp),
            aus.map((_, i) => (timestamp + i * 1024) >>> 0),
          )
        },
      ),
      { numRuns: 500 },
    )
  })
})
