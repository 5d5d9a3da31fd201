/**
 * FLV tag bodies: legacy AVC, Enhanced RTMP 'hvc1' (all its packet types), AAC, and what is ignored
 * rather than refused (other codecs, command frames); written tags read back.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../src/errors.js'
import { aacTag, parseAudioTag, parseVideoTag, videoTag } from '../../src/rtmp/flv-tags.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

describe('FLV video tags', () => {
  it('legacy AVC: sequence header, keyframe NAL units with a negative composition time, inter frame', () => {
    assert.deepEqual(parseVideoTag(hex('17 00 000000 01640016')), {
      kind: 'video',
      codec: 'H264',
      packet: 'config',
      keyframe: true,
      compositionTime: 0,
      data: hex('01640016'),
    })
    const key = parseVideoTag(hex('17 01 ffffd8 00000002 6588')) // frame type 1, AVC NALU, cts -40
    assert.equal(key.codec === 'H264' && key.compositionTime, -40)
    assert.equal(key.codec === 'H264' && key.keyframe, true)
    const inter = parseVideoTag(hex('27 01 000050 00000002 4188')) // frame type 2, cts 80
    assert.equal(inter.codec === 'H264' && !inter.keyframe && inter.compositionTime, 80)
  })
  it("enhanced 'hvc1': SequenceStart, CodedFrames (with cts), CodedFramesX (without), SequenceEnd", () => {
    const start = parseVideoTag(hex('90 68766331 01'))
    assert.equal(start.codec === 'H265' && start.packet, 'config')
    const frames = parseVideoTag(hex('91 68766331 000028 00000002 2601'))
    assert.ok(frames.codec === 'H265' && frames.packet === 'frame' && frames.keyframe && frames.compositionTime === 40)
    assert.ok(frames.codec === 'H265' && frames.data.equals(hex('00000002 2601')))
    const framesX = parseVideoTag(hex('a3 68766331 00000002 0201'))
    assert.ok(framesX.codec === 'H265' && framesX.packet === 'frame' && !framesX.keyframe && framesX.compositionTime === 0)
    assert.equal(parseVideoTag(hex('92 68766331')).packet, 'end')
  })
  it('ignores other codecs, FourCCs, command frames and unknown packet types', () => {
    assert.equal(parseVideoTag(hex('12 00')).packet, 'ignored') // Sorenson H.263
    assert.equal(parseVideoTag(hex('90 61763031 00')).packet, 'ignored') // av01
    assert.equal(parseVideoTag(hex('57 00 000000')).packet, 'ignored') // video info frame
    assert.equal(parseVideoTag(hex('94 68766331')).packet, 'ignored') // metadata packet
  })
  it('refuses tags too short for their header', () => {
    for (const b of ['', '17', '17 01 00', '91 6876', '91 68766331 00']) assert.throws(() => parseVideoTag(hex(b)), ParseError, b)
  })
  it('written tags read back', () => {
    const data = hex('00000002 6588')
    const h264 = parseVideoTag(Buffer.concat(videoTag('H264', 'frame', true, -20, data)))
    assert.ok(h264.codec === 'H264' && h264.keyframe && h264.compositionTime === -20 && h264.data.equals(data))
    const h265 = parseVideoTag(Buffer.concat(videoTag('H265', 'frame', false, 33, data)))
    assert.ok(h265.codec === 'H265' && !h265.keyframe && h265.compositionTime === 33 && h265.data.equals(data))
    assert.equal(parseVideoTag(Buffer.concat(videoTag('H265', 'config', true, 0, data))).packet, 'config')
  })
})

describe('FLV audio tags', () => {
  it('AAC config and raw frames; other sound formats ignored', () => {
    assert.deepEqual(parseAudioTag(hex('af 00 1190')), { kind: 'audio', codec: 'AAC', packet: 'config', data: hex('1190') })
    assert.deepEqual(parseAudioTag(hex('af 01 2100')), { kind: 'audio', codec: 'AAC', packet: 'frame', data: hex('2100') })
    assert.equal(parseAudioTag(hex('2f ff')).packet, 'ignored') // MP3
    assert.throws(() => parseAudioTag(hex('af')), ParseError)
    assert.deepEqual(parseAudioTag(Buffer.concat(aacTag('frame', hex('2100')))), {
      kind: 'audio',
      codec: 'AAC',
      packet: 'frame',
      data: hex('2100'),
    })
  })
})
