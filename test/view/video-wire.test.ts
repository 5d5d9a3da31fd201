import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { avcDecoderConfigurationRecord } from '../../src/codecs/h264/avc-config.js'
import { AvcPacker, WIRE_HEADER_SIZE, WireKind, readWireHeader, wireMessage } from '../../src/view/video-wire.js'

const START = [0, 0, 0, 1]
// Baseline profile (66), constraint flags 0xC0, level 3.0: the record needs no SPS parsing for it.
const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8])
const PPS = Buffer.from([0x68, 0xce, 0x38, 0x80])
const PPS2 = Buffer.from([0x68, 0xce, 0x3c, 0x80])
const AUD = Buffer.from([0x09, 0xf0])
const IDR = Buffer.from([0x65, 0x88, 0x84, 0x00, 0x33])
const SLICE = Buffer.from([0x41, 0x9a, 0x02, 0x04])

const annexB = (...nalus: Buffer[]) => Buffer.concat(nalus.flatMap((n) => [Buffer.from(START), n]))
const lengthPrefixed = (...nalus: Buffer[]) => Buffer.concat(nalus.flatMap((n) => [Buffer.from([0, 0, 0, n.length]), n]))

describe('view wire messages', () => {
  it('header fields, then the payload', () => {
    const m = wireMessage(WireKind.AVC_SAMPLE, Buffer.from([0xaa, 0xbb]), 0x01020304, true)
    assert.deepEqual(
      [...m],
      [
        0x03, // kind: H.264 access unit
        0x01, // flags: keyframe
        0x00,
        0x00, // reserved
        0x01,
        0x02,
        0x03,
        0x04, // presentation time, ms
        0x00,
        0x00,
        0x00,
        0x02, // payload length
        0xaa,
        0xbb, // payload
      ],
    )
    assert.deepEqual(readWireHeader(m), { kind: WireKind.AVC_SAMPLE, keyframe: true, ptsMs: 0x01020304, length: 2 })
  })

  it('times wrap at 2^32 ms and are rounded; a short buffer has no header yet', () => {
    assert.equal(readWireHeader(wireMessage(WireKind.JPEG, Buffer.alloc(0), 2 ** 32 + 7.4))!.ptsMs, 7)
    assert.equal(readWireHeader(wireMessage(WireKind.JPEG, Buffer.alloc(0), -3))!.ptsMs, 0)
    assert.equal(readWireHeader(wireMessage(WireKind.JPEG, Buffer.alloc(0)))!.keyframe, false)
    assert.equal(readWireHeader(Buffer.alloc(WIRE_HEADER_SIZE - 1)), undefined)
  })
})

describe('AvcPacker: Annex-B access units → avc1 samples and their avcC', () => {
  it('takes SPS and PPS out of band, drops delimiters, keeps the slices length-prefixed', () => {
    const packer = new AvcPacker()
    const input = annexB(AUD, SPS, PPS, IDR)
    const copy = Buffer.from(input)
    const first = packer.push(input)
    assert.deepEqual(input, copy, 'the input is not changed')
    assert.deepEqual(first.config, avcDecoderConfigurationRecord(SPS, PPS))
    assert.deepEqual(first.sample, lengthPrefixed(IDR))
    assert.equal(first.keyframe, true)
    const next = packer.push(annexB(SLICE))
    assert.equal(next.config, first.config, 'the same record while the parameter sets stay')
    assert.deepEqual(next.sample, lengthPrefixed(SLICE))
    assert.equal(next.keyframe, false)
    const repeated = packer.push(annexB(SPS, PPS, IDR))
    assert.equal(repeated.config, first.config, 'repeated identical parameter sets keep the record')
  })

  it('a changed PPS makes a new record', () => {
    const packer = new AvcPacker()
    const a = packer.push(annexB(SPS, PPS, IDR))
    const b = packer.push(annexB(PPS2, IDR))
    assert.notEqual(b.config, a.config)
    assert.deepEqual(b.config, avcDecoderConfigurationRecord(SPS, PPS2))
  })

  it('parameter sets from sprop-parameter-sets serve until the stream sends its own; none: no config', () => {
    assert.deepEqual(new AvcPacker({ sps: SPS, pps: PPS }).push(annexB(SLICE)).config, avcDecoderConfigurationRecord(SPS, PPS))
    const bare = new AvcPacker()
    assert.equal(bare.push(annexB(SLICE)).config, undefined)
    assert.equal(bare.push(annexB(SPS, IDR)).config, undefined, 'an SPS alone is not enough')
  })
})
