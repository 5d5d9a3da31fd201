// rtspkit serve as a service: logs (pretty with a prefix per session, JSON on request, the RTSP
// dialogue at debug) and a clean shutdown on SIGTERM (RTCP BYE to readers, recordings finished, exit 0).
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { parseRtcp } from '../../src/rtcp/compound.js'
import { RtcpGoodbye } from '../../src/rtcp/goodbye.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { h264File, run } from '../interop/harness.js'
import { serveRtspkit } from '../rtp/cli-process.js'

/** Loopback, a free port: the serve the tests need. */
const serve = (args: string[]) => serveRtspkit(['--port', '0', '--host', '127.0.0.1', ...args])

async function playTcp(port: number, name: string): Promise<RawRtspConnection> {
  const c = await RawRtspConnection.connect(port)
  const url = `rtsp://127.0.0.1:${port}/${name}`
  assert.equal((await c.request('DESCRIBE', url)).statusCode, 200)
  const s = await c.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
  assert.equal((await c.request('PLAY', url, { Session: s.headers.get('Session')!.split(';')[0]! })).statusCode, 200)
  await c.waitFor(() => c.interleaved.some((f) => f.channel === 0), 5000)
  return c
}

describe('rtspkit serve as a service', () => {
  it('pretty logs: one line per event with a [session … /path] prefix; debug shows the RTSP dialogue', async () => {
    const s = await serve(['--path', 'card=test:160x120@10', '--log-level', 'debug'])
    try {
      const c = await playTcp(s.port, 'card')
      c.close()
      await new Promise((r) => setTimeout(r, 300))
      const lines = s.out().split('\n')
      // Per request at debug (issue 14: logs under load); at info one line when the session starts.
      assert.ok(
        lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} DBG \[session \d{9} \/card 127\.0\.0\.1\] PLAY$/.test(l)),
        s.out(),
      )
      assert.ok(
        lines.some((l) =>
          /^\d\d:\d\d:\d\d\.\d{3} INF \[session \d{9} \/card 127\.0\.0\.1\] session started \(RTP\/AVP\/TCP;unicast;interleaved=0-1(;ssrc=[0-9A-F]+)?\)$/.test(
            l,
          ),
        ),
        s.out(),
      )
      assert.ok(
        lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} DBG \[conn \d+\] << DESCRIBE rtsp:\/\/127\.0\.0\.1:\d+\/card RTSP\/1\.0$/.test(l)),
        'request line at debug',
      )
      assert.ok(
        lines.some((l) => /^ {4}a=rtpmap:26 JPEG\/90000$/.test(l)),
        'the SDP of the DESCRIBE reply, indented under its line',
      )
    } finally {
      s.child.kill('SIGTERM')
      await s.exit
    }
  })

  it('JSON logs: every line is a JSON event with level, msg and the session fields', async () => {
    const s = await serve(['--path', 'card=test:160x120@10', '--log-format', 'json'])
    try {
      const c = await playTcp(s.port, 'card')
      c.close()
      await new Promise((r) => setTimeout(r, 300))
      const events = s
        .out()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { time: string; level: string; msg: string; session?: string; path?: string })
      assert.ok(events.every((e) => typeof e.time === 'string' && typeof e.level === 'string' && typeof e.msg === 'string'))
      const started = events.find((e) => e.msg.startsWith('session started'))
      assert.ok(started && /^\d{9}$/.test(started.session!) && started.path === 'card', JSON.stringify(events))
      assert.ok(!events.some((e) => e.level === 'debug'), 'info level by default')
    } finally {
      s.child.kill('SIGTERM')
      await s.exit
    }
  })

  it('SIGTERM: readers get RTCP BYE, recordings are finished, exit code 0', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-shutdown-'))
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    const s = await serve(['--path', `cam=file:${clip}`, '--record', dir])
    const c = await playTcp(s.port, 'cam')
    await new Promise((r) => setTimeout(r, 1500))
    s.child.kill('SIGTERM')
    assert.equal(await s.exit, 0)
    await c.waitFor(() => c.closed, 3000)
    assert.ok(
      c.interleaved.some((f) => f.channel === 1 && parseRtcp(f.payload).some((p) => p instanceof RtcpGoodbye)),
      'RTCP BYE before the connection closed',
    )
    c.close()
    const files = readdirSync(path.join(dir, 'cam'))
    assert.equal(files.length, 1)
    const probe = await run(
      'ffprobe',
      ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path.join(dir, 'cam', files[0]!)],
      20_000,
    )
    assert.ok(Number(probe.stdout.trim()) >= 25, `recorded frames: ${probe.stdout} ${probe.stderr}`)
  })
})
