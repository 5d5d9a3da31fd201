// The package subpaths resolve for a user of the built package: node's resolver reads package.json
// "exports" from node_modules/rtspkit (a link to this repository), as after `npm install rtspkit`.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { execFile } from 'node:child_process'
import { ROOT } from '../interop/harness.js'

const USER_CODE = `
import { multimedia, RtspServer, Multimedia } from 'rtspkit/k230'
import { rtsp_server } from 'rtspkit/openmv'
import { RtspServer as CoreServer } from 'rtspkit'
import { H264Packetizer } from 'rtspkit/codecs'
import { RtpPacket, parseSdp } from 'rtspkit/protocol'
console.log(JSON.stringify({
  lower: [typeof H264Packetizer, typeof RtpPacket, typeof parseSdp],
  k230: import.meta.resolve('rtspkit/k230'),
  openmv: import.meta.resolve('rtspkit/openmv'),
  create: multimedia.rtspserver_create(),
  media: typeof RtspServer, multimedia: multimedia instanceof Multimedia,
  openmvClass: typeof rtsp_server.prototype.register_setup_cb,
  core: typeof CoreServer.prototype.addStream,
}))
`

describe('package exports', () => {
  it("'rtspkit/k230' and 'rtspkit/openmv' resolve through package.json exports from another directory", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-user-'))
    try {
      mkdirSync(path.join(dir, 'node_modules'))
      symlinkSync(ROOT, path.join(dir, 'node_modules', 'rtspkit'), 'dir')
      const inDir = await runIn(dir, USER_CODE)
      assert.equal(inDir.code, 0, inDir.stderr)
      const out = JSON.parse(inDir.stdout) as Record<string, unknown>
      // The link is followed: the subpaths are this repository's built modules.
      assert.equal(out.k230, pathToFileURL(path.join(ROOT, 'dist/src/compat/k230.js')).href)
      assert.equal(out.openmv, pathToFileURL(path.join(ROOT, 'dist/src/compat/openmv.js')).href)
      assert.deepEqual(
        { ...out, k230: undefined, openmv: undefined },
        {
          lower: ['function', 'function', 'function'],
          k230: undefined,
          openmv: undefined,
          create: 0,
          media: 'function',
          multimedia: true,
          openmvClass: 'function',
          core: 'function',
        },
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('every subpath names built JavaScript and type declarations', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>
    }
    assert.deepEqual(Object.keys(pkg.exports), ['.', './k230', './openmv', './codecs', './protocol'])
    for (const [sub, target] of Object.entries(pkg.exports)) {
      assert.ok(existsSync(path.join(ROOT, target.default)), `${sub}: ${target.default}`)
      assert.ok(existsSync(path.join(ROOT, target.types)), `${sub}: ${target.types}`)
    }
  })
})

/** Runs module code with node from `cwd`, so bare specifiers resolve from its node_modules. */
function runIn(cwd: string, code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', code], { cwd, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}
