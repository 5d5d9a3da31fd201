/**
 * µ-law and A-law against the ITU-T G.191 reference values, against ffmpeg's decoder (bit-exact over all
 * 256 codes) and against ffmpeg's encoder (which picks the nearest reconstruction level, where G.711 uses
 * its decision levels: the two differ only where an input lies between the two, and then by one level).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { alawDecode, alawDecodeSample, alawEncode, alawEncodeSample } from '../../../src/codecs/g711/alaw.js'
import { mulawDecode, mulawDecodeSample, mulawEncode, mulawEncodeSample } from '../../../src/codecs/g711/mulaw.js'
import { ffmpeg, tempDir } from '../../helpers/audio-interop.js'

const ALL_CODES = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768)

/** Position of a code on the amplitude scale: codes sorted by decoded value, -0 and +0 apart. */
function levelIndex(decode: (c: number) => number): Map<number, number> {
  const order = [...ALL_CODES].sort((a, b) => decode(a) - decode(b) || (a & 0x80) - (b & 0x80))
  return new Map(order.map((c, i) => [c, i]))
}

describe('G.711 µ-law and A-law', () => {
  let fx: ReturnType<typeof tempDir>
  before(() => {
    fx = tempDir('g711-law')
  })
  after(() => fx.cleanup())

  it('matches the G.191 reference for known values', () => {
    assert.deepEqual([0, 128, 1024, -128, -1024].map(alawEncodeSample), [0xd5, 0xdd, 0xe5, 0x52, 0x7a])
    assert.deepEqual([0, 128, 1024, -128, -1024].map(mulawEncodeSample), [0xff, 0xef, 0xcd, 0x6f, 0x4d])
    assert.deepEqual([0xd5, 0xdd, 0xe5, 0x52, 0x7a].map(alawDecodeSample), [8, 136, 1056, -120, -1008])
    assert.deepEqual([0xff, 0xef, 0xcd, 0x6f, 0x4d].map(mulawDecodeSample), [0, 132, 1052, -132, -1052])
    assert.deepEqual([32767, -32768].map(mulawEncodeSample), [0x80, 0x00])
    assert.deepEqual([32767, -32768].map(alawEncodeSample), [0xaa, 0x2a])
    assert.deepEqual([0x80, 0x00].map(mulawDecodeSample), [32124, -32124])
    assert.deepEqual([0xaa, 0x2a].map(alawDecodeSample), [32256, -32256])
  })

  it('decodes all 256 codes exactly as ffmpeg does', () => {
    const codes = join(fx.dir, 'codes.raw')
    writeFileSync(codes, ALL_CODES)
    for (const [fmt, decode] of [
      ['mulaw', mulawDecode],
      ['alaw', alawDecode],
    ] as const) {
      const pcm = ffmpeg(['-f', fmt, '-ar', '8000', '-ac', '1', '-i', codes, '-f', 's16le', '-'])
      assert.deepEqual(new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2), decode(ALL_CODES), fmt)
    }
  })

  it("re-encodes every decoded level to its own code (µ-law's -0 becomes +0)", () => {
    for (let c = 0; c < 256; c++) {
      assert.equal(alawEncodeSample(alawDecodeSample(c)), c)
      assert.equal(mulawEncodeSample(mulawDecodeSample(c)), c === 0x7f ? 0xff : c)
    }
  })

  it('is monotonic over the whole 16-bit range', () => {
    for (const [encode, decode] of [
      [mulawEncode, mulawDecodeSample],
      [alawEncode, alawDecodeSample],
    ] as const) {
      const levels = Array.from(encode(ALL_SAMPLES), decode)
      for (let i = 1; i < levels.length; i++) assert.ok(levels[i]! >= levels[i - 1]!, `at ${ALL_SAMPLES[i]}`)
    }
  })

  it("differs from ffmpeg's nearest-level encoder by at most one level, for under 2% of inputs", () => {
    const ramp = join(fx.dir, 'ramp.s16')
    writeFileSync(ramp, Buffer.from(ALL_SAMPLES.buffer))
    for (const [fmt, encode, decode] of [
      ['mulaw', mulawEncode, mulawDecodeSample],
      ['alaw', alawEncode, alawDecodeSample],
    ] as const) {
      const theirs = ffmpeg(['-f', 's16le', '-ar', '8000', '-ac', '1', '-i', ramp, '-f', fmt, '-'])
      const ours = encode(ALL_SAMPLES)
      const index = levelIndex(decode)
      let differing = 0
      for (let i = 0; i < ours.length; i++) {
        if (ours[i] === theirs[i]) continue
        differing++
        assert.equal(Math.abs(index.get(ours[i]!)! - index.get(theirs[i]!)!), 1, `${fmt} at ${ALL_SAMPLES[i]}`)
      }
      assert.ok(differing < ours.length / 50, `${fmt}: ${differing} of ${ours.length} differ`)
    }
  })
})
