import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ParseError, RtspkitError } from '../../../src/errors.js'
import { h265Fmtp, parseH265Fmtp } from '../../../src/codecs/h265/format.js'
import { hex } from '../../helpers/split.js'
import { X265_PPS, X265_SPS, X265_VPS } from './vectors.js'

/** x265 High tier Main 1920x1080, level 5.1. */
const HIGH_TIER_SPS = hex('420101216000000300900000030000030099a003c08010e596566924caf0168080000003008000001e04')

describe('h265Fmtp', () => {
  it('writes sprop-vps/sps/pps, then profile-id, tier-flag and level-id from the SPS', () => {
    // The sprop values are what ffmpeg writes in its SDP for the same stream (a=fmtp:96 sprop-vps=…; sprop-sps=…).
    assert.equal(
      h265Fmtp({ vps: X265_VPS, sps: X265_SPS, pps: X265_PPS }),
      'sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA/lZgJ;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA/oAUCAWlllZpJMrwFoCAAAAMAIAAAAwMh;sprop-pps=RAHBcrRiQA==;' +
        'profile-id=1;tier-flag=0;level-id=63',
    )
    assert.match(h265Fmtp({ sps: HIGH_TIER_SPS }), /^profile-id=1;tier-flag=1;level-id=153$/)
  })

  it('omits what is unknown: sprop only with all three parameter sets', () => {
    assert.equal(h265Fmtp({}), '')
    assert.equal(h265Fmtp({ vps: X265_VPS, pps: X265_PPS }), '')
    assert.equal(h265Fmtp({ sps: X265_SPS, pps: X265_PPS }), 'profile-id=1;tier-flag=0;level-id=63')
  })

  it('writes profile-space only when it is not 0', () => {
    const sps = Buffer.from(X265_SPS)
    sps[3] = 0x41 // general_profile_space = 1, tier 0, profile 1
    assert.equal(h265Fmtp({ sps }), 'profile-space=1;profile-id=1;tier-flag=0;level-id=63')
  })

  it('throws ParseError for an SPS that does not parse', () => {
    assert.throws(() => h265Fmtp({ sps: hex('4201 01') }), ParseError)
  })
})

describe('parseH265Fmtp', () => {
  it('reads back what h265Fmtp writes', () => {
    const p = parseH265Fmtp(h265Fmtp({ vps: X265_VPS, sps: X265_SPS, pps: X265_PPS }))
    assert.deepEqual([p.profileSpace, p.tierFlag, p.profileId, p.levelId, p.maxDonDiff, p.txMode], [0, 0, 1, 63, 0, 'SRST'])
    assert.deepEqual([p.vps, p.sps, p.pps], [X265_VPS, X265_SPS, X265_PPS])
    assert.deepEqual(p.spropNalus, [X265_VPS, X265_SPS, X265_PPS])
  })

  it('reads ffmpeg and live555 style values, with RFC 7798 defaults', () => {
    // ffmpeg: "; " separators, no profile parameters.
    const ff = parseH265Fmtp(
      'sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA/lZgJ; sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA/oAUCAWlllZpJMrwFoCAAAAMAIAAAAwMh; sprop-pps=RAHBcrRiQA==',
    )
    assert.deepEqual([ff.profileSpace, ff.tierFlag, ff.profileId, ff.levelId], [0, 0, 1, 93])
    assert.deepEqual(ff.sps, X265_SPS)
    // live555: profile parameters first, interop-constraints kept as an unknown parameter.
    const l5 = parseH265Fmtp(
      'profile-space=0;profile-id=2;tier-flag=1;level-id=120;interop-constraints=B00000000000;sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA/lZgJ',
    )
    assert.deepEqual([l5.profileId, l5.tierFlag, l5.levelId], [2, 1, 120])
    assert.equal(l5.params.get('interop-constraints'), 'B00000000000')
    assert.deepEqual(l5.vps, X265_VPS)
    assert.equal(l5.sps, undefined)
  })

  it('reads several parameter sets per sprop, DON and tx-mode parameters', () => {
    const p = parseH265Fmtp(
      'SPROP-SPS=QgEBAWAAAAMAkAAAAwAAAwA/oAUCAWlllZpJMrwFoCAAAAMAIAAAAwMh, QgEBAWAAAAMAkAAAAwAAAwA/oAUCAWlllZpJMrwFoCAAAAMAIAAAAwMh,;sprop-max-don-diff=2;tx-mode=msst;;',
    )
    assert.equal(p.spropNalus.length, 2)
    assert.deepEqual(p.sps, X265_SPS)
    assert.equal(p.maxDonDiff, 2)
    assert.equal(p.txMode, 'MSST')
  })

  it('rejects malformed values', () => {
    for (const bad of [
      'profile-id',
      'profile-id=x',
      'level-id=256',
      'tier-flag=2',
      'profile-space=-1',
      'sprop-max-don-diff=40000',
      'tx-mode=MSMT',
      'sprop-vps=!!',
    ]) {
      assert.throws(
        () => parseH265Fmtp(bad),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_H265_FMTP',
        bad,
      )
    }
  })

  it('property: any string parses or throws ParseError; what it writes reads back', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        try {
          parseH265Fmtp(s)
        } catch (e) {
          if (!(e instanceof RtspkitError)) throw e
        }
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 1, maxLength: 40 }), (a, b) => {
        const vps = Buffer.concat([hex('4001'), a])
        const pps = Buffer.concat([hex('4401'), b])
        const p = parseH265Fmtp(h265Fmtp({ vps, sps: X265_SPS, pps }))
        assert.deepEqual([p.vps, p.sps, p.pps], [vps, X265_SPS, pps])
      }),
      { numRuns: 300 },
    )
  })
})
