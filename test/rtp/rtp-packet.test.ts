import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ParseError, RtspkitError } from '../../src/errors.js'
import { RTP_HEADER_SIZE, RtpPacket, writeRtpHeader } from '../../src/rtp/rtp-packet.js'
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

/** The header fields a vector states (the packet's data properties, not its methods). */
type HeaderFields = Pick<RtpPacket, 'marker' | 'payloadType' | 'sequenceNumber' | 'timestamp' | 'ssrc' | 'csrc' | 'padding' | 'paddingSize'>

interface Vector {
  name: string
  bytes: Buffer
  /** Size of everything before the payload: a cut before it can never parse. */
  headerEnd: number
  fields: Partial<HeaderFields>
  payload: Buffer
  extension?: { profile: number; data: Buffer }
}

const VECTORS: Vector[] = [
  {
    name: 'plain H.264 packet, no marker',
    bytes: hex(
      '80' + // V=2 P=0 X=0 CC=0
        '60' + // M=0 PT=96
        '12 34' + // sequence number 4660
        '00 01 5f 90' + // timestamp 90000
        'de ad be ef' + // SSRC
        '65 88 84 00', // payload (IDR NAL start)
    ),
    headerEnd: 12,
    fields: {
      marker: false,
      payloadType: 96,
      sequenceNumber: 0x1234,
      timestamp: 90000,
      ssrc: 0xdeadbeef,
      csrc: [],
      padding: false,
      paddingSize: 0,
    },
    payload: hex('65 88 84 00'),
  },
  {
    name: 'marker and two CSRCs',
    bytes: hex(
      '82' + // V=2 P=0 X=0 CC=2
        'e0' + // M=1 PT=96
        'ff ff' + // sequence number 65535
        'ff ff ff ff' + // timestamp 2^32-1
        '00 00 00 01' + // SSRC 1
        '11 11 11 11' + // CSRC 1
        '22 22 22 22' + // CSRC 2
        '01 02 03', // payload (3 bytes)
    ),
    headerEnd: 20,
    fields: { marker: true, payloadType: 96, sequenceNumber: 0xffff, timestamp: 0xffffffff, ssrc: 1, csrc: [0x11111111, 0x22222222] },
    payload: hex('01 02 03'),
  },
  {
    name: 'one-byte header extension (RFC 8285 0xBEDE)',
    bytes: hex(
      '90' + // V=2 P=0 X=1 CC=0
        '1a' + // M=0 PT=26 (JPEG)
        '00 07' + // sequence number 7
        '00 00 00 00' + // timestamp 0
        'ca fe ba be' + // SSRC
        'be de' + // extension profile 0xBEDE
        '00 01' + // extension length 1 word
        '10 ff 00 00' + // extension data: id 1, len 1, value 0xff, 2 bytes padding
        '00 00 00 00', // payload: JPEG main header start
    ),
    headerEnd: 20,
    fields: { marker: false, payloadType: 26, sequenceNumber: 7, timestamp: 0, ssrc: 0xcafebabe, csrc: [] },
    payload: hex('00 00 00 00'),
    extension: { profile: 0xbede, data: hex('10 ff 00 00') },
  },
  {
    name: 'padding (3 bytes including the count)',
    bytes: hex(
      'a0' + // V=2 P=1 X=0 CC=0
        '80' + // M=1 PT=0 (PCMU)
        '00 2a' + // sequence number 42
        '00 00 01 40' + // timestamp 320
        '00 00 00 05' + // SSRC 5
        'fe fd' + // payload (2 bytes; large values so every cut has invalid padding)
        '00 00 03', // padding: 2 zero bytes, count 3
    ),
    headerEnd: 12,
    fields: { marker: true, payloadType: 0, sequenceNumber: 42, timestamp: 320, ssrc: 5, padding: true, paddingSize: 3 },
    payload: hex('fe fd'),
  },
  {
    name: 'everything: padding, extension, one CSRC, marker',
    bytes: hex(
      'b1' + // V=2 P=1 X=1 CC=1
        'e1' + // M=1 PT=97
        '80 00' + // sequence number 32768
        '12 34 56 78' + // timestamp
        '87 65 43 21' + // SSRC
        'aa aa aa aa' + // CSRC
        '10 00' + // extension profile 0x1000
        '00 02' + // extension length 2 words
        '01 02 03 04' + // extension data word 1
        '05 06 07 08' + // extension data word 2
        'ff' + // payload (1 byte)
        '00 00 00 04', // padding: 3 zero bytes, count 4
    ),
    headerEnd: 32,
    fields: {
      marker: true,
      payloadType: 97,
      sequenceNumber: 0x8000,
      timestamp: 0x12345678,
      ssrc: 0x87654321,
      csrc: [0xaaaaaaaa],
      padding: true,
      paddingSize: 4,
    },
    payload: hex('ff'),
    extension: { profile: 0x1000, data: hex('01 02 03 04 05 06 07 08') },
  },
]

for (const v of VECTORS) {
  test(`RTP vector: ${v.name} — parse`, () => {
    const p = RtpPacket.parse(v.bytes)
    for (const [k, value] of Object.entries(v.fields)) assert.deepEqual(p[k as keyof HeaderFields], value, k)
    assert.deepEqual(p.payload, v.payload)
    assert.deepEqual(p.extension, v.extension)
    assert.equal(p.version, 2)
  })

  test(`RTP vector: ${v.name} — serialize and round trip`, () => {
    const built = new RtpPacket({ ...v.fields, payload: Buffer.from(v.payload), extension: v.extension })
    assert.deepEqual(built.serialize(), v.bytes)
    assert.deepEqual(RtpPacket.parse(v.bytes).serialize(), v.bytes)
    assert.equal(built.marshalSize(), v.bytes.length)
    // marshalTo at an offset writes the same bytes and reports its size.
    const out = Buffer.alloc(v.bytes.length + 7, 0x55)
    assert.equal(built.marshalTo(out, 5), v.bytes.length)
    assert.deepEqual(out.subarray(5, 5 + v.bytes.length), v.bytes)
    assert.equal(out[4], 0x55)
    assert.equal(out[5 + v.bytes.length], 0x55)
  })

  test(`RTP vector: ${v.name} — every truncation`, () => {
    for (let n = 0; n < v.bytes.length; n++) {
      const cut = v.bytes.subarray(0, n)
      if (n < v.headerEnd || v.fields.padding) {
        assert.throws(() => RtpPacket.parse(cut), ParseError, `length ${n}`)
      } else {
        // A cut inside the payload is a valid shorter packet: it must parse or fail with our error.
        try {
          RtpPacket.parse(cut)
        } catch (e) {
          assert.ok(e instanceof ParseError, `length ${n}: ${String(e)}`)
        }
      }
    }
  })

  test(`RTP vector: ${v.name} — payload is a view, clone is a copy`, () => {
    const input = Buffer.from(v.bytes)
    const p = RtpPacket.parse(input)
    assert.ok(isViewOf(p.payload, input))
    if (v.extension) assert.ok(isViewOf(p.extension!.data, input))
    const c = p.clone()
    assert.ok(!overlaps(c.payload, input))
    if (v.extension) assert.ok(!overlaps(c.extension!.data, input))
    assert.ok(c.csrc !== p.csrc)
    input.fill(0x77)
    assert.deepEqual(c.payload, v.payload)
    assert.deepEqual(c.serialize(), v.bytes)
  })

  test(`RTP vector: ${v.name} — Uint8Array input at an offset in a larger ArrayBuffer`, () => {
    const backing = new Uint8Array(v.bytes.length + 9)
    backing.set(v.bytes, 4)
    const view = new Uint8Array(backing.buffer, 4, v.bytes.length)
    const p = RtpPacket.parse(view)
    assert.deepEqual(p.serialize(), v.bytes)
    assert.ok(p.payload.buffer === backing.buffer)
  })
}

test('RTP: parse does not modify its input', () => {
  for (const v of VECTORS) {
    const input = Buffer.from(v.bytes)
    RtpPacket.parse(input)
    assert.deepEqual(input, v.bytes)
  }
})

test('RTP: errors carry a code and the observed and allowed values', () => {
  const short = (() => {
    try {
      RtpPacket.parse(hex('80 60 00'))
    } catch (e) {
      return e
    }
  })()
  assert.ok(short instanceof ParseError)
  assert.equal(short.code, 'ERR_RTP_SHORT')
  assert.equal(short.details.observed, 3)

  const version = (() => {
    try {
      RtpPacket.parse(hex('40 60 0000 00000000 00000000'))
    } catch (e) {
      return e
    }
  })()
  assert.ok(version instanceof ParseError)
  assert.equal(version.code, 'ERR_RTP_VERSION')
  assert.equal(version.details.observed, 1)

  // P=1 with a zero padding count.
  assert.throws(() => RtpPacket.parse(hex('a0 60 0000 00000000 00000000 aa 00')), { code: 'ERR_RTP_PADDING' })
  // P=1 with a padding count larger than what follows the header.
  assert.throws(() => RtpPacket.parse(hex('a0 60 0000 00000000 00000000 aa 03')), { code: 'ERR_RTP_PADDING' })
  // CC=3 but only one CSRC present.
  assert.throws(() => RtpPacket.parse(hex('83 60 0000 00000000 00000000 11111111')), { code: 'ERR_RTP_SHORT' })
  // Extension length 2 words with 1 present.
  assert.throws(() => RtpPacket.parse(hex('90 60 0000 00000000 00000000 bede 0002 00000000')), { code: 'ERR_RTP_SHORT' })
})

test('RTP: header-only packet has an empty payload', () => {
  const p = RtpPacket.parse(hex('80 60 0001 00000002 00000003'))
  assert.equal(p.payload.length, 0)
  assert.deepEqual(p.serialize(), hex('80 60 0001 00000002 00000003'))
})

test('RTP: marshal rejects what the header cannot hold', () => {
  assert.throws(() => new RtpPacket({ csrc: new Array(16).fill(1) }).serialize(), { code: 'ERR_RTP_CSRC' })
  assert.throws(() => new RtpPacket({ extension: { profile: 1, data: Buffer.alloc(3) } }).serialize(), { code: 'ERR_RTP_EXTENSION' })
  assert.throws(() => new RtpPacket({ payload: Buffer.alloc(10) }).marshalTo(Buffer.alloc(21)), { code: 'ERR_RTP_BUFFER' })
})

test('RTP: writeRtpHeader matches RtpPacket.marshalTo for a plain header', () => {
  const fields = { marker: true, payloadType: 96, sequenceNumber: 0x10001, timestamp: -1, ssrc: 0x1_0000_0002 }
  const a = Buffer.alloc(RTP_HEADER_SIZE)
  writeRtpHeader(a, 0, fields)
  assert.deepEqual(a, hex('80 e0 0001 ffffffff 00000002'))
  assert.deepEqual(new RtpPacket(fields).serialize(), a)
})

// ---- properties ----

test('RTP property: random bytes parse or throw a RtspkitError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      try {
        const p = RtpPacket.parse(bytes)
        assert.ok(p.payload.length <= bytes.length)
      } catch (e) {
        assert.ok(e instanceof RtspkitError, String(e))
      }
    }),
    { numRuns: 2000 },
  )
})

test('RTP property: random bytes behind a valid version byte parse or throw a RtspkitError', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0x3f }), fc.uint8Array({ maxLength: 120 }), (low, rest) => {
      const bytes = Buffer.concat([Buffer.from([0x80 | low]), rest])
      try {
        const p = RtpPacket.parse(bytes)
        // Whatever parses re-serializes to a packet that parses to the same fields.
        const again = RtpPacket.parse(p.serialize())
        assert.deepEqual(again.payload, p.payload)
        assert.deepEqual(again.csrc, p.csrc)
      } catch (e) {
        assert.ok(e instanceof RtspkitError, String(e))
      }
    }),
    { numRuns: 2000 },
  )
})

const rtpPacketArb = fc.record({
  marker: fc.boolean(),
  payloadType: fc.integer({ min: 0, max: 127 }),
  sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
  timestamp: fc.integer({ min: 0, max: 0xffffffff }),
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  csrc: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
  extension: fc.option(
    fc.record({
      profile: fc.integer({ min: 0, max: 0xffff }),
      data: fc
        .integer({ min: 0, max: 8 })
        .chain((words) => fc.uint8Array({ minLength: words * 4, maxLength: words * 4 }))
        .map((u) => Buffer.from(u)),
    }),
    { nil: undefined },
  ),
  payload: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
  paddingSize: fc.option(fc.integer({ min: 1, max: 255 }), { nil: undefined }),
})

test('RTP property: generated packets round-trip (fields and bytes)', () => {
  fc.assert(
    fc.property(rtpPacketArb, (f) => {
      const p = new RtpPacket({ ...f, padding: f.paddingSize !== undefined, paddingSize: f.paddingSize ?? 0 })
      const bytes = p.serialize()
      const q = RtpPacket.parse(bytes)
      assert.equal(q.marker, f.marker)
      assert.equal(q.payloadType, f.payloadType)
      assert.equal(q.sequenceNumber, f.sequenceNumber)
      assert.equal(q.timestamp, f.timestamp)
      assert.equal(q.ssrc, f.ssrc)
      assert.deepEqual(q.csrc, f.csrc)
      assert.deepEqual(q.extension, f.extension && { ...f.extension })
      assert.deepEqual(q.payload, f.payload)
      assert.equal(q.paddingSize, f.paddingSize ?? 0)
      assert.deepEqual(q.serialize(), bytes)
      assert.deepEqual(q.clone().serialize(), bytes)
    }),
    { numRuns: 1000 },
  )
})
