/**
 * Out of file descriptors: a server under `ulimit -n 200` is filled with silent connections until
 * accept fails (EMFILE). The ffmpeg readers already playing (UDP and TCP) go on decoding, new clients
 * are turned away meanwhile, and once the silent connections time out new clients are served again.
 * Issue 14 saw 1,100 idle connections lock every new reader out of a server under `ulimit -n 1024`.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { CLI } from '../rtp/cli-process.js'
import { ffmpegDecode, h264File } from './harness.js'

/** Sends OPTIONS on a new connection: true when a 200 comes back within `ms`. */
function optionsAnswered(port: number, ms = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    let got = ''
    const done = (ok: boolean): void => {
      clearTimeout(t)
      s.destroy()
      resolve(ok)
    }
    const t = setTimeout(() => done(false), ms)
    s.on('error', () => done(false))
    s.on('close', () => done(/^RTSP\/1\.0 200/.test(got)))
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1')
      if (/\r\n\r\n/.test(got)) done(/^RTSP\/1\.0 200/.test(got))
    })
    s.write('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n')
  })
}

describe('file descriptor exhaustion', () => {
  it('readers keep playing while silent connections exhaust descriptors; new clients get in once those time out', async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-emfile-'))
    const config = path.join(dir, 'rtspkit.yml')
    writeFileSync(
      config,
      [
        'server:',
        '  rtspPort: 0',
        '  firstRequestTimeout: 3',
        '  idleTimeout: 3',
        '  multicast:',
        '    enabled: false',
        'api:',
        '  enabled: false',
        'hls:',
        '  enabled: false',
        'webrtc:',
        '  enabled: false',
        'paths:',
        '  cam:',
        `    source: file:${clip}`,
        '',
      ].join('\n'),
    )
    const child = spawn('bash', ['-c', `ulimit -n 200; exec "${process.execPath}" "${CLI}" serve --config "${config}"`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const silent: net.Socket[] = []
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const t = setInterval(() => {
          const m = /listening on port (\d+)/.exec(out)
          if (m) {
            clearInterval(t)
            resolve(Number(m[1]))
          } else if (child.exitCode !== null) {
            clearInterval(t)
            reject(new Error(out))
          }
        }, 50)
      })
      const url = `rtsp://127.0.0.1:${port}/cam`
      // 9 s of video each, over UDP and TCP, started before the descriptors run out.
      const readers = [ffmpegDecode(url, 'udp', 225, 30_000), ffmpegDecode(url, 'tcp', 225, 30_000)]
      await new Promise((r) => setTimeout(r, 1500))
      for (let i = 0; i < 300; i++) {
        const s = net.connect(port, '127.0.0.1')
        s.on('error', () => {})
        s.resume()
        silent.push(s)
      }
      await new Promise((r) => setTimeout(r, 500))
      assert.equal(await optionsAnswered(port), false, 'no descriptor left for a new client')
      const t0 = Date.now()
      while (!(await optionsAnswered(port))) {
        assert.ok(Date.now() - t0 < 8000, 'served again once the silent connections timed out')
        await new Promise((r) => setTimeout(r, 250))
      }
      for (const r of await Promise.all(readers)) {
        assert.equal(r.stderr.trim(), '', 'no decoder errors')
        assert.equal(r.frames, 225, 'every frame decoded')
      }
      assert.equal(child.exitCode, null, 'the server is still running')
      assert.equal((out.match(/WRN out of file descriptors/g) ?? []).length, 1, `logged once:\n${out}`)
      assert.equal((out.match(/INF accepting connections again/g) ?? []).length, 1, `and once when over:\n${out}`)
    } finally {
      for (const s of silent) s.destroy()
      child.kill('SIGTERM')
    }
  })
})
