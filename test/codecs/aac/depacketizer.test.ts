import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, LimitError, ParseError, ProtocolError, type RtspkitError } from '../../../src/errors.js'
import { AacDepacketizer } from '../../../src/codecs/aac/depacketizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import type { ReceivedFrame } from '../../../src/codecs/codec.js'
import { hex } from '../../helpers/split.js'
import { AAC_PACKET_VECTORS, VECTOR_AU_DURATION, VECTOR_TIMESTAMP } from './vectors.js'

function rtp(payload: string, opts: { seq?: number; ts?: number; marker?: boolean } = {}): RtpPacket {
  return new RtpPacket({
    payloadType: 97,
    sequenceNumber: opts.seq ?? 0,
    timestamp: opts.ts ?? 1000,
    marker: opts.marker ?? true,
    ssrc: 1,
    payload: hex(payload),
  })
}

function isCode(cls: new (...a: never[]) => RtspkitError, code: string) {
  return (e: unknown) => e instanceof cls && e.code === code
}

const hexFrames = (frames: ReceivedFrame[]) => frames.map((f) => [f.data.toString('hex'), f.timestamp, f.keyframe])

describe('AacDepacketizer', () => {
  for (const v of AAC_PACKET_VECTORS) {
    it(`reads ${v.name}, leaving the packets unchanged`, () => {
      const d = new AacDepacketizer()
      const copies = v.packets.map((p) => Buffer.from(p))
      const frames = v.packets.flatMap((p) => d.push(RtpPacket.parse(p)))
      assert.deepEqual(
        hexFrames(frames),
        v.aus.map((a, i) => [a.toString('hex'), VECTOR_TIMESTAMP + i * VECTOR_AU_DURATION, true]),
      )
      assert.deepEqual(v.packets, copies, 'input packets unchanged')
      assert.equal(d.pendingBytes, 0)
      // Reassembled AUs are copies: writing into them must not reach the packets (whole AUs are views).
      for (const f of frames) if (!v.packets.some((p) => p.includes(f.data))) f.data.fill(0xee)
      assert.deepEqual(v.packets, copies)
    })
  }

  it('returns nothing until the last fragment', () => {
    const d = new AacDepacketizer()
    assert.deepEqual(d.push(rtp('0010 0030 0102 0304', { marker: false, seq: 1 })), [])
    assert.equal(d.pendingBytes, 4)
    assert.deepEqual(hexFrames(d.push(rtp('0010 0030 0506', { seq: 2 }))), [['010203040506', 1000, true]])
  })

  it('advances timestamps by AU-Index-delta + 1 (interleaving) and the configured AU duration', () => {
    const d = new AacDepacketizer({ auDuration: 960 })
    // Three 1-byte AUs: index 0, delta 0, delta 2 → AUs 0, 1 and 4.
    const frames = d.push(rtp('0030 0008 0008 000a 0a0b0c', { ts: 0xffffffff }))
    assert.deepEqual(
      frames.map((f) => f.timestamp),
      [0xffffffff, 959, 4 * 960 - 1],
    )
  })

  it('reads AU-headers with CTS, DTS, RAP and stream-state fields and skips an auxiliary section', () => {
    // sizeLength 6, indexLength 2, indexDeltaLength 2, ctsDeltaLength 3, dtsDeltaLength 3, RAP, stream state 2.
    const d = new AacDepacketizer({
      sizeLength: 6,
      indexLength: 2,
      indexDeltaLength: 2,
      ctsDeltaLength: 3,
      dtsDeltaLength: 3,
      randomAccessIndication: true,
      streamStateIndication: 2,
      auxiliaryDataSizeLength: 4,
    })
    // Header 1: size 000010 | index 00 | CTS-flag 0 | DTS-flag 1, DTS-delta 101 | RAP 1 | state 00 → 0x086c
    // Header 2: size 000001 | delta 00 | CTS-flag 1, CTS-delta 011 | DTS-flag 0 | RAP 0 | state 11 → 0x04b3
    // Auxiliary section: auxiliary-data-size 0100 (4 bits) + 4 data bits → one byte 0x4f.
    const frames = d.push(rtp('0020 | 086c 04b3 | 4f | aabb cc'))
    assert.deepEqual(hexFrames(frames), [
      ['aabb', 1000, true],
      ['cc', 2024, true],
    ])
  })

  it('builds itself from an SDP format', () => {
    const d = AacDepacketizer.fromFormat({
      payloadType: 97,
      encodingName: 'MPEG4-GENERIC',
      clockRate: 48000,
      channels: 2,
      fmtp: new Map([
        ['mode', 'AAC-hbr'],
        ['config', '2b118800'],
        ['sizelength', '13'],
        ['indexlength', '3'],
        ['indexdeltalength', '3'],
      ]),
    })
    const frames = d.push(rtp('0020 0008 0008 0102'))
    assert.deepEqual(
      frames.map((f) => f.timestamp),
      [1000, 1000 + 2048],
      'HE-AAC: 2048 ticks per AU at 48 kHz',
    )
    assert.throws(
      () =>
        AacDepacketizer.fromFormat({
          payloadType: 97,
          encodingName: 'MPEG4-GENERIC',
          clockRate: 48000,
          fmtp: new Map([
            ['mode', 'AAC-hbr'],
            ['config', '1190'],
          ]),
        }),
      isCode(ParseError, 'ERR_AAC_FMTP'),
    )
  })

  it('rejects malformed AU-header sections', () => {
    const d = new AacDepacketizer()
    assert.throws(() => d.push(rtp('00')), isCode(ParseError, 'ERR_AAC_RTP_SHORT'))
    assert.throws(() => d.push(rtp('0000 01')), isCode(ParseError, 'ERR_AAC_AU_HEADERS'))
    assert.throws(() => d.push(rtp('0020 0008')), isCode(ParseError, 'ERR_AAC_AU_HEADERS'), 'section runs past the packet')
    assert.throws(
      () => d.push(rtp('0011 0008 00 01')),
      isCode(ParseError, 'ERR_AAC_AU_HEADERS'),
      '17 bits is not a whole number of headers',
    )
    assert.throws(() => d.push(rtp('0010 0000')), isCode(ParseError, 'ERR_AAC_AU_EMPTY'))
    assert.throws(() => d.push(rtp('0010 0008 0102')), isCode(ParseError, 'ERR_AAC_AU_DATA'), 'trailing bytes')
    assert.throws(() => d.push(rtp('0020 0010 0008 01')), isCode(ParseError, 'ERR_AAC_AU_DATA'), 'several AUs, too little data')
    assert.throws(() => d.push(rtp('0010 0010 01', { marker: true })), isCode(ParseError, 'ERR_AAC_AU_DATA'), 'marker on a short single AU')
  })

  it('throws on a lost fragment, an interrupted AU and an early marker, and resets', () => {
    const d = new AacDepacketizer()
    d.push(rtp('0010 0030 0102', { seq: 10, marker: false }))
    assert.throws(() => d.push(rtp('0010 0030 0304', { seq: 12, marker: false })), isCode(ProtocolError, 'ERR_AAC_FRAGMENT_GAP'))
    assert.equal(d.pendingBytes, 0)

    d.push(rtp('0010 0030 0102', { seq: 20, marker: false }))
    assert.throws(
      () => d.push(rtp('0010 0008 05', { seq: 21, ts: 2024 })),
      isCode(ProtocolError, 'ERR_AAC_FRAGMENT_INCOMPLETE'),
      'new timestamp',
    )
    d.push(rtp('0010 0030 0102', { seq: 30, marker: false }))
    assert.throws(
      () => d.push(rtp('0010 0028 0304', { seq: 31 })),
      isCode(ProtocolError, 'ERR_AAC_FRAGMENT_INCOMPLETE'),
      'different AU-size',
    )
    d.push(rtp('0010 0030 0102', { seq: 40, marker: false }))
    assert.throws(() => d.push(rtp('0010 0030 0304', { seq: 41, marker: true })), isCode(ProtocolError, 'ERR_AAC_FRAGMENT_MARKER'))
    d.push(rtp('0010 0030 0102', { seq: 50, marker: false }))
    assert.throws(() => d.push(rtp('0010 0030 03040506 07', { seq: 51 })), isCode(ParseError, 'ERR_AAC_AU_DATA'), 'more than AU-size')

    // After every error a whole AU goes through.
    assert.deepEqual(hexFrames(d.push(rtp('0010 0008 09', { seq: 60 }))), [['09', 1000, true]])
  })

  it('caps the AU size before buffering a fragment', () => {
    const d = new AacDepacketizer({ maxAccessUnitSize: 100 })
    assert.throws(() => d.push(rtp('0010 0328 01', { marker: false })), isCode(LimitError, 'ERR_AAC_AU_SIZE')) // AU-size 101
    assert.deepEqual(d.push(rtp('0010 0320 01', { marker: false })), []) // 100 is fine
  })

  it('validates its options', () => {
    assert.throws(() => new AacDepacketizer({ sizeLength: 0 }), isCode(ParseError, 'ERR_AAC_FMTP'))
    assert.throws(() => new AacDepacketizer({ indexLength: 33 }), isCode(ParseError, 'ERR_AAC_FMTP'))
    assert.throws(() => new AacDepacketizer({ auDuration: 0 }), isCode(ConfigError, 'ERR_AAC_AU_DURATION'))
  })
})
