import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ParseError, RtspkitError } from '../../../src/errors.js'
import { parseSps, type SpsInfo } from '../../../src/codecs/h264/sps.js'
import { hex } from '../../helpers/split.js'
import { TestBitWriter, addEmulationPrevention } from './fixtures.js'

/** SPS NAL units written by libx264 (ffmpeg 5.1), with what ffprobe reports for the same files. */
const X264_SPS: { name: string; sps: string; expect: Partial<SpsInfo> }[] = [
  {
    name: 'Constrained Baseline 320x240 25 fps',
    sps: '6742c00dd90141fb011000000300100000030320f142a480',
    expect: {
      profileIdc: 66,
      constraintFlags: 0xc0,
      levelIdc: 13,
      chromaFormatIdc: 1,
      width: 320,
      height: 240,
      fps: 25,
      frameMbsOnly: true,
    },
  },
  {
    name: 'High 1920x1080 30 fps (1088 coded, cropped by 8)',
    sps: '67640028acd940780227e5c044000003000400000300f03c60c658',
    expect: {
      profileIdc: 100,
      constraintFlags: 0,
      levelIdc: 40,
      width: 1920,
      height: 1080,
      fps: 30,
      timing: { numUnitsInTick: 1, timeScale: 60, fixedFrameRate: false },
    },
  },
  {
    name: 'High 1280x720 50 fps',
    sps: '67640020acd9405005bb0110000003001000000640f1831960',
    expect: { profileIdc: 100, levelIdc: 32, width: 1280, height: 720, fps: 50 },
  },
  {
    name: 'High 1920x1080 30000/1001',
    sps: '67640028acd940780227e5c04400000fa40003a9803c60c658',
    expect: { width: 1920, height: 1080, fps: 30000 / 1001, timing: { numUnitsInTick: 1001, timeScale: 60000, fixedFrameRate: false } },
  },
  {
    name: 'High interlaced (frame_mbs_only_flag = 0) 320x240',
    sps: '67640015acd941410fcb808800000300080000030190f8a14cb0',
    expect: { levelIdc: 21, frameMbsOnly: false, width: 320, height: 240, fps: 25 },
  },
  {
    name: 'High 4:4:4 Predictive 322x242 (crop unit 1)',
    sps: '67f4000d919b282a10f1f1f808800000030080000019078a14cb',
    expect: { profileIdc: 244, chromaFormatIdc: 3, width: 322, height: 242, fps: 25 },
  },
  {
    name: 'High 4:2:2 10-bit 322x242 24 fps (crop units 2x1)',
    sps: '677a000db6cd9415087888fc0440000003004000000c03c50a6580',
    expect: { profileIdc: 122, chromaFormatIdc: 2, bitDepthLuma: 10, bitDepthChroma: 10, width: 322, height: 242, fps: 24 },
  },
]

function spsNal(w: TestBitWriter): Buffer {
  return Buffer.concat([hex('67'), addEmulationPrevention(w.trailing().bytes())])
}

describe('parseSps', () => {
  for (const c of X264_SPS) {
    it(`parses x264 ${c.name}`, () => {
      const info = parseSps(hex(c.sps))
      for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(info[k as keyof SpsInfo], v, k)
    })
  }

  it('skips scaling lists, POC type 1 cycles and the VUI fields before timing', () => {
    const w = new TestBitWriter()
    w.u(8, 100).u(8, 0).u(8, 40).ue(0) // High, level 4.0, sps id 0
    w.ue(1).ue(0).ue(0).flag(false) // 4:2:0, 8-bit, 8-bit, no transform bypass
    w.flag(true) // seq_scaling_matrix_present_flag
    for (let i = 0; i < 8; i++) {
      if (i === 0) {
        w.flag(true)
        for (let j = 0; j < 16; j++) w.se(j % 2 === 0 ? 3 : -2)
      } // explicit 4x4 list
      else if (i === 6) {
        w.flag(true)
        w.se(-8)
      } // 8x8: next_scale 0 → use the default list
      else w.flag(false)
    }
    w.ue(0) // log2_max_frame_num_minus4
    w.ue(1).flag(false).se(-1).se(2).ue(2).se(5).se(-5) // POC type 1 with a 2-frame cycle
    w.ue(4).flag(false) // max_num_ref_frames, gaps
    w.ue(119).ue(67).flag(true).flag(true) // 120x68 MBs, frame_mbs_only, direct_8x8
    w.flag(true).ue(0).ue(0).ue(0).ue(4) // crop bottom 4 * 2 = 8 rows
    w.flag(true) // vui_parameters_present_flag
    w.flag(true).u(8, 255).u(16, 4).u(16, 3) // Extended_SAR 4:3
    w.flag(true).flag(false) // overscan
    w.flag(true).u(3, 5).flag(false).flag(true).u(8, 1).u(8, 1).u(8, 1) // video signal + colour description
    w.flag(true).ue(1).ue(1) // chroma location
    w.flag(true).u(32, 1001).u(32, 60000).flag(true) // timing
    const info = parseSps(spsNal(w))
    assert.equal(info.width, 1920)
    assert.equal(info.height, 1080)
    assert.deepEqual(info.timing, { numUnitsInTick: 1001, timeScale: 60000, fixedFrameRate: true })
    assert.equal(info.fps, 30000 / 1001)
  })

  it('handles 4:4:4 with 12 scaling lists and separate colour planes (crop unit 1)', () => {
    const w = new TestBitWriter()
    w.u(8, 244).u(8, 0).u(8, 30).ue(0)
    w.ue(3).flag(true).ue(0).ue(0).flag(false) // 4:4:4, separate_colour_plane_flag
    w.flag(true)
    for (let i = 0; i < 12; i++) {
      w.flag(i === 11)
      if (i === 11) for (let j = 0; j < 64; j++) w.se(1)
    }
    w.ue(0).ue(2).ue(1).flag(false) // frame num, POC type 2, refs, gaps
    w.ue(19).ue(14).flag(true).flag(true) // 320x240
    w.flag(true).ue(1).ue(2).ue(3).ue(4) // crop 1+2 columns, 3+4 rows (units of 1)
    w.flag(false) // no VUI
    const info = parseSps(spsNal(w))
    assert.equal(info.width, 317)
    assert.equal(info.height, 233)
    assert.equal(info.timing, undefined)
    assert.equal(info.fps, undefined)
  })

  it('crops interlaced 1080i in units of 2 * SubHeightC', () => {
    const w = new TestBitWriter()
    w.u(8, 77).u(8, 0x40).u(8, 40).ue(0) // Main
    w.ue(0).ue(0).ue(2).ue(2).flag(false)
    w.ue(119).ue(33).flag(false).flag(true).flag(true) // 34 map units = 68 MBs, MBAFF, direct_8x8
    w.flag(true).ue(0).ue(0).ue(0).ue(2) // 2 * 4 = 8 rows
    w.flag(true).flag(false).flag(false).flag(false).flag(false).flag(true).u(32, 1).u(32, 50).flag(true)
    const info = parseSps(spsNal(w))
    assert.deepEqual([info.width, info.height, info.frameMbsOnly, info.fps], [1920, 1080, false, 25])
  })

  it('crops monochrome in units of 1', () => {
    const w = new TestBitWriter()
    w.u(8, 100).u(8, 0).u(8, 30).ue(0).ue(0).ue(0).ue(0).flag(false).flag(false) // chroma_format_idc 0
    w.ue(0).ue(2).ue(1).flag(false).ue(19).ue(14).flag(true).flag(true)
    w.flag(true).ue(0).ue(1).ue(0).ue(1).flag(false)
    const info = parseSps(spsNal(w))
    assert.deepEqual([info.chromaFormatIdc, info.width, info.height], [0, 319, 239])
  })

  it('leaves fps undefined when the timing is zero', () => {
    const w = new TestBitWriter()
    w.u(8, 66).u(8, 0xc0).u(8, 30).ue(0).ue(0).ue(2).ue(1).flag(false).ue(19).ue(14).flag(true).flag(true).flag(false)
    w.flag(true).flag(false).flag(false).flag(false).flag(false).flag(true).u(32, 0).u(32, 50).flag(false)
    const info = parseSps(spsNal(w))
    assert.equal(info.timing?.numUnitsInTick, 0)
    assert.equal(info.fps, undefined)
  })

  it('rejects non-SPS NAL units and out-of-range fields', () => {
    assert.throws(
      () => parseSps(hex('68 ce 3c 80')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_H264_NOT_SPS',
    )
    assert.throws(() => parseSps(hex('')), ParseError)
    const w = new TestBitWriter()
    w.u(8, 100).u(8, 0).u(8, 30).ue(0).ue(4) // chroma_format_idc 4
    assert.throws(
      () => parseSps(spsNal(w)),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_H264_SPS',
    )
    const crop = new TestBitWriter()
    crop.u(8, 66).u(8, 0).u(8, 30).ue(0).ue(0).ue(2).ue(1).flag(false).ue(0).ue(0).flag(true).flag(true)
    crop.flag(true).ue(4).ue(4).ue(0).ue(0).flag(false) // crops 16 columns of a 16-wide picture
    assert.throws(
      () => parseSps(spsNal(crop)),
      (e: unknown) => e instanceof ParseError && /no picture/.test((e as Error).message),
    )
  })

  it('throws ParseError for every truncation that cuts a needed field', () => {
    for (const c of X264_SPS) {
      const full = hex(c.sps)
      for (let len = 0; len < full.length; len++) {
        try {
          parseSps(full.subarray(0, len))
        } catch (e) {
          assert.ok(e instanceof ParseError, `${c.name} cut at ${len}`)
          continue
        }
        assert.ok(len > 8, `${c.name} cut at ${len} parsed`) // only cuts after the picture size can parse
      }
    }
  })

  it('property: random SPS bodies throw only rtspkit errors', () => {
    fc.assert(
      fc.property(fc.constantFrom(66, 77, 100, 244, 122), fc.uint8Array({ maxLength: 40 }), (profile, body) => {
        try {
          const info = parseSps(Buffer.concat([hex('67'), Buffer.from([profile]), Buffer.from(body)]))
          assert.ok(info.width > 0 && info.height > 0)
        } catch (e) {
          if (!(e instanceof RtspkitError)) throw e
        }
      }),
      { numRuns: 2000 },
    )
  })
})
