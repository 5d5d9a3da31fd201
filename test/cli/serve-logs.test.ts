/**
 * Log volume of `rtspkit serve` (issue 14: 5 minutes of handshake churn wrote 254 MB at info): at info
 * a session is one line when it starts and one when it ends, and a storm of them is summarized; the
 * TEARDOWN line comes before the server's "closed: teardown"; one edit of the config file gives one
 * reload line.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { h264File } from '../interop/harness.js'
import { serveRtspkit } from '../rtp/cli-process.js'

async function configFile(extra = ''): Promise<string> {
  const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-logs-'))
  const file = path.join(dir, 'rtspkit.yml')
  writeFileSync(file, configText(clip, extra))
  return file
}

function configText(clip: string, extra: string): string {
  return `server:\n  rtspPort: 0\n${extra}api:\n  enabled: false\nhls:\n  enabled: false\nwebrtc:\n  enabled: false\npaths:\n  cam:\n    source: file:${clip}\n`
}

/** DESCRIBE, SETUP (interleaved), PLAY, TEARDOWN on one connection. */
async function handshake(port: number): Promise<void> {
  const url = `rtsp://127.0.0.1:${port}/cam`
  const c = await RawRtspConnection.connect(port)
  try {
    assert.equal((await c.request('DESCRIBE', url, { Accept: 'application/sdp' })).statusCode, 200)
    const setup = await c.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
    const session = setup.headers.get('Session')!.split(';')[0]!
    assert.equal((await c.request('PLAY', url, { Session: session })).statusCode, 200)
    assert.equal((await c.request('TEARDOWN', url, { Session: session })).statusCode, 200)
  } finally {
    c.close()
  }
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '')

describe('serve: log volume', () => {
  it('at info, 100 handshakes write a bounded number of lines, with a summary of the storm', async () => {
    const s = await serveRtspkit(['--config', await configFile(), '--log-level', 'info'])
    try {
      const before = lines(s.out()).length
      for (let i = 0; i < 100; i++) await handshake(s.port)
      await new Promise((r) => setTimeout(r, 300))
      const written = lines(s.out()).slice(before)
      // 20 sessions one by one (start and end), then counted: ~40 lines, not 100 × 5.
      assert.ok(written.length <= 60, `${written.length} lines:\n${written.slice(0, 80).join('\n')}`)
      assert.equal(written.filter((l) => /SETUP|PLAY|TEARDOWN/.test(l)).length, 0, 'no per-request lines at info')
      await s.stop() // the last window's summary is written on the way out
      assert.match(s.out(), /sessions opened and [\d,]+ closed in the last 10 s/)
    } finally {
      await s.stop()
    }
  })

  it('at debug, the TEARDOWN line comes before "closed: teardown"', async () => {
    const s = await serveRtspkit(['--config', await configFile(), '--log-level', 'debug'])
    try {
      await handshake(s.port)
      await new Promise((r) => setTimeout(r, 200))
      const all = lines(s.out())
      const teardown = all.findIndex((l) => /DBG .*\] TEARDOWN/.test(l))
      const closed = all.findIndex((l) => /closed: teardown/.test(l))
      assert.ok(teardown >= 0 && closed >= 0, all.join('\n'))
      assert.ok(teardown < closed, `TEARDOWN (line ${teardown}) before closed (line ${closed})`)
      assert.equal(all.filter((l) => /INF .*session (started|ended)/.test(l)).length, 2, 'one line at start, one at end')
    } finally {
      await s.stop()
    }
  })

  it('one edit of the config file, saved in steps and then again, gives one reload line', async () => {
    const file = await configFile()
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    const s = await serveRtspkit(['--config', file])
    try {
      const edited = configText(clip, '  sessionTimeout: 30\n')
      // An editor that truncates, writes half, then the rest; and saves the same text again later.
      writeFileSync(file, '')
      await new Promise((r) => setTimeout(r, 150))
      writeFileSync(file, edited.slice(0, 40))
      await new Promise((r) => setTimeout(r, 150))
      writeFileSync(file, edited)
      await new Promise((r) => setTimeout(r, 900))
      writeFileSync(file, edited)
      await new Promise((r) => setTimeout(r, 1500))
      const reloads = lines(s.out()).filter((l) => /reload/.test(l))
      assert.deepEqual(
        reloads.map((l) => l.replace(/^.*?(reload)/, '$1')),
        [`reload (${file} changed): server.sessionTimeout`],
      )
    } finally {
      await s.stop()
    }
  })
})
