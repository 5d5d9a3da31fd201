import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { diffConfig } from '../../src/config/diff.js'
import { parseConfig } from '../../src/config/load.js'

const BASE = `
server: {rtspPort: 8554, logLevel: info}
users: [{name: alice, password: 'plain:a'}]
paths:
  cam: {source: 'rtsp://10.0.0.5/s'}
  rec: {source: publish, record: true}
  test: {source: test}
  '~^a': {source: publish}
  '~^b': {source: publish}
`
const base = parseConfig({ text: BASE })
const edit = (from: string, to: string) => {
  assert.ok(BASE.includes(from), from)
  return diffConfig(base, parseConfig({ text: BASE.replace(from, to) }))
}

describe('diffConfig', () => {
  it('an identical config is empty', () => {
    const d = diffConfig(base, parseConfig({ text: BASE }))
    assert.deepEqual(d, {
      settings: [],
      paths: { added: [], removed: [], changed: [], accessChanged: [], reordered: false },
      access: false,
      empty: true,
    })
  })

  it('classifies settings: listener restarts and live changes', () => {
    const d = edit(
      'server: {rtspPort: 8554, logLevel: info}',
      'server: {rtspPort: 8555, logLevel: debug, limits: {body: 10}}\napi: {port: 9998}',
    )
    assert.deepEqual(d.settings, [
      { key: 'server.rtspPort', apply: 'restart-rtsp' },
      { key: 'server.limits.body', apply: 'live' },
      { key: 'server.logLevel', apply: 'live' },
      { key: 'api.port', apply: 'restart-api' },
    ])
    assert.deepEqual(d.paths, { added: [], removed: [], changed: [], accessChanged: [], reordered: false })
    assert.equal(d.access, false)
    assert.equal(d.empty, false)
  })

  it('paths added, removed and changed by name', () => {
    const d = edit('  test: {source: test}\n', "  test: {source: 'test:320x240'}\n  new: {source: publish}\n")
    assert.deepEqual(d.paths, { added: ['new'], removed: [], changed: ['test'], accessChanged: [], reordered: false })
    assert.deepEqual(edit("  cam: {source: 'rtsp://10.0.0.5/s'}\n", '').paths.removed, ['cam'])
  })

  it('a read-list change keeps the stream', () => {
    const d = edit('  test: {source: test}', '  test: {source: test, read: [alice]}')
    assert.deepEqual(d.paths, { added: [], removed: [], changed: [], accessChanged: ['test'], reordered: false })
  })

  it('global settings change the paths that use them, and only those', () => {
    assert.deepEqual(edit('paths:', 'recording: {dir: /srv/rec}\npaths:').paths.changed, ['rec'])
    assert.deepEqual(edit('paths:', 'relays: {retryMax: 5}\npaths:').paths.changed, ['cam'])
    const d = edit('paths:', 'relays: {closeAfter: 3}\npaths:')
    assert.deepEqual(d.paths.changed, ['cam', 'rec', 'test', '~^a', '~^b'], 'closeAfter is resolved into each path')
    assert.deepEqual(d.settings, [])
  })

  it('users, ips and the realm change access, not listeners', () => {
    const d = edit("password: 'plain:a'", "password: 'plain:b'")
    assert.deepEqual([d.access, d.settings, d.paths.changed], [true, [], []])
    const ips = edit('paths:', 'ips: [10.0.0.0/8]\npaths:')
    assert.deepEqual([ips.access, ips.settings], [true, [{ key: 'ips', apply: 'access' }]])
  })

  it('notices regex entries changing order', () => {
    const d = edit("  '~^a': {source: publish}\n  '~^b': {source: publish}\n", "  '~^b': {source: publish}\n  '~^a': {source: publish}\n")
    assert.equal(d.paths.reordered, true)
    assert.deepEqual(d.paths.changed, [])
  })
})
