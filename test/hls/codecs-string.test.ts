import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { aacCodecString, avcCodecString, codecString, hevcCodecString } from '../../src/hls/codecs-string.js'
import { X265_SPS } from '../codecs/h265/vectors.js'

describe('CODECS strings (RFC 6381)', () => {
  it('H.264: avc1 + profile_idc, constraint flags, level_idc of the SPS', () => {
    // 67 = NAL header (SPS), 64 = High, 00 = no constraint flags, 1f = level 3.1, then the rest.
    assert.equal(avcCodecString(Buffer.from('6764001facd9', 'hex')), 'avc1.64001f')
    assert.equal(avcCodecString(Buffer.from('6742c0', 'hex')), undefined)
  })

  it('H.265: hvc1 + profile, reversed compatibility flags, tier and level, constraint bytes (as ffmpeg and Apple write them)', () => {
    assert.equal(hevcCodecString(X265_SPS), 'hvc1.1.6.L63.90')
    const sps720 = Buffer.from('42010101600000030090000003000003005da00280802d165959a4932bc05a020000030002000003003c10', 'hex')
    assert.equal(hevcCodecString(sps720), 'hvc1.1.6.L93.90')
    assert.equal(hevcCodecString(Buffer.from('4201', 'hex')), undefined)
  })

  it('AAC: mp4a.40 + the object type; Opus: opus', () => {
    assert.equal(aacCodecString(Buffer.from('1190', 'hex')), 'mp4a.40.2') // AAC-LC 48 kHz stereo
    assert.equal(aacCodecString(undefined), 'mp4a.40.2')
    assert.equal(codecString({ kind: 'audio', codec: 'opus', sampleRate: 48000, channels: 2 }), 'opus')
    assert.equal(codecString({ kind: 'video', codec: 'h264' }), undefined)
    assert.equal(codecString({ kind: 'video', codec: 'jpeg' }), undefined)
  })
})
