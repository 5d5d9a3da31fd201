import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { JpegDepacketizer } from '../../../src/codecs/jpeg/depacketizer.js'
import { encodeJpeg } from '../../../src/codecs/jpeg/encoder.js'
import { parseJfif } from '../../../src/codecs/jpeg/jfif.js'
import { JPEG_MIN_PACKET_SIZE, JpegPacketizer } from '../../../src/codecs/jpeg/packetizer.js'
import { RtspkitError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { FLAT16_PACKET, FLAT32_RESTART_PACKETS, flat16Jpeg, flat32RestartJpeg, noiseRgb } from './vectors.js'

/** Runs `f`; any throw must be one of ours. */
function onlyOurErrors(f: () => unknown): void {
  try {
    f()
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    assert.equal(typeof err.code, 'string')
  }
}

const validJpegs = [flat16Jpeg(), flat32RestartJpeg(), encodeJpeg(noiseRgb(24, 24, 3), { restartInterval: 2 })]

/** A JPEG with some bytes overwritten and maybe cut short. */
const mutatedJpeg = fc
  .record({
    base: fc.constantFrom(...validJpegs),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    cut: fc.option(fc.nat()),
  })
  .map(({ base, edits, cut }) => {
    const b = Buffer.from(base)
    for (const [i, v] of edits) b[i % b.length] = v
    return cut === null ? b : b.subarray(0, cut % (b.length + 1))
  })

/** RTP/JPEG payloads whose header fields are often plausible, followed by random bytes. */
const jpegPayload = fc
  .record({
    typeSpecific: fc.integer({ min: 0, max: 255 }),
    offset: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffff })),
    type: fc.oneof(fc.constantFrom(0, 1, 64, 65), fc.integer({ min: 0, max: 255 })),
    q: fc.oneof(fc.constantFrom(50, 128, 200, 255), fc.integer({ min: 0, max: 255 })),
    width: fc.integer({ min: 0, max: 255 }),
    height: fc.integer({ min: 0, max: 255 }),
    rest: fc.uint8Array({ maxLength: 300 }),
    cut: fc.option(fc.nat({ max: 8 })),
  })
  .map((p) => {
    const head = Buffer.from([p.typeSpecific, p.offset >> 16, (p.offset >> 8) & 0xff, p.offset & 0xff, p.type, p.q, p.width, p.height])
    const all = Buffer.concat([head, p.rest])
    return p.cut === null ? all : all.subarray(0, p.cut)
  })

describe('JPEG fuzzing', () => {
  it('parseJfif throws only RtspkitError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => onlyOurErrors(() => parseJfif(bytes))),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) =>
        onlyOurErrors(() => parseJfif(Buffer.concat([Buffer.from([0xff, 0xd8]), bytes]))),
      ),
      { numRuns: 2000 },
    )
  })

  it('parseJfif throws only RtspkitError on mutated and truncated JPEGs', () => {
    fc.assert(
      fc.property(mutatedJpeg, (b) => onlyOurErrors(() => parseJfif(b))),
      { numRuns: 3000 },
    )
  })

  it('JpegDepacketizer throws only RtspkitError on random packets, and never mutates them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(jpegPayload, fc.boolean(), fc.integer({ min: 0, max: 3 })), { maxLength: 12 }), (list) => {
        const d = new JpegDepacketizer({ maxFrameSize: 4096 })
        list.forEach(([payload, marker, ts], i) => {
          const pkt = new RtpPacket({ payloadType: 26, sequenceNumber: i, timestamp: ts, ssrc: 1, marker, payload })
          const before = Buffer.from(payload)
          onlyOurErrors(() => {
            const out = d.push(pkt)
            if (out !== undefined) assert.ok(Buffer.isBuffer(out))
          })
          assert.deepEqual(pkt.payload, before)
        })
      }),
      { numRuns: 2000 },
    )
  })

  it('JpegDepacketizer throws only RtspkitError on random bytes parsed as RTP', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (list) => {
        const d = new JpegDepacketizer()
        for (const bytes of [...FLAT32_RESTART_PACKETS.slice(0, 1), ...list.map((b) => Buffer.from(b)), FLAT16_PACKET]) {
          onlyOurErrors(() => d.push(RtpPacket.parse(bytes)))
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('packetize → depacketize gives back the scan and tables for any size, quality, interval and packet size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: JPEG_MIN_PACKET_SIZE, max: 1500 }),
        fc.nat(),
        (w, h, quality, ri, max, seed) => {
          const jpeg = encodeJpeg(noiseRgb(w, h, seed), { quality, restartInterval: ri })
          const packets = new JpegPacketizer({ ssrc: 1, initialSequence: 0xfff0, maxPacketSize: max }).packetize(jpeg, seed)
          assert.ok(packets.every((p) => p.length <= max))
          const d = new JpegDepacketizer()
          const frames = packets.map((p) => d.push(RtpPacket.parse(p))).filter((f) => f !== undefined)
          assert.equal(frames.length, 1)
          const a = parseJfif(jpeg)
          const b = parseJfif(frames[0]!)
          assert.deepEqual(b.scan, a.scan)
          assert.deepEqual(b.quantTables, a.quantTables)
          assert.equal(b.restartInterval, ri)
          assert.equal(b.width, Math.ceil(w / 8) * 8)
          assert.equal(b.height, Math.ceil(h / 8) * 8)
          if (w % 8 === 0 && h % 8 === 0) assert.deepEqual(frames[0], jpeg)
        },
      ),
      { numRuns: 200 },
    )
  })
})
