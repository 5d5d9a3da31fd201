import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RtspkitError } from '../../../src/errors.js'
import { OpusDepacketizer } from '../../../src/codecs/opus/depacketizer.js'
import { parseOpusFmtp } from '../../../src/codecs/opus/format.js'
import { parseOpusPacket } from '../../../src/codecs/opus/packet.js'
import { OpusPacketizer } from '../../../src/codecs/opus/packetizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { OPUS_PACKET_VECTORS } from './vectors.js'

function onlyOurErrors(f: () => unknown): void {
  try {
    f()
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
  }
}

/** Opus packets whose TOC and frame-count byte cover every code, then random bytes. */
const opusLike = fc
  .record({ toc: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 0, max: 255 }), rest: fc.uint8Array({ maxLength: 1400 }) })
  .map(({ toc, count, rest }) => Buffer.concat([Buffer.from([toc, count]), rest]))

describe('Opus fuzzing', () => {
  it('parseOpusPacket and the depacketizer throw only RtspkitError and never mutate input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          opusLike,
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
        ),
        (payload) => {
          const before = Buffer.from(payload)
          onlyOurErrors(() => parseOpusPacket(payload))
          const pkt = new RtpPacket({ payloadType: 111, payload })
          onlyOurErrors(() => {
            for (const f of new OpusDepacketizer().push(pkt)) assert.equal(f.data.buffer, payload.buffer, 'a view, not a copy')
          })
          assert.deepEqual(payload, before)
        },
      ),
      { numRuns: 5000 },
    )
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => onlyOurErrors(() => parseOpusFmtp(s))),
      { numRuns: 500 },
    )
  })

  it('random bytes parsed as RTP between valid packets', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 6 }), (list) => {
        const d = new OpusDepacketizer()
        for (const b of [...list.map((x) => Buffer.from(x)), ...OPUS_PACKET_VECTORS.flatMap((v) => v.packets)])
          onlyOurErrors(() => d.push(RtpPacket.parse(b)))
      }),
      { numRuns: 1000 },
    )
  })

  it('packetize → depacketize returns every valid packet with timestamps advancing by its duration', () => {
    fc.assert(
      fc.property(fc.array(opusLike, { maxLength: 10 }), fc.nat({ max: 0xffffffff }), (candidates, ts) => {
        const valid = candidates.filter((c) => {
          try {
            parseOpusPacket(c)
            return true
          } catch {
            return false
          }
        })
        const p = new OpusPacketizer({ ssrc: 1, maxPacketSize: 1500 })
        const frames = p.packetize(valid, ts).flatMap((b) => new OpusDepacketizer().push(RtpPacket.parse(b)))
        assert.deepEqual(
          frames.map((f) => f.data),
          valid,
        )
        let t = ts
        frames.forEach((f, i) => {
          assert.equal(f.timestamp, t >>> 0)
          t += parseOpusPacket(valid[i]!).samples
        })
      }),
      { numRuns: 500 },
    )
  })
})
