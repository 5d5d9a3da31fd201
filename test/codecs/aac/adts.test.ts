import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CodecError, LimitError, ParseError } from '../../../src/errors.js'
import { ADTS_HEADER_SIZE, parseAdtsHeader, splitAdts, toAdts, writeAdtsHeader } from '../../../src/codecs/aac/adts.js'
import { parseAudioSpecificConfig } from '../../../src/codecs/aac/audio-specific-config.js'
import { hex } from '../../helpers/split.js'
import { ffmpeg, ffmpegDecodeFile, ffprobePackets, makeTone, sha256, tempDir } from '../../helpers/audio-interop.js'
import { ASC_LC_48K_STEREO } from './vectors.js'

/** An ADTS header as ffmpeg writes it for AAC-LC 48 kHz stereo, frame of 0x17f bytes. */
const HEADER = hex(
  'fff1' + // sync 0xFFF, ID=0 (MPEG-4), layer 0, protection_absent=1
    '4c' + //   profile 1 (LC), sampling frequency index 3 (48000), private 0, channel configuration bit 2 = 0
    '80' + //   channel configuration bits 1-0 = 10 (2), original/home/copyright bits 0, frame length bits 12-11 = 00
    '2f' + //   frame length bits 10-3
    'ff' + //   frame length bits 2-0 (111: 0x17f in all), buffer fullness bits 10-6
    'fc', //    buffer fullness bits 5-0 (0x7ff: VBR), number_of_raw_data_blocks_in_frame 0 (one block)
)

function isCode(cls: new (...a: never[]) => Error, code: string) {
  return (e: unknown) => e instanceof cls && (e as { code?: string }).code === code
}

describe('ADTS headers', () => {
  it('parses every field', () => {
    assert.deepEqual(parseAdtsHeader(HEADER), {
      mpegVersion: 4,
      hasCrc: false,
      objectType: 2,
      samplingFrequencyIndex: 3,
      sampleRate: 48000,
      channelConfiguration: 2,
      frameLength: 0x17f,
      bufferFullness: 0x7ff,
      rawDataBlocks: 1,
      headerSize: 7,
    })
    const withCrc = Buffer.from(HEADER)
    withCrc[1] = 0xf8 // ID=1 (MPEG-2), protection_absent=0
    assert.deepEqual(
      [parseAdtsHeader(withCrc).hasCrc, parseAdtsHeader(withCrc).headerSize, parseAdtsHeader(withCrc).mpegVersion],
      [true, 9, 2],
    )
  })

  it('writes what it parses', () => {
    const b = Buffer.alloc(ADTS_HEADER_SIZE)
    writeAdtsHeader(b, 0, { objectType: 2, samplingFrequencyIndex: 3, channelConfiguration: 2, payloadSize: 0x17f - 7 })
    assert.deepEqual(b, HEADER)
  })

  it('rejects a missing sync word, layer != 0, reserved rates and impossible lengths', () => {
    assert.throws(() => parseAdtsHeader(hex('fff0')), isCode(ParseError, 'ERR_AAC_ADTS_SHORT'))
    assert.throws(() => parseAdtsHeader(hex('ffe1 4c80 2ffc fc')), isCode(ParseError, 'ERR_AAC_ADTS_SYNC'))
    assert.throws(() => parseAdtsHeader(hex('fff3 4c80 2ffc fc')), isCode(ParseError, 'ERR_AAC_ADTS_LAYER'))
    assert.throws(() => parseAdtsHeader(hex('fff1 7480 2ffc fc')), isCode(ParseError, 'ERR_AAC_ADTS_RATE')) // index 13
    assert.throws(() => parseAdtsHeader(hex('fff1 4c80 0000 fc')), isCode(ParseError, 'ERR_AAC_ADTS_LENGTH'))
  })

  it('refuses to write what ADTS cannot carry', () => {
    const b = Buffer.alloc(ADTS_HEADER_SIZE)
    const base = { objectType: 2, samplingFrequencyIndex: 3, channelConfiguration: 2, payloadSize: 10 }
    assert.throws(() => writeAdtsHeader(b, 0, { ...base, objectType: 5 }), isCode(CodecError, 'ERR_AAC_ADTS_TYPE'))
    assert.throws(() => writeAdtsHeader(b, 0, { ...base, samplingFrequencyIndex: 15 }), isCode(CodecError, 'ERR_AAC_ADTS_RATE'))
    assert.throws(() => writeAdtsHeader(b, 0, { ...base, channelConfiguration: 8 }), isCode(CodecError, 'ERR_AAC_ADTS_CHANNELS'))
    assert.throws(() => writeAdtsHeader(b, 0, { ...base, payloadSize: 8185 }), isCode(CodecError, 'ERR_AAC_ADTS_LENGTH'))
  })
})

describe('splitAdts and toAdts', () => {
  const aus = [hex('21 1b 80'), hex('21 1b 80 0c 01'), Buffer.alloc(300, 0x5a)]

  it('round-trips access units and derives the AudioSpecificConfig', () => {
    const stream = toAdts(aus, ASC_LC_48K_STEREO)
    const s = splitAdts(stream)
    assert.deepEqual(
      s.frames.map((f) => f.au),
      aus,
    )
    assert.deepEqual(s.config, ASC_LC_48K_STEREO)
    assert.equal(s.skipped, 0)
    assert.equal(
      stream.length,
      aus.reduce((n, a) => n + a.length + ADTS_HEADER_SIZE, 0),
    )
    assert.deepEqual(toAdts(aus, parseAudioSpecificConfig(ASC_LC_48K_STEREO)), stream)
  })

  it('writes HE-AAC configs as their AAC-LC core (ADTS cannot signal SBR explicitly)', () => {
    const s = splitAdts(toAdts(aus, hex('2b118800')))
    assert.equal(s.frames[0]!.header.sampleRate, 24000)
    assert.equal(s.frames[0]!.header.objectType, 2)
  })

  it('skips a leading ID3v2 tag', () => {
    const id3 = Buffer.concat([Buffer.from('ID3'), hex('0400 00 00000005'), Buffer.from('hello')]) // size 5, syncsafe
    const s = splitAdts(Buffer.concat([id3, toAdts(aus, ASC_LC_48K_STEREO)]))
    assert.equal(s.skipped, 15)
    assert.equal(s.frames.length, 3)
  })

  it('throws on truncation, lost sync, format changes, several raw blocks, PCE channels and frame caps', () => {
    const stream = toAdts(aus, ASC_LC_48K_STEREO)
    assert.throws(() => splitAdts(stream.subarray(0, stream.length - 1)), isCode(ParseError, 'ERR_AAC_ADTS_TRUNCATED'))
    assert.throws(() => splitAdts(Buffer.concat([stream, hex('00')])), isCode(ParseError, 'ERR_AAC_ADTS_SHORT'))
    assert.throws(() => splitAdts(Buffer.concat([stream, hex('00 00 00 00 00 00 00')])), isCode(ParseError, 'ERR_AAC_ADTS_SYNC'))
    assert.throws(() => splitAdts(Buffer.concat([stream, toAdts(aus, hex('1208'))])), isCode(CodecError, 'ERR_AAC_ADTS_CHANGE'))
    const blocks = Buffer.from(stream)
    blocks[6] = blocks[6]! | 0x01
    assert.throws(() => splitAdts(blocks), isCode(CodecError, 'ERR_AAC_ADTS_BLOCKS'))
    assert.throws(() => splitAdts(toAdts(aus, hex('1180'))), isCode(CodecError, 'ERR_AAC_ADTS_CHANNELS'))
    assert.throws(() => splitAdts(stream, 2), isCode(LimitError, 'ERR_AAC_ADTS_FRAMES'))
    assert.throws(() => splitAdts(Buffer.alloc(0)), isCode(ParseError, 'ERR_AAC_ADTS_EMPTY'))
  })
})

describe('ADTS with ffmpeg', () => {
  let fx: ReturnType<typeof tempDir>
  before(() => {
    fx = tempDir('adts')
  })
  after(() => fx.cleanup())

  it('splits an ffmpeg-encoded file into the packets ffprobe demuxes', () => {
    const file = makeTone(join(fx.dir, 'tone.aac'), { rate: 44100, channels: 1, seconds: 1 }, ['-c:a', 'aac', '-f', 'adts'])
    const s = splitAdts(readFileSync(file))
    // ffmpeg's ADTS demuxer returns each frame with its 7-byte header.
    const probed = ffprobePackets(file)
    assert.equal(s.frames.length, probed.length)
    assert.equal(sha256(Buffer.concat(s.frames.map((f) => f.au))), sha256(Buffer.concat(probed.map((p) => p.subarray(ADTS_HEADER_SIZE)))))
    assert.deepEqual(parseAudioSpecificConfig(s.config).sampleRate, 44100)
  })

  it('writes ADTS that ffmpeg decodes to the same samples as the original', () => {
    const file = makeTone(join(fx.dir, 'tone2.aac'), { rate: 48000, channels: 2, seconds: 1 }, ['-c:a', 'aac', '-f', 'adts'])
    const s = splitAdts(readFileSync(file))
    // Rewrite through an MP4 (no ADTS) and back with our headers: same decode.
    const rewritten = join(fx.dir, 'rewritten.aac')
    ffmpeg(['-i', file, '-c', 'copy', join(fx.dir, 'tone2.m4a')])
    const fromMp4 = ffprobePackets(join(fx.dir, 'tone2.m4a'))
    assert.deepEqual(
      fromMp4.map(sha256),
      s.frames.map((f) => sha256(f.au)),
    )
    writeFileSync(rewritten, toAdts(fromMp4, s.config))
    assert.equal(sha256(ffmpegDecodeFile(rewritten, 2)), sha256(ffmpegDecodeFile(file, 2)))
  })
})
