import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { describe, it } from 'node:test'
import { FIXTURES, ROOT, h264File, run } from '../interop/harness.js'
import { joinAnnexB, splitAnnexB } from '../../src/codecs/h264/annexb.js'
import { stripVui } from '../codecs/h264/fixtures.js'

const CLI = path.join(ROOT, 'dist/src/cli/main.js')
const rtspkit = (...args: string[]) => run(process.execPath, [CLI, ...args], 15_000)

/** Exactly one line on stderr, nothing on stdout, exit code 2 (a usage error) or `code` (1: a failure while running). */
function assertOneLineError(r: Awaited<ReturnType<typeof rtspkit>>, pattern: RegExp, code = 2): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`)
  assert.equal(r.stdout, '')
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`)
  assert.match(lines[0]!, pattern)
}

describe('rtspkit CLI', () => {
  it('serve --help documents every option', async () => {
    const r = await rtspkit('serve', '--help')
    assert.equal(r.code, 0)
    for (const opt of [
      '--port',
      '--host',
      '--public-host',
      '--path',
      '--fps',
      '--size',
      '--rtp-ports',
      '--session-timeout',
      '--max-sessions',
      '--relay-close-after',
      '--relay-always-on',
      '--record',
      '--record-segment',
      '--auth',
      '--log-level',
      '--log-format',
      '--verbose',
      '--rtmp-port',
      '--no-rtmp',
      '--rtmps-port',
      '--help',
      'unshared:PATH',
      'publish:stay',
      'publish:takeover',
      'rtsp://',
    ]) {
      assert.ok(r.stdout.includes(opt), `help mentions ${opt}`)
    }
    assert.match(r.stdout, /file:PATH/)
    assert.match(r.stdout, /test:WxH@FPS/)
  })

  it('probe, play and publish --help document every option', async () => {
    const expected: Record<string, string[]> = {
      probe: ['--verbose', '--json', '--sdp', '--username', '--password', '--timeout', '--help'],
      play: [
        '--transport',
        '--duration',
        '--out',
        '--stats-interval',
        '--reconnect',
        '--username',
        '--password',
        '--verbose',
        '--help',
        '.mp4',
        '.h264',
      ],
      publish: [
        '--transport',
        '--loop',
        '--duration',
        '--fps',
        '--size',
        '--username',
        '--password',
        '--verbose',
        '--help',
        '.mp4',
        '.264',
      ],
    }
    for (const [cmd, opts] of Object.entries(expected)) {
      const r = await rtspkit(cmd, '--help')
      assert.equal(r.code, 0)
      for (const opt of opts) assert.ok(r.stdout.includes(opt), `${cmd} --help mentions ${opt}`)
    }
    const top = await rtspkit('--help')
    for (const cmd of ['serve', 'probe', 'play', 'publish', 'rtp send', 'rtp recv'])
      assert.ok(top.stdout.includes(`rtspkit ${cmd}`), `--help lists ${cmd}`)
  })

  it('every --help documents the exit status: 0 success, 1 failure while running, 2 usage error', async () => {
    for (const cmd of [
      [],
      ['serve'],
      ['probe'],
      ['play'],
      ['view'],
      ['publish'],
      ['rtp'],
      ['rtp', 'send'],
      ['rtp', 'recv'],
      ['hash-password'],
    ]) {
      const r = await rtspkit(...cmd, '--help')
      assert.equal(r.code, 0, `${cmd.join(' ')} --help`)
      assert.match(
        r.stdout,
        /\nExit status:\n {2}0 {2}success.*\n {2}1 {2}failure while running: .+\n(?: {5}\S.*\n)* {2}2 {2}usage error: /,
        `${cmd.join(' ')} --help`,
      )
    }
    assert.match((await rtspkit('play', '--help')).stdout, /1 {2}failure while running: .*answers 4xx\/5xx/)
    assert.match(
      (await rtspkit('rtp', 'recv', '--help')).stdout,
      /1 {2}failure while running: [^\n]*(?:\n {5}[^\n]*)*no RTP\s+packet received/,
    )
    for (const cmd of ['play', 'publish']) {
      const h = (await rtspkit(cmd, '--help')).stdout
      for (const opt of ['--stats-interval', '--stats FORMAT', '--quiet']) assert.ok(h.includes(opt), `${cmd} --help mentions ${opt}`)
    }
  })

  it('bad arguments give one clear line and a non-zero exit', async () => {
    assertOneLineError(await rtspkit('serve', '--port', 'abc'), /--port must be an integer/)
    assertOneLineError(await rtspkit('serve', '--port', '70000'), /--port must be an integer from 0 to 65535/)
    assertOneLineError(await rtspkit('serve', '--port', ''), /--port must be an integer from 0 to 65535, got ""/)
    assertOneLineError(await rtspkit('serve', '--port', '0x10'), /--port must be an integer/)
    assertOneLineError(await rtspkit('serve', '--bogus'), /Unknown option '--bogus'.*--help/)
    assertOneLineError(await rtspkit('serve', '--path', 'cam'), /--path must look like NAME=SOURCE/)
    assertOneLineError(await rtspkit('serve', '--path', 'live=publish:forever'), /unknown publish option "forever"/)
    assertOneLineError(await rtspkit('serve', '--record-segment', '60'), /--record-segment needs --record DIR/)
    assertOneLineError(await rtspkit('serve', '--relay-close-after', 'soon'), /--relay-close-after must be a number of seconds/)
    assertOneLineError(await rtspkit('publish', 'test'), /publish needs INPUT and URL/)
    assertOneLineError(
      await rtspkit('publish', 'test', 'rtsp://127.0.0.1:9/x', '--transport', 'auto'),
      /--transport must be tcp, udp or http/,
    )
    assertOneLineError(await rtspkit('publish', 'nothing.xyz', 'rtsp://127.0.0.1:9/x'), /xyz|unknown|type/i)
    assertOneLineError(await rtspkit('serve', '--path', 'cam=rtmp://x'), /unknown source "rtmp:\/\/x"/)
    assertOneLineError(await rtspkit('serve', '--path', 'cam=file:clip.mkv'), /unknown file type "\.mkv"/)
    assertOneLineError(await rtspkit('serve', '--path', 'a=test', '--path', 'a=test'), /given twice/)
    assertOneLineError(await rtspkit('serve', '--fps', '0'), /--fps must be/)
    assertOneLineError(await rtspkit('serve', '--size', 'big'), /--size must look like 640x480/)
    assertOneLineError(await rtspkit('serve', '--size', '4000x4000'), /out of range/)
    assertOneLineError(await rtspkit('frobnicate'), /unknown command "frobnicate"/)
  })

  it('a missing file gives one line naming it', async () => {
    assertOneLineError(
      await rtspkit('serve', '--port', '0', '--path', 'cam=file:/nonexistent/clip.264'),
      /cannot read \/nonexistent\/clip\.264/,
    )
  })

  it('a port in use gives one line and exit 1 (a failure while running, not a usage error)', async () => {
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(0, r))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      assertOneLineError(await rtspkit('serve', '--port', String(port)), new RegExp(`port ${port} is already in use`), 1)
    } finally {
      blocker.close()
    }
  })

  it('serves, prints the URL of every path, and exits 0 on SIGTERM', async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 1, gop: 25 })
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--path', `cam=file:${clip}`, '--path', 'card=test:320x240@10'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const deadline = Date.now() + 10_000
    while (!out.includes('listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    assert.match(out, /rtsp:\/\/127\.0\.0\.1:\d+\/cam {2}<- .*H\.264 320x240@25/)
    assert.match(out, /rtsp:\/\/127\.0\.0\.1:\d+\/card {2}<- test card 320x240@10/)
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c))
      child.kill('SIGTERM')
    })
    assert.equal(code, 0)
  })

  it('an H.264 file without timing info needs --fps, and plays with it', async () => {
    // The same Baseline stream with its SPS rewritten without VUI (so no frame rate).
    const src = await h264File({ width: 320, height: 240, fps: 25, seconds: 1, gop: 25, extra: ['-profile:v', 'baseline'] })
    const nalus = splitAnnexB(readFileSync(src)).map((n) => ((n[0]! & 0x1f) === 7 ? stripVui(n) : n))
    const clip = path.join(FIXTURES, 'no-timing.264')
    writeFileSync(clip, joinAnnexB(nalus))
    assertOneLineError(
      await rtspkit('serve', '--port', '0', '--path', `cam=file:${clip}`),
      /no-timing\.264 has no frame rate in its SPS; pass --fps N/,
    )
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--fps', '12.5', '--path', `cam=file:${clip}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const deadline = Date.now() + 10_000
    while (!out.includes('listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    child.kill('SIGTERM')
    assert.match(out, /cam {2}<- no-timing\.264 \(H\.264 320x240@12\.5, looping\)/)
  })
})
