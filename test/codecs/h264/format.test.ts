import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ParseError, RtspkitError } from '../../../src/errors.js'
import { h264Fmtp, parseH264Fmtp, profileLevelId } from '../../../src/codecs/h264/format.js'
import { hex } from '../../helpers/split.js'
import { BASELINE_PPS, BASELINE_SPS } from './vectors.js'

const HIGH_SPS = hex('67640028acd940780227e5c044000003000400000300f03c60c658')
const HIGH_PPS = hex('68ebe3cb22c0')

describe('h264Fmtp', () => {
  it('writes packetization mode, profile-level-id and sprop-parameter-sets', () => {
    assert.equal(
      h264Fmtp({ sps: BASELINE_SPS, pps: BASELINE_PPS }),
      'packetization-mode=1;profile-level-id=42C00D;sprop-parameter-sets=Z0LADdkBQfsBEAAAAwAQAAADAyDxQqSA,aMuDyyA=',
    )
    assert.equal(
      h264Fmtp({ sps: HIGH_SPS, pps: HIGH_PPS }),
      'packetization-mode=1;profile-level-id=640028;sprop-parameter-sets=Z2QAKKzZQHgCJ+XARAAAAwAEAAADAPA8YMZY,aOvjyyLA',
    )
  })

  it('omits what is unknown', () => {
    assert.equal(h264Fmtp({}), 'packetization-mode=1')
    assert.equal(h264Fmtp({ sps: BASELINE_SPS }), 'packetization-mode=1;profile-level-id=42C00D')
    assert.equal(h264Fmtp({ pps: BASELINE_PPS, packetizationMode: 0 }), 'packetization-mode=0')
  })

  it('profile-level-id is the 3 bytes after the NAL header, uppercase', () => {
    assert.equal(profileLevelId(hex('67 42e01f ff')), '42E01F')
    assert.equal(profileLevelId(new Uint8Array([0x67, 0x4d, 0x40, 0x1e])), '4D401E')
    assert.throws(
      () => profileLevelId(hex('67 42')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_H264_SPS_SHORT',
    )
  })
})

describe('parseH264Fmtp', () => {
  it('reads back what h264Fmtp writes', () => {
    const p = parseH264Fmtp(h264Fmtp({ sps: BASELINE_SPS, pps: BASELINE_PPS }))
    assert.equal(p.packetizationMode, 1)
    assert.equal(p.profileLevelId, '42C00D')
    assert.deepEqual(p.sps, BASELINE_SPS)
    assert.deepEqual(p.pps, BASELINE_PPS)
    assert.deepEqual(p.spropParameterSets, [BASELINE_SPS, BASELINE_PPS])
  })

  it('applies RFC defaults and keeps unknown parameters', () => {
    const p = parseH264Fmtp('level-asymmetry-allowed=1; Profile-Level-Id=4d001f')
    assert.equal(p.packetizationMode, 0)
    assert.equal(p.profileLevelId, '4D001F')
    assert.equal(p.params.get('level-asymmetry-allowed'), '1')
    assert.equal(p.sps, undefined)
  })

  it('tolerates camera quirks: spaces, trailing separators, PPS first, several PPS', () => {
    const p = parseH264Fmtp(' packetization-mode=1 ; sprop-parameter-sets=aMuDyyA=, Z0LADdkBQfsBEAAAAwAQAAADAyDxQqSA,aOvjyyLA, ;')
    assert.deepEqual(p.sps, BASELINE_SPS)
    assert.deepEqual(p.pps, BASELINE_PPS)
    assert.equal(p.spropParameterSets.length, 3)
  })

  it('rejects malformed values', () => {
    for (const bad of [
      'packetization-mode=3',
      'packetization-mode=x',
      'profile-level-id=42e0',
      'sprop-parameter-sets=Z0L*',
      'novalue',
      '=1',
    ]) {
      assert.throws(
        () => parseH264Fmtp(bad),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_H264_FMTP',
        bad,
      )
    }
  })

  it('property: format → parse → format is stable; any string throws only ParseError', () => {
    const nal = (type: number) =>
      fc.uint8Array({ minLength: 3, maxLength: 30 }).map((a) => Buffer.concat([Buffer.from([0x60 | type]), Buffer.from(a)]))
    fc.assert(
      fc.property(nal(7), nal(8), fc.constantFrom(0, 1), (sps, pps, mode) => {
        const s = h264Fmtp({ sps, pps, packetizationMode: mode })
        const p = parseH264Fmtp(s)
        assert.equal(h264Fmtp({ sps: p.sps, pps: p.pps, packetizationMode: p.packetizationMode }), s)
      }),
    )
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseH264Fmtp(s)
        } catch (e) {
          if (!(e instanceof RtspkitError)) throw e
        }
      }),
    )
  })
})
