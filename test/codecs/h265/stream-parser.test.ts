// The H.265 case of AnnexBStreamParser: an x265 stream fed in random chunks gives the access units,
// keyframes and parameter sets of the whole-file split.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { AnnexBStreamParser, type StreamAccessUnit } from '../../../src/codecs/annexb-stream-parser.js'
import { loadH265File } from '../../../src/sources/h265-file.js'
import { h265File } from '../../interop/harness.js'

const show = (aus: StreamAccessUnit[]) => aus.map((au) => `${au.keyframe ? 'K' : '-'} ${au.nalus.map((n) => n.toString('hex')).join(' ')}`)

describe('AnnexBStreamParser (H.265)', () => {
  it('matches the whole-file split whatever the chunking, with IRAP keyframes, VPS/SPS/PPS and the SPS size', async () => {
    const file = await h265File(320, 240, 25, 2)
    const stream = readFileSync(file)
    const loaded = loadH265File(file)
    const want = show(loaded.accessUnits.map((a) => ({ nalus: a.nalus, keyframe: a.keyframe })))
    for (const step of [1, 7, 1000, stream.length]) {
      const parser = new AnnexBStreamParser('h265')
      const aus: StreamAccessUnit[] = []
      for (let i = 0; i < stream.length; i += step) aus.push(...parser.push(stream.subarray(i, i + step)))
      const { vps, sps, pps, spsInfo } = parser
      aus.push(...parser.flush())
      assert.deepEqual(show(aus), want, `chunks of ${step}`)
      assert.deepEqual([vps, sps, pps], [loaded.vps, loaded.sps, loaded.pps])
      assert.deepEqual([spsInfo?.width, spsInfo?.height], [320, 240])
    }
    assert.ok(want.filter((a) => a.startsWith('K')).length >= 1, 'IRAP pictures are keyframes')
  })
})
