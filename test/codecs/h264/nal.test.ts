import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ParseError } from '../../../src/errors.js'
import { NalType, firstMbInSlice, isKeyframeNal, isVclType, nalRefIdc, nalType, toRbsp } from '../../../src/codecs/h264/nal.js'
import { hex } from '../../helpers/split.js'
import { addEmulationPrevention } from './fixtures.js'

describe('NAL unit header', () => {
  it('reads type and nal_ref_idc', () => {
    assert.equal(nalType(hex('67')), NalType.SPS) // 0 11 00111
    assert.equal(nalRefIdc(hex('67')), 3)
    assert.equal(nalType(hex('41')), NalType.SLICE) // 0 10 00001
    assert.equal(nalRefIdc(hex('41')), 2)
    assert.equal(nalType(hex('06')), NalType.SEI)
    assert.equal(nalRefIdc(hex('06')), 0)
    assert.equal(nalType(hex('')), 0)
  })

  it('knows keyframes and VCL types', () => {
    assert.equal(isKeyframeNal(hex('65 88')), true)
    assert.equal(isKeyframeNal(hex('25 88')), true) // NRI=1 IDR
    assert.equal(isKeyframeNal(hex('41 9a')), false)
    assert.equal(isKeyframeNal(hex('')), false)
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(isVclType), [false, true, true, true, true, true, false, false])
  })

  it('removes emulation-prevention bytes', () => {
    const cases: [string, string][] = [
      ['00 00 03 01', '00 00 01'],
      ['00 00 03 00 00 03 02', '00 00 00 00 02'],
      ['00 00 03', '00 00'], // cabac_zero_word at the end
      ['00 03 00 03', '00 03 00 03'], // only after two zeros
      ['00 00 00 03 03', '00 00 00 03'],
      ['67 42 00 00 03 00 00 03 03', '67 42 00 00 00 00 03'],
    ]
    for (const [input, rbsp] of cases) assert.equal(toRbsp(hex(input)).toString('hex'), hex(rbsp).toString('hex'), input)
  })

  it('returns the input itself when there is nothing to remove', () => {
    const b = hex('67 42 c0 0d 00 00 01')
    assert.equal(toRbsp(b), b)
  })

  it('property: toRbsp undoes emulation prevention', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        const rbsp = Buffer.from(raw)
        // A real RBSP never ends in 0x00 (rbsp_trailing_bits), which keeps the mapping one-to-one.
        if (rbsp.length > 0 && rbsp[rbsp.length - 1] === 0) rbsp[rbsp.length - 1] = 0x80
        assert.deepEqual(toRbsp(addEmulationPrevention(rbsp)), rbsp)
      }),
    )
  })

  it('reads first_mb_in_slice', () => {
    assert.equal(firstMbInSlice(hex('65 88 84')), 0) // ue 1 → 0
    assert.equal(firstMbInSlice(hex('41 9a')), 0)
    assert.equal(firstMbInSlice(hex('41 05 00')), 39) // 00000 1 01000 → 2^5 - 1 + 8
    assert.equal(firstMbInSlice(hex('01 40')), 1) // 010 → 1
    assert.throws(
      () => firstMbInSlice(hex('67 42')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_H264_NOT_SLICE',
    )
    assert.throws(() => firstMbInSlice(hex('41')), ParseError)
  })
})
