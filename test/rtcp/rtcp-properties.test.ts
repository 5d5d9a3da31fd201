import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { RtspkitError } from '../../src/errors.js'
import { parseRtcp, serializeRtcp, type RtcpPacket } from '../../src/rtcp/compound.js'
import { RtcpGoodbye } from '../../src/rtcp/goodbye.js'
import { RtcpRawPacket } from '../../src/rtcp/raw-packet.js'
import { RtcpReceiverReport } from '../../src/rtcp/receiver-report.js'
import { RtcpSenderReport } from '../../src/rtcp/sender-report.js'
import { RtcpSourceDescription } from '../../src/rtcp/source-description.js'

const u32 = fc.integer({ min: 0, max: 0xffffffff })
const words = (max: number) =>
  fc
    .integer({ min: 0, max })
    .chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 }))
    .map((u) => Buffer.from(u))
/** Padding for content that is already 32-bit aligned: 0 or a multiple of 4 up to 252. */
const alignedPadding = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 63 }).map((n) => n * 4),
)
/** UTF-8 text that fits an 8-bit length and survives decode (no lone surrogates). */
const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => Buffer.byteLength(s) <= 255)

const report = fc
  .record({
    ssrc: u32,
    fractionLost: fc.integer({ min: 0, max: 255 }),
    totalLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
    highestSequence: u32,
    jitter: u32,
    lastSenderReport: u32,
    delaySinceLastSenderReport: u32,
  })
  .map((r) => ({ ...r }))

const sr = fc
  .record({
    ssrc: u32,
    ntpSeconds: u32,
    ntpFraction: u32,
    rtpTimestamp: u32,
    packetCount: u32,
    octetCount: u32,
    reports: fc.array(report, { maxLength: 31 }),
    profileExtensions: words(4),
    paddingSize: alignedPadding,
  })
  .map((f) => new RtcpSenderReport({ ...f }))

const rr = fc
  .record({
    ssrc: u32,
    reports: fc.array(report, { maxLength: 31 }),
    profileExtensions: words(4),
    paddingSize: alignedPadding,
  })
  .map((f) => new RtcpReceiverReport({ ...f }))

const sdes = fc
  .record({
    chunks: fc.array(
      fc
        .record({
          ssrc: u32,
          items: fc.array(
            fc.record({ type: fc.integer({ min: 1, max: 255 }), text }).map((i) => ({ ...i })),
            { maxLength: 4 },
          ),
        })
        .map((c) => ({ ...c })),
      { maxLength: 31 },
    ),
    paddingSize: alignedPadding,
  })
  .map((f) => new RtcpSourceDescription({ ...f }))

const bye = fc
  .record({
    sources: fc.array(u32, { maxLength: 31 }),
    reason: fc.option(text, { nil: undefined }),
    paddingSize: alignedPadding,
  })
  .map((f) => new RtcpGoodbye({ ...f }))

// Raw: any type the parser does not model; payload + padding aligned to 32 bits.
const raw = fc
  .record({
    packetType: fc.oneof(fc.integer({ min: 0, max: 199 }), fc.integer({ min: 204, max: 255 })),
    count: fc.integer({ min: 0, max: 31 }),
    payload: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
    pad: fc.integer({ min: 0, max: 60 }),
  })
  .map(({ packetType, count, payload, pad }) => {
    const misalign = (4 - (payload.length % 4)) % 4
    const paddingSize = misalign === 0 ? (pad === 0 ? 0 : pad * 4) : misalign + 4 * (pad % 4)
    return new RtcpRawPacket({ packetType, count, payload, paddingSize })
  })

const packet: fc.Arbitrary<RtcpPacket> = fc.oneof(sr, rr, sdes, bye, raw)

test('RTCP property: generated compounds round-trip (models and bytes)', () => {
  fc.assert(
    fc.property(fc.array(packet, { minLength: 1, maxLength: 6 }), (packets) => {
      const bytes = serializeRtcp(packets)
      const parsed = parseRtcp(bytes)
      assert.deepEqual(parsed, packets)
      assert.deepEqual(serializeRtcp(parsed), bytes)
      assert.deepEqual(serializeRtcp(parsed.map((p) => p.clone())), bytes)
    }),
    { numRuns: 1000 },
  )
})

test('RTCP property: random bytes parse or throw a RtspkitError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
      try {
        parseRtcp(bytes)
      } catch (e) {
        assert.ok(e instanceof RtspkitError, String(e))
      }
    }),
    { numRuns: 3000 },
  )
})

/** Packets with a valid version and a length field that matches, so the type parsers see random bodies. */
const framedRandom = fc
  .array(
    fc.record({
      // Mostly P=0 (a random padding count is nearly always invalid) and small counts.
      b0: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x3f }) }),
      packetType: fc.oneof(fc.integer({ min: 200, max: 206 }), fc.integer({ min: 0, max: 255 })),
      body: words(12),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((list) =>
    Buffer.concat(
      list.map(({ b0, packetType, body }) => {
        const head = Buffer.from([0x80 | b0, packetType, 0, 0])
        head.writeUInt16BE(body.length / 4, 2)
        return Buffer.concat([head, body])
      }),
    ),
  )

test('RTCP property: framed random bodies parse or throw a RtspkitError; what parses re-serializes stably', () => {
  fc.assert(
    fc.property(framedRandom, (bytes) => {
      let parsed: RtcpPacket[]
      try {
        parsed = parseRtcp(bytes)
      } catch (e) {
        assert.ok(e instanceof RtspkitError, String(e))
        return
      }
      // Not always the same bytes (invalid UTF-8, non-zero null padding), but a fixed point after one pass.
      const once = serializeRtcp(parsed)
      assert.deepEqual(serializeRtcp(parseRtcp(once)), once)
    }),
    { numRuns: 3000 },
  )
})
