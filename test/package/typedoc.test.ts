// The API reference (`npm run docs`, TypeDoc over the package's entry points) builds without a
// warning: every type the public API names is exported and documented somewhere.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ROOT } from '../interop/harness.js'

describe('API reference', () => {
  it('TypeDoc validates the entry points with no warnings', async () => {
    const out = await new Promise<{ code: number; text: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', '--logLevel', 'Warn'],
        { cwd: ROOT, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, text: stdout + stderr }),
      ),
    )
    assert.equal(out.code, 0, out.text)
    assert.doesNotMatch(out.text, /warning/i, out.text)
  })
})
