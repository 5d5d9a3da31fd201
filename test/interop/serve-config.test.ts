// rtspkit serve --config: the permission matrix (anonymous / user / admin × read / publish × path)
// exercised by ffmpeg, GStreamer and our client; a hot reload that keeps an unchanged path's reader
// connected; the HTTP API with an admin user.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { hashPassword } from '../../src/config/password.js'
import { collectFrames } from '../client/client-helpers.js'
import { serveRtspkit, type ServedRtspkit } from '../rtp/cli-process.js'
import { ffmpegDecode, gstDecode, h264File, run } from './harness.js'

type Served = ServedRtspkit
const serve = (args: string[]) => serveRtspkit(args, 15_000)

const REALM = 'rtspkit'
const user = (name: string, password: string, admin = false) =>
  `  - name: ${name}\n    password: ${hashPassword(password, { user: name, realm: REALM })}\n    admin: ${admin}\n`

describe('serve --config: users and permissions', () => {
  let s: Served
  let url: (path: string, creds?: string) => string
  const LIVE_H264 = [
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=25',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
  ]
  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-cfg-'))
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    const file = path.join(dir, 'rtspkit.yml')
    writeFileSync(
      file,
      `server:\n  rtspPort: 0\napi:\n  port: 0\n  trustLoopback: none\nusers:\n${user('viewer', 'v-pass')}${user('cam1', 'c-pass')}${user('boss', 'b-pass', true)}paths:
  open:
    source: file:${clip}
  private:
    source: file:${clip}
    read: [viewer]
  '~^live/\\w+$':
    source: publish
    read: [any]
    publish: [cam1]
`,
    )
    s = await serve(['--config', file])
    url = (p, creds) => `rtsp://${creds ? `${creds}@` : ''}127.0.0.1:${s.port}/${p}`
  })
  after(async () => {
    assert.equal(await s?.stop(), 0)
  })

  it('read: anonymous on an open path; only its user (or an admin) on a private one — ffmpeg, GStreamer, our client', async () => {
    const [anonOpen, anonPrivate, viewer, boss, wrong, gstViewer, gstAnon] = await Promise.all([
      ffmpegDecode(url('open'), 'tcp', 10),
      ffmpegDecode(url('private'), 'tcp', 10, 15_000),
      ffmpegDecode(url('private', 'viewer:v-pass'), 'udp', 10),
      ffmpegDecode(url('private', 'boss:b-pass'), 'tcp', 10),
      ffmpegDecode(url('private', 'viewer:nope'), 'tcp', 10, 15_000),
      gstDecode(
        `rtspsrc location=${url('private', 'viewer:v-pass')} protocols=tcp ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
        10,
      ),
      gstDecode(`rtspsrc location=${url('private')} protocols=tcp ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`, 10, 10),
    ])
    assert.equal(anonOpen.frames, 10)
    assert.equal(anonPrivate.frames, 0)
    assert.match(anonPrivate.stderr, /401/)
    assert.equal(viewer.frames, 10)
    assert.equal(boss.frames, 10, 'an admin reads every path')
    assert.equal(wrong.frames, 0)
    assert.equal(gstViewer.frames, 10)
    assert.match(gstAnon.error ?? '', /Unauthorized|401/)
    // A user without the permission is authenticated, then refused: 403.
    const cam1 = new RtspClient(url('private', 'cam1:c-pass'))
    await assert.rejects(cam1.describe(), /403/)
    await cam1.close()
    const client = new RtspClient(url('private', 'viewer:v-pass'))
    try {
      const frames = collectFrames(client, 5)
      await client.play()
      assert.equal((await frames).length, 5)
    } finally {
      await client.close()
    }
  })

  it('publish: only its user on a ~regex path; readers anonymous there', async () => {
    const refused = await run(
      'ffmpeg',
      ['-v', 'error', ...LIVE_H264, '-t', '2', '-f', 'rtsp', '-rtsp_transport', 'tcp', url('live/a', 'viewer:v-pass')],
      20_000,
    )
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /403/)
    const anon = await run(
      'ffmpeg',
      ['-v', 'error', ...LIVE_H264, '-t', '2', '-f', 'rtsp', '-rtsp_transport', 'tcp', url('live/a')],
      20_000,
    )
    assert.match(anon.stderr, /401/)
    const pub = spawn('ffmpeg', ['-v', 'error', ...LIVE_H264, '-f', 'rtsp', '-rtsp_transport', 'tcp', url('live/a', 'cam1:c-pass')], {
      stdio: 'ignore',
    })
    try {
      let r = { frames: 0, stderr: '' } as Awaited<ReturnType<typeof ffmpegDecode>>
      for (let i = 0; i < 20 && r.frames === 0; i++) {
        r = await ffmpegDecode(url('live/a'), 'tcp', 10, 10_000)
        if (r.frames === 0) await new Promise((res) => setTimeout(res, 300))
      }
      assert.equal(r.frames, 10, 'anonymous readers may read what cam1 publishes')
      assert.equal((await ffmpegDecode(url('nothere'), 'tcp', 1, 10_000)).frames, 0)
    } finally {
      pub.kill('SIGKILL')
    }
  })

  it('the HTTP API needs an admin: 401 without, 403 for a user, 200 for the admin', async () => {
    assert.ok(s.apiUrl, s.out())
    const get = (auth?: string) =>
      fetch(`${s.apiUrl}/v1/paths`, auth ? { headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } } : {})
    assert.equal((await get()).status, 401)
    assert.equal((await get('viewer:v-pass')).status, 403)
    const ok = await get('boss:b-pass')
    assert.equal(ok.status, 200)
    const body = (await ok.json()) as { items: { name: string; source: { kind: string } }[] }
    assert.ok(body.items.length >= 2, JSON.stringify(body))
    assert.deepEqual(
      body.items.filter((p) => p.name === 'open' || p.name === 'private').map((p) => p.source.kind),
      ['file', 'file'],
      JSON.stringify(body.items),
    )
  })
})

describe('serve --config: Basic logins', () => {
  it('with authMethods: basic, ffmpeg, GStreamer and our client log in with Basic against a stored hash', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-basic-'))
    const file = path.join(dir, 'rtspkit.yml')
    writeFileSync(
      file,
      `server:\n  rtspPort: 0\n  authMethods: basic\napi:\n  enabled: false\nusers:\n${user('viewer', 'v-pass')}paths:\n  cam:\n    source: test:160x120@10\n    read: [viewer]\n`,
    )
    const s = await serve(['--config', file, '--log-level', 'debug'])
    const url = (creds = '') => `rtsp://${creds}127.0.0.1:${s.port}/cam`
    try {
      const [f, g, bad] = await Promise.all([
        ffmpegDecode(url('viewer:v-pass@'), 'tcp', 5),
        gstDecode(`rtspsrc location=${url('viewer:v-pass@')} protocols=tcp ! rtpjpegdepay ! jpegdec ! fakesink name=sink`, 5),
        ffmpegDecode(url('viewer:nope@'), 'tcp', 5, 15_000),
      ])
      assert.equal(f.frames, 5)
      assert.equal(g.frames, 5)
      assert.equal(bad.frames, 0)
      const client = new RtspClient(url('viewer:v-pass@'))
      try {
        const frames = collectFrames(client, 3)
        await client.play()
        assert.equal((await frames).length, 3)
      } finally {
        await client.close()
      }
      assert.match(s.out(), /<< DESCRIBE [^\n]*\n(?: {4}[^\n]*\n)*? {4}Authorization: Basic /, 'the dialogue shows Basic logins')
      assert.doesNotMatch(s.out(), /Authorization: Digest/)
      assert.doesNotMatch(s.out(), new RegExp(Buffer.from('viewer:v-pass').toString('base64')), 'no credentials in the log')
    } finally {
      assert.equal(await s.stop(), 0)
    }
  })
})

describe('serve --config: hot reload', () => {
  it('a changed file rebuilds only what changed; the reader of an unchanged path stays connected', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-reload-'))
    const file = path.join(dir, 'rtspkit.yml')
    const write = (extra: string) =>
      writeFileSync(
        file,
        `server:\n  rtspPort: 0\napi:\n  enabled: false\npaths:\n  keep:\n    source: test:160x120@10\n  change:\n    source: test:160x120@10\n${extra}`,
      )
    write('')
    const s = await serve(['--config', file])
    const keep = new RtspClient(`rtsp://127.0.0.1:${s.port}/keep`, { transport: 'tcp' })
    const change = new RtspClient(`rtsp://127.0.0.1:${s.port}/change`, { transport: 'tcp' })
    let keepFrames = 0
    let changeClosed = false
    keep.on('frame', () => keepFrames++)
    change.on('close', () => (changeClosed = true))
    try {
      await keep.play()
      await change.play()
      await collectFrames(change, 3)
      await new Promise((r) => setTimeout(r, 300))
      // `change` gets another source, `added` appears, `keep` is untouched.
      writeFileSync(
        file,
        `server:\n  rtspPort: 0\napi:\n  enabled: false\npaths:\n  keep:\n    source: test:160x120@10\n  change:\n    source: test:320x240@10\n  added:\n    source: test:160x120@10\n`,
      )
      const deadline = Date.now() + 5000
      while (!/reload \(.*changed\): .*~change/.test(s.out()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      assert.match(s.out(), /reload \(.*changed\): .*\+added.*~change|reload \(.*changed\): .*~change.*\+added/)
      const before = keepFrames
      await new Promise((r) => setTimeout(r, 800))
      assert.ok(keepFrames > before + 3, `the unchanged path's reader keeps receiving (${before} → ${keepFrames})`)
      const deadline2 = Date.now() + 3000
      while (!changeClosed && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 50))
      assert.equal(changeClosed, true, "the changed path's reader was ended")
      const probe = await run(
        'ffprobe',
        ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=width', '-of', 'csv=p=0', `rtsp://127.0.0.1:${s.port}/change`],
        15_000,
      )
      assert.equal(probe.stdout.trim(), '320')
      assert.equal((await ffmpegDecode(`rtsp://127.0.0.1:${s.port}/added`, 'tcp', 3)).frames, 3)
      // A bad edit is refused and the running configuration stays.
      writeFileSync(file, 'server:\n  rtspPort: banana\n')
      const deadline3 = Date.now() + 5000
      while (!/reload .*refused/.test(s.out()) && Date.now() < deadline3) await new Promise((r) => setTimeout(r, 50))
      assert.match(s.out(), /reload \(.*\) refused, the previous configuration stays: .*server\.rtspPort must be an integer/)
      assert.equal((await ffmpegDecode(`rtsp://127.0.0.1:${s.port}/keep`, 'tcp', 2)).frames, 2)
    } finally {
      await keep.close()
      await change.close()
      assert.equal(await s.stop(), 0)
    }
  })
})
