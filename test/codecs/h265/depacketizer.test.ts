import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LimitError, ParseError, ProtocolError, type RtspkitError } from '../../../src/errors.js'
import { joinAnnexB } from '../../../src/codecs/h264/annexb.js'
import { H265Depacketizer } from '../../../src/codecs/h265/depacketizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { hex } from '../../helpers/split.js'
import { PACKET_VECTORS, VECTOR_TIMESTAMP, X265_PPS, X265_SPS, X265_VPS } from './vectors.js'

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

const nalusOf = (d: H265Depacketizer, p: RtpPacket) => d.pushAccessUnits(p).map((au) => au.nalus.map((n) => n.toString('hex')))

describe('H265Depacketizer', () => {
  for (const v of PACKET_VECTORS) {
    it(`reads ${v.name}, leaving the packets unchanged`, () => {
      const d = new H265Depacketizer()
      const copies = v.packets.map((p) => Buffer.from(p))
      const results = v.packets.map((p) => d.pushAccessUnits(RtpPacket.parse(p)))
      assert.deepEqual(
        results.slice(0, -1),
        results.slice(0, -1).map(() => []),
      )
      assert.equal(results.at(-1)!.length, 1)
      const au = results.at(-1)![0]!
      assert.equal(au.timestamp, VECTOR_TIMESTAMP)
      assert.equal(au.keyframe, v.keyframe)
      assert.deepEqual(
        au.nalus.map((n) => n.toString('hex')),
        v.nalus.map((n) => n.toString('hex')),
      )
      assert.deepEqual(v.packets, copies, 'input packets unchanged')
      // Writing into the returned NAL units must not reach the packets for FU NAL units (copies).
      for (const n of au.nalus) if (!v.packets.some((p) => p.includes(n))) n.fill(0)
      assert.deepEqual(v.packets, copies)
    })

    it(`returns ${v.name} as one Annex-B frame`, () => {
      const d = new H265Depacketizer()
      const frames = v.packets.flatMap((p) => d.push(RtpPacket.parse(p)))
      assert.deepEqual(frames, [{ data: joinAnnexB(v.nalus), timestamp: VECTOR_TIMESTAMP, keyframe: v.keyframe }])
      assert.equal(frames[0]!.data.subarray(0, 4).toString('hex'), '00000001')
    })
  }

  it('ends an access unit on a timestamp change when the marker was lost', () => {
    const d = new H265Depacketizer()
    assert.deepEqual(nalusOf(d, rtp('0201 01', { ts: 1, marker: false, seq: 1 })), [])
    assert.deepEqual(nalusOf(d, rtp('0201 02', { ts: 1, marker: false, seq: 2 })), [])
    assert.deepEqual(nalusOf(d, rtp('0201 03', { ts: 2, marker: false, seq: 3 })), [['020101', '020102']])
    assert.deepEqual(nalusOf(d, rtp('0201 04', { ts: 2, marker: true, seq: 4 })), [['020103', '020104']])
  })

  it('returns two access units when one packet both ends the previous (new timestamp) and completes its own', () => {
    const d = new H265Depacketizer()
    d.push(rtp('0201 01', { ts: 1, marker: false }))
    const frames = d.push(rtp('2601 02', { ts: 2, marker: true }))
    assert.deepEqual(
      frames.map((f) => [f.timestamp, f.keyframe, f.data.toString('hex')]),
      [
        [1, false, '00000001020101'],
        [2, true, '00000001260102'],
      ],
    )
  })

  it('keeps an access unit completed by a new timestamp when that packet is bad, until the next push', () => {
    const d = new H265Depacketizer()
    d.push(rtp('0201 01', { ts: 1, marker: false, seq: 1 }))
    assert.throws(() => d.push(rtp('6001', { ts: 2, seq: 2 })), isCode(ParseError, 'ERR_H265_AP'))
    assert.deepEqual(nalusOf(d, rtp('0201 03', { ts: 3, seq: 3 })), [['020101'], ['020103']])
    d.push(rtp('0201 04', { ts: 4, marker: false, seq: 4 }))
    assert.throws(() => d.push(rtp('6001', { ts: 5, seq: 5 })), ParseError)
    d.reset()
    assert.deepEqual(nalusOf(d, rtp('0201 06', { ts: 6, seq: 6 })), [['020106']], 'reset drops it')
  })

  it('accepts an FU with both start and end bits as a whole NAL unit', () => {
    const d = new H265Depacketizer()
    assert.deepEqual(nalusOf(d, rtp('6201 d3 af1d30')), [['2601af1d30']]) // S=1 E=1 FuType=19
  })

  it('throws on an FU gap and resets', () => {
    const d = new H265Depacketizer()
    d.push(rtp('0201 aa', { seq: 9, marker: false })) // part of the access unit that gets dropped
    d.push(rtp('6201 93 0102', { seq: 10, marker: false }))
    assert.throws(() => d.push(rtp('6201 53 0304', { seq: 12 })), isCode(ProtocolError, 'ERR_H265_FU_GAP'))
    // After the reset a complete access unit goes through and nothing of the old one remains.
    assert.deepEqual(nalusOf(d, rtp('2601 07', { seq: 13, ts: 2000 })), [['260107']])
  })

  it('reassembles an FU across the sequence-number wrap', () => {
    const d = new H265Depacketizer()
    assert.deepEqual(nalusOf(d, rtp('6201 93 01', { seq: 0xffff, marker: false })), [])
    assert.deepEqual(nalusOf(d, rtp('6201 53 02', { seq: 0 })), [['26010102']])
  })

  it('rejects FU corruption and recovers', () => {
    const cases: [string, RtpPacket[], (e: unknown) => boolean][] = [
      ['no start', [rtp('6201 53 01', { seq: 1 })], isCode(ProtocolError, 'ERR_H265_FU_NO_START')],
      ['no FU header', [rtp('6201')], isCode(ParseError, 'ERR_H265_FU')],
      ['FU of an AP', [rtp('6201 b0 01')], isCode(ParseError, 'ERR_H265_FU')],
      ['type changes', [rtp('6201 93 01', { seq: 1, marker: false }), rtp('6201 41 02', { seq: 2 })], isCode(ParseError, 'ERR_H265_FU')],
      [
        'single NAL before the end',
        [rtp('6201 93 01', { seq: 1, marker: false }), rtp('0201 02', { seq: 2 })],
        isCode(ProtocolError, 'ERR_H265_FU_INCOMPLETE'),
      ],
      [
        'new start before the end',
        [rtp('6201 93 01', { seq: 1, marker: false }), rtp('6201 93 02', { seq: 2 })],
        isCode(ProtocolError, 'ERR_H265_FU_INCOMPLETE'),
      ],
      ['marker before the end', [rtp('6201 93 01', { seq: 1, marker: true })], isCode(ProtocolError, 'ERR_H265_FU_MARKER')],
      [
        'timestamp changes',
        [rtp('6201 93 01', { seq: 1, ts: 1, marker: false }), rtp('6201 13 02', { seq: 2, ts: 2 })],
        isCode(ProtocolError, 'ERR_H265_FU_TIMESTAMP'),
      ],
    ]
    for (const [name, packets, check] of cases) {
      const d = new H265Depacketizer()
      const last = packets.pop()!
      for (const p of packets) assert.deepEqual(d.push(p), [], name)
      assert.throws(() => d.push(last), check, name)
      assert.deepEqual(nalusOf(d, rtp('2601 01', { seq: 100, ts: 5 })), [['260101']], `${name}: recovers`)
    }
  })

  it('rejects malformed APs and short payloads', () => {
    const d = new H265Depacketizer()
    const ap = isCode(ParseError, 'ERR_H265_AP')
    assert.throws(() => d.push(rtp('')), isCode(ParseError, 'ERR_H265_RTP_SHORT'))
    assert.throws(() => d.push(rtp('02')), isCode(ParseError, 'ERR_H265_RTP_SHORT'))
    assert.throws(() => d.push(rtp('6001 0005 4201')), ap) // runs past the packet
    assert.throws(() => d.push(rtp('6001 0003 420101 00')), ap) // ends inside a size field
    assert.throws(() => d.push(rtp('6001')), ap) // empty
    assert.throws(() => d.push(rtp('6001 0000')), ap) // only padding
    assert.throws(() => d.push(rtp('6001 0001 42')), ap) // shorter than a NAL header
    assert.throws(() => d.push(rtp('6001 0003 620193')), ap) // an FU inside an AP
  })

  it('accepts an AP with zero padding at the end, and an AP of one NAL unit', () => {
    const d = new H265Depacketizer()
    assert.deepEqual(nalusOf(d, rtp('6001 0003 4001aa 0003 4201bb 0000 0000')), [['4001aa', '4201bb']])
    assert.deepEqual(nalusOf(d, rtp('6001 0003 0201cc')), [['0201cc']])
  })

  it('unwraps PACI packets: single NAL unit, AP and FU, skipping the header extension', () => {
    const d = new H265Depacketizer()
    // PayloadHdr Type=50 (64 01); PACI header: A=0, cType=19 (IDR), PHSsize=0, F0..F2=0, Y=0 → 26 00.
    assert.deepEqual(nalusOf(d, rtp('6401 2600 af1d30')), [['2601af1d30']])
    // cType=1 (TRAIL_R), PHSsize=3 with F0 (TSCI: TL0PICIDX, IrapPicID, S E RES) → 02 38; 3 bytes of TSCI.
    assert.deepEqual(nalusOf(d, rtp('640a 0238 07 01 c0 d011')), [['020ad011']]) // LayerId 1, TID 2 from the PayloadHdr
    // cType=48: an AP.
    assert.deepEqual(nalusOf(d, rtp('6401 6000 0003 4001aa 0003 4201bb')), [['4001aa', '4201bb']])
    // cType=49: FU start and end, each wrapped.
    assert.deepEqual(nalusOf(d, rtp('6401 6200 93 0102', { seq: 1, marker: false })), [])
    assert.deepEqual(nalusOf(d, rtp('6401 6200 53 03', { seq: 2 })), [['2601010203']])
    // A=1: F bit of the wrapped NAL unit.
    assert.deepEqual(nalusOf(d, rtp('6401 8200 aa')), [['8201aa']])
    const paci = isCode(ParseError, 'ERR_H265_PACI')
    assert.throws(() => d.push(rtp('6401 26')), paci) // no PACI header
    assert.throws(() => d.push(rtp('6401 0250 0102')), paci) // PHSsize 5 runs past the packet
    assert.throws(() => d.push(rtp('6401 6400 2600 aa')), paci) // PACI in PACI
  })

  it('ignores packet types 51..63 (never passed to a decoder)', () => {
    const d = new H265Depacketizer()
    assert.deepEqual(d.push(rtp('6601 01', { marker: false })), [])
    assert.deepEqual(d.push(rtp('7e01 01', { marker: true })), [], 'an access unit of ignored packets is empty')
    assert.deepEqual(nalusOf(d, rtp('0201 01')), [['020101']])
  })

  it('puts sprop parameter sets in front of an IRAP access unit without an SPS', () => {
    const d = new H265Depacketizer({ parameterSets: [X265_VPS, X265_SPS, X265_PPS] })
    assert.deepEqual(nalusOf(d, rtp('2601 01')), [[X265_VPS, X265_SPS, X265_PPS, hex('260101')].map((b) => b.toString('hex'))])
    assert.deepEqual(nalusOf(d, rtp('0201 01')), [['020101']], 'not before other pictures')
    const own = rtp(Buffer.concat([hex('6001 0007'), X265_PPS, hex('002a'), X265_SPS, hex('0003 260101')]))
    assert.deepEqual(nalusOf(d, own), [[X265_PPS, X265_SPS, hex('260101')].map((b) => b.toString('hex'))], 'not when it has its own SPS')
  })

  it('checks the access-unit limits before appending, and recovers', () => {
    const d = new H265Depacketizer({ maxAccessUnitSize: 12, maxNalusPerAccessUnit: 3 })
    d.push(rtp('0201 0102030405', { marker: false }))
    assert.throws(() => d.push(rtp('0201 0102030405', { marker: false })), isCode(LimitError, 'ERR_H265_AU_SIZE'))
    assert.throws(() => d.push(rtp('6001 0002 4601 0002 4601 0002 4601 0002 4601')), isCode(LimitError, 'ERR_H265_AU_NALUS'))
    d.push(rtp('6201 93 0102030405', { seq: 1, marker: false }))
    assert.throws(() => d.push(rtp('6201 13 010203040506', { seq: 2, marker: false })), isCode(LimitError, 'ERR_H265_AU_SIZE'))
    d.push(rtp('6001 0002 4601 0002 4601 0002 4601', { marker: false }))
    assert.throws(() => d.push(rtp('6201 d3 01', { seq: 3 })), isCode(LimitError, 'ERR_H265_AU_NALUS'))
    assert.deepEqual(nalusOf(d, rtp('0201 01', { ts: 9 })), [['020101']])
  })
})
