// rtspkit's client over RTSPS and through HTTP tunnelling, against our server: certificates are
// checked by default (with --ca, or skipped with --insecure).
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
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
import { makeCert } from './tls-cert.js'

/**
 * A firewall that lets only HTTP through: it forwards a connection to `port` when its first bytes are
 * an HTTP GET or POST, and cuts any other (RTSP's OPTIONS among them) at once.
 */
function httpOnlyFirewall(port: number): Promise<{ port: number; cut: () => number; close: () => void }> {
  let cut = 0
  const proxy = net.createServer((inbound) => {
    inbound.once('data', (first: Buffer) => {
      if (!/^(GET|POST) /.test(first.toString('latin1', 0, 5))) {
        cut++
        inbound.destroy()
        return
      }
      const out = net.connect(port, '127.0.0.1', () => out.write(first))
      inbound.pipe(out).pipe(inbound)
      out.on('error', () => inbound.destroy())
      inbound.on('error', () => out.destroy())
    })
  })
  return new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () =>
      resolve({ port: (proxy.address() as net.AddressInfo).port, cut: () => cut, close: () => proxy.close() }),
    ),
  )
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
    const c = await makeCert('127.0.0.1')
    certFile = path.join(dir, 'cert.pem')
    writeFileSync(certFile, c.cert)
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

  it('transport auto behind a firewall that passes only HTTP: cut at OPTIONS, it moves to the tunnel and plays', async () => {
    const fw = await httpOnlyFirewall(Number(new URL(srv.url('cam')).port))
    try {
      const url = `rtsp://127.0.0.1:${fw.port}/cam`
      const client = new RtspClient(url, { requestTimeoutMs: 3000 })
      let tunnelled = 0
      client.on('tunnelled', () => tunnelled++)
      let n = 0
      const enough = new Promise<void>((resolve) => client.on('frame', () => ++n >= 25 && resolve()))
      try {
        await client.play()
        await Promise.race([enough, new Promise((r) => setTimeout(r, 8000))])
      } finally {
        await client.close()
      }
      assert.equal(fw.cut(), 1, 'the plain RTSP connection was cut once')
      assert.equal(tunnelled, 1)
      assert.equal(client.transport, 'tcp')
      assert.ok(n >= 25, `${n} frames`)
    } finally {
      fw.close()
    }
  })

  it('transport tcp behind the same firewall fails, naming the closed connection (no silent tunnel)', async () => {
    const fw = await httpOnlyFirewall(Number(new URL(srv.url('cam')).port))
    try {
      const client = new RtspClient(`rtsp://127.0.0.1:${fw.port}/cam`, { transport: 'tcp', requestTimeoutMs: 3000 })
      await assert.rejects(client.describe(), /closed/)
      await client.close()
    } finally {
      fw.close()
    }
  })

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
