// Hook keys and pathDefaults in rtspkit.yml: read, defaulted, inherited, refused with the key named.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseConfig } from '../../src/config/load.js'
import { defaultPathHooks } from '../../src/config/schema-hooks.js'

function refusal(text: string, env?: Record<string, string>): string {
  try {
    parseConfig({ text, env })
  } catch (err) {
    return (err as Error).message
  }
  assert.fail('the configuration was accepted')
}

describe('hooks in the config', () => {
  it('path hooks default to none; durations are read as elsewhere', () => {
    const c = parseConfig({
      text: 'paths:\n  cam:\n    source: publish\n    runOnDemand: ffmpeg -i x\n    runOnDemandStartTimeout: 500ms\n    runOnDemandCloseAfter: 1m\n    runOnReadyRestart: true\n',
    })
    const cam = c.paths[0]!
    assert.equal(cam.runOnDemand, 'ffmpeg -i x')
    assert.equal(cam.runOnDemandStartTimeout, 0.5)
    assert.equal(cam.runOnDemandCloseAfter, 60)
    assert.equal(cam.runOnReadyRestart, true)
    assert.equal(cam.runOnInit, '')
    assert.deepEqual(parseConfig({}).hooks, { runOnConnect: '', runOnConnectRestart: false, runOnDisconnect: '' })
    assert.deepEqual(
      Object.fromEntries(Object.keys(defaultPathHooks()).map((k) => [k, parseConfig({}).paths[0]![k as keyof typeof cam]])),
      defaultPathHooks(),
    )
  })

  it('pathDefaults apply to every path (the built-in test path too) unless the path sets the key', () => {
    const c = parseConfig({
      text: 'pathDefaults:\n  record: true\n  runOnReady: echo ready\npaths:\n  a:\n    source: publish\n  b:\n    source: publish\n    runOnReady: echo b\n',
    })
    assert.deepEqual(
      c.paths.map((p) => [p.name, p.record, p.runOnReady]),
      [
        ['a', true, 'echo ready'],
        ['b', true, 'echo b'],
      ],
    )
    assert.deepEqual(c.pathDefaults, { record: true, runOnReady: 'echo ready' })
    assert.equal(parseConfig({ text: 'pathDefaults:\n  instantStart: false\n' }).paths[0]!.instantStart, false)
  })

  it('refuses with the key named: a bad value, an unknown key, runOnDemand on a source that does not publish', () => {
    assert.equal(
      refusal('pathDefaults:\n  runOnReadyRestart: yes\n'),
      'rtspkit.yml:2: pathDefaults.runOnReadyRestart must be true or false, got "yes"',
    )
    assert.match(
      refusal('pathDefaults:\n  runOnRaedy: x\n'),
      /^rtspkit\.yml:2: pathDefaults\.runOnRaedy is not a setting; pathDefaults takes source, /,
    )
    assert.equal(
      refusal('pathDefaults:\n  read: [nobody]\n'),
      'rtspkit.yml:2: pathDefaults.read[0] names unknown user "nobody"; use "any" or one of users: (none defined)',
    )
    assert.equal(
      refusal('paths:\n  cam:\n    source: test\n    runOnDemand: ffmpeg\n'),
      'rtspkit.yml:4: paths.cam.runOnDemand needs source: publish (the command publishes into the path); "test" is served otherwise',
    )
    assert.equal(refusal('hooks:\n  runOnConnect: [a]\n'), 'rtspkit.yml:2: hooks.runOnConnect must be a string, got a list')
    assert.match(refusal('api:\n  trustLoopback: yes\n'), /api\.trustLoopback must be one of none, read, all, got "yes"/)
  })

  it('environment variables name hook keys like any other', () => {
    const c = parseConfig({
      text: 'paths:\n  cam:\n    source: publish\n',
      env: { RTSPKIT_PATHS_CAM_RUNONREADY: 'echo hi', RTSPKIT_HOOKS_RUNONCONNECT: 'echo c', RTSPKIT_API_TRUSTLOOPBACK: 'all' },
    })
    assert.equal(c.paths[0]!.runOnReady, 'echo hi')
    assert.equal(c.hooks.runOnConnect, 'echo c')
    assert.equal(c.api.trustLoopback, 'all')
  })
})
