import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { parseAvcC } from '../../../src/codecs/h264/avc-config.js'
import type { H264SampleEntry } from '../../../src/codecs/h264/mp4.js'
import { parseHvcC } from '../../../src/codecs/h265/hevc-config.js'
import type { AacSampleEntry } from '../../../src/codecs/aac/mp4.js'
import type { G711SampleEntry } from '../../../src/codecs/g711/mp4.js'
import { parseDOps } from '../../../src/codecs/opus/dops.js'
import { parseEsds } from '../../../src/formats/mp4/esds-reader.js'
import { parseStsd } from '../../../src/formats/mp4/sample-entry-reader.js'
import { audioEntry, avcC, box, fullBox, PPS, SPS, u32, vec, visualEntry } from './build.js'

/** The esds body ffmpeg writes for 48 kHz mono AAC-LC (sizes in the 4-byte form). */
const ESDS = vec(`
  00000000                 // version 0, flags 0
  03 80808025              // ES_Descriptor, size 37
  0002 | 00                // ES_ID 2, no dependence / URL / OCR
  04 80808017              // DecoderConfigDescriptor, size 23
  40                       // objectTypeIndication: MPEG-4 audio
  15                       // streamType 5 (audio) << 2 | upStream 0 | reserved 1
  000000                   // bufferSizeDB
  00011052 | 00011052      // maxBitrate, avgBitrate 69714
  05 80808005              // DecoderSpecificInfo, size 5
  118856e500               // AudioSpecificConfig: AAC-LC, 48 kHz, mono
  06 80808001 | 02         // SLConfigDescriptor, predefined 2
`)

describe('esds', () => {
  it('finds the AudioSpecificConfig in the ES_Descriptor', () => {
    const es = parseEsds(ESDS)
    assert.deepEqual(
      { ...es, decoderSpecificInfo: es.decoderSpecificInfo?.toString('hex') },
      {
        esId: 2,
        objectTypeIndication: 0x40,
        streamType: 5,
        maxBitrate: 69714,
        avgBitrate: 69714,
        decoderSpecificInfo: '118856e500',
      },
    )
  })

  it('reads the 1-byte size form and skips the optional ES_Descriptor fields', () => {
    const es = parseEsds(
      vec(`
      00000000
      03 19                  // ES_Descriptor, size 25
      0001 | e0              // ES_ID 1; streamDependence, URL and OCR flags
      0005                   // dependsOn_ES_ID
      02 6869                // URLlength 2, "hi"
      0007                   // OCR_ES_Id
      04 0d | 40 15 000000 00000000 00000000  // DecoderConfigDescriptor (13 bytes) without DecoderSpecificInfo
    `),
    )
    assert.deepEqual([es.esId, es.objectTypeIndication, es.decoderSpecificInfo], [1, 0x40, undefined])
  })

  it('raises ParseError on every truncation and on wrong tags', () => {
    for (let n = 0; n < ESDS.length - 8; n++) assert.throws(() => parseEsds(ESDS.subarray(0, n)), ParseError, `prefix ${n}`)
    const wrong = Buffer.from(ESDS)
    wrong[4] = 0x04
    assert.throws(
      () => parseEsds(wrong),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_MP4_ESDS' && /expected ES_Descriptor/.test(e.message),
    )
    assert.throws(() => parseEsds(vec('00000000 | 03 ffffffff7f')), ParseError) // a 5-byte size
  })
})

describe('decoder configuration records', () => {
  it('reads avcC parameter sets and the NAL length size', () => {
    const c = parseAvcC(avcC(SPS, PPS).subarray(8))
    assert.deepEqual([c.profile, c.level, c.lengthSize], [SPS[1], SPS[3], 4])
    assert.deepEqual([c.sps, c.pps], [[SPS], [PPS]])
    assert.throws(
      () => parseAvcC(vec('01 64 00 1f fe e1')),
      (e: unknown) => e instanceof ParseError && /length size 3/.test(e.message),
    )
    assert.throws(() => parseAvcC(vec('02 64 00 1f ff e1')), ParseError)
  })

  it('reads hvcC arrays by NAL type', () => {
    const c = parseHvcC(
      vec(`
      01 01 60000000 900000000000 5d f000 fc fd f8 f8 0000   // 21 bytes: version, profile, flags, level …
      0f                                                     // … lengthSizeMinusOne 3
      03                                                     // numOfArrays 3
      a0 0001 0002 4001                                      // VPS (32): one NAL of 2 bytes
      a1 0001 0002 4201                                      // SPS (33)
      a2 0002 0002 4401 0003 440102                          // PPS (34): two NALs
    `),
    )
    assert.deepEqual(
      [c.lengthSize, c.vps.map((b) => b.toString('hex')), c.sps.map((b) => b.toString('hex')), c.pps.map((b) => b.toString('hex'))],
      [4, ['4001'], ['4201'], ['4401', '440102']],
    )
  })

  it('reads dOps', () => {
    const c = parseDOps(vec(`00 | 02 | 0138 | 0000bb80 | 0000 | 00`)) // version, 2 channels, pre-skip 312, 48000 Hz, gain 0, family 0
    assert.deepEqual(c, { channels: 2, preSkip: 312, inputSampleRate: 48000, outputGain: 0, channelMappingFamily: 0 })
  })
})

describe('stsd sample entries', () => {
  const stsd = (entry: Buffer) => parseStsd(fullBox('stsd', 0, 0, u32(1), entry).subarray(8), 0)

  it('reads avc1, mp4a, ulaw and names what it does not play', () => {
    const v = stsd(visualEntry('avc1', 320, 240, avcC(SPS, PPS))) as H264SampleEntry
    assert.deepEqual(v.codec === 'h264' && [v.width, v.height, v.lengthSize, v.sps[0]], [320, 240, 4, SPS])
    const a = stsd(audioEntry('mp4a', 1, 48000, box('esds', ESDS))) as AacSampleEntry
    assert.deepEqual(a.codec === 'aac' && [a.sampleRate, a.channels, a.config.toString('hex')], [48000, 1, '118856e500'])
    const u = stsd(audioEntry('ulaw', 1, 8000)) as G711SampleEntry
    assert.deepEqual(u.codec === 'pcmu' && [u.sampleRate, u.channels], [8000, 1])
    assert.deepEqual(stsd(audioEntry('ac-3', 2, 48000)), { codec: 'unsupported', fourcc: 'ac-3', name: 'ac-3 (Dolby Digital)' })
    const mp3 = Buffer.from(ESDS)
    mp3[17] = 0x6b // objectTypeIndication: MPEG-1 audio
    assert.deepEqual(stsd(audioEntry('mp4a', 2, 44100, box('esds', mp3))), { codec: 'unsupported', fourcc: 'mp4a', name: 'mp4a (MP3)' })
    assert.throws(
      () => stsd(visualEntry('avc1', 320, 240)),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_MP4_MISSING_BOX',
    )
  })
})
