import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readFileSync } from 'node:fs'
import { H265AccessUnitSplitter, splitH265AccessUnits } from '../../../src/codecs/h265/access-unit.js'
import { joinAnnexB, splitAnnexB } from '../../../src/codecs/h264/annexb.js'
import { isVclType, nalType } from '../../../src/codecs/h265/nal.js'
import { LimitError, ParseError } from '../../../src/errors.js'
import { hex } from '../../helpers/split.js'
import { ffprobeFrameCount, makeH265Clip, tempDir } from './fixtures.js'
import { X265_PPS, X265_SPS, X265_VPS } from './vectors.js'

const AUD = hex('4601 50')
const SEI = hex('4e01 0501 80')
const SUFFIX_SEI = hex('5001 8101 80')
// Slice segments: the first bit after the header is first_slice_segment_in_pic_flag.
const IDR = hex('2601 af') //      first segment of an IDR picture
const IDR_SEG2 = hex('2601 2f') // a later segment of the same picture
const TRAIL = hex('0201 d0')
const TRAIL_SEG2 = hex('0201 50')
const EOS = hex('4801')
const LAYER1_TRAIL = hex('0209 d0') // TRAIL_R of layer 1, first segment of its picture
const names = (aus: Buffer[][]) => aus.map((au) => au.map((n) => n.toString('hex')).join(' '))

describe('splitH265AccessUnits (H.265 7.4.2.4.4)', () => {
  it('starts a new access unit at an AUD', () => {
    assert.deepEqual(
      names(splitH265AccessUnits([AUD, X265_VPS, X265_SPS, X265_PPS, IDR, AUD, TRAIL, AUD, TRAIL])),
      names([
        [AUD, X265_VPS, X265_SPS, X265_PPS, IDR],
        [AUD, TRAIL],
        [AUD, TRAIL],
      ]),
    )
  })

  it('starts one at parameter sets and prefix SEI after a slice, and at first_slice_segment_in_pic_flag', () => {
    assert.deepEqual(
      names(
        splitH265AccessUnits([
          X265_VPS,
          X265_SPS,
          X265_PPS,
          SEI,
          IDR,
          IDR_SEG2,
          SUFFIX_SEI,
          TRAIL,
          TRAIL_SEG2,
          SEI,
          TRAIL,
          X265_PPS,
          TRAIL,
        ]),
      ),
      names([
        [X265_VPS, X265_SPS, X265_PPS, SEI, IDR, IDR_SEG2, SUFFIX_SEI],
        [TRAIL, TRAIL_SEG2],
        [SEI, TRAIL],
        [X265_PPS, TRAIL],
      ]),
    )
  })

  it('keeps end of sequence in the access unit it ends', () => {
    assert.deepEqual(names(splitH265AccessUnits([IDR, EOS, IDR_SEG2])), names([[IDR, EOS], [IDR_SEG2]]))
  })

  it('lets only the base layer decide boundaries', () => {
    assert.deepEqual(
      names(splitH265AccessUnits([IDR, LAYER1_TRAIL, TRAIL, LAYER1_TRAIL])),
      names([
        [IDR, LAYER1_TRAIL],
        [TRAIL, LAYER1_TRAIL],
      ]),
    )
  })

  it('streams: push returns the previous access unit, flush the last', () => {
    const s = new H265AccessUnitSplitter()
    assert.equal(s.push(X265_SPS), undefined)
    assert.equal(s.push(IDR), undefined)
    assert.deepEqual(s.push(TRAIL), [X265_SPS, IDR])
    assert.equal(s.push(Buffer.alloc(0)), undefined)
    assert.deepEqual(s.flush(), [TRAIL])
    assert.equal(s.flush(), undefined)
  })

  it('checks the limits before appending, and a slice without a header byte, then recovers', () => {
    const s = new H265AccessUnitSplitter({ maxNalusPerAccessUnit: 3, maxAccessUnitSize: 100 })
    s.push(SEI)
    s.push(IDR)
    s.push(IDR_SEG2)
    assert.throws(
      () => s.push(IDR_SEG2),
      (e: unknown) => e instanceof LimitError && e.code === 'ERR_H265_AU_SIZE',
    )
    assert.equal(s.push(TRAIL), undefined)
    assert.throws(() => s.push(Buffer.concat([hex('0201 50'), Buffer.alloc(100)])), LimitError)
    s.push(TRAIL)
    assert.throws(
      () => s.push(hex('0201')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_H265_NOT_SLICE',
    )
    assert.equal(s.flush(), undefined, 'the damaged access unit was dropped')
  })

  describe('on an x265 stream', () => {
    let fx: ReturnType<typeof tempDir>
    before(() => {
      fx = tempDir('h265-au')
    })
    after(() => fx.cleanup())

    it('finds one access unit per frame, with B-frames, repeated headers and several slices', () => {
      const clip = makeH265Clip(fx.dir, 'au.265', {
        size: '640x360',
        frames: 30,
        x265: 'keyint=10:bframes=3:repeat-headers=1:slices=3:aud=1',
      })
      const nalus = splitAnnexB(readFileSync(clip))
      const aus = splitH265AccessUnits(nalus)
      assert.equal(aus.length, 30)
      assert.equal(ffprobeFrameCount(clip), 30)
      for (const au of aus) {
        assert.equal(nalType(au[0]!), 35, 'each starts with its AUD')
        assert.equal(au.filter((n) => isVclType(nalType(n))).length, 3, 'three slice segments')
      }
      assert.deepEqual(joinAnnexB(aus.flat()), joinAnnexB(nalus))
    })
  })
})
