import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parseRoute } from '../../src/hls/routes.js'

describe('HLS routes', () => {
  const table: [string, ReturnType<typeof parseRoute>][] = [
    ['/cam', { path: 'cam', file: { kind: 'page' } }],
    ['/cam/', { path: 'cam', file: { kind: 'page' } }],
    ['/site/door', { path: 'site/door', file: { kind: 'page' } }],
    ['/site/door/index.m3u8', { path: 'site/door', file: { kind: 'index' } }],
    ['/cam/stream.m3u8', { path: 'cam', file: { kind: 'media' } }],
    ['/cam/init.mp4', { path: 'cam', file: { kind: 'init' } }],
    ['/cam/seg12.mp4', { path: 'cam', file: { kind: 'segment', msn: 12 } }],
    ['/cam/part0.mp4', { path: 'cam', file: { kind: 'part', id: 0 } }],
    ['/cam/hls.min.js', { path: 'cam', file: { kind: 'script' } }],
    ['/hls.min.js', { path: '', file: { kind: 'script' } }],
    ['/', { path: '', file: { kind: 'page' } }],
    ['/my%20cam/index.m3u8', { path: 'my cam', file: { kind: 'index' } }],
    ['/cam/seg.mp4', { path: 'cam/seg.mp4', file: { kind: 'page' } }],
    ['/cam/seg1234567890123456.mp4', { path: 'cam/seg1234567890123456.mp4', file: { kind: 'page' } }],
    ['/cam/../x', undefined],
    ['/cam/%2e%2e/x', undefined],
    ['/a%2Fb/index.m3u8', undefined],
    ['/%E0%A4%A', undefined],
  ]
  for (const [url, want] of table) {
    it(`${url}`, () => assert.deepEqual(parseRoute(url), want))
  }

  it('property: never throws; a path never holds an empty, . or .. component', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const r = parseRoute(s)
        if (r && r.path !== '') assert.ok(r.path.split('/').every((p) => p !== '' && p !== '.' && p !== '..'))
      }),
    )
  })
})
