import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CodecError, ParseError } from '../../../src/errors.js'
import {
  AacObjectType,
  auDuration,
  buildAudioSpecificConfig,
  parseAudioSpecificConfig,
} from '../../../src/codecs/aac/audio-specific-config.js'
import { hex } from '../../helpers/split.js'
import { ASC_LC_48K_STEREO } from './vectors.js'

describe('parseAudioSpecificConfig', () => {
  it('reads AAC-LC 48 kHz stereo (what ffmpeg writes)', () => {
    // 00010 (LC) | 0011 (48000) | 0010 (2 ch) | 0 (1024) 0 0
    assert.deepEqual(parseAudioSpecificConfig(ASC_LC_48K_STEREO), {
      objectType: 2,
      samplingFrequencyIndex: 3,
      sampleRate: 48000,
      channelConfiguration: 2,
      channels: 2,
      frameLength: 1024,
    })
  })

  it('ignores the backward-compatible SBR sync extension GStreamer appends', () => {
    const asc = parseAudioSpecificConfig(hex('1190 56e500')) // avenc_aac: ... 0x2b7 sync extension
    assert.equal(asc.objectType, AacObjectType.AAC_LC)
    assert.equal(asc.sampleRate, 48000)
    assert.equal(asc.channels, 2)
  })

  it('reads explicit HE-AAC signalling: the core type and rate, and the SBR output rate', () => {
    // 00101 (SBR) | 0110 (24000) | 0010 | 0011 (48000 after SBR) | 00010 (LC core) | 000
    const asc = parseAudioSpecificConfig(hex('2b118800'))
    assert.equal(asc.objectType, AacObjectType.AAC_LC)
    assert.equal(asc.sampleRate, 24000)
    assert.deepEqual(asc.sbr, { sampleRate: 48000 })
    assert.equal(asc.ps, undefined)
    assert.equal(auDuration(asc, 48000), 2048, 'an AU spans 2048 ticks of a 48 kHz clock')
    assert.equal(auDuration(asc, 24000), 1024)
  })

  it('reads the 960-sample frame length flag, the AAC-LD lengths and escaped object types', () => {
    assert.equal(parseAudioSpecificConfig(hex('1194')).frameLength, 960) // frameLengthFlag 1
    // 10111 (ER AAC LD, 23) | 0011 | 0001 | 1 → 480
    assert.equal(parseAudioSpecificConfig(hex('b98c')).frameLength, 480)
    assert.equal(parseAudioSpecificConfig(hex('b988')).frameLength, 512)
    // 11111 + 001010 (32 + 10 = 42, USAC) | 0011 | 0010
    const usac = parseAudioSpecificConfig(hex('f94640'))
    assert.equal(usac.objectType, 42)
    assert.equal(usac.sampleRate, 48000)
  })

  it('reads an explicit 24-bit sampling rate', () => {
    const asc = parseAudioSpecificConfig(buildAudioSpecificConfig({ sampleRate: 44056, channels: 1 }))
    assert.equal(asc.samplingFrequencyIndex, 15)
    assert.equal(asc.sampleRate, 44056)
    assert.equal(asc.channels, 1)
  })

  it('maps channel configuration 7 to 8 channels and 0 to "defined by a PCE"', () => {
    assert.equal(parseAudioSpecificConfig(hex('11b8')).channels, 8) // 0111
    assert.equal(parseAudioSpecificConfig(hex('1180')).channels, 0)
  })

  it('rejects object type 0, reserved rates and channel configurations, and short input', () => {
    const bad = (h: string, code: string) =>
      assert.throws(
        () => parseAudioSpecificConfig(hex(h)),
        (e: unknown) => e instanceof ParseError && e.code === code,
      )
    bad('0190', 'ERR_AAC_ASC_TYPE')
    bad('1690', 'ERR_AAC_ASC_RATE') // index 13
    bad('1780 0000 00', 'ERR_AAC_ASC_RATE') // index 15 with rate 0
    bad('1140', 'ERR_AAC_ASC_CHANNELS') // configuration 8
    bad('11', 'ERR_BITS_OVERRUN')
    bad('', 'ERR_BITS_OVERRUN')
  })
})

describe('buildAudioSpecificConfig', () => {
  it('writes 2 bytes for listed rates', () => {
    assert.deepEqual(buildAudioSpecificConfig({ sampleRate: 48000, channels: 2 }), ASC_LC_48K_STEREO)
    assert.deepEqual(buildAudioSpecificConfig({ sampleRate: 44100, channels: 1 }), hex('1208'))
    assert.deepEqual(buildAudioSpecificConfig({ sampleRate: 8000, channels: 8, frameLength: 960 }), hex('15bc'))
  })

  it('round-trips through the parser', () => {
    for (const objectType of [1, 2, 3, 4]) {
      for (const sampleRate of [7350, 8000, 22050, 44100, 48000, 96000, 12345]) {
        for (const channels of [1, 2, 3, 6, 8]) {
          const asc = parseAudioSpecificConfig(buildAudioSpecificConfig({ objectType, sampleRate, channels }))
          assert.deepEqual([asc.objectType, asc.sampleRate, asc.channels, asc.frameLength], [objectType, sampleRate, channels, 1024])
        }
      }
    }
  })

  it('refuses what it cannot write', () => {
    const bad = (input: Parameters<typeof buildAudioSpecificConfig>[0], code: string) =>
      assert.throws(
        () => buildAudioSpecificConfig(input),
        (e: unknown) => e instanceof CodecError && e.code === code,
      )
    bad({ objectType: 5, sampleRate: 48000, channels: 2 }, 'ERR_AAC_ASC_TYPE')
    bad({ sampleRate: 0, channels: 2 }, 'ERR_AAC_ASC_RATE')
    bad({ sampleRate: 48000, channels: 7 }, 'ERR_AAC_ASC_CHANNELS')
    bad({ sampleRate: 48000, channels: 2, frameLength: 512 }, 'ERR_AAC_ASC_FRAME_LENGTH')
  })
})
