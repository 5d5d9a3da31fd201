// RTSPS: RTSP over TLS beside plain RTSP (encryption optional) or alone (strict). ffmpeg and GStreamer
// play through TLS; bad handshakes fail alone and are counted; certificates swap without dropping.
import assert from 'node:assert/strict'
import net from 'node:net'
import tls from 'node:tls'
import { after, before, describe, it } from 'node:test'
import { gstDecode, h264File, run, startServer, type TestServer } from './harness.js'
import { makeCert } from './tls-cert.js'

function peerName(port: number): Promise<{ cn: string; socket: tls.TLSSocket }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () =>
      resolve({ cn: String(socket.getPeerCertificate().subject.CN), socket }),
    )
    socket.once('error', reject)
  })
}

async function ffmpegFrames(url: string, frames: number): Promise<{ frames: number; stderr: string }> {
  const r = await run(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-v', 'error', '-rtsp_transport', 'tcp', '-i', url, '-frames:v', String(frames), '-f', 'framemd5', '-'],
    40_000,
  )
  return { frames: r.stdout.split('\n').filter((l) => /^\s*0,/.test(l)).length, stderr: r.stderr }
}

describe('RTSPS', () => {
  let srv: TestServer
  let certs: { cert: string; key: string }[]
  before(async () => {
    certs = [await makeCert('rtspkit-one'), await makeCert('rtspkit-two')]
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    srv = await startServer({ cam: `file:${file}` }, { tls: certs[0], rtspsPort: 0 })
  })
  after(() => srv.stop())

  it('serves RTSP and RTSPS side by side (encryption optional by default)', async () => {
    const secure = srv.server.urlFor('cam', '127.0.0.1', true)
    assert.match(secure, /^rtsps:\/\/127\.0\.0\.1:\d+\/cam$/)
    assert.notEqual(srv.server.rtspsPort, srv.server.port)
    const [a, b] = await Promise.all([ffmpegFrames(secure, 50), ffmpegFrames(srv.url('cam'), 50)])
    assert.equal(a.stderr.trim(), '')
    assert.equal(a.frames, 50)
    assert.equal(b.frames, 50)
  })

  it('GStreamer rtspsrc plays rtsps:// with tls-validation-flags=0', async () => {
    const url = srv.server.urlFor('cam', '127.0.0.1', true)
    const r = await gstDecode(
      `rtspsrc location=${url} tls-validation-flags=0 latency=100 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
      50,
    )
    assert.equal(r.error, null)
    assert.equal(r.frames, 50)
  })

  it('HTTP tunnelling works inside TLS too (GStreamer rtspsh://)', async () => {
    // ffmpeg tunnels rtsps:// over plain HTTP, so GStreamer is the peer here.
    const url = srv.server.urlFor('cam', '127.0.0.1', true).replace(/^rtsps:/, 'rtspsh:')
    const r = await gstDecode(
      `rtspsrc location=${url} tls-validation-flags=0 latency=100 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
      25,
    )
    assert.equal(r.error, null)
    assert.equal(r.frames, 25)
  })

  it('a garbage handshake fails alone and is counted', async () => {
    const before = srv.server.tlsFailures
    const s = net.connect(srv.server.rtspsPort, '127.0.0.1')
    s.on('error', () => {})
    s.write('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n')
    await new Promise<void>((r) => s.on('close', () => r()))
    assert.equal(srv.server.tlsFailures, before + 1)
    assert.equal((await ffmpegFrames(srv.server.urlFor('cam', '127.0.0.1', true), 10)).frames, 10)
  })

  it('a client that checks certificates refuses ours with a clear error', async () => {
    const err = await new Promise<Error>((resolve) => {
      const s = tls.connect({ port: srv.server.rtspsPort, host: '127.0.0.1' }, () => resolve(new Error('connected')))
      s.on('error', resolve)
    })
    assert.match(err.message, /self[- ]signed/i)
  })

  it('new certificates apply to new connections; open ones stay', async () => {
    const old = await peerName(srv.server.rtspsPort)
    assert.equal(old.cn, 'rtspkit-one')
    srv.server.setTlsCredentials(certs[1]!)
    const fresh = await peerName(srv.server.rtspsPort)
    assert.equal(fresh.cn, 'rtspkit-two')
    old.socket.write('OPTIONS * RTSP/1.0\r\nCSeq: 7\r\n\r\n')
    const answer = await new Promise<string>((r) => old.socket.once('data', (c: Buffer) => r(c.toString())))
    assert.match(answer, /^RTSP\/1\.0 200 OK/)
    old.socket.destroy()
    fresh.socket.destroy()
  })
})

describe('RTSPS handshakes that never finish', () => {
  it('a client that opens TCP and never speaks TLS is dropped after the handshake timeout and counted', async () => {
    const cert = await makeCert('slow')
    const srv = await startServer({}, { tls: cert, rtspsPort: 0, tlsHandshakeTimeoutMs: 300 })
    try {
      const s = net.connect(srv.server.rtspsPort, '127.0.0.1')
      s.on('error', () => {})
      const started = Date.now()
      await new Promise<void>((r) => s.on('close', () => r()))
      assert.ok(Date.now() - started < 5000)
      assert.equal(srv.server.tlsFailures, 1)
    } finally {
      await srv.stop()
    }
  })
})

describe('RTSPS publishing', () => {
  it('ffmpeg publishes over rtsps:// and a reader decodes it', async () => {
    const cert = await makeCert('publish')
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    const srv = await startServer({ live: 'publish' }, { tls: cert, rtspsPort: 0 })
    const url = srv.server.urlFor('live', '127.0.0.1', true)
    const pub = run(
      'ffmpeg',
      ['-hide_banner', '-v', 'error', '-re', '-i', file, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'tcp', url],
      30_000,
    )
    try {
      let got = { frames: 0, stderr: '' }
      for (let i = 0; i < 20 && got.frames < 25; i++) {
        await new Promise((r) => setTimeout(r, 250))
        if (srv.server.pathStatus().find((p) => p.name === 'live')?.publisher) got = await ffmpegFrames(url, 25)
      }
      assert.equal(got.frames, 25)
    } finally {
      await srv.stop()
      await pub
    }
  })
})

describe('RTSPS strict', () => {
  it('listens on RTSPS only and refuses RTP over UDP', async () => {
    const cert = await makeCert('strict')
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    const srv = await startServer({ cam: `file:${file}` }, { tls: cert, rtspsPort: 0, port: 0, encryption: 'strict' })
    try {
      const url = srv.url('cam')
      assert.match(url, /^rtsps:/)
      assert.equal((await ffmpegFrames(url, 25)).frames, 25)
      // ffmpeg asks for TCP on rtsps:// by itself; a UDP SETUP through TLS gets 461.
      const tlsConn = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const c = tls.connect({ port: srv.server.rtspsPort, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(c))
        c.once('error', reject)
      })
      tlsConn.write(`SETUP ${url}/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP;unicast;client_port=40000-40001\r\n\r\n`)
      const answer = await new Promise<string>((r) => tlsConn.once('data', (c: Buffer) => r(c.toString())))
      assert.match(answer, /^RTSP\/1\.0 461/)
      tlsConn.destroy()
      // No plain RTSP port at all.
      await assert.rejects(
        new Promise((resolve, reject) => {
          const c = net.connect(srv.server.port, '127.0.0.1', () => resolve(c))
          c.once('error', reject)
        }),
      )
    } finally {
      await srv.stop()
    }
  })
})
