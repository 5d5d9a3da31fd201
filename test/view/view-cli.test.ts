/** `rtspkit view` as a command: help, one-line errors, the printed page URL, --port and --open. */
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { run } from '../interop/harness.js'
import { CLI, spawnRtspkit } from '../rtp/cli-process.js'

const rtspkit = (...args: string[]) => run(process.execPath, [CLI, ...args], 30_000)

async function freePortHeld(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) }
}

describe('rtspkit view (CLI)', () => {
  let tmp: string
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-view-'))
  })
  after(() => rmSync(tmp, { recursive: true, force: true }))

  it('--help documents every option; the main help lists the command', async () => {
    const r = await rtspkit('view', '--help')
    assert.equal(r.code, 0)
    for (const opt of ['--port N', '--open', '--transport T', '--username NAME', '--password PASS', '--verbose', '-h, --help'])
      assert.ok(r.stdout.includes(opt), `help mentions ${opt}`)
    assert.match(r.stdout, /SETUP, PLAY, PAUSE and TEARDOWN/)
    assert.match((await rtspkit('--help')).stdout, /rtspkit view URL/)
  })

  it('bad input: one line and exit 2 (a port in use: exit 1)', async () => {
    const held = await freePortHeld()
    try {
      for (const [args, pattern, code] of [
        [['view', 'http://x/y'], /not an rtsp:\/\/ or rtsps:\/\/ URL/, 2],
        [['view', 'rtsp://:554/x'], /bad or empty host/, 2],
        [['view'], /view needs exactly one rtsp:\/\/ URL/, 2],
        [['view', 'rtsp://127.0.0.1/x', '--port', 'eighty'], /--port must be an integer from 0 to 65535/, 2],
        [['view', 'rtsp://127.0.0.1/x', '--transport', 'quic'], /--transport must be udp, tcp, http, multicast or auto/, 2],
        [['view', 'rtsp://127.0.0.1/x', '--colour'], /Unknown option '--colour'.*see rtspkit view --help/, 2],
        // A port in use is found out while running, not in the arguments: exit 1.
        [['view', 'rtsp://127.0.0.1/x', '--port', String(held.port)], /cannot listen on http:\/\/127\.0\.0\.1:\d+\/: EADDRINUSE/, 1],
      ] as const) {
        const r = await rtspkit(...args)
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`)
        assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`)
        assert.match(r.stderr, pattern)
      }
    } finally {
      await held.close()
    }
  })

  it('prints the page URL on stdout, serves the page there, opens it with $BROWSER under --open, exits 0 on SIGTERM', async () => {
    const opened = path.join(tmp, 'opened.txt')
    const browser = path.join(tmp, 'browser.sh')
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`)
    chmodSync(browser, 0o755)
    const held = await freePortHeld()
    const port = held.port
    await held.close() // a port that was free a moment ago
    const cli = spawnRtspkit(['view', 'rtsp://127.0.0.1:9/none', '--port', String(port), '--open'], 30_000, { BROWSER: browser })
    try {
      await cli.waitFor(/viewing rtsp:\/\/127\.0\.0\.1:9\/none at /)
      const pageUrl = cli.stdout.trim()
      assert.equal(pageUrl, `http://127.0.0.1:${port}/`)
      const res = await fetch(pageUrl)
      assert.equal(res.status, 200)
      assert.match(await res.text(), /<button id="setup"/)
      const end = Date.now() + 5000
      let got = ''
      while (got === '' && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50))
        try {
          got = readFileSync(opened, 'utf8')
        } catch {
          // not yet
        }
      }
      assert.equal(got, pageUrl)
    } finally {
      cli.kill()
    }
    assert.equal((await cli.exit).code, 0)
  })
})
