import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { formatRange, parseRange, type RangeSpec } from '../../../src/rtsp/headers/range.js'

describe('Range header', () => {
  const cases: [string, RangeSpec][] = [
    ['npt=0.000-', { unit: 'npt', start: 0 }], // ffmpeg, VLC
    ['npt=0-', { unit: 'npt', start: 0 }], // GStreamer
    ['npt=now-', { unit: 'npt', start: 'now' }],
    ['npt=10.5-20', { unit: 'npt', start: 10.5, end: 20 }],
    ['npt=-20', { unit: 'npt', end: 20 }],
    ['npt=1:02:03.5-', { unit: 'npt', start: 3723.5 }],
    ['npt=5.-', { unit: 'npt', start: 5 }],
    [' npt = 1 - 2 ', { unit: 'npt', start: 1, end: 2 }],
    ['NPT=3-', { unit: 'npt', start: 3 }],
    ['clock=19961108T143720.25Z-', { unit: 'clock', start: '19961108T143720.25Z' }],
    ['clock=19961108T142300Z-19961108T143520Z', { unit: 'clock', start: '19961108T142300Z', end: '19961108T143520Z' }],
    ['smpte=10:07:00-10:07:33:05.01', { unit: 'smpte', start: '10:07:00', end: '10:07:33:05.01' }],
    ['smpte-25=10:07:00-', { unit: 'smpte', start: '10:07:00', smpteType: 'smpte-25' }],
    ['npt=0-;time=19970123T143720Z', { unit: 'npt', start: 0, time: '19970123T143720Z' }],
    ['npt=0-7.741,npt=10-', { unit: 'npt', start: 0, end: 7.741 }],
  ]
  for (const [value, expected] of cases) {
    it(`parse ${JSON.stringify(value)}`, () => assert.deepEqual(parseRange(value), expected))
  }

  for (const value of [
    '',
    'npt',
    'npt=',
    'npt=-',
    'npt=abc-',
    'npt=1:75:00-',
    'bytes=0-',
    'clock=1996-',
    'smpte=1:2-',
    'npt=0-;time=yesterday',
  ]) {
    it(`malformed ${JSON.stringify(value)} → ParseError`, () => {
      assert.throws(
        () => parseRange(value),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_RTSP_BAD_RANGE',
      )
    })
  }

  it('format', () => {
    assert.equal(formatRange({ unit: 'npt', start: 0 }), 'npt=0.000-')
    assert.equal(formatRange({ unit: 'npt', start: 12.5, end: 30 }), 'npt=12.500-30.000')
    assert.equal(formatRange({ unit: 'npt', start: 1 / 3 }), `npt=${1 / 3}-`)
    assert.equal(formatRange({ unit: 'npt', start: 'now' }), 'npt=now-')
    assert.equal(formatRange({ unit: 'npt', end: 20 }), 'npt=-20.000')
    assert.equal(formatRange({ unit: 'clock', start: '19961108T143720.25Z' }), 'clock=19961108T143720.25Z-')
    assert.equal(formatRange({ unit: 'smpte', start: '10:07:00', smpteType: 'smpte-30-drop' }), 'smpte-30-drop=10:07:00-')
    assert.equal(formatRange({ unit: 'npt', start: 0, time: '19970123T143720Z' }), 'npt=0.000-;time=19970123T143720Z')
    assert.throws(() => formatRange({ unit: 'npt' }), ParseError)
    assert.throws(() => formatRange({ unit: 'npt', start: -1 }), ParseError)
    assert.throws(() => formatRange({ unit: 'npt', start: Number.NaN }), ParseError)
    assert.throws(() => formatRange({ unit: 'clock', start: 'noon' }), ParseError)
  })

  it('parse → format → parse is stable', () => {
    for (const [value] of cases) {
      const once = parseRange(value)
      assert.deepEqual(parseRange(formatRange(once)), once, value)
    }
    for (const t of [1e-7, 0.1 + 0.2, 123456.789, 86400]) {
      assert.deepEqual(parseRange(formatRange({ unit: 'npt', start: t })), { unit: 'npt', start: t })
    }
  })
})
