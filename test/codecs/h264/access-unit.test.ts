import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readFileSync } from 'node:fs'
import { after, before } from 'node:test'
import { AccessUnitSplitter, splitAccessUnits } from '../../../src/codecs/h264/access-unit.js'
import { splitAnnexB } from '../../../src/codecs/h264/annexb.js'
import { NalType, isVclType, nalType } from '../../../src/codecs/h264/nal.js'
import { LimitError } from '../../../src/errors.js'
import { hex } from '../../helpers/split.js'
import { ffprobeFrameCount, makeClip, tempDir } from './fixtures.js'

const AUD = hex('09 f0')
const SPS = hex('67 42c00d d90141fb011000000300100000030320f142a480')
const PPS = hex('68 cb83cb20')
const SEI = hex('06 05 01 80')
const IDR0 = hex('65 88 84') //      first_mb_in_slice = 0 (ue '1')
const IDR_SLICE2 = hex('65 05 00') // first_mb_in_slice = 39
const P0 = hex('41 9a')
const P_SLICE2 = hex('41 05 00')
const EOS = hex('0a')
const names = (aus: Buffer[][]) => aus.map((au) => au.map((n) => n.toString('hex')).join(' '))

describe('splitAccessUnits (H.264 7.4.1.2.3)', () => {
  it('starts a new access unit at an AUD', () => {
    assert.deepEqual(
      names(splitAccessUnits([AUD, SPS, PPS, IDR0, AUD, P0, AUD, P0])),
      names([
        [AUD, SPS, PPS, IDR0],
        [AUD, P0],
        [AUD, P0],
      ]),
    )
  })

  it('starts one at SPS/PPS/SEI after a VCL NAL unit, and at first_mb_in_slice == 0', () => {
    assert.deepEqual(
      names(splitAccessUnits([SPS, PPS, SEI, IDR0, IDR_SLICE2, P0, P_SLICE2, SEI, P0, P0])),
      names([[SPS, PPS, SEI, IDR0, IDR_SLICE2], [P0, P_SLICE2], [SEI, P0], [P0]]),
    )
  })

  it('keeps end of sequence in the access unit it ends', () => {
    assert.deepEqual(names(splitAccessUnits([IDR0, EOS, IDR_SLICE2])), names([[IDR0, EOS], [IDR_SLICE2]]))
  })

  it('streams: push returns the previous access unit, flush the last', () => {
    const s = new AccessUnitSplitter()
    assert.equal(s.push(SPS), undefined)
    assert.equal(s.push(IDR0), undefined)
    assert.deepEqual(s.push(P0), [SPS, IDR0])
    assert.equal(s.push(Buffer.alloc(0)), undefined)
    assert.deepEqual(s.flush(), [P0])
    assert.equal(s.flush(), undefined)
  })

  it('limits the NAL units of one access unit', () => {
    const s = new AccessUnitSplitter()
    assert.throws(() => {
      for (let i = 0; i < 1000; i++) s.push(SEI)
    }, LimitError)
  })

  describe('on x264 files', () => {
    let fx: ReturnType<typeof tempDir>
    before(() => {
      fx = tempDir('h264-au')
    })
    after(() => fx.cleanup())

    for (const [name, args, slices, firstType] of [
      ['with AUDs and B-frames', ['-x264-params', 'aud=1:bframes=2'], 1, NalType.AUD],
      ['with 4 slices per picture', ['-slices', '4', '-bf', '0'], 4, undefined],
      ['with SEI and no AUD', [], 1, undefined],
    ] as const) {
      it(`gives one access unit per frame ${name}`, () => {
        const path = makeClip(fx.dir, 'au.264', { frames: 30, args: [...args] })
        const aus = splitAccessUnits(splitAnnexB(readFileSync(path)))
        assert.equal(aus.length, ffprobeFrameCount(path))
        assert.equal(aus.length, 30)
        for (const au of aus) {
          assert.equal(au.filter((n) => isVclType(nalType(n))).length, slices)
          if (firstType !== undefined) assert.equal(nalType(au[0]!), firstType)
        }
        assert.equal(nalType(aus[0]!.find((n) => isVclType(nalType(n)))!), NalType.IDR)
      })
    }
  })
})
