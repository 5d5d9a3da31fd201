import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { codecString, hlsCarries, hlsFormats } from '../../src/hls/codecs-string.js'
import { hevcCodecsString } from '../../src/codecs/h265/codecs-string.js'
import { X265_SPS } from '../codecs/h265/vectors.js'

describe('CODECS strings (RFC 6381) and the formats HLS carries', () => {
  it('H.264: avc1 + profile_idc, constraint flags, level_idc of the SPS', () => {
    // 67 = NAL header (SPS), 64 = High, 00 = no constraint flags, 1f = level 3.1, then the rest.
    assert.equal(codecString({ kind: 'video', codec: 'h264', sps: Buffer.from('6764001facd9', 'hex') }), 'avc1.64001f')
    assert.equal(codecString({ kind: 'video', codec: 'h264', sps: Buffer.from('6742c0', 'hex') }), undefined)
    assert.equal(codecString({ kind: 'video', codec: 'h264' }), undefined)
  })

  it('H.265: hvc1 + profile, reversed compatibility flags, tier and level, constraint bytes (as ffmpeg and Apple write them)', () => {
    assert.equal(hevcCodecsString(X265_SPS), 'hvc1.1.6.L63.90')
    const sps720 = Buffer.from('42010101600000030090000003000003005da00280802d165959a4932bc05a020000030002000003003c10', 'hex')
    assert.equal(codecString({ kind: 'video', codec: 'h265', sps: sps720 }), 'hvc1.1.6.L93.90')
    assert.equal(hevcCodecsString(Buffer.from('4201', 'hex')), undefined)
  })

  it('AAC: mp4a.40 + the object type; Opus: opus', () => {
    const aac = (config?: Buffer) => codecString({ kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 2, config })
    assert.equal(aac(Buffer.from('1190', 'hex')), 'mp4a.40.2') // AAC-LC 48 kHz stereo
    assert.equal(aac(undefined), undefined)
    assert.equal(codecString({ kind: 'audio', codec: 'opus', sampleRate: 48000, channels: 2 }), 'opus')
  })

  it('HLS carries H.264, H.265, AAC and Opus; not JPEG, G.711 or L16', () => {
    assert.deepEqual(['h264', 'h265', 'aac', 'opus', 'jpeg', 'pcmu', 'pcma', 'l16', 'nonsense'].map(hlsCarries), [
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ])
    assert.equal(hlsFormats('video'), 'H.264 or H.265')
    assert.equal(hlsFormats('audio'), 'AAC or Opus')
  })
})
