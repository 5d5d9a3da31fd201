/**
 * Properties over random and mutated input for the H.265 parsers: only RtspkitError subclasses are
 * thrown, input buffers are never modified, and what the depacketizer holds stays under its caps.
 * Seeds are the shared packet vectors.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RtspkitError } from '../../../src/errors.js'
import { splitH265AccessUnits } from '../../../src/codecs/h265/access-unit.js'
import { H265Depacketizer } from '../../../src/codecs/h265/depacketizer.js'
import { H265ParameterTracker } from '../../../src/codecs/h265/parameter-tracker.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { PACKET_VECTORS, X265_PPS, X265_SPS, X265_VPS } from './vectors.js'

const MAX_SIZE = 300
const MAX_NALUS = 8

/** Runs `f`; any throw must be one of ours, with a code. */
function onlyOurErrors(f: () => void): void {
  try {
    f()
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    assert.equal(typeof err.code, 'string')
  }
}

/** What the depacketizer holds between packets (private state, read to check memory stays bounded). */
interface HeldState {
  nalus: Buffer[]
  size: number
  fragmentsSize: number
  completed: unknown[]
}

const seeds = PACKET_VECTORS.flatMap((v) => v.packets.map((p) => RtpPacket.parse(p).payload))

/** Payloads: random bytes, typed headers (AP, FU, PACI, single, reserved), and mutated or cut vector payloads. */
const payloadArb = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)),
  fc
    .tuple(
      fc.constantFrom(0x60, 0x62, 0x63, 0x64, 0x26, 0x02, 0x40, 0x66, 0x7e, 0xe0),
      fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ maxLength: 60 }),
    )
    .map(([h0, h1, b]) => Buffer.concat([Buffer.from([h0, h1]), b])),
  // FU with plausible FU headers: start, middle, end, both.
  fc
    .tuple(fc.constantFrom(0x93, 0x13, 0x53, 0xd3, 0x81, 0x41, 0x01), fc.uint8Array({ maxLength: 120 }))
    .map(([fu, b]) => Buffer.concat([Buffer.from([0x62, 0x01, fu]), b])),
  fc
    .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }), fc.option(fc.nat()))
    .map(([s, edits, cut]) => {
      const c = Buffer.from(s)
      for (const [i, v] of edits) if (c.length > 0) c[i % c.length] = v
      return cut === null ? c : c.subarray(0, cut % (c.length + 1))
    }),
)

const packetArb = fc.record({
  payload: payloadArb,
  seqStep: fc.integer({ min: 0, max: 3 }),
  ts: fc.integer({ min: 0, max: 2 }),
  marker: fc.boolean(),
})

describe('H.265 fuzzing', () => {
  it('depacketizer: arbitrary packets throw only rtspkit errors, never change the input, and stay under the caps', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 40 }), (packets) => {
        const d = new H265Depacketizer({ maxAccessUnitSize: MAX_SIZE, maxNalusPerAccessUnit: MAX_NALUS })
        const held = d as unknown as HeldState
        let seq = 0xfffe
        for (const p of packets) {
          seq = (seq + p.seqStep) & 0xffff // mostly consecutive, sometimes repeats or gaps, wrapping
          const packet = new RtpPacket({
            payloadType: 96,
            sequenceNumber: seq,
            timestamp: p.ts,
            marker: p.marker,
            ssrc: 1,
            payload: p.payload,
          })
          const before = Buffer.from(packet.payload)
          onlyOurErrors(() => {
            for (const f of d.push(packet)) {
              assert.ok(f.data.length > 0)
              assert.equal(f.data.readUInt32BE(0), 1, 'starts with a start code')
              // Annex-B adds 4 bytes per NAL unit to at most MAX_SIZE bytes of NAL units.
              assert.ok(f.data.length <= MAX_SIZE + 4 * MAX_NALUS)
            }
          })
          assert.deepEqual(packet.payload, before, 'input unchanged')
          assert.ok(
            held.nalus.length <= MAX_NALUS && held.size <= MAX_SIZE && held.size + held.fragmentsSize <= MAX_SIZE,
            'held state under the caps',
          )
          assert.ok(held.completed.length <= 1, 'at most one completed access unit waits')
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('depacketizer: every vector still decodes after any prefix of garbage', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 10 }), fc.constantFrom(...PACKET_VECTORS), (garbage, v) => {
        const d = new H265Depacketizer()
        let seq = 100
        for (const g of garbage)
          onlyOurErrors(() => void d.push(new RtpPacket({ sequenceNumber: seq++, timestamp: 7, marker: g.marker, payload: g.payload })))
        d.reset()
        const frames = v.packets.flatMap((b) => d.pushAccessUnits(RtpPacket.parse(b)))
        assert.deepEqual(frames.at(-1)?.nalus, v.nalus)
      }),
      { numRuns: 500 },
    )
  })

  it('access-unit splitter and parameter tracker: random NAL units throw only rtspkit errors', () => {
    const nalArb = fc.oneof(
      fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
      fc.constantFrom(X265_VPS, X265_SPS, X265_PPS),
      fc
        .tuple(fc.integer({ min: 0, max: 63 }), fc.uint8Array({ maxLength: 8 }))
        .map(([t, b]) => Buffer.concat([Buffer.from([t << 1, 1]), b])),
      fc.tuple(fc.nat(), fc.nat(255)).map(([i, v]) => {
        const s = Buffer.from(X265_SPS)
        s[2 + (i % (s.length - 2))] = v
        return s
      }),
    )
    fc.assert(
      fc.property(fc.array(nalArb, { maxLength: 30 }), (nalus) => {
        const copies = nalus.map((n) => Buffer.from(n))
        onlyOurErrors(() => {
          const aus = splitH265AccessUnits(nalus, { maxNalusPerAccessUnit: MAX_NALUS, maxAccessUnitSize: MAX_SIZE })
          const t = new H265ParameterTracker()
          for (const au of aus) {
            assert.ok(au.length <= MAX_NALUS)
            onlyOurErrors(() => void t.process(au))
          }
        })
        assert.deepEqual(nalus, copies, 'input unchanged')
      }),
      { numRuns: 2000 },
    )
  })
})
