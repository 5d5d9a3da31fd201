import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { H264ParameterTracker } from '../../../src/codecs/h264/parameter-tracker.js'
import { hex } from '../../helpers/split.js'
import { BASELINE_PPS, BASELINE_SPS } from './vectors.js'

const AUD = hex('09 f0')
const SEI = hex('06 0501 80')
const IDR = hex('65 88 84 00')
const P = hex('41 9a 02')
const HIGH_SPS = hex('67640028acd940780227e5c044000003000400000300f03c60c658')
const HIGH_PPS = hex('68ebe3cb22c0')
const hexes = (b: Buffer[]) => b.map((x) => x.toString('hex'))

describe('H264ParameterTracker', () => {
  it('learns SPS/PPS in band and reports the change once', () => {
    const t = new H264ParameterTracker()
    assert.equal(t.sps, undefined)
    const r = t.process([AUD, BASELINE_SPS, BASELINE_PPS, IDR])
    assert.deepEqual(hexes(r.nalus), hexes([BASELINE_SPS, BASELINE_PPS, IDR]))
    assert.equal(r.keyframe, true)
    assert.equal(r.changed, true)
    assert.deepEqual(t.sps, BASELINE_SPS)
    assert.deepEqual(t.pps, BASELINE_PPS)
    assert.equal(t.spsInfo?.width, 320)
    const again = t.process([BASELINE_SPS, BASELINE_PPS, IDR])
    assert.equal(again.changed, false)
  })

  it('prepends the last SPS and PPS before an IDR that has none, at the front', () => {
    const t = new H264ParameterTracker({ sps: BASELINE_SPS, pps: BASELINE_PPS })
    const r = t.process([AUD, SEI, IDR])
    assert.deepEqual(hexes(r.nalus), hexes([BASELINE_SPS, BASELINE_PPS, SEI, IDR]))
    assert.deepEqual({ keyframe: r.keyframe, changed: r.changed }, { keyframe: true, changed: false })
  })

  it('adds only the missing PPS, right after the access unit own SPS', () => {
    const t = new H264ParameterTracker({ sps: BASELINE_SPS, pps: BASELINE_PPS })
    const r = t.process([SEI, BASELINE_SPS, IDR])
    assert.deepEqual(hexes(r.nalus), hexes([SEI, BASELINE_SPS, BASELINE_PPS, IDR]))
    const r2 = t.process([BASELINE_PPS, IDR])
    assert.deepEqual(hexes(r2.nalus), hexes([BASELINE_SPS, BASELINE_PPS, IDR]))
  })

  it('leaves non-IDR access units alone, apart from AUDs', () => {
    const t = new H264ParameterTracker({ sps: BASELINE_SPS, pps: BASELINE_PPS })
    const r = t.process([AUD, P])
    assert.deepEqual(hexes(r.nalus), hexes([P]))
    assert.deepEqual({ keyframe: r.keyframe, changed: r.changed }, { keyframe: false, changed: false })
  })

  it('passes an IDR through when no parameter sets are known yet', () => {
    const t = new H264ParameterTracker()
    assert.deepEqual(hexes(t.process([IDR]).nalus), hexes([IDR]))
  })

  it('learns a resolution change and then repeats the new parameter sets', () => {
    const t = new H264ParameterTracker({ sps: BASELINE_SPS, pps: BASELINE_PPS })
    const r = t.process([HIGH_SPS, HIGH_PPS, IDR])
    assert.equal(r.changed, true)
    assert.equal(t.spsInfo?.width, 1920)
    assert.deepEqual(hexes(t.process([IDR]).nalus), hexes([HIGH_SPS, HIGH_PPS, IDR]))
    // PPS-only change
    assert.equal(t.process([hex('68 ee 3c 80'), P]).changed, true)
  })

  it('stores copies, not views of the input', () => {
    const t = new H264ParameterTracker()
    const sps = Buffer.from(BASELINE_SPS)
    t.process([sps, Buffer.from(BASELINE_PPS), IDR])
    sps.fill(0)
    assert.deepEqual(t.sps, BASELINE_SPS)
  })

  it('throws ParseError for a bad SPS and keeps the previous state', () => {
    const t = new H264ParameterTracker({ sps: BASELINE_SPS, pps: BASELINE_PPS })
    assert.throws(() => t.process([hex('67 64'), IDR]), ParseError)
    assert.deepEqual(t.sps, BASELINE_SPS)
    assert.throws(() => new H264ParameterTracker({ sps: hex('67') }), ParseError)
  })
})
