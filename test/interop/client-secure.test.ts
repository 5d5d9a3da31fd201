// rtspkit's client over RTSPS and through HTTP tunnelling, against our server: certificates are
// checked by default (with --ca, or skipped with --insecure).
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { X509Certificate } from 'node:crypto'
import { addPath } from '../../src/app/add-path.js'
import { rtspClientConnector } from '../../src/client/relay-upstream.js'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { parseSourceSpec } from '../../src/sources/source-spec.js'
import { ffmpegDecode, h264File, ROOT, run, startServer, type TestServer } from './harness.js'

async function makeCert(dir: string): Promise<{ cert: string; key: string; certFile: string }> {
  const r = await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    path.join(dir, 'key.pem'),
    '-out',
    path.join(dir, 'cert.pem'),
  ])
  assert.equal(r.code, 0, r.stderr)
  const certFile = path.join(dir, 'cert.pem')
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), certFile }
}

async function frames(url: string, opts: ConstructorParameters<typeof RtspClient>[1], want: number): Promise<number> {
  const client = new RtspClient(url, opts)
  let n = 0
  const enough = new Promise<void>((resolve) => client.on('frame', () => ++n >= want && resolve()))
  try {
    await client.play()
    await Promise.race([enough, new Promise((r) => setTimeout(r, 8000))])
    return n
  } finally {
    await client.close()
  }
}

const CLI = path.join(ROOT, 'dist/src/cli/main.js')

describe('client: rtsps:// and HTTP tunnelling', () => {
  let srv: TestServer
  let dir: string
  let certFile: string
  let secure: string
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-client-tls-'))
    const c = await makeCert(dir)
    certFile = c.certFile
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    srv = await startServer({ cam: `file:${file}` }, { tls: c, rtspsPort: 0 })
    secure = srv.server.urlFor('cam', '127.0.0.1', true)
  })
  after(() => srv.stop())

  it('plays rtsps:// when the certificate is trusted with ca', async () => {
    assert.ok((await frames(secure, { tls: { ca: readFileSync(certFile) } }, 25)) >= 25)
  })

  it('refuses an untrusted certificate with a message that names --ca and --insecure', async () => {
    const client = new RtspClient(secure)
    await assert.rejects(client.describe(), /not trusted: give --ca FILE .* or --insecure/)
    await client.close()
  })

  it('plays rtsps:// with insecure', async () => {
    assert.ok((await frames(secure, { tls: { insecure: true } }, 10)) >= 10)
  })

  for (const url of ['plain', 'secure'] as const) {
    it(`plays through an HTTP tunnel (${url})`, async () => {
      const u = url === 'plain' ? srv.url('cam') : secure
      assert.ok((await frames(u, { transport: 'http', tls: { insecure: true } }, 25)) >= 25)
    })
  }

  it('rtspkit play --ca and --transport http on the command line', async () => {
    const out = path.join(dir, 'clip.264')
    const r = await run('node', [CLI, 'play', secure, '--ca', certFile, '--transport', 'http', '--duration', '2', '--out', out], 20_000)
    assert.equal(r.code, 0, r.stderr)
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=codec_name,nb_read_frames',
      '-of',
      'csv=p=0',
      out,
    ])
    const [codec, n] = probe.stdout.trim().split(',')
    assert.equal(codec, 'h264')
    assert.ok(Number(n) >= 25, probe.stdout)
  })

  it('bad --ca is one line and exit 2', async () => {
    const bogus = path.join(dir, 'bogus.pem')
    writeFileSync(bogus, 'hello')
    const r = await run('node', [CLI, 'play', secure, '--ca', bogus])
    assert.equal(r.code, 2)
    assert.match(r.stderr.trim(), /^rtspkit: --ca: ".*" holds no PEM certificate/)
    assert.equal(r.stderr.trim().split('\n').length, 1)
  })

  it('a relay pulls an rtsps:// upstream by its certificate fingerprint, through an HTTP tunnel; a wrong one is refused', async () => {
    const fp = new X509Certificate(readFileSync(certFile)).fingerprint256
    const relay = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
    const good = addPath(relay, 'cam', parseSourceSpec(secure), {
      connector: rtspClientConnector({ transport: 'http', tls: { fingerprint: fp } }),
    })
    const bad = addPath(relay, 'bad', parseSourceSpec(secure), {
      connector: rtspClientConnector({ tls: { fingerprint: '00'.repeat(32) } }),
    })
    await relay.start()
    try {
      const r = await ffmpegDecode(relay.urlFor('cam'), 'tcp', 25)
      assert.equal(r.frames, 25, r.stderr)
      const refused = await ffmpegDecode(relay.urlFor('bad'), 'tcp', 1, 15_000)
      assert.equal(refused.frames, 0)
    } finally {
      good.stop()
      bad.stop()
      await relay.stop()
    }
  })
})
