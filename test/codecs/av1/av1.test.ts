import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AV1_CODEC } from '../../../src/codecs/av1/index.js'
import { parseAv1Payload } from '../../../src/codecs/av1/aggregation-header.js'
import { Av1Depacketizer } from '../../../src/codecs/av1/depacketizer.js'
import { readLeb128, writeLeb128, leb128Size } from '../../../src/codecs/av1/leb128.js'
import { splitObus } from '../../../src/codecs/av1/obu.js'
import { Av1Packetizer } from '../../../src/codecs/av1/packetizer.js'
import { parseAv1SequenceHeader } from '../../../src/codecs/av1/sequence-header.js'
import { Av1Track } from '../../../src/codecs/av1/track.js'
import { packetizeFrame } from '../../../src/codecs/media-track.js'
import { createCodecRegistry } from '../../../src/codecs/registry.js'
import { ParseError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { annotatedHex as hex } from '../../helpers/annotated-hex.js'
import { AV1_VECTORS, SEQUENCE_HEADER_PAYLOAD } from './vectors.js'

const isParseError = (code: string) => (e: unknown) => e instanceof ParseError && e.code === code
const packet = (payload: Buffer, marker: boolean, timestamp = 9000) => new RtpPacket({ payload, marker, timestamp })

describe('leb128', () => {
  it('reads and writes the AV1 encoding', () => {
    assert.deepEqual(readLeb128(hex('00'), 0), { value: 0, size: 1 })
    assert.deepEqual(readLeb128(hex('cd 24 | 0x4d + 0x24 << 7'), 0), { value: 4685, size: 2 })
    assert.deepEqual(readLeb128(hex('80 80 80 80 00 | a padded 0'), 0), { value: 0, size: 5 })
    assert.deepEqual(readLeb128(hex('ff ff ff ff 0f | 2^32 - 1'), 0), { value: 0xffffffff, size: 5 })
    for (const v of [0, 127, 128, 16383, 16384, 0xffffffff]) {
      const b = Buffer.alloc(8)
      assert.equal(writeLeb128(b, 0, v), leb128Size(v))
      assert.deepEqual(readLeb128(b, 0), { value: v, size: leb128Size(v) })
    }
  })

  it('past the end, longer than 8 bytes or above 2^32 - 1 is a ParseError', () => {
    assert.throws(() => readLeb128(hex('80 80'), 0), isParseError('ERR_AV1_LEB128'))
    assert.throws(() => readLeb128(hex('80 80 80 80 80 80 80 80 00'), 0), isParseError('ERR_AV1_LEB128'))
    assert.throws(() => readLeb128(hex('80 80 80 80 10 | 2^32'), 0), isParseError('ERR_AV1_LEB128'))
  })
})

describe('AV1 sequence header', () => {
  it('reads profile, level, tier and the maximum frame size', () => {
    assert.deepEqual(parseAv1SequenceHeader(SEQUENCE_HEADER_PAYLOAD), {
      profile: 0,
      stillPicture: false,
      reducedStillPictureHeader: false,
      levelIdx: 0,
      tier: 0,
      maxWidth: 320,
      maxHeight: 240,
    })
  })

  it('every truncation before the size is a ParseError', () => {
    for (let n = 0; n < 7; n++) {
      assert.throws(() => parseAv1SequenceHeader(SEQUENCE_HEADER_PAYLOAD.subarray(0, n)), isParseError('ERR_AV1_SEQUENCE_HEADER'))
    }
  })
})

describe('Av1Depacketizer', () => {
  for (const v of AV1_VECTORS) {
    it(`reads ${v.name}, leaving the packets unchanged`, () => {
      const d = new Av1Depacketizer()
      const copies = v.packets.map((p) => Buffer.from(p))
      const out = v.packets.flatMap((p, i) => d.push(packet(p, i === v.packets.length - 1)))
      assert.equal(out.length, 1)
      assert.equal(out[0]!.data.toString('hex'), v.unit.toString('hex'))
      assert.deepEqual([out[0]!.timestamp, out[0]!.keyframe], [9000, v.keyframe])
      assert.deepEqual(v.packets, copies)
    })

    it(`gives back the unit of ${v.name} packetized by us at every packet size`, () => {
      for (let max = 15; max <= 12 + 1 + v.unit.length + 4; max++) {
        const p = new Av1Packetizer({ ssrc: 1, initialSequence: 0, maxPacketSize: max })
        const d = new Av1Depacketizer()
        const packets = p.packetize(v.unit, 180)
        assert.ok(packets.every((b) => b.length <= max))
        const out = packets.flatMap((b) => d.push(RtpPacket.parse(b)))
        assert.equal(out.length, 1, `max ${max}`)
        assert.equal(out[0]!.data.toString('hex'), v.unit.toString('hex'), `max ${max}`)
        assert.equal(out[0]!.keyframe, v.keyframe)
      }
    })
  }

  it('skips a padding-only packet in the middle of a temporal unit', () => {
    const d = new Av1Depacketizer()
    const [first, second, third] = AV1_VECTORS[2]!.packets
    assert.deepEqual(d.push(packet(first!, false)), [])
    assert.deepEqual(d.push(packet(Buffer.alloc(0), false)), [])
    assert.deepEqual(d.push(packet(second!, false)), [])
    assert.equal(d.push(packet(third!, true))[0]!.data.toString('hex'), AV1_VECTORS[2]!.unit.toString('hex'))
  })

  it('drops an OBU whose start was lost, and a unit cut by a new timestamp', () => {
    const d = new Av1Depacketizer()
    assert.deepEqual(d.push(packet(hex('90 | Z=1 W=1\n44 55'), true)), [])
    assert.deepEqual(d.push(packet(hex('50 | Y=1 W=1\n30 10'), false, 1)), [])
    const [f] = d.push(packet(hex('10 | W=1\n30 77'), true, 2))
    assert.equal(f!.data.toString('hex'), '1200' + '320177')
  })

  it('bad input is a ParseError, never a crash, and forgets the partial unit', () => {
    const d = new Av1Depacketizer()
    d.push(packet(hex('50 | Y=1 W=1\n30 10'), false))
    assert.throws(() => d.push(packet(hex('00 | W=0\n05 | length 5\n30 10 | 2 bytes only'), true)), isParseError('ERR_AV1_PAYLOAD'))
    assert.throws(() => d.push(packet(hex('00 | W=0\n80 | length runs off the end'), true)), isParseError('ERR_AV1_PAYLOAD'))
    assert.throws(
      () => d.push(packet(hex('30 | W=3\n01 30 | one element with a length, then nothing'), true)),
      isParseError('ERR_AV1_PAYLOAD'),
    )
    assert.throws(() => d.push(packet(hex('10 | W=1\n32 05 10 | obu_size 5 past the element'), true)), isParseError('ERR_AV1_OBU'))
    assert.throws(() => d.push(packet(hex('10 | W=1\n34 | X=1, extension byte missing'), true)), isParseError('ERR_AV1_OBU'))
    assert.throws(() => d.push(packet(hex('10 | W=1\nb0 00 | forbidden bit'), true)), isParseError('ERR_AV1_OBU'))
    assert.deepEqual(d.push(packet(hex('90 | Z=1 W=1\n44'), true)), [])
  })

  it('parses an aggregation header with its elements', () => {
    const p = parseAv1Payload(AV1_VECTORS[0]!.packets[0]!)
    assert.deepEqual(
      [p.continuation, p.continues, p.count, p.newSequence, p.elements.map((e) => e.length)],
      [false, false, 2, true, [12, 4]],
    )
  })
})

describe('Av1Packetizer', () => {
  it('drops temporal delimiters, clears obu_size, counts up to 3 elements in W, sets N on a new sequence and the marker', () => {
    const unit = AV1_VECTORS[0]!.unit
    const [only] = new Av1Packetizer({ ssrc: 1, initialSequence: 0 }).packetize(unit, 0)
    const rtp = RtpPacket.parse(only!)
    assert.equal(rtp.marker, true)
    assert.equal(rtp.payload.toString('hex'), AV1_VECTORS[0]!.packets[0]!.toString('hex'))
  })

  it('uses W=0 when more than 3 elements share a packet; an empty unit is a CodecError', () => {
    const unit = hex('12 00 | TD\n7a 01 00 | padding\n7a 01 00\n7a 01 00\n7a 01 00')
    const [only] = new Av1Packetizer({ ssrc: 1, initialSequence: 0 }).packetize(unit, 0)
    assert.equal(RtpPacket.parse(only!).payload.toString('hex'), '00' + '027800'.repeat(4))
    assert.throws(
      () => new Av1Packetizer({ ssrc: 1 }).packetize(hex('12 00'), 0),
      (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'ERR_AV1_FRAME_EMPTY',
    )
  })
})

describe('AV1 codec entry and track', () => {
  it('is registered under AV1/90000', () => {
    const c = createCodecRegistry().byEncodingName('av1')
    assert.equal(c, AV1_CODEC)
    assert.deepEqual(c.sdpAttributes({ payloadType: 35, clockRate: 90000 }), [{ key: 'rtpmap', value: '35 AV1/90000' }])
    assert.deepEqual(c.readSdp!({ payloadType: 35, encodingName: 'AV1', clockRate: 90000, fmtp: new Map() }).info, {
      kind: 'video',
      codec: 'av1',
    })
  })

  it('learns size, profile, level and tier from the sequence header', () => {
    const t = new Av1Track({ ssrc: 1, initialSequence: 0, payloadType: 35 })
    assert.equal(packetizeFrame(t, AV1_VECTORS[1]!.unit, 0).keyframe, false)
    assert.equal(packetizeFrame(t, AV1_VECTORS[0]!.unit, 3000).keyframe, true)
    assert.deepEqual(t.sdpAttributes(), [
      { key: 'rtpmap', value: '35 AV1/90000' },
      { key: 'fmtp', value: '35 profile=0;level-idx=0;tier=0' },
      { key: 'framesize', value: '35 320-240' },
    ])
    assert.equal(splitObus(AV1_VECTORS[0]!.unit).length, 3)
  })
})
