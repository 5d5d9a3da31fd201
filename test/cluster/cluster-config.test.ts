// The cluster's configuration (cluster section, --cluster-redis/--node-name/--advertise): defaults
// change nothing, bad values are one-line errors and exit 2; and the redirect choice, unit by unit.
import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, it } from 'node:test'
import { parseConfig } from '../../src/config/load.js'
import { defaultConfig } from '../../src/config/schema.js'
import { ConfigError } from '../../src/errors.js'
import { parseServeArgs, serveConfigFor } from '../../src/cli/serve.js'
import { chooseNode } from '../../src/cluster/redirects.js'
import type { NodeRecord } from '../../src/cluster/cluster-info.js'
import { ROOT, run } from '../interop/harness.js'

const CLI = path.join(ROOT, 'dist/src/cli/main.js')

function refusal(text: string): string {
  try {
    parseConfig({ text })
  } catch (err) {
    assert.ok(err instanceof ConfigError)
    assert.equal(err.message.split('\n').length, 1)
    return err.message
  }
  assert.fail('accepted')
}

describe('cluster config', () => {
  it('is off by default', () => {
    assert.equal(defaultConfig().cluster.redis, '')
    assert.deepEqual(parseConfig({}).cluster, defaultConfig().cluster)
  })

  it('takes the section and the flags', () => {
    const c = parseConfig({
      text: "cluster:\n  redis: 'redis://10.0.0.9:6379/2'\n  node: edge-1\n  lease: 3s\n  redirect: leastLoaded\n",
    }).cluster
    assert.equal(c.redis, 'redis://10.0.0.9:6379/2')
    assert.equal(c.node, 'edge-1')
    assert.equal(c.lease, 3)
    assert.equal(c.redirect, 'leastLoaded')
    const args = parseServeArgs(['--cluster-redis', 'redis://r:6379', '--node-name', 'n1', '--advertise', 'rtsp://10.0.0.5:8554'])
    assert.notEqual(args, 'help')
    if (args === 'help') return
    const config = serveConfigFor(args, {})
    assert.deepEqual(
      { redis: config.cluster.redis, node: config.cluster.node, advertise: config.cluster.advertise },
      { redis: 'redis://r:6379', node: 'n1', advertise: 'rtsp://10.0.0.5:8554' },
    )
  })

  it('refuses bad values with the key and what is allowed', () => {
    assert.match(refusal("cluster:\n  redis: 'http://x'\n"), /rtspkit\.yml:2: cluster\.redis must start with redis:\/\/ or rediss:\/\//)
    assert.match(refusal("cluster:\n  redis: 'redis://h:1/x'\n"), /cluster\.redis may only end with a database number/)
    assert.match(refusal("cluster:\n  node: 'a b'\n"), /cluster\.node must be 1-64 letters/)
    assert.match(refusal("cluster:\n  advertise: 'rtsp://h'\n"), /cluster\.advertise must be rtsp:\/\/HOST:PORT/)
    assert.match(refusal('cluster:\n  lease: 0.1\n'), /cluster\.lease must be a number of seconds from 0\.5 to 600/)
    assert.match(refusal('cluster:\n  redirect: random\n'), /cluster\.redirect must be one of off, leastLoaded/)
  })

  for (const [args, pattern] of [
    [['--cluster-redis', 'localhost:6379'], /--cluster-redis must start with redis:\/\/ or rediss:\/\/, got "localhost:6379"/],
    [['--node-name', 'bad/name'], /--node-name must be 1-64 letters/],
    [['--advertise', 'http://h:1'], /--advertise must be rtsp:\/\/HOST:PORT/],
    [['--cluster-redis', ''], /--cluster-redis must not be empty/],
  ] as const) {
    it(`serve ${args.join(' ')}: one line, exit 2`, async () => {
      const r = await run(process.execPath, [CLI, 'serve', ...args], 15_000)
      assert.equal(r.code, 2, r.stderr)
      assert.equal(r.stdout, '')
      const lines = r.stderr.trimEnd().split('\n')
      assert.equal(lines.length, 1, r.stderr)
      assert.match(lines[0]!, pattern)
    })
  }
})

const node = (name: string, readers: number, maxReaders = 0, fullPercent = 90): NodeRecord => ({
  name,
  urls: { rtsp: `rtsp://${name}:8554` },
  load: { readers, bytesOutPerSec: 0, cpuPercent: 0 },
  maxReaders,
  fullPercent,
  version: 'test',
  since: 0,
  updated: 0,
})

describe('chooseNode', () => {
  it('serves here without leastLoaded while not full', () => {
    assert.deepEqual(chooseNode(node('a', 50), [node('b', 0)], false), { kind: 'here' })
  })

  it('sends to a strictly less loaded node; ties stay here', () => {
    assert.deepEqual(chooseNode(node('a', 5), [node('b', 3), node('c', 1)], true), { kind: 'elsewhere', node: node('c', 1) })
    assert.deepEqual(chooseNode(node('a', 2), [node('b', 2)], true), { kind: 'here' })
  })

  it('compares shares of capacity and skips full nodes', () => {
    // b: 50 of 100 (50 %), c: 30 of 40 (75 %); a: 60 of 100
    assert.equal(chooseNode(node('a', 60, 100), [node('b', 50, 100), node('c', 30, 40)], true).kind, 'elsewhere')
    assert.equal((chooseNode(node('a', 60, 100), [node('b', 50, 100), node('c', 30, 40)], true) as { node: NodeRecord }).node.name, 'b')
    assert.deepEqual(chooseNode(node('a', 60, 100), [node('b', 95, 100)], true), { kind: 'here' })
  })

  it('a full node redirects even without leastLoaded, and refuses when every node is full', () => {
    assert.equal(chooseNode(node('a', 90, 100), [node('b', 99, 100), node('c', 10, 100)], false).kind, 'elsewhere')
    assert.deepEqual(chooseNode(node('a', 90, 100), [node('b', 99, 100)], false), { kind: 'full' })
  })
})
