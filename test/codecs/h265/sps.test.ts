import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ParseError, RtspkitError } from '../../../src/errors.js'
import { parseH265Sps, type H265SpsInfo } from '../../../src/codecs/h265/sps.js'
import { hex } from '../../helpers/split.js'
import { TestBitWriter, addEmulationPrevention } from './fixtures.js'
import { X265_SPS } from './vectors.js'

/**
 * SPS NAL units written by libx265 (ffmpeg 5.1, testsrc2), with what ffprobe reports for the same files:
 * profile, level, width/height and coded_width/coded_height, pix_fmt, r_frame_rate.
 */
const X265_SPS_VECTORS: {
  name: string
  sps: string
  expect: Partial<H265SpsInfo> & { profileIdc?: number; tierFlag?: number; levelIdc?: number }
}[] = [
  {
    name: 'Main 640x360 25 fps, level 2.1',
    sps: X265_SPS.toString('hex'),
    expect: {
      profileIdc: 1,
      tierFlag: 0,
      levelIdc: 63,
      width: 640,
      height: 360,
      codedWidth: 640,
      codedHeight: 360,
      fps: 25,
      chromaFormatIdc: 1,
    },
  },
  {
    name: 'Main 1280x720 30 fps, level 3.1',
    sps: '42010101600000030090000003000003005da00280802d165959a4932bc05a020000030002000003003c10',
    expect: {
      profileIdc: 1,
      tierFlag: 0,
      levelIdc: 93,
      width: 1280,
      height: 720,
      codedWidth: 1280,
      codedHeight: 720,
      fps: 30,
      timing: { numUnitsInTick: 1, timeScale: 30 },
    },
  },
  {
    name: 'Main 1920x1080 30000/1001, min-cu-size=16: 1088 coded, conformance window of 8 rows',
    sps: '420101016000000300900000030000030078a003c0801107cb965664e4caf01680800001f480003a9804',
    expect: {
      profileIdc: 1,
      levelIdc: 120,
      width: 1920,
      height: 1080,
      codedWidth: 1920,
      codedHeight: 1088,
      fps: 30000 / 1001,
      timing: { numUnitsInTick: 1001, timeScale: 30000 },
    },
  },
  {
    name: 'Main 642x362 (648x368 coded, window right 6 and bottom 6)',
    sps: '42010101600000030090000003000003003fa005120171c9265959a4932bc05a020000030002000003003210',
    expect: { width: 642, height: 362, codedWidth: 648, codedHeight: 368, fps: 25 },
  },
  {
    name: 'Main 10 1280x720 50 fps, level 4',
    sps: '420101022000000300900000030000030078a00280802d1365959a4932bc05a020000003002000000641',
    expect: { profileIdc: 2, tierFlag: 0, levelIdc: 120, bitDepthLuma: 10, bitDepthChroma: 10, width: 1280, height: 720, fps: 50 },
  },
  {
    name: 'Main 4:4:4 (RExt) 352x288 24 fps',
    sps: '4201010408000003009e0800000300003c9001610090b2cacd24995e02d0100000030010000003018080',
    expect: { profileIdc: 4, levelIdc: 60, chromaFormatIdc: 3, separateColourPlane: false, width: 352, height: 288, fps: 24 },
  },
  {
    name: 'Main 4:2:2 10 (RExt) 352x288 24 fps',
    sps: '4201010408000003009d0800000300003cb00b080484d96566924caf016808000003000800000300c040',
    expect: { profileIdc: 4, chromaFormatIdc: 2, bitDepthLuma: 10, width: 352, height: 288, fps: 24 },
  },
  {
    name: 'monochrome (RExt) 320x240 25 fps',
    sps: '4201010408000003009fc800000300003cc028203c596566924caf016c08000003000800000300c840',
    expect: { profileIdc: 4, chromaFormatIdc: 0, width: 320, height: 240, fps: 25 },
  },
  {
    name: 'Main 320x240 with two temporal sub-layers (temporal-layers=1), 60 fps',
    sps: '42010201600000030090000003000003003f0000a00a080f1659598acd24995e02d010000003001000000303c080',
    expect: { maxSubLayersMinus1: 1, profileIdc: 1, levelIdc: 63, width: 320, height: 240, fps: 60 },
  },
  {
    name: 'High tier Main 1920x1080 60 fps, level 5.1',
    sps: '420101216000000300900000030000030099a003c08010e596566924caf0168080000003008000001e04',
    expect: { profileIdc: 1, tierFlag: 1, levelIdc: 153, width: 1920, height: 1080, fps: 60 },
  },
  {
    name: 'Main 320x240 without VUI timing (vui-timing-info=0)',
    sps: '42010101600000030090000003000003003ca00a080f165959a4932bc05a0020',
    expect: { width: 320, height: 240, levelIdc: 60, fps: undefined, timing: undefined },
  },
]

function spsNal(w: TestBitWriter): Buffer {
  return Buffer.concat([hex('4201'), addEmulationPrevention(w.trailing().bytes())])
}

/** profile_tier_level(1, 0) for Main, level 3.1. */
function mainPtl(w: TestBitWriter): TestBitWriter {
  return w.u(2, 0).u(1, 0).u(5, 1).u(32, 0x60000000).u(16, 0x9000).u(32, 0).u(8, 93)
}

/** The fields of a minimal 4:2:0 8-bit SPS from the sps id up to the VUI flag, with the given size. */
function minimalSps(width: number, height: number, vui?: (w: TestBitWriter) => void): Buffer {
  const w = new TestBitWriter().u(4, 0).u(3, 0).u(1, 1)
  mainPtl(w)
  w.ue(0).ue(1).ue(width).ue(height).flag(false) // sps id, 4:2:0, size, no conformance window
  w.ue(0).ue(0).ue(4).flag(true).ue(1).ue(0).ue(0) // 8-bit, poc lsb 8 bits, ordering info for 1 sub-layer
  w.ue(0).ue(3).ue(0).ue(3).ue(0).ue(0) // 8x8..64x64 CUs, 4x4..32x32 TUs, transform depths
  w.flag(false).flag(false).flag(true).flag(false) // no scaling list, no AMP, SAO, no PCM
  w.ue(0).flag(false).flag(true).flag(true) // no RPS in the SPS, no long-term, TMVP, strong intra smoothing
  w.flag(vui !== undefined)
  vui?.(w)
  return spsNal(w)
}

describe('parseH265Sps', () => {
  for (const c of X265_SPS_VECTORS) {
    it(`parses x265 ${c.name}`, () => {
      const info = parseH265Sps(hex(c.sps))
      const { profileIdc, tierFlag, levelIdc, ...rest } = c.expect
      if (profileIdc !== undefined) assert.equal(info.profileTierLevel.profileIdc, profileIdc, 'profileIdc')
      if (tierFlag !== undefined) assert.equal(info.profileTierLevel.tierFlag, tierFlag, 'tierFlag')
      if (levelIdc !== undefined) assert.equal(info.profileTierLevel.levelIdc, levelIdc, 'levelIdc')
      for (const [k, v] of Object.entries(rest)) assert.deepEqual(info[k as keyof H265SpsInfo], v, k)
    })
  }

  it('reads the general profile_tier_level fields', () => {
    const ptl = parseH265Sps(X265_SPS).profileTierLevel
    assert.deepEqual(ptl, {
      profileSpace: 0,
      tierFlag: 0,
      profileIdc: 1,
      compatibilityFlags: 0x60000000,
      constraintFlags: '900000000000',
      levelIdc: 63,
    })
  })

  it('skips sub-layers, scaling lists, PCM, inter-predicted reference picture sets, long-term pictures and the VUI before timing', () => {
    const w = new TestBitWriter()
    w.u(4, 1).u(3, 2).u(1, 1) // vps id 1, three sub-layers, temporal id nesting
    w.u(2, 0).u(1, 1).u(5, 2).u(32, 0x20000000).u(16, 0xb000).u(32, 0).u(8, 123) // High tier Main 10, level 4.1
    w.flag(true).flag(true).flag(false).flag(true) // sub-layer 0: profile and level; sub-layer 1: level only
    w.u(12, 0) // reserved_zero_2bits for i = 2..7
    w.u(8, 0x22).u(32, 0x20000000).u(32, 0).u(16, 0).u(8, 90) // sub-layer 0 profile (88 bits) and level
    w.u(8, 93) // sub-layer 1 level
    w.ue(3).ue(2) // sps id 3, 4:2:2
    w.ue(1928).ue(1088) // coded size
    w.flag(true).ue(2).ue(2).ue(0).ue(4) // conformance window: 2+2 chroma columns (x2), 4 rows (x1 in 4:2:2)
    w.ue(2).ue(2) // 10-bit luma and chroma
    w.ue(4) // log2_max_pic_order_cnt_lsb_minus4: 8-bit POC LSBs
    w.flag(false).ue(4).ue(2).ue(0) // ordering info for the highest sub-layer only
    w.ue(0).ue(3).ue(0).ue(3).ue(1).ue(1)
    w.flag(true).flag(true) // scaling_list_enabled_flag, sps_scaling_list_data_present_flag
    for (let sizeId = 0; sizeId < 4; sizeId++) {
      for (let matrixId = 0; matrixId < 6; matrixId += sizeId === 3 ? 3 : 1) {
        if (matrixId === 0 && sizeId !== 1) {
          w.flag(true) // explicit list
          if (sizeId >= 2) w.se(sizeId === 2 ? -3 : 5) // scaling_list_dc_coef_minus8
          for (let i = 0; i < Math.min(64, 1 << (4 + (sizeId << 1))); i++) w.se(i % 3 === 0 ? 1 : -1)
        } else {
          w.flag(false).ue(sizeId === 1 ? 1 : 0) // predicted from another matrix
        }
      }
    }
    w.flag(true).flag(false) // AMP, no SAO
    w.flag(true).u(4, 7).u(4, 7).ue(0).ue(1).flag(false) // PCM
    w.ue(4) // four short-term reference picture sets
    w.ue(2).ue(1).ue(0).flag(true).ue(1).flag(true).ue(1).flag(true) // RPS 0: -1, -3 | +2
    // RPS 1 from RPS 0, deltaRps = -1: 3 + 1 entries, all used → -1, -2, -4 | +1 (4 pictures)
    w.flag(true).u(1, 1).ue(0)
    for (let j = 0; j < 4; j++) w.flag(true)
    // RPS 2 from RPS 1, deltaRps = +2: 4 + 1 entries; entry 0 unused → -2 | +2, +3 (3 pictures; a 0 delta is dropped)
    w.flag(true).u(1, 0).ue(1)
    w.flag(false).flag(false)
    for (let j = 1; j < 5; j++) w.flag(true)
    // RPS 3 from RPS 2, deltaRps = -1: 3 + 1 entries. A miscount of RPS 2 shifts every later field.
    w.flag(true).u(1, 1).ue(0)
    for (let j = 0; j < 4; j++) w.flag(true)
    w.flag(true).ue(2).u(8, 17).flag(true).u(8, 200).flag(false) // two long-term pictures, 8-bit LSBs
    w.flag(true).flag(true) // TMVP, strong intra smoothing
    w.flag(true) // vui_parameters_present_flag
    w.flag(true).u(8, 255).u(16, 4).u(16, 3) // Extended_SAR 4:3
    w.flag(true).flag(false) // overscan
    w.flag(true).u(3, 5).flag(false).flag(true).u(8, 9).u(8, 16).u(8, 9) // video signal, colour description
    w.flag(true).ue(1).ue(1) // chroma location
    w.flag(false).flag(false).flag(true) // neutral chroma, field_seq, frame_field_info
    w.flag(true).ue(0).ue(8).ue(0).ue(0) // default display window
    w.flag(true).u(32, 1001).u(32, 60000).flag(false).flag(false) // timing, no POC proportionality, no HRD
    w.flag(false) // bitstream_restriction_flag
    w.flag(false) // sps_extension_present_flag
    const info = parseH265Sps(spsNal(w))
    assert.equal(info.videoParameterSetId, 1)
    assert.equal(info.maxSubLayersMinus1, 2)
    assert.deepEqual(info.profileTierLevel, {
      profileSpace: 0,
      tierFlag: 1,
      profileIdc: 2,
      compatibilityFlags: 0x20000000,
      constraintFlags: 'B00000000000',
      levelIdc: 123,
    })
    assert.equal(info.seqParameterSetId, 3)
    assert.deepEqual([info.chromaFormatIdc, info.bitDepthLuma, info.bitDepthChroma], [2, 10, 10])
    assert.deepEqual([info.codedWidth, info.codedHeight, info.width, info.height], [1928, 1088, 1920, 1084])
    assert.deepEqual(info.timing, { numUnitsInTick: 1001, timeScale: 60000 })
    assert.equal(info.fps, 60000 / 1001)
  })

  it('uses crop units of 1 for monochrome and separate colour planes', () => {
    const w = new TestBitWriter().u(4, 0).u(3, 0).u(1, 1)
    mainPtl(w)
    w.ue(0).ue(3).flag(true) // 4:4:4 with separate_colour_plane_flag: ChromaArrayType 0
    w.ue(64).ue(64).flag(true).ue(1).ue(2).ue(3).ue(4) // window of 1+2 columns and 3+4 rows
    w.ue(0).ue(0).ue(4).flag(true).ue(1).ue(0).ue(0).ue(0).ue(3).ue(0).ue(3).ue(0).ue(0)
    w.flag(false).flag(false).flag(false).flag(false).ue(0).flag(false).flag(false).flag(false).flag(false)
    const info = parseH265Sps(spsNal(w))
    assert.equal(info.separateColourPlane, true)
    assert.deepEqual([info.width, info.height], [61, 57])
  })

  it('has no fps when the timing fields are zero, and none without a VUI', () => {
    const zero = parseH265Sps(
      minimalSps(320, 240, (w) => {
        w.u(4, 0).u(3, 0) // no aspect, overscan, signal, chroma loc; neutral chroma, field_seq, frame_field_info
        w.flag(false).flag(true).u(32, 0).u(32, 25).flag(false).flag(false).flag(false).flag(false)
      }),
    )
    assert.deepEqual(zero.timing, { numUnitsInTick: 0, timeScale: 25 })
    assert.equal(zero.fps, undefined)
    const none = parseH265Sps(minimalSps(320, 240))
    assert.deepEqual([none.width, none.height, none.timing, none.fps], [320, 240, undefined, undefined])
  })

  it('rejects what is not a base-layer SPS, and out-of-range fields', () => {
    const code = (c: string) => (e: unknown) => e instanceof ParseError && e.code === c
    assert.throws(() => parseH265Sps(hex('4401 c172b46240')), code('ERR_H265_NOT_SPS'))
    assert.throws(() => parseH265Sps(hex('42')), code('ERR_H265_NOT_SPS'))
    assert.throws(() => parseH265Sps(Buffer.concat([hex('4209'), X265_SPS.subarray(2)])), code('ERR_H265_SPS_LAYER'))
    assert.throws(() => parseH265Sps(X265_SPS.subarray(0, 20)), code('ERR_BITS_OVERRUN'))
    assert.throws(() => parseH265Sps(minimalSps(0, 240)), code('ERR_H265_SPS'))
    assert.throws(() => parseH265Sps(minimalSps(20000, 240)), code('ERR_H265_SPS'))
    const badChroma = new TestBitWriter().u(4, 0).u(3, 0).u(1, 1)
    mainPtl(badChroma).ue(0).ue(4)
    assert.throws(() => parseH265Sps(spsNal(badChroma)), code('ERR_H265_SPS'))
    const emptyWindow = new TestBitWriter().u(4, 0).u(3, 0).u(1, 1)
    mainPtl(emptyWindow).ue(0).ue(1).ue(16).ue(16).flag(true).ue(4).ue(4).ue(0).ue(0)
    emptyWindow.ue(0).ue(0).ue(4).flag(true).ue(1).ue(0).ue(0).ue(0).ue(3).ue(0).ue(3).ue(0).ue(0)
    emptyWindow.flag(false).flag(false).flag(false).flag(false).ue(0).flag(false).flag(false).flag(false).flag(false)
    assert.throws(() => parseH265Sps(spsNal(emptyWindow)), code('ERR_H265_SPS'))
    const eightSubLayers = Buffer.from(X265_SPS)
    eightSubLayers[2] = 0x0f // sps_max_sub_layers_minus1 = 7
    assert.throws(() => parseH265Sps(eightSubLayers), code('ERR_H265_SPS'))
  })

  it('property: random and mutated SPS bytes throw only ParseError', () => {
    const seeds = X265_SPS_VECTORS.map((v) => hex(v.sps))
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.option(fc.nat()))
      .map(([s, edits, cut]) => {
        const b = Buffer.from(s)
        for (const [i, v] of edits) b[2 + (i % (b.length - 2))] = v // keep the SPS header
        return cut === null ? b : b.subarray(0, 2 + (cut % (b.length - 1)))
      })
    const random = fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.concat([hex('4201'), a]))
    fc.assert(
      fc.property(fc.oneof(mutated, random), (nal) => {
        try {
          const info = parseH265Sps(nal)
          assert.ok(info.width > 0 && info.height > 0)
        } catch (e) {
          if (!(e instanceof RtspkitError)) throw e
          assert.ok(e instanceof ParseError)
        }
      }),
      { numRuns: 3000 },
    )
  })
})
