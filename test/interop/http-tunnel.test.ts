// RTSP over HTTP tunnelling on the RTSP port: ffmpeg (-rtsp_transport http) and GStreamer (rtsph://)
// play through it; halves that never pair and base64 garbage are released without touching others.
import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { ConnectionIntake } from '../../src/server/connection-intake.js'
import type { ConnectionSocket } from '../../src/transport/tunnel-socket.js'
import { ffmpegDecode, gstDecode, h264File, run, startServer, type TestServer } from './harness.js'

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
}

/** Everything the socket receives until it closes (or `ms` pass). */
function collect(s: net.Socket, ms: number): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = ''
    s.on('data', (c: Buffer) => (data += c.toString('latin1')))
    const t = setTimeout(() => resolve({ data, closed: false }), ms)
    s.on('close', () => {
      clearTimeout(t)
      resolve({ data, closed: true })
    })
  })
}

describe('RTSP over HTTP tunnelling', () => {
  let srv: TestServer
  before(async () => {
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    srv = await startServer({ cam: `file:${file}` })
  })
  after(() => srv.stop())

  it('ffmpeg plays with -rtsp_transport http', async () => {
    const r = await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostats',
        '-v',
        'error',
        '-rtsp_transport',
        'http',
        '-i',
        srv.url('cam'),
        '-frames:v',
        '50',
        '-f',
        'framemd5',
        '-',
      ],
      40_000,
    )
    assert.equal(r.stderr.trim(), '')
    assert.equal(r.stdout.split('\n').filter((l) => /^\s*0,/.test(l)).length, 50)
  })

  it('GStreamer rtspsrc plays rtsph://', async () => {
    const url = srv.url('cam').replace(/^rtsp:/, 'rtsph:')
    const r = await gstDecode(`rtspsrc location=${url} latency=100 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`, 50)
    assert.equal(r.error, null)
    assert.equal(r.frames, 50)
    assert.equal(r.width, 320)
  })

  it('base64 garbage closes that tunnel only; a plain RTSP reader plays on', async () => {
    const port = srv.server.port
    const get = await connect(port)
    get.write('GET /cam HTTP/1.0\r\nx-sessioncookie: garbage1\r\nAccept: application/x-rtsp-tunnelled\r\n\r\n')
    const getResult = collect(get, 5000)
    await new Promise((r) => setTimeout(r, 100))
    const post = await connect(port)
    post.write('POST /cam HTTP/1.0\r\nx-sessioncookie: garbage1\r\nContent-Length: 32767\r\n\r\n!!!not base64!!!')
    const [g] = await Promise.all([getResult, collect(post, 5000)])
    assert.ok(g.data.startsWith('HTTP/1.0 200 OK'), g.data)
    assert.equal(g.closed, true)
    const r = await ffmpegDecode(srv.url('cam'), 'tcp', 25)
    assert.equal(r.frames, 25)
  })

  it('a GET without a cookie gets 400', async () => {
    const s = await connect(srv.server.port)
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    const r = await collect(s, 5000)
    assert.match(r.data, /^HTTP\/1\.0 400/)
    assert.equal(r.closed, true)
  })
})

describe('tunnel pairing', () => {
  it('a GET without its POST, and a POST without its GET, are released after the pairing time', async () => {
    const accepted: ConnectionSocket[] = []
    let received = ''
    const failures: string[] = []
    const intake = new ConnectionIntake({
      accept: (s) => {
        accepted.push(s)
        s.on('data', (c: Buffer) => (received += c.toString()))
      },
      logger: { warn: () => {}, info: () => {}, debug: () => {} },
      pairTimeoutMs: 300,
      onTunnelFailure: (r) => failures.push(r),
    })
    const server = net.createServer((s) => intake.take(s))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as net.AddressInfo).port
    try {
      const get = await connect(port)
      get.write('GET /a HTTP/1.0\r\nx-sessioncookie: lonely-get\r\n\r\n')
      const post = await connect(port)
      post.write('POST /a HTTP/1.0\r\nx-sessioncookie: lonely-post\r\n\r\nT1BU')
      const [g, p] = await Promise.all([collect(get, 3000), collect(post, 3000)])
      assert.equal(g.closed, true)
      assert.equal(p.closed, true)
      assert.equal(accepted.length, 0)
      assert.equal(failures.length, 2, failures.join('\n'))
      // A POST that comes first is paired when its GET follows.
      const early = await connect(port)
      early.write(
        'POST /a HTTP/1.0\r\nx-sessioncookie: pair\r\n\r\n' + Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n').toString('base64'),
      )
      await new Promise((r) => setTimeout(r, 50))
      const late = await connect(port)
      late.write('GET /a HTTP/1.0\r\nx-sessioncookie: pair\r\n\r\n')
      await new Promise((r) => setTimeout(r, 200))
      assert.equal(accepted.length, 1)
      assert.equal(received, 'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n')
      early.destroy()
      late.destroy()
    } finally {
      intake.close()
      server.close()
    }
  })
})
