import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import { after, describe, it } from 'node:test'
import { IdleConnections, readTcpTable, StalledReader, StallWatch } from '../../bench/attack-load.js'
import { learnControl, trackControlOf } from '../../bench/handshakes.js'

/** gst-rtsp-server's answer to DESCRIBE: its track control `stream=0` contains "m=". */
const GST_SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=Session streamed with GStreamer',
  't=0 0',
  'a=control:*',
  'm=video 0 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  'a=control:stream=0',
  '',
].join('\r\n')

/** A minimal RTSP server: answers every request 200 (DESCRIBE with GST_SDP), then calls `afterPlay`. */
async function fakeRtspServer(afterPlay: (s: net.Socket) => void): Promise<{ server: net.Server; port: number; url: string }> {
  const server = net.createServer((s) => {
    let text = ''
    s.on('error', () => {})
    s.on('data', (d) => {
      text += d.toString('latin1')
      for (let end = text.indexOf('\r\n\r\n'); end >= 0; end = text.indexOf('\r\n\r\n')) {
        const head = text.slice(0, end)
        text = text.slice(end + 4)
        const method = head.split(' ')[0]
        const cseq = /CSeq:\s*(\d+)/i.exec(head)?.[1] ?? '0'
        const body = method === 'DESCRIBE' ? GST_SDP : ''
        const extra =
          method === 'DESCRIBE'
            ? `Content-Base: rtsp://127.0.0.1/bench/\r\nContent-Type: application/sdp\r\n`
            : 'Session: abc;timeout=60\r\n'
        s.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`)
        if (method === 'PLAY') afterPlay(s)
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as net.AddressInfo).port
  return { server, port, url: `rtsp://127.0.0.1:${port}/bench` }
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
}

describe('bench attack load', () => {
  const servers: net.Server[] = []
  after(() => {
    for (const s of servers) s.close()
  })

  it('learnControl reads the first track control even when it contains "m="', async () => {
    const { server, port, url } = await fakeRtspServer(() => {})
    servers.push(server)
    await learnControl(port, url)
    assert.equal(trackControlOf(url), 'stream=0')
  })

  it('counts idle connections the server closes, and when', async () => {
    const server = net.createServer((s) => setTimeout(() => s.destroy(), 100))
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const t0 = performance.now()
    const idle = new IdleConnections((server.address() as net.AddressInfo).port, 5, t0)
    await until(() => idle.allClosed, 3000)
    const r = idle.result(0.05)
    idle.close()
    assert.equal(r.connected, 5)
    assert.equal(r.closedByEnd, 5)
    assert.equal(r.closedInWindow, 0, 'closed after 100 ms, the "window" was 50 ms')
    assert.ok(r.closeFirstS >= 0.09 && r.closeLastS < 3, `closes at ${r.closeFirstS}…${r.closeLastS} s`)
  })

  it('sees, in /proc/net/tcp, when the server drops a stalled reader', async () => {
    const { server, port, url } = await fakeRtspServer((s) => setTimeout(() => s.destroy(), 300))
    servers.push(server)
    await learnControl(port, url)
    const t0 = performance.now()
    const reader = new StalledReader(port, url, t0)
    const watch = new StallWatch([reader])
    await until(() => reader.settled, 3000)
    watch.close()
    const r = await reader.result()
    reader.close()
    assert.equal(r.playing, true)
    assert.equal(r.setupError, undefined)
    assert.ok(r.cutAtS >= 0.25 && r.cutAtS < 3, `cut at ${r.cutAtS} s`)
  })

  it('reads this process’s own connections from /proc/net/tcp', async () => {
    const server = net.createServer(() => {})
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as net.AddressInfo).port
    const c = net.connect(port, '127.0.0.1')
    await once(c, 'connect')
    const mine = readTcpTable().find((e) => e.localPort === c.localPort && e.remotePort === port)
    c.destroy()
    assert.equal(mine?.state, 0x01, 'ESTABLISHED')
  })
})
