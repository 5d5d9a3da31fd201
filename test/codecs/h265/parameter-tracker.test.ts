import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { H265ParameterTracker } from '../../../src/codecs/h265/parameter-tracker.js'
import { hex } from '../../helpers/split.js'
import { X265_PPS, X265_SPS, X265_VPS } from './vectors.js'

const AUD = hex('4601 50')
const SEI = hex('4e01 0501 80')
const SUFFIX_SEI = hex('5001 8101 80')
const IDR = hex('2601 af1d30')
const CRA = hex('2a01 af1d30')
const TRAIL = hex('0201 d011')
/** x265 Main 1280x720 SPS and a second PPS. */
const SPS_720 = hex('42010101600000030090000003000003005da00280802d165959a4932bc05a020000030002000003003c10')
const PPS_2 = hex('4401 c172b46241')
/** An enhancement-layer SPS (LayerId 1): passed through, never parsed or stored. */
const LAYER1_SPS = hex('4209 0101')
const hexes = (b: readonly Buffer[]) => b.map((x) => x.toString('hex'))

describe('H265ParameterTracker', () => {
  it('learns VPS/SPS/PPS in band, drops AUDs and reports the change once', () => {
    const t = new H265ParameterTracker()
    assert.equal(t.sps, undefined)
    const r = t.process([AUD, X265_VPS, X265_SPS, X265_PPS, SEI, IDR])
    assert.deepEqual(hexes(r.nalus), hexes([X265_VPS, X265_SPS, X265_PPS, SEI, IDR]))
    assert.deepEqual({ keyframe: r.keyframe, changed: r.changed }, { keyframe: true, changed: true })
    assert.deepEqual([t.vps, t.sps, t.pps], [X265_VPS, X265_SPS, X265_PPS])
    assert.deepEqual([t.spsInfo?.width, t.spsInfo?.height], [640, 360])
    const again = t.process([X265_VPS, X265_SPS, X265_PPS, IDR])
    assert.equal(again.changed, false)
  })

  it('copies what it stores: a reused input buffer cannot change it', () => {
    const t = new H265ParameterTracker()
    const pps = Buffer.from(X265_PPS)
    t.process([X265_VPS, X265_SPS, pps, IDR])
    pps.fill(0)
    assert.deepEqual(t.pps, X265_PPS)
  })

  it('puts the stored parameter sets in front of an IRAP picture that has none (IDR and CRA)', () => {
    const t = new H265ParameterTracker({ vps: X265_VPS, sps: X265_SPS, pps: X265_PPS })
    for (const irap of [IDR, CRA]) {
      const r = t.process([AUD, SEI, irap, SUFFIX_SEI])
      assert.deepEqual(hexes(r.nalus), hexes([X265_VPS, X265_SPS, X265_PPS, SEI, irap, SUFFIX_SEI]))
      assert.deepEqual({ keyframe: r.keyframe, changed: r.changed }, { keyframe: true, changed: false })
    }
  })

  it('fills only the missing ones, in VPS, SPS, PPS order, keeping the access unit own', () => {
    const t = new H265ParameterTracker({ vps: X265_VPS, sps: X265_SPS, pps: X265_PPS })
    const r = t.process([SEI, PPS_2, IDR])
    assert.deepEqual(hexes(r.nalus), hexes([X265_VPS, X265_SPS, PPS_2, SEI, IDR]))
    assert.equal(r.changed, true)
    const r2 = t.process([X265_SPS, IDR])
    assert.deepEqual(hexes(r2.nalus), hexes([X265_VPS, X265_SPS, PPS_2, IDR]))
  })

  it('leaves non-IRAP access units alone, apart from AUDs', () => {
    const t = new H265ParameterTracker({ vps: X265_VPS, sps: X265_SPS, pps: X265_PPS })
    const r = t.process([AUD, TRAIL, Buffer.alloc(0)])
    assert.deepEqual(hexes(r.nalus), hexes([TRAIL]))
    assert.deepEqual({ keyframe: r.keyframe, changed: r.changed }, { keyframe: false, changed: false })
  })

  it('passes an IRAP picture through when nothing is known yet', () => {
    const t = new H265ParameterTracker()
    assert.deepEqual(hexes(t.process([IDR]).nalus), hexes([IDR]))
  })

  it('learns a resolution change and then repeats the new parameter sets', () => {
    const t = new H265ParameterTracker({ vps: X265_VPS, sps: X265_SPS, pps: X265_PPS })
    const r = t.process([SPS_720, PPS_2, IDR])
    assert.equal(r.changed, true)
    assert.deepEqual([t.spsInfo?.width, t.spsInfo?.height], [1280, 720])
    assert.deepEqual(hexes(t.process([IDR]).nalus), hexes([X265_VPS, SPS_720, PPS_2, IDR]))
  })

  it('passes enhancement-layer parameter sets through without learning them', () => {
    const t = new H265ParameterTracker({ vps: X265_VPS, sps: X265_SPS, pps: X265_PPS })
    const r = t.process([LAYER1_SPS, TRAIL])
    assert.deepEqual(hexes(r.nalus), hexes([LAYER1_SPS, TRAIL]))
    assert.deepEqual(t.sps, X265_SPS)
    assert.equal(r.changed, false)
  })

  it('throws ParseError on a bad SPS and keeps the previous one', () => {
    const t = new H265ParameterTracker({ sps: X265_SPS })
    assert.throws(() => t.process([hex('4201 0101'), IDR]), ParseError)
    assert.deepEqual(t.sps, X265_SPS)
    assert.throws(() => new H265ParameterTracker({ sps: hex('4201') }), ParseError)
  })
})
