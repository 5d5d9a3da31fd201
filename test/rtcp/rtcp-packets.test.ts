import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LimitError, ParseError } from '../../src/errors.js'
import { RtcpGoodbye } from '../../src/rtcp/goodbye.js'
import { RtcpRawPacket } from '../../src/rtcp/raw-packet.js'
import { RtcpReceiverReport } from '../../src/rtcp/receiver-report.js'
import { RtcpSenderReport } from '../../src/rtcp/sender-report.js'
import { RtcpSourceDescription, SdesItemType } from '../../src/rtcp/source-description.js'
import { parseRtcp, serializeRtcp, type RtcpPacket } from '../../src/rtcp/compound.js'
import { RtcpPacketType } from '../../src/rtcp/header.js'
import { hex } from '../helpers/split.js'

/** `part` lies inside `whole`'s bytes (same ArrayBuffer, within its range). */
function isViewOf(part: Uint8Array, whole: Uint8Array): boolean {
  return (
    part.buffer === whole.buffer &&
    part.byteOffset >= whole.byteOffset &&
    part.byteOffset + part.byteLength <= whole.byteOffset + whole.byteLength
  )
}

/** Whether two views share any byte (small Buffers may share a pool slab without overlapping). */
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength
}

interface PacketVector {
  name: string
  bytes: Buffer
  expected: RtcpPacket
  parse: (b: Uint8Array) => RtcpPacket
}

const SR_NO_REPORTS = hex(
  '80' + // V=2 P=0 RC=0
    'c8' + // PT=200 SR
    '00 06' + // length 6 → 28 bytes
    '12 34 56 78' + // SSRC of sender
    'ed 00 37 80' + // NTP seconds 3976214400 (2026-01-01T00:00:00Z)
    '80 00 00 00' + // NTP fraction 0.5 s
    '00 01 5f 90' + // RTP timestamp 90000
    '00 00 00 64' + // sender's packet count 100
    '00 01 86 a0', // sender's octet count 100000
)

const REPORT_A = {
  ssrc: 0x9abcdef0,
  fractionLost: 0x40,
  totalLost: 5,
  highestSequence: 0x0001_0010,
  jitter: 32,
  lastSenderReport: 0x37808000,
  delaySinceLastSenderReport: 0x0001_0000,
}

const SR_ONE_REPORT = hex(
  '81' + // V=2 P=0 RC=1
    'c8' + // PT=200 SR
    '00 0c' + // length 12 → 52 bytes
    '12 34 56 78' + // SSRC of sender
    'ed 00 37 80' + // NTP seconds
    '80 00 00 00' + // NTP fraction
    '00 01 5f 90' + // RTP timestamp 90000
    '00 00 00 64' + // packet count 100
    '00 01 86 a0' + // octet count 100000
    '9a bc de f0' + // report 1: SSRC
    '40' + // fraction lost 64/256
    '00 00 05' + // cumulative lost 5
    '00 01 00 10' + // extended highest sequence: 1 cycle, seq 16
    '00 00 00 20' + // jitter 32
    '37 80 80 00' + // LSR: middle 32 bits of the SR above
    '00 01 00 00', // DLSR 1 s
)

const RR_ONE_REPORT = hex(
  '81' + // V=2 P=0 RC=1
    'c9' + // PT=201 RR
    '00 07' + // length 7 → 32 bytes
    '9a bc de f1' + // SSRC of packet sender
    '12 34 56 78' + // report 1: SSRC
    '00' + // fraction lost 0
    'ff ff fe' + // cumulative lost -2 (duplicates)
    '00 00 ff ff' + // extended highest sequence 65535
    '00 00 00 05' + // jitter 5
    '00 00 00 00' + // LSR: no SR received yet
    '00 00 00 00', // DLSR 0
)

const RR_EMPTY = hex(
  '80' + // V=2 P=0 RC=0
    'c9' + // PT=201 RR
    '00 01' + // length 1 → 8 bytes
    '9a bc de f1', // SSRC of packet sender
)

const RR_PADDED = hex(
  'a0' + // V=2 P=1 RC=0
    'c9' + // PT=201 RR
    '00 02' + // length 2 → 12 bytes
    '9a bc de f1' + // SSRC of packet sender
    '00 00 00 04', // padding: 3 zero octets, count 4
)

/** CNAME vectors: text length → null octets after the items (1 terminator + 0..3 padding). */
const SDES_CNAME = [
  {
    text: 'a',
    bytes: hex(
      '81' + // V=2 P=0 SC=1
        'ca' + // PT=202 SDES
        '00 02' + // length 2 → 12 bytes
        '12 34 56 78' + // chunk 1 SSRC
        '01 01' + // CNAME, length 1
        '61' + // "a"
        '00', // end of items; 0 padding octets
    ),
  },
  {
    text: 'abcd',
    bytes: hex(
      '81' + // V=2 P=0 SC=1
        'ca' + // PT=202 SDES
        '00 03' + // length 3 → 16 bytes
        '12 34 56 78' + // chunk 1 SSRC
        '01 04' + // CNAME, length 4
        '61 62 63 64' + // "abcd"
        '00' + // end of items
        '00', // 1 padding octet
    ),
  },
  {
    text: 'abc',
    bytes: hex(
      '81' + // V=2 P=0 SC=1
        'ca' + // PT=202 SDES
        '00 03' + // length 3 → 16 bytes
        '12 34 56 78' + // chunk 1 SSRC
        '01 03' + // CNAME, length 3
        '61 62 63' + // "abc"
        '00' + // end of items
        '00 00', // 2 padding octets
    ),
  },
  {
    text: 'ab',
    bytes: hex(
      '81' + // V=2 P=0 SC=1
        'ca' + // PT=202 SDES
        '00 03' + // length 3 → 16 bytes
        '12 34 56 78' + // chunk 1 SSRC
        '01 02' + // CNAME, length 2
        '61 62' + // "ab"
        '00' + // end of items
        '00 00 00', // 3 padding octets
    ),
  },
]

const SDES_TWO_CHUNKS = hex(
  '82' + // V=2 P=0 SC=2
    'ca' + // PT=202 SDES
    '00 07' + // length 7 → 32 bytes
    '12 34 56 78' + // chunk 1 SSRC
    '01 03 61 62 63' + // CNAME "abc"
    '06 05 c3 a9 74 c3 a9' + // TOOL "été" (UTF-8, 5 bytes)
    '00 00 00 00' + // end of items + 3 padding octets
    '9a bc de f0' + // chunk 2 SSRC
    '00 00 00 00', // no items: end of items + 3 padding octets
)

const BYE_NO_REASON = hex(
  '81' + // V=2 P=0 SC=1
    'cb' + // PT=203 BYE
    '00 01' + // length 1 → 8 bytes
    '12 34 56 78', // SSRC
)

const BYE_REASON = hex(
  '81' + // V=2 P=0 SC=1
    'cb' + // PT=203 BYE
    '00 04' + // length 4 → 20 bytes
    '12 34 56 78' + // SSRC
    '08' + // reason length 8
    '74 65 61 72 64 6f 77 6e' + // "teardown"
    '00 00 00', // padding to 32 bits
)

const BYE_TWO_SOURCES_ALIGNED_REASON = hex(
  '82' + // V=2 P=0 SC=2
    'cb' + // PT=203 BYE
    '00 03' + // length 3 → 16 bytes
    '12 34 56 78' + // SSRC 1
    '9a bc de f0' + // SSRC 2
    '03 62 79 65', // reason length 3, "bye" (already aligned)
)

const BYE_EMPTY_REASON = hex(
  '81' + // V=2 P=0 SC=1
    'cb' + // PT=203 BYE
    '00 02' + // length 2 → 12 bytes
    '12 34 56 78' + // SSRC
    '00 00 00 00', // reason length 0 + padding
)

const APP = hex(
  '83' + // V=2 P=0 subtype=3
    'cc' + // PT=204 APP
    '00 03' + // length 3 → 16 bytes
    '12 34 56 78' + // SSRC
    '71 74 73 70' + // name "qtsp"
    '01 02 03 04', // application data
)

const PLI = hex(
  '81' + // V=2 P=0 FMT=1 (PLI)
    'ce' + // PT=206 PSFB
    '00 02' + // length 2 → 12 bytes
    '9a bc de f1' + // SSRC of packet sender
    '12 34 56 78', // SSRC of media source
)

const NACK = hex(
  '81' + // V=2 P=0 FMT=1 (generic NACK)
    'cd' + // PT=205 RTPFB
    '00 03' + // length 3 → 16 bytes
    '9a bc de f1' + // SSRC of packet sender
    '12 34 56 78' + // SSRC of media source
    '00 10 00 03', // FCI: PID 16, BLP 0b11 (17 and 18 lost too)
)

const XR = hex(
  '80' + // V=2 P=0 count 0 (reserved for XR)
    'cf' + // PT=207 XR (RFC 3611), not modelled
    '00 01' + // length 1 → 8 bytes
    '9a bc de f1', // SSRC
)

const SENDER_INFO = {
  ssrc: 0x12345678,
  ntpSeconds: 3976214400,
  ntpFraction: 0x80000000,
  rtpTimestamp: 90000,
  packetCount: 100,
  octetCount: 100000,
}

const VECTORS: PacketVector[] = [
  {
    name: 'SR without report blocks',
    bytes: SR_NO_REPORTS,
    parse: (b) => RtcpSenderReport.parse(b),
    expected: new RtcpSenderReport(SENDER_INFO),
  },
  {
    name: 'SR with one report block',
    bytes: SR_ONE_REPORT,
    parse: (b) => RtcpSenderReport.parse(b),
    expected: new RtcpSenderReport({ ...SENDER_INFO, reports: [REPORT_A] }),
  },
  {
    name: 'RR with one report block (negative cumulative loss)',
    bytes: RR_ONE_REPORT,
    parse: (b) => RtcpReceiverReport.parse(b),
    expected: new RtcpReceiverReport({
      ssrc: 0x9abcdef1,
      reports: [
        {
          ssrc: 0x12345678,
          fractionLost: 0,
          totalLost: -2,
          highestSequence: 0xffff,
          jitter: 5,
          lastSenderReport: 0,
          delaySinceLastSenderReport: 0,
        },
      ],
    }),
  },
  { name: 'empty RR', bytes: RR_EMPTY, parse: (b) => RtcpReceiverReport.parse(b), expected: new RtcpReceiverReport({ ssrc: 0x9abcdef1 }) },
  {
    name: 'RR with P bit and 4 padding octets',
    bytes: RR_PADDED,
    parse: (b) => RtcpReceiverReport.parse(b),
    expected: new RtcpReceiverReport({ ssrc: 0x9abcdef1, paddingSize: 4 }),
  },
  ...SDES_CNAME.map((v): PacketVector => ({
    name: `SDES CNAME of ${v.text.length} bytes (${v.bytes.length - 10 - v.text.length} null octets)`,
    bytes: v.bytes,
    parse: (b) => RtcpSourceDescription.parse(b),
    expected: RtcpSourceDescription.cname(0x12345678, v.text),
  })),
  {
    name: 'SDES with two chunks, UTF-8 TOOL and an empty chunk',
    bytes: SDES_TWO_CHUNKS,
    parse: (b) => RtcpSourceDescription.parse(b),
    expected: new RtcpSourceDescription({
      chunks: [
        {
          ssrc: 0x12345678,
          items: [
            { type: SdesItemType.CNAME, text: 'abc' },
            { type: SdesItemType.TOOL, text: 'été' },
          ],
        },
        { ssrc: 0x9abcdef0, items: [] },
      ],
    }),
  },
  {
    name: 'BYE without reason',
    bytes: BYE_NO_REASON,
    parse: (b) => RtcpGoodbye.parse(b),
    expected: new RtcpGoodbye({ sources: [0x12345678] }),
  },
  {
    name: 'BYE with reason',
    bytes: BYE_REASON,
    parse: (b) => RtcpGoodbye.parse(b),
    expected: new RtcpGoodbye({ sources: [0x12345678], reason: 'teardown' }),
  },
  {
    name: 'BYE with two sources and an aligned reason',
    bytes: BYE_TWO_SOURCES_ALIGNED_REASON,
    parse: (b) => RtcpGoodbye.parse(b),
    expected: new RtcpGoodbye({ sources: [0x12345678, 0x9abcdef0], reason: 'bye' }),
  },
  {
    name: 'BYE with an empty reason',
    bytes: BYE_EMPTY_REASON,
    parse: (b) => RtcpGoodbye.parse(b),
    expected: new RtcpGoodbye({ sources: [0x12345678], reason: '' }),
  },
  {
    name: 'APP (204) kept raw',
    bytes: APP,
    parse: (b) => RtcpRawPacket.parse(b),
    expected: new RtcpRawPacket({ packetType: 204, count: 3, payload: APP.subarray(4) }),
  },
  {
    name: 'PSFB PLI (206) kept raw',
    bytes: PLI,
    parse: (b) => RtcpRawPacket.parse(b),
    expected: new RtcpRawPacket({ packetType: 206, count: 1, payload: PLI.subarray(4) }),
  },
  {
    name: 'RTPFB NACK (205) kept raw',
    bytes: NACK,
    parse: (b) => RtcpRawPacket.parse(b),
    expected: new RtcpRawPacket({ packetType: 205, count: 1, payload: NACK.subarray(4) }),
  },
  {
    name: 'XR (207) kept raw',
    bytes: XR,
    parse: (b) => RtcpRawPacket.parse(b),
    expected: new RtcpRawPacket({ packetType: 207, count: 0, payload: XR.subarray(4) }),
  },
]

for (const v of VECTORS) {
  test(`RTCP vector: ${v.name} — parse (class and compound)`, () => {
    assert.deepEqual(v.parse(v.bytes), v.expected)
    const list = parseRtcp(v.bytes)
    assert.equal(list.length, 1)
    assert.deepEqual(list[0], v.expected)
    assert.equal(list[0].packetType, v.bytes[1])
  })

  test(`RTCP vector: ${v.name} — serialize and round trip`, () => {
    assert.deepEqual(v.expected.serialize(), v.bytes)
    assert.equal(v.expected.marshalSize(), v.bytes.length)
    assert.deepEqual(serializeRtcp(parseRtcp(v.bytes)), v.bytes)
    assert.deepEqual(v.parse(v.bytes).serialize(), v.bytes)
    const out = Buffer.alloc(v.bytes.length + 6, 0x55)
    assert.equal(v.expected.marshalTo(out, 3), v.bytes.length)
    assert.deepEqual(out.subarray(3, 3 + v.bytes.length), v.bytes)
    assert.equal(out[2], 0x55)
    assert.equal(out[3 + v.bytes.length], 0x55)
  })

  test(`RTCP vector: ${v.name} — every truncation is a ParseError`, () => {
    for (let n = 0; n < v.bytes.length; n++) {
      const cut = v.bytes.subarray(0, n)
      assert.throws(() => parseRtcp(cut), ParseError, `parseRtcp, length ${n}`)
      assert.throws(() => v.parse(cut), ParseError, `class parse, length ${n}`)
    }
  })

  test(`RTCP vector: ${v.name} — input unchanged, clone independent, Uint8Array at an offset`, () => {
    const input = Buffer.from(v.bytes)
    const p = v.parse(input)
    assert.deepEqual(input, v.bytes)
    const c = p.clone()
    assert.deepEqual(c, p)
    input.fill(0xee)
    assert.deepEqual(c.serialize(), v.bytes)

    const backing = new Uint8Array(v.bytes.length + 8)
    backing.set(v.bytes, 5)
    assert.deepEqual(serializeRtcp(parseRtcp(new Uint8Array(backing.buffer, 5, v.bytes.length))), v.bytes)
  })
}

test('RTCP: raw payloads and profile extensions are views; clones copy them', () => {
  const input = Buffer.from(APP)
  const raw = parseRtcp(input)[0] as RtcpRawPacket
  assert.ok(isViewOf(raw.payload, input))
  assert.ok(!overlaps(raw.clone().payload, input))

  // SR with an 8-byte profile-specific extension after its (zero) report blocks.
  const withExt = Buffer.concat([hex('80 c8 00 08'), SR_NO_REPORTS.subarray(4), hex('de ad be ef 01 02 03 04')])
  const sr = parseRtcp(withExt)[0] as RtcpSenderReport
  assert.deepEqual(sr.profileExtensions, hex('de ad be ef 01 02 03 04'))
  assert.ok(isViewOf(sr.profileExtensions, withExt))
  assert.ok(!overlaps(sr.clone().profileExtensions, withExt))
  assert.deepEqual(sr.serialize(), withExt)
})

test('RTCP: the kind field discriminates the union', () => {
  const kinds = parseRtcp(Buffer.concat([SR_NO_REPORTS, RR_EMPTY, SDES_CNAME[0]!.bytes, BYE_NO_REASON, APP])).map((p) => p.kind)
  assert.deepEqual(kinds, ['sr', 'rr', 'sdes', 'bye', 'raw'])
})

test('RTCP: SDES helpers', () => {
  const sdes = RtcpSourceDescription.parse(SDES_TWO_CHUNKS)
  assert.equal(sdes.getCname(), 'abc')
  assert.equal(sdes.getCname(0x12345678), 'abc')
  assert.equal(sdes.getCname(0x9abcdef0), undefined)
  assert.equal(sdes.getCname(1), undefined)
})

test('RTCP: report blocks clamp the cumulative loss to signed 24 bits (RFC 3550 A.3)', () => {
  const rr = (totalLost: number) => new RtcpReceiverReport({ ssrc: 1, reports: [{ ...REPORT_A, totalLost }] })
  assert.equal(RtcpReceiverReport.parse(rr(-10_000_000).serialize()).reports[0]!.totalLost, -0x800000)
  assert.equal(RtcpReceiverReport.parse(rr(10_000_000).serialize()).reports[0]!.totalLost, 0x7fffff)
  assert.equal(RtcpReceiverReport.parse(rr(-1).serialize()).reports[0]!.totalLost, -1)
  assert.deepEqual(rr(-1).serialize().subarray(13, 16), hex('ff ff ff'))
})

test('RTCP: malformed packets are ParseErrors with codes and observed/allowed values', () => {
  const cases: [string, Buffer, string][] = [
    ['empty input', Buffer.alloc(0), 'ERR_RTCP_SHORT'],
    ['version 1', hex('40 c9 00 01 9a bc de f1'), 'ERR_RTCP_VERSION'],
    ['version 0 (STUN-like)', hex('00 01 00 00 21 12 a4 42'), 'ERR_RTCP_VERSION'],
    ['length past the end', hex('80 c9 00 05 9a bc de f1'), 'ERR_RTCP_LENGTH'],
    ['RC=2 with one report block', Buffer.concat([hex('82'), RR_ONE_REPORT.subarray(1)]), 'ERR_RTCP_SHORT'],
    ['SR too short for sender info', hex('80 c8 00 01 12 34 56 78'), 'ERR_RTCP_SHORT'],
    ['RR without SSRC', hex('80 c9 00 00'), 'ERR_RTCP_SHORT'],
    ['padding count 0', hex('a0 c9 00 02 9a bc de f1 00 00 00 00'), 'ERR_RTCP_PADDING'],
    ['padding count past the body', hex('a0 c9 00 02 9a bc de f1 00 00 00 09'), 'ERR_RTCP_PADDING'],
    ['SDES item list without END', hex('81 ca 00 02 12 34 56 78 01 02 61 62'), 'ERR_RTCP_SDES_END'],
    ['SDES item text past the end', hex('81 ca 00 02 12 34 56 78 01 09 61 62'), 'ERR_RTCP_SHORT'],
    ['SDES SC=2 with one chunk', Buffer.concat([hex('82'), SDES_CNAME[0]!.bytes.subarray(1)]), 'ERR_RTCP_SHORT'],
    ['SDES bytes after the chunks', hex('81 ca 00 03 12 34 56 78 01 01 61 00 01 02 03 04'), 'ERR_RTCP_TRAILING'],
    ['BYE SC=2 with one source', hex('82 cb 00 01 12 34 56 78'), 'ERR_RTCP_SHORT'],
    ['BYE reason past the end', hex('81 cb 00 02 12 34 56 78 08 61 62 63'), 'ERR_RTCP_SHORT'],
    ['BYE bytes after the reason', hex('81 cb 00 03 12 34 56 78 01 61 00 00 01 02 03 04'), 'ERR_RTCP_TRAILING'],
  ]
  for (const [name, bytes, code] of cases) {
    let err: unknown
    try {
      parseRtcp(bytes)
    } catch (e) {
      err = e
    }
    assert.ok(err instanceof ParseError, `${name}: ${String(err)}`)
    assert.equal(err.code, code, name)
    assert.ok('observed' in err.details && 'allowed' in err.details, name)
  }
})

test('RTCP: class parse checks the type and rejects trailing packets', () => {
  assert.throws(() => RtcpSenderReport.parse(RR_EMPTY), { code: 'ERR_RTCP_TYPE' })
  assert.throws(() => RtcpGoodbye.parse(APP), { code: 'ERR_RTCP_TYPE' })
  assert.throws(() => RtcpSenderReport.parse(Buffer.concat([SR_NO_REPORTS, BYE_NO_REASON])), { code: 'ERR_RTCP_TRAILING' })
  // RtcpRawPacket.parse takes any type, known ones included, without interpreting them.
  const raw = RtcpRawPacket.parse(SR_NO_REPORTS)
  assert.equal(raw.packetType, RtcpPacketType.SR)
  assert.deepEqual(raw.serialize(), SR_NO_REPORTS)
})

test('RTCP: marshal rejects what the header cannot hold', () => {
  const limit = (f: () => unknown, code: string) => assert.throws(f, (e: unknown) => e instanceof LimitError && e.code === code)
  limit(() => new RtcpReceiverReport({ reports: new Array(32).fill(REPORT_A) }).serialize(), 'ERR_RTCP_COUNT')
  limit(() => new RtcpGoodbye({ sources: new Array(32).fill(1) }).serialize(), 'ERR_RTCP_COUNT')
  limit(() => RtcpSourceDescription.cname(1, 'x'.repeat(256)).serialize(), 'ERR_RTCP_SDES_TEXT')
  limit(() => new RtcpSourceDescription({ chunks: [{ ssrc: 1, items: [{ type: 0, text: 'a' }] }] }).serialize(), 'ERR_RTCP_SDES_TYPE')
  limit(() => new RtcpGoodbye({ sources: [1], reason: 'é'.repeat(128) }).serialize(), 'ERR_RTCP_BYE_REASON')
  limit(() => new RtcpRawPacket({ packetType: 204, payload: Buffer.alloc(3) }).serialize(), 'ERR_RTCP_ALIGN')
  limit(() => new RtcpSenderReport({ paddingSize: 3 }).serialize(), 'ERR_RTCP_ALIGN')
  limit(() => new RtcpRawPacket({ packetType: 204, count: 32 }).serialize(), 'ERR_RTCP_COUNT')
  limit(() => new RtcpRawPacket({ packetType: 204, payload: Buffer.alloc(256 * 1024) }).serialize(), 'ERR_RTCP_TOO_LARGE')
  assert.throws(
    () => new RtcpReceiverReport().marshalTo(Buffer.alloc(7)),
    (e: unknown) => e instanceof ParseError && e.code === 'ERR_RTCP_BUFFER',
  )
  // 255 bytes is the most an SDES item or BYE reason can carry.
  assert.equal(RtcpSourceDescription.parse(RtcpSourceDescription.cname(1, 'x'.repeat(255)).serialize()).getCname(), 'x'.repeat(255))
  assert.equal(RtcpGoodbye.parse(new RtcpGoodbye({ reason: 'y'.repeat(255) }).serialize()).reason, 'y'.repeat(255))
})

test('RTCP: padding survives a round trip on every type', () => {
  const packets: RtcpPacket[] = [
    new RtcpSenderReport({ ...SENDER_INFO, paddingSize: 8 }),
    new RtcpReceiverReport({ ssrc: 1, reports: [REPORT_A], paddingSize: 4 }),
    new RtcpSourceDescription({ chunks: [{ ssrc: 1, items: [{ type: 1, text: 'ab' }] }], paddingSize: 252 }),
    new RtcpGoodbye({ sources: [1], reason: 'x', paddingSize: 4 }),
    new RtcpRawPacket({ packetType: 204, count: 2, payload: hex('00000001 61626364 01'), paddingSize: 3 }),
  ]
  for (const p of packets) {
    const bytes = p.serialize()
    assert.equal(bytes[0]! & 0x20, 0x20)
    assert.equal(bytes[bytes.length - 1], p.paddingSize)
    const [q] = parseRtcp(bytes)
    assert.deepEqual(q, p)
    assert.deepEqual(q.serialize(), bytes)
  }
})
