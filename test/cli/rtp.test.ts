import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { ROOT, run } from '../interop/harness.js'
import { freeUdpPorts } from '../rtp/udp-ports.js'

const CLI = path.join(ROOT, 'dist/src/cli/main.js')
const rtspkit = (...args: string[]) => run(process.execPath, [CLI, ...args], 15_000)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtspkit-cli-rtp-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Exactly one line on stderr, nothing on stdout, exit code 2 (a usage error) or `code` (1: a failure while running). */
function assertOneLineError(r: Awaited<ReturnType<typeof rtspkit>>, pattern: RegExp, code = 2): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`)
  assert.equal(r.stdout, '')
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`)
  assert.match(lines[0]!, pattern)
}

describe('rtspkit rtp CLI', () => {
  it('send --help and recv --help document every option', async () => {
    const send = await rtspkit('rtp', 'send', '--help')
    assert.equal(send.code, 0)
    for (const opt of [
      '--to',
      '--sdp',
      '--loop',
      '--duration',
      '--fps',
      '--size',
      '--payload-type',
      '--max-packet-size',
      '--ttl',
      '--stats-interval',
      '--help',
    ]) {
      assert.ok(send.stdout.includes(opt), `send help mentions ${opt}`)
    }
    assert.match(send.stdout, /test:WxH@FPS/)
    for (const ext of ['.264', '.h265', '.mjpeg', '.aac', '.wav']) assert.ok(send.stdout.includes(ext), `send help mentions ${ext}`)
    const recv = await rtspkit('rtp', 'recv', '--help')
    assert.equal(recv.code, 0)
    for (const opt of [
      '--port',
      '--codec',
      '--clock-rate',
      '--payload-type',
      '--channels',
      '--fmtp',
      '--host',
      '--out',
      '--pcm',
      '--duration',
      '--reorder',
      '--latency',
      '--stats-interval',
      '--help',
    ]) {
      assert.ok(recv.stdout.includes(opt), `recv help mentions ${opt}`)
    }
    for (const ext of ['.h264', '.h265', '.mjpeg', 'DIR/', '.aac', '.wav'])
      assert.ok(recv.stdout.includes(ext), `recv help mentions ${ext}`)
    const top = await rtspkit('--help')
    assert.match(top.stdout, /rtspkit rtp send/)
    assert.match((await rtspkit('rtp', '--help')).stdout, /rtspkit rtp recv/)
  })

  it('bad arguments give one clear line and exit code 2', async () => {
    assertOneLineError(await rtspkit('rtp'), /rtp needs a command: send or recv/)
    assertOneLineError(await rtspkit('rtp', 'frob'), /unknown rtp command "frob"/)
    assertOneLineError(await rtspkit('rtp', 'send', '--to', '127.0.0.1:5000'), /needs exactly one INPUT/)
    assertOneLineError(await rtspkit('rtp', 'send', 'test'), /needs --to HOST:PORT/)
    assertOneLineError(await rtspkit('rtp', 'send', 'test', '--to', 'nowhere'), /--to must look like HOST:PORT/)
    assertOneLineError(await rtspkit('rtp', 'send', 'test', '--to', '127.0.0.1:70000'), /--to must look like HOST:PORT/)
    assertOneLineError(
      await rtspkit('rtp', 'send', 'test', '--to', '127.0.0.1:5000', '--bogus'),
      /Unknown option '--bogus'.*rtp send --help/,
    )
    assertOneLineError(
      await rtspkit('rtp', 'send', 'test', '--to', '127.0.0.1:5000', '--duration=-1'),
      /--duration must be a number of seconds/,
    )
    assertOneLineError(
      await rtspkit('rtp', 'send', 'test', '--to', '127.0.0.1:5000', '--payload-type', '200'),
      /--payload-type must be an integer from 0 to 127/,
    )
    assertOneLineError(await rtspkit('rtp', 'send', 'clip.mkv', '--to', '127.0.0.1:5000'), /unknown input type "\.mkv"/)
    assertOneLineError(
      await rtspkit('rtp', 'send', '/nonexistent/clip.264', '--to', '127.0.0.1:5000'),
      /cannot read \/nonexistent\/clip\.264/,
    )
    // A name that does not resolve is found out by the network, not by reading the arguments: exit 1,
    // as for play rtsp://no-such-host/… (and ffmpeg, curl).
    assertOneLineError(
      await rtspkit('rtp', 'send', 'test', '--to', 'no-such-host.invalid:5000'),
      /cannot resolve host "no-such-host\.invalid"/,
      1,
    )
    assertOneLineError(await rtspkit('rtp', 'recv'), /needs an SDP file, or --port N and --codec NAME/)
    assertOneLineError(await rtspkit('rtp', 'recv', '--port', '5000'), /needs an SDP file, or --port N and --codec NAME/)
    assertOneLineError(await rtspkit('rtp', 'recv', '--port', 'abc', '--codec', 'h264'), /--port must be an integer from 1 to 65535/)
    assertOneLineError(await rtspkit('rtp', 'recv', 'x.sdp', '--port', '5000'), /--port cannot be used with an SDP file/)
    assertOneLineError(await rtspkit('rtp', 'recv', '/nonexistent/x.sdp'), /cannot read \/nonexistent\/x\.sdp: no such file/)
    assertOneLineError(
      await rtspkit('rtp', 'recv', '--port', '5000', '--codec', 'jpeg', '--out', path.join(dir, 'x.h264')),
      /cannot write a JPEG stream to .*x\.h264; use \.mjpeg/,
    )
    assertOneLineError(
      await rtspkit('rtp', 'recv', '--port', '5000', '--codec', 'h264', '--out', '/nonexistent/x.h264'),
      /cannot write \/nonexistent\/x\.h264: no such directory/,
    )
    const bad = path.join(dir, 'bad.sdp')
    fs.writeFileSync(bad, 'v=0\r\ns=nothing here\r\n')
    assertOneLineError(await rtspkit('rtp', 'recv', bad), /bad\.sdp: the SDP describes no RTP stream/)
  })

  it('a port in use gives one line and exit code 1 (a failure while running)', async () => {
    const port = await freeUdpPorts(2)
    const blocker = dgram.createSocket('udp4')
    await new Promise<void>((r) => blocker.bind(port, r))
    try {
      assertOneLineError(
        await rtspkit('rtp', 'recv', '--port', String(port), '--codec', 'h264', '--duration', '1'),
        new RegExp(`RTP port ${port} is already in use`),
        1,
      )
    } finally {
      blocker.close()
    }
  })

  it('recv with nothing arriving says so and exits 1', async () => {
    const port = await freeUdpPorts(2)
    const r = await rtspkit('rtp', 'recv', '--port', String(port), '--codec', 'h264', '--duration', '0.5', '--stats-interval', '0')
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`no RTP packets received on UDP port ${port}`))
  })

  it('recv --quiet still says that nothing arrived (exit 1); --stats json gives JSON lines with elapsed and bytes', async () => {
    const port = await freeUdpPorts(2)
    const q = await rtspkit('rtp', 'recv', '--port', String(port), '--codec', 'h264', '--duration', '0.5', '--quiet')
    assert.equal(q.code, 1)
    assert.equal(q.stderr, `rtspkit: no RTP packets received on UDP port ${port}\n`)
    const j = await rtspkit(
      'rtp',
      'recv',
      '--port',
      String(port),
      '--codec',
      'h264',
      '--duration',
      '0.7',
      '--stats',
      'json',
      '-q',
      '--stats-interval',
      '0.2',
    )
    assert.equal(j.code, 1)
    const objs = j.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; elapsed: number; bytes: number; streams: { port: number }[] })
    assert.ok(objs.length >= 2, j.stderr)
    assert.equal(objs.at(-1)!.type, 'end')
    for (const o of objs) {
      assert.ok(o.elapsed > 0 && o.bytes === 0, JSON.stringify(o))
      assert.equal(o.streams[0]!.port, port)
    }
  })

  it('send writes the SDP, sends for --duration and exits 0; recv of that SDP writes the frames', async () => {
    const port = await freeUdpPorts(2)
    const sdp = path.join(dir, 'card.sdp')
    const out = path.join(dir, 'card.mjpeg')
    // Write the SDP first (a sender with a tiny duration), then receive while sending for real.
    const first = await rtspkit('rtp', 'send', 'test:320x240@25', '--to', `127.0.0.1:${port}`, '--sdp', sdp, '--duration', '0.1')
    assert.equal(first.code, 0, first.stderr)
    const text = fs.readFileSync(sdp, 'utf8')
    assert.match(text, new RegExp(`^m=video ${port} RTP/AVP 26\r$`, 'm'))
    assert.match(text, /^c=IN IP4 127\.0\.0\.1\r$/m)
    assert.match(text, /^a=framesize:26 320-240\r$/m)
    // recv ends on the sender's BYE; its --duration is only a bound (a loaded machine starts the sender late).
    const recv = run(process.execPath, [CLI, 'rtp', 'recv', sdp, '--out', out, '--duration', '10', '--stats-interval', '1'], 20_000)
    await new Promise((r) => setTimeout(r, 500))
    const send = await rtspkit('rtp', 'send', 'test:320x240@25', '--to', `127.0.0.1:${port}`, '--duration', '1.5', '--stats-interval', '0')
    assert.equal(send.code, 0, send.stderr)
    assert.match(send.stderr, /done: video JPEG -> 127\.0\.0\.1:\d+: \d+ frames/)
    const r = await recv
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /port \d+ JPEG: \d+ packets .*, 0 lost \(0\.0%\), 0 reordered, jitter [\d.]+ ms, \d+ frames/)
    assert.match(r.stderr, /done \(sender said BYE\)/)
    const frames = fs.readFileSync(out).toString('latin1').split('\xff\xd8').length - 1
    assert.ok(frames >= 30, `${frames} JPEG frames written`)
  })
})
