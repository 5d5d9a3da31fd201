import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseServeArgs, serveConfigFor } from '../../src/cli/serve.js'
import { checkWorkers } from '../../src/config/schema-workers.js'
import { defaultConfig } from '../../src/config/schema.js'
import { resolveOptions, workerCount } from '../../src/server/server-options.js'

describe('server.workers', () => {
  it("takes 'auto' or 1..64 and names the rule otherwise", () => {
    for (const ok of ['auto', '1', '2', '64']) assert.equal(checkWorkers(ok), undefined)
    for (const bad of ['0', '65', '-1', '1.5', 'two', '']) assert.match(checkWorkers(bad) ?? '', /'auto'/)
  })

  it('defaults to 1 (the main thread), as the sample config says', () => {
    assert.equal(defaultConfig().server.workers, '1')
    assert.equal(resolveOptions({}).workers, 1)
  })

  it('--workers reaches the config; auto is one thread per core', () => {
    const cfg = parseServeArgs(['--workers', 'auto'])
    assert.notEqual(cfg, 'help')
    if (cfg === 'help') return
    assert.equal(serveConfigFor(cfg, {}).server.workers, 'auto')
    assert.ok(workerCount('auto') >= 1)
    assert.equal(workerCount(3), 3)
    assert.throws(() => resolveOptions({ workers: 0 }), /workers must be/)
  })
})
