// Byte vectors for the boxes and configuration records of the fMP4 writer, one comment per field.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CodecError } from '../../../src/errors.js'
import { box, fields, fullBox, serializeBoxes } from '../../../src/formats/mp4/box.js'
import { avcDecoderConfigurationRecord } from '../../../src/codecs/h264/avc-config.js'
import { esdsBox, ObjectTypeIndication, StreamType } from '../../../src/formats/mp4/esds.js'
import { hevcDecoderConfigurationRecord } from '../../../src/codecs/h265/hevc-config.js'
import { dOpsBox } from '../../../src/codecs/opus/dops.js'
import { buildFragment, trunBox } from '../../../src/formats/mp4/fragment.js'
import { ftypBox, initSegment } from '../../../src/formats/mp4/init-segment.js'
import { buildAudioSpecificConfig } from '../../../src/codecs/aac/audio-specific-config.js'
import { hex } from '../../helpers/split.js'
import { BASELINE_PPS, BASELINE_SPS } from '../../codecs/h264/vectors.js'
import { X265_PPS, X265_SPS, X265_VPS } from '../../codecs/h265/vectors.js'
import { find, readBoxes, readTrafs } from './read-boxes.js'

describe('box builder', () => {
  it('computes sizes bottom-up and writes nested boxes once', () => {
    const b = box('moov', fullBox('mvhd', 1, 0x000203, fields(['u16', 0xabcd])), box('free'))
    assert.equal(b.size, 8 + (12 + 2) + 8)
    assert.deepEqual(
      b.toBuffer(),
      hex(
        '0000001e 6d6f6f76' + // size 30, 'moov'
          '0000000e 6d766864 | 01 | 000203 | abcd' + // size 14, 'mvhd', version 1, flags 0x000203, field
          '00000008 66726565', // size 8, 'free'
      ),
    )
  })

  it('packs every field width big-endian, u64 without BigInt', () => {
    assert.deepEqual(
      fields(
        ['u8', 1],
        ['u16', 0x0203],
        ['u24', 0x040506],
        ['u32', 0x0708090a],
        ['u64', 2 ** 40 + 5],
        ['i16', -2],
        ['i32', -1],
        ['zeros', 2],
        hex('ff'),
      ),
      hex('01 | 0203 | 040506 | 0708090a | 0000010000000005 | fffe | ffffffff | 0000 | ff'),
    )
  })

  it('refuses bad types, flags and 64-bit values with CodecError', () => {
    assert.throws(
      () => box('moo'),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_MP4_BOX_TYPE',
    )
    assert.throws(
      () => fullBox('tfhd', 0, 0x1000000),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_MP4_BOX_FLAGS',
    )
    assert.throws(
      () => fields(['u64', -1]),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_MP4_U64',
    )
  })

  it('serializes a list of boxes into one buffer', () => {
    assert.deepEqual(serializeBoxes([box('free'), box('skip', hex('00'))]), hex('00000008 66726565 00000009 736b6970 00'))
  })
})

describe('ftyp', () => {
  it('is isom 0x200 with isom, iso6, mp41', () => {
    assert.deepEqual(
      ftypBox().toBuffer(),
      hex(
        '0000001c 66747970' + // size 28, 'ftyp'
          '69736f6d' + // major_brand 'isom'
          '00000200' + // minor_version
          '69736f6d 69736f36 6d703431', // compatible_brands 'isom' 'iso6' 'mp41'
      ),
    )
  })
})

describe('avcC', () => {
  it('builds the record of the x264 Baseline SPS/PPS', () => {
    assert.deepEqual(
      avcDecoderConfigurationRecord(BASELINE_SPS, BASELINE_PPS),
      hex(
        '01' + // configurationVersion
          '42' + // AVCProfileIndication: Baseline (66)
          'c0' + // profile_compatibility: constraint_set0 and 1
          '0d' + // AVCLevelIndication: 1.3
          'ff' + // reserved 111111, lengthSizeMinusOne 3
          'e1' + // reserved 111, numOfSequenceParameterSets 1
          '0018 6742c00dd90141fb011000000300100000030320f142a480' + // SPS length 24, SPS
          '01' + // numOfPictureParameterSets
          '0005 68cb83cb20', // PPS length 5, PPS
      ),
    )
  })
})

describe('hvcC', () => {
  it('builds the record of the x265 Main VPS/SPS/PPS with the SPS profile, tier and level', () => {
    assert.deepEqual(
      hevcDecoderConfigurationRecord(X265_VPS, X265_SPS, X265_PPS),
      hex(
        '01' + // configurationVersion
          '01' + // general_profile_space 0, tier 0, profile_idc 1 (Main)
          '60000000' + // general_profile_compatibility_flags: Main and Main 10
          '900000000000' + // general_constraint_indicator_flags: progressive, frame-only
          '3f' + // general_level_idc 63 (level 2.1)
          'f000' + // reserved 1111, min_spatial_segmentation_idc 0
          'fc' + // reserved 111111, parallelismType 0
          'fd' + // reserved 111111, chromaFormat 1 (4:2:0)
          'f8' + // reserved 11111, bitDepthLumaMinus8 0
          'f8' + // reserved 11111, bitDepthChromaMinus8 0
          '0000' + // avgFrameRate unspecified
          '0f' + // constantFrameRate 0, numTemporalLayers 1, temporalIdNested 1, lengthSizeMinusOne 3
          '03' + // numOfArrays
          'a0 0001 0018 40010c01ffff01600000030090000003000003003f959809' + // complete, VPS (32): 1 NAL of 24 bytes
          'a1 0001 002a 42010101600000030090000003000003003fa00502016965959a4932bc05a02000000300200000030321' + // SPS (33): 42 bytes
          'a2 0001 0007 4401c172b46240', // PPS (34): 7 bytes
      ),
    )
  })
})

describe('esds', () => {
  it('describes AAC-LC 48 kHz stereo', () => {
    const asc = buildAudioSpecificConfig({ sampleRate: 48000, channels: 2 })
    assert.deepEqual(asc, hex('1190'))
    assert.deepEqual(
      esdsBox({ objectType: ObjectTypeIndication.AAC, streamType: StreamType.AUDIO, specificInfo: asc }).toBuffer(),
      hex(
        '00000027 65736473 | 00 000000' + // size 39, 'esds', version 0, flags 0
          '03 19' + // ES_Descriptor, 25 bytes
          '0000 | 00' + // ES_ID 0, no dependsOn / URL / OCR
          '04 11' + // DecoderConfigDescriptor, 17 bytes
          '40' + // objectTypeIndication: Audio ISO/IEC 14496-3
          '15' + // streamType 5 (audio) << 2 | upStream 0 | reserved 1
          '000000 | 00000000 | 00000000' + // bufferSizeDB, maxBitrate, avgBitrate: unknown
          '05 02 1190' + // DecoderSpecificInfo, 2 bytes: the AudioSpecificConfig
          '06 01 02', // SLConfigDescriptor, 1 byte: predefined 2 (MP4)
      ),
    )
  })
})

describe('dOps', () => {
  it('writes mapping family 0 for stereo', () => {
    assert.deepEqual(
      dOpsBox({ channels: 2, inputSampleRate: 48000 }).toBuffer(),
      hex(
        '00000013 644f7073' + // size 19, 'dOps'
          '00' + // Version
          '02' + // OutputChannelCount
          '0000' + // PreSkip
          '0000bb80' + // InputSampleRate 48000
          '0000' + // OutputGain
          '00', // ChannelMappingFamily
      ),
    )
    assert.throws(
      () => dOpsBox({ channels: 3 }),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_MP4_OPUS_CHANNELS',
    )
  })
})

describe('trun and fragments', () => {
  it('writes per-sample duration, size and sync / non-sync flags', () => {
    const samples = [
      { data: Buffer.alloc(5), duration: 3000, sync: true, compositionOffset: 0 },
      { data: Buffer.alloc(2), duration: 3003, sync: false, compositionOffset: 0 },
    ]
    assert.deepEqual(
      trunBox(samples, 0x70).toBuffer(),
      hex(
        '0000002c 7472756e' + // size 44, 'trun'
          '00 000701' + // version 0; flags: data-offset, duration, size, flags present
          '00000002' + // sample_count
          '00000070' + // data_offset
          '00000bb8 00000005 02000000' + // 3000 ticks, 5 bytes, depends on nothing (sync)
          '00000bbb 00000002 01010000', // 3003 ticks, 2 bytes, depends on others, non-sync
      ),
    )
  })

  it('switches to version 1 with signed composition offsets when a sample has one', () => {
    const b = trunBox([{ data: Buffer.alloc(1), duration: 10, sync: true, compositionOffset: -20 }], 0).toBuffer()
    assert.deepEqual(b.subarray(8, 12), hex('01 000f01')) // version 1; flags add composition time offsets
    assert.deepEqual(b.subarray(-4), hex('ffffffec')) // -20
  })

  it('points each trun at its samples inside the mdat (offsets from the moof)', () => {
    const frag = buildFragment(7, [
      { trackId: 1, baseMediaDecodeTime: 2 ** 33, samples: [{ data: hex('aaaa'), duration: 1, sync: true, compositionOffset: 0 }] },
      { trackId: 2, baseMediaDecodeTime: 0, samples: [] },
      {
        trackId: 3,
        baseMediaDecodeTime: 960,
        samples: [
          { data: hex('bb'), duration: 2, sync: true, compositionOffset: 0 },
          { data: hex('cc'), duration: 2, sync: true, compositionOffset: 0 },
        ],
      },
    ])
    const [moof, mdat] = readBoxes(frag)
    assert.equal(moof!.type, 'moof')
    assert.equal(mdat!.type, 'mdat')
    assert.equal(moof!.body.readUInt32BE(12), 7) // mfhd sequence_number
    const trafs = readTrafs(moof!)
    assert.deepEqual(
      trafs.map((t) => [t.trackId, t.baseMediaDecodeTime]),
      [
        [1, 2 ** 33],
        [3, 960],
      ],
    ) // empty runs are left out
    assert.deepEqual(frag.subarray(trafs[0]!.dataOffset, trafs[0]!.dataOffset + 2), hex('aaaa'))
    assert.deepEqual(frag.subarray(trafs[1]!.dataOffset, trafs[1]!.dataOffset + 2), hex('bbcc'))
    assert.equal(frag.length, moof!.size + mdat!.size)
  })
})

describe('init segment', () => {
  it('has one trak per track, empty sample tables and a trex each', () => {
    const init = initSegment([
      { kind: 'video', codec: 'h264', sps: BASELINE_SPS, pps: BASELINE_PPS },
      { kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 2, config: hex('1190') },
    ])
    const boxes = readBoxes(init)
    assert.deepEqual(
      boxes.map((b) => b.type),
      ['ftyp', 'moov'],
    )
    const moov = readBoxes(boxes[1]!.body)
    assert.deepEqual(
      moov.map((b) => b.type),
      ['mvhd', 'trak', 'trak', 'mvex'],
    )
    assert.equal(boxes[1]!.body.readUInt32BE(moov[0]!.offset + 8 + 96), 3) // mvhd next_track_ID
    const tkhd = find(boxes, 'moov', 'trak', 'tkhd').body
    assert.equal(tkhd.readUInt32BE(12), 1) // track_ID
    assert.deepEqual([tkhd.readUInt32BE(76) / 65536, tkhd.readUInt32BE(80) / 65536], [320, 240]) // from the SPS
    const mdhd = find(boxes, 'moov', 'trak', 'mdia', 'mdhd').body
    assert.equal(mdhd.readUInt32BE(12), 90000) // video timescale
    const stbl = readBoxes(find(boxes, 'moov', 'trak', 'mdia', 'minf', 'stbl').body)
    assert.deepEqual(
      stbl.map((b) => [b.type, b.size]),
      [
        ['stsd', stbl[0]!.size],
        ['stts', 16],
        ['stsc', 16],
        ['stsz', 20],
        ['stco', 16],
      ],
    )
    const stsd = stbl[0]!.body
    assert.equal(stsd.toString('latin1', 12, 16), 'avc1')
    assert.deepEqual(
      readBoxes(find(boxes, 'moov', 'mvex').body).map((b) => [b.type, b.body.readUInt32BE(4)]),
      [
        ['trex', 1],
        ['trex', 2],
      ],
    )
  })
})
