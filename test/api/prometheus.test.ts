import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RtspkitError } from '../../src/errors.js'
import { escapeLabelValue, formatPrometheus, formatValue } from '../../src/api/prometheus.js'
import { parsePrometheus, sampleValue } from './prom-parse.js'

describe('Prometheus text format', () => {
  it('writes HELP and TYPE before samples, labels escaped, one line each', () => {
    const text = formatPrometheus([
      { name: 'a_total', type: 'counter', help: 'Back\\slash and\nnewline.', samples: [{ labels: { path: 'we"ird\\path\nx' }, value: 3 }] },
      { name: 'b', type: 'gauge', help: 'Empty family.', samples: [] },
      { name: 'c', type: 'gauge', help: 'No labels.', samples: [{ value: 0.25 }] },
    ])
    assert.equal(
      text,
      [
        '# HELP a_total Back\\\\slash and\\nnewline.',
        '# TYPE a_total counter',
        'a_total{path="we\\"ird\\\\path\\nx"} 3',
        '# HELP b Empty family.',
        '# TYPE b gauge',
        '# HELP c No labels.',
        '# TYPE c gauge',
        'c 0.25',
        '',
      ].join('\n'),
    )
    const parsed = parsePrometheus(text)
    assert.equal(sampleValue(parsed, 'a_total', { path: 'we"ird\\path\nx' }), 3)
    assert.equal(parsed.get('a_total')!.help, 'Back\\slash and\nnewline.')
    assert.deepEqual(parsed.get('b')!.samples, [])
  })

  it('special values and invalid names', () => {
    assert.deepEqual([NaN, Infinity, -Infinity, 1e21, -0.5].map(formatValue), ['NaN', '+Inf', '-Inf', '1e+21', '-0.5'])
    assert.equal(escapeLabelValue('plain'), 'plain')
    assert.throws(
      () => formatPrometheus([{ name: 'bad-name', type: 'gauge', help: '', samples: [] }]),
      (e: unknown) => e instanceof RtspkitError && e.code === 'ERR_METRIC_NAME',
    )
    assert.throws(
      () => formatPrometheus([{ name: 'ok', type: 'gauge', help: '', samples: [{ labels: { '0x': 'v' }, value: 1 }] }]),
      (e: unknown) => e instanceof RtspkitError && e.code === 'ERR_METRIC_LABEL',
    )
  })

  it('the test parser refuses what a scraper would', () => {
    assert.throws(() => parsePrometheus('x 1\n'), /outside its family/)
    assert.throws(() => parsePrometheus('# TYPE x gauge\nx{a="b} 1\n'), /bad labels/)
    assert.throws(() => parsePrometheus('# TYPE x gauge\nx one\n'), /bad value/)
    assert.throws(() => parsePrometheus('# TYPE x gauge\nx 1'), /newline/)
    assert.throws(() => parsePrometheus('# TYPE x gauge\n# TYPE y gauge\n# HELP x again\n'), /two places/)
  })
})
