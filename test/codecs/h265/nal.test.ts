import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import {
  H265NalType,
  firstSliceSegmentInPic,
  isIrapType,
  isKeyframeNal,
  isParameterSetType,
  isVclType,
  nalLayerId,
  nalTemporalIdPlus1,
  nalType,
} from '../../../src/codecs/h265/nal.js'
import { hex } from '../../helpers/split.js'

describe('H.265 NAL unit header (7.3.1.2)', () => {
  it('reads F, Type, LayerId and TID', () => {
    const vps = hex('4001') // F=0 Type=32 LayerId=0 TID=1
    assert.deepEqual([nalType(vps), nalLayerId(vps), nalTemporalIdPlus1(vps)], [32, 0, 1])
    const layered = hex('030a') // Type=1, LayerId = 1 << 5 | 1 = 33, TID=2
    assert.deepEqual([nalType(layered), nalLayerId(layered), nalTemporalIdPlus1(layered)], [1, 33, 2])
    const max = hex('fffF') // F=1 Type=63 LayerId=63 TID=7
    assert.deepEqual([nalType(max), nalLayerId(max), nalTemporalIdPlus1(max)], [63, 63, 7])
  })

  it('tolerates incomplete headers', () => {
    assert.equal(nalType(Buffer.alloc(0)), 0)
    assert.equal(nalLayerId(hex('40')), 0)
    assert.equal(nalTemporalIdPlus1(hex('40')), 0)
    assert.equal(isKeyframeNal(hex('26')), false)
  })

  it('classifies NAL unit types (Table 7-1)', () => {
    assert.deepEqual([0, 9, 21, 31].map(isVclType), [true, true, true, true])
    assert.deepEqual([32, 39, 48].map(isVclType), [false, false, false])
    assert.deepEqual([15, 16, 19, 21, 23, 24].map(isIrapType), [false, true, true, true, true, false])
    assert.deepEqual([32, 33, 34, 35].map(isParameterSetType), [true, true, true, false])
    assert.equal(isKeyframeNal(hex('2601 af')), true) // IDR_W_RADL
    assert.equal(isKeyframeNal(hex('2a01 af')), true) // CRA_NUT
    assert.equal(isKeyframeNal(hex('0201 d0')), false) // TRAIL_R
    assert.equal(H265NalType.FU, 49)
  })

  it('reads first_slice_segment_in_pic_flag', () => {
    assert.equal(firstSliceSegmentInPic(hex('2601 af')), true) // 1010 1111: first bit set
    assert.equal(firstSliceSegmentInPic(hex('0201 50')), false)
    const notSlice = (e: unknown) => e instanceof ParseError && e.code === 'ERR_H265_NOT_SLICE'
    assert.throws(() => firstSliceSegmentInPic(hex('4001 0c')), notSlice)
    assert.throws(() => firstSliceSegmentInPic(hex('2601')), notSlice)
  })
})
