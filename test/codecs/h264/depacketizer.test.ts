import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CodecError, LimitError, ParseError, ProtocolError, RtspkitError } from '../../../src/errors.js'
import { H264Depacketizer } from '../../../src/codecs/h264/depacketizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { hex } from '../../helpers/split.js'
import { PACKET_VECTORS, VECTOR_TIMESTAMP } from './vectors.js'

function rtp(payload: string | Buffer, opts: { seq?: number; ts?: number; marker?: boolean } = {}): RtpPacket {
  return new RtpPacket({
    payloadType: 96,
    sequenceNumber: opts.seq ?? 0,
    timestamp: opts.ts ?? 1000,
    marker: opts.marker ?? true,
    ssrc: 1,
    payload: typeof payload === 'string' ? hex(payload) : payload,
  })
}

function isCode(cls: new (...a: never[]) => RtspkitError, code: string) {
  return (e: unknown) => e instanceof cls && e.code === code
}

describe('H264Depacketizer', () => {
  for (const v of PACKET_VECTORS) {
    it(`reads ${v.name}, leaving the packets unchanged`, () => {
      const d = new H264Depacketizer()
      const copies = v.packets.map((p) => Buffer.from(p))
      const parsed = v.packets.map((p) => RtpPacket.parse(p))
      const results = parsed.map((p) => d.push(p))
      assert.deepEqual(
        results.slice(0, -1),
        results.slice(0, -1).map(() => undefined),
      )
      const au = results.at(-1)
      assert.ok(au)
      assert.equal(au.timestamp, VECTOR_TIMESTAMP)
      assert.equal(au.keyframe, v.keyframe)
      assert.deepEqual(
        au.nalus.map((n) => n.toString('hex')),
        v.nalus.map((n) => n.toString('hex')),
      )
      assert.deepEqual(v.packets, copies, 'input packets unchanged')
      // Writing into the returned NAL units must not reach the packets of FU-A (copies).
      for (const n of au.nalus) if (!v.packets.some((p) => p.includes(n))) n.fill(0)
      assert.deepEqual(v.packets, copies)
    })
  }

  it('ends an access unit on a timestamp change when the marker was lost', () => {
    const d = new H264Depacketizer()
    assert.equal(d.push(rtp('41 01', { ts: 1, marker: false, seq: 1 })), undefined)
    assert.equal(d.push(rtp('41 02', { ts: 1, marker: false, seq: 2 })), undefined)
    const au = d.push(rtp('41 03', { ts: 2, marker: false, seq: 3 }))
    assert.deepEqual(au, { nalus: [hex('4101'), hex('4102')], timestamp: 1, keyframe: false })
    assert.deepEqual(d.push(rtp('41 04', { ts: 2, marker: true, seq: 4 })), {
      nalus: [hex('4103'), hex('4104')],
      timestamp: 2,
      keyframe: false,
    })
  })

  it('keeps the second access unit when one packet completes two', () => {
    const d = new H264Depacketizer()
    assert.equal(d.push(rtp('41 01', { ts: 1, marker: false })), undefined)
    const first = d.push(rtp('65 02', { ts: 2, marker: true }))
    assert.equal(first?.timestamp, 1)
    const second = d.shift()
    assert.deepEqual(second, { nalus: [hex('6502')], timestamp: 2, keyframe: true })
    assert.equal(d.shift(), undefined)
  })

  it('returns a pending access unit from the next push when shift is not called', () => {
    const d = new H264Depacketizer()
    d.push(rtp('41 01', { ts: 1, marker: false }))
    d.push(rtp('65 02', { ts: 2, marker: true }))
    assert.equal(d.push(rtp('41 03', { ts: 3, marker: true }))?.timestamp, 2)
    assert.equal(d.shift()?.timestamp, 3)
  })

  it('throws on an FU-A gap and resets', () => {
    const d = new H264Depacketizer()
    d.push(rtp('41 aa', { seq: 9, marker: false })) // part of the access unit that gets dropped
    d.push(rtp('7c 85 0102', { seq: 10, marker: false }))
    assert.throws(() => d.push(rtp('7c 45 0304', { seq: 12 })), isCode(ProtocolError, 'ERR_H264_FU_GAP'))
    // After the reset a complete access unit goes through and nothing of the old one remains.
    assert.deepEqual(d.push(rtp('65 07', { seq: 13, ts: 2000 }))?.nalus, [hex('6507')])
  })

  it('reassembles FU-A across the sequence-number wrap', () => {
    const d = new H264Depacketizer()
    assert.equal(d.push(rtp('7c 85 01', { seq: 0xffff, marker: false })), undefined)
    assert.deepEqual(d.push(rtp('7c 45 02', { seq: 0 }))?.nalus, [hex('650102')])
  })

  it('rejects FU-A corruption', () => {
    const cases: [string, RtpPacket[], (e: unknown) => boolean][] = [
      ['no start', [rtp('7c 45 01', { seq: 1 })], isCode(ProtocolError, 'ERR_H264_FU_NO_START')],
      ['no FU header', [rtp('7c')], isCode(ParseError, 'ERR_H264_FU_A')],
      ['type changes', [rtp('7c 85 01', { seq: 1, marker: false }), rtp('7c 41 02', { seq: 2 })], isCode(ParseError, 'ERR_H264_FU_A')],
      [
        'single NAL before the end',
        [rtp('7c 85 01', { seq: 1, marker: false }), rtp('41 02', { seq: 2 })],
        isCode(ProtocolError, 'ERR_H264_FU_INCOMPLETE'),
      ],
      [
        'new start before the end',
        [rtp('7c 85 01', { seq: 1, marker: false }), rtp('7c 85 02', { seq: 2 })],
        isCode(ProtocolError, 'ERR_H264_FU_INCOMPLETE'),
      ],
      ['marker before the end', [rtp('7c 85 01', { seq: 1, marker: true })], isCode(ProtocolError, 'ERR_H264_FU_MARKER')],
      [
        'timestamp changes',
        [rtp('7c 85 01', { seq: 1, ts: 1, marker: false }), rtp('7c 05 02', { seq: 2, ts: 2 })],
        isCode(ProtocolError, 'ERR_H264_FU_TIMESTAMP'),
      ],
    ]
    for (const [name, packets, check] of cases) {
      const d = new H264Depacketizer()
      const last = packets.pop()!
      for (const p of packets) assert.equal(d.push(p), undefined, name)
      assert.throws(() => d.push(last), check, name)
      assert.deepEqual(d.push(rtp('65 01', { seq: 100, ts: 5 }))?.nalus, [hex('6501')], `${name}: recovers`)
    }
  })

  it('rejects malformed STAP-A and empty payloads', () => {
    const d = new H264Depacketizer()
    assert.throws(() => d.push(rtp('')), isCode(ParseError, 'ERR_H264_RTP_EMPTY'))
    assert.throws(() => d.push(rtp('78 0005 6742')), isCode(ParseError, 'ERR_H264_STAP_A'))
    assert.throws(() => d.push(rtp('78 0002 6742 00')), isCode(ParseError, 'ERR_H264_STAP_A'))
    assert.throws(() => d.push(rtp('78')), isCode(ParseError, 'ERR_H264_STAP_A'))
    assert.throws(() => d.push(rtp('78 0000')), isCode(ParseError, 'ERR_H264_STAP_A'))
  })

  it('accepts STAP-A with zero padding at the end', () => {
    const d = new H264Depacketizer()
    assert.deepEqual(d.push(rtp('78 0002 6742 0002 68ce 0000 0000'))?.nalus, [hex('6742'), hex('68ce')])
  })

  it('rejects interleaved-mode packet types and ignores reserved ones', () => {
    const d = new H264Depacketizer()
    for (const t of [25, 26, 27, 29]) {
      assert.throws(() => d.push(rtp(Buffer.from([t, 0, 0, 0, 0]))), isCode(CodecError, 'ERR_H264_INTERLEAVED'))
    }
    assert.equal(d.push(rtp('00 01', { marker: false })), undefined)
    assert.equal(d.push(rtp('1e 01', { marker: false })), undefined)
    assert.deepEqual(d.push(rtp('1f 01 ', { marker: true })), undefined, 'an access unit of ignored packets is empty')
    assert.deepEqual(d.push(rtp('41 01'))?.nalus, [hex('4101')])
  })

  it('checks the access-unit limits before appending', () => {
    const d = new H264Depacketizer({ maxAccessUnitSize: 10, maxNalusPerAccessUnit: 3 })
    d.push(rtp('41 0102030405', { marker: false }))
    assert.throws(() => d.push(rtp('41 0102030405', { marker: false })), isCode(LimitError, 'ERR_H264_AU_SIZE'))
    assert.throws(() => d.push(rtp('78 0001 09 0001 09 0001 09 0001 09')), isCode(LimitError, 'ERR_H264_AU_NALUS'))
    d.push(rtp('7c 85 0102030405', { seq: 1, marker: false }))
    assert.throws(() => d.push(rtp('7c 05 0102030405', { seq: 2, marker: false })), isCode(LimitError, 'ERR_H264_AU_SIZE'))
    assert.deepEqual(d.push(rtp('41 01', { ts: 9 }))?.nalus, [hex('4101')])
  })

  it('property: arbitrary packets throw only rtspkit errors', () => {
    const seeds = PACKET_VECTORS.flatMap((v) => v.packets.map((p) => RtpPacket.parse(p).payload))
    const payloadArb = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      // Typed first bytes make STAP-A and FU-A paths likely.
      fc
        .tuple(fc.constantFrom(0x1c, 0x5c, 0x7c, 0x18, 0x78, 0x65, 0x19, 0x1d, 0x00), fc.uint8Array({ maxLength: 40 }))
        .map(([h, b]) => Buffer.concat([Buffer.from([h]), b])),
      // Mutated vector payloads.
      fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(255)).map(([s, i, b]) => {
        const c = Buffer.from(s)
        if (c.length > 0) c[i % c.length] = b
        return c
      }),
    )
    const packetArb = fc.record({
      payload: payloadArb,
      seq: fc.integer({ min: 0, max: 8 }),
      ts: fc.integer({ min: 0, max: 3 }),
      marker: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 30 }), (packets) => {
        const d = new H264Depacketizer({ maxAccessUnitSize: 200, maxNalusPerAccessUnit: 8 })
        let seq = 0
        for (const p of packets) {
          seq = (seq + p.seq) & 0xffff // mostly consecutive, sometimes gaps or repeats
          const packet = rtp(p.payload, { seq, ts: p.ts, marker: p.marker })
          const before = Buffer.from(packet.payload)
          try {
            const au = d.push(packet)
            if (au) {
              assert.ok(au.nalus.length > 0 && au.nalus.length <= 8)
              assert.ok(au.nalus.reduce((n, x) => n + x.length, 0) <= 200)
            }
          } catch (e) {
            if (!(e instanceof RtspkitError)) throw e
          }
          assert.deepEqual(packet.payload, before)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
