/**
 * Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format):
 *
 *   # HELP <name> <docstring, with \ and newline escaped>
 *   # TYPE <name> counter|gauge
 *   <name>{<label>="<value, with \, " and newline escaped>",…} <float>
 *
 * Every family is written with its HELP and TYPE, even without samples, and its samples follow
 * it with nothing in between.
 */

import { RtspkitError } from '../errors.js'

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type MetricType = 'counter' | 'gauge'

export interface Sample {
  labels?: Readonly<Record<string, string>>
  value: number
}

export interface MetricFamily {
  name: string
  help: string
  type: MetricType
  samples: readonly Sample[]
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return ''
  const parts = Object.entries(labels).map(([k, v]) => {
    if (!LABEL_NAME.test(k) || k.startsWith('__'))
      throw new RtspkitError('ERR_METRIC_LABEL', `invalid Prometheus label name "${k}"`, { observed: k, allowed: String(LABEL_NAME) })
    return `${k}="${escapeLabelValue(v)}"`
  })
  return parts.length ? `{${parts.join(',')}}` : ''
}

/** The exposition text of `families`, in order; names are checked (a bad one is a programming error). */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const f of families) {
    if (!METRIC_NAME.test(f.name))
      throw new RtspkitError('ERR_METRIC_NAME', `invalid Prometheus metric name "${f.name}"`, {
        observed: f.name,
        allowed: String(METRIC_NAME),
      })
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) lines.push(`${f.name}${formatLabels(s.labels)} ${formatValue(s.value)}`)
  }
  return lines.join('\n') + '\n'
}
