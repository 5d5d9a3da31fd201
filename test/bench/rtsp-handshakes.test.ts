// The C load client of the handshakes bench (bench/native/rtsp-handshakes.c): compiled with gcc, run
// against a real rtspkit server in this process (its play/teardown events count what it saw), and
// against a scripted server that answers in small pieces with interleaved frames in between, to check
// that it sends exactly the requests of the Node client's handshake().
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { handshake, learnControl, trackControlOf } from '../../bench/handshakes.js'
import { buildHandshakeClient, HS_CLIENT_SOURCE, runNativeHandshakes, type NativeHandshakeOptions } from '../../bench/rtsp-handshakes.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { hex } from '../helpers/split.js'

const HOST = '127.0.0.1'
// x264 baseline 320x240 parameter sets.
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
/** A 300 KB IDR slice: instant start sends it to every TCP reader right after PLAY's answer. */
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(300_000, 0x11)])
const RUN_SECONDS = 2

describe('bench/native/rtsp-handshakes.c (the C load client of the handshakes bench)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtspkit-rtsp-handshakes-'))
  const binary = join(dir, 'rtsp-handshakes')
  let server: RtspServer
  let url: string
  const seen = { play: 0, teardown: 0, other: [] as string[] }

  before(async () => {
    server = new RtspServer({ port: 0, host: HOST })
    const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS, width: 320, height: 240 } })
    server.on('play', () => seen.play++)
    server.on('teardown', (e) => (e.reason === 'teardown' ? seen.teardown++ : seen.other.push(e.reason ?? '')))
    await server.start()
    cam.pushVideo([IDR])
    url = `rtsp://${HOST}:${server.port}/cam`
  })
  after(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const options = (transport: 'tcp' | 'udp', o: Partial<NativeHandshakeOptions> = {}): NativeHandshakeOptions => ({
    host: HOST,
    port: server.port,
    url,
    control: trackControlOf(url),
    transport,
    parallel: 4,
    seconds: RUN_SECONDS,
    ...o,
  })

  it('compiles with gcc, then reuses the binary while the source is older', () => {
    assert.deepEqual(buildHandshakeClient(HS_CLIENT_SOURCE, binary), { ok: true, binary, compiled: true })
    assert.deepEqual(buildHandshakeClient(HS_CLIENT_SOURCE, binary), { ok: true, binary, compiled: false })
  })

  for (const transport of ['tcp', 'udp'] as const) {
    it(`sets up, plays and tears down sessions over ${transport}, each counted by the server`, async () => {
      await learnControl(server.port, url)
      assert.equal(trackControlOf(url), 'trackID=0')
      seen.play = seen.teardown = 0
      seen.other = []
      const r = await runNativeHandshakes(binary, options(transport))
      assert.ok(r.done > 0, `done ${r.done}`)
      assert.equal(r.failed, 0, r.firstError)
      assert.equal(r.firstError, undefined)
      assert.ok(r.p50Ms > 0 && r.p50Ms <= r.p99Ms, `p50 ${r.p50Ms} p99 ${r.p99Ms}`)
      assert.ok(r.seconds >= RUN_SECONDS && r.seconds < RUN_SECONDS + 5, `${r.seconds} s`)
      assert.ok(r.cpuSeconds >= 0 && r.cpuSeconds <= r.seconds * 1.5, `${r.cpuSeconds} CPU s`)
      // Every handshake ends before the client exits: one PLAY and one TEARDOWN each, nothing else.
      assert.equal(seen.play, r.done)
      assert.equal(seen.teardown, r.done)
      assert.deepEqual(seen.other, [])
    })
  }

  it('counts a path the server does not have as failures, with the status in the first error', async () => {
    const r = await runNativeHandshakes(binary, options('tcp', { url: `rtsp://${HOST}:${server.port}/nope`, seconds: 1, parallel: 2 }))
    assert.equal(r.done, 0)
    assert.ok(r.failed > 0)
    assert.equal(r.firstError, 'DESCRIBE: 404')
    assert.ok(Number.isNaN(r.p50Ms) && Number.isNaN(r.p99Ms))
  })

  it('sends the requests of the Node client, reading answers split anywhere and interleaved frames between them', async () => {
    const fake = await scriptedServer()
    try {
      const fakeUrl = `rtsp://${HOST}:${fake.port}/bench`
      await learnControl(fake.port, fakeUrl)
      assert.equal(trackControlOf(fakeUrl), 'stream=0')
      fake.requests.splice(0) // learnControl's DESCRIBE
      await handshake(fake.port, fakeUrl, 'tcp', 0)
      const node = fake.requests.splice(0)
      const r = await runNativeHandshakes(binary, { ...options('tcp'), port: fake.port, url: fakeUrl, control: 'stream=0', parallel: 1 })
      assert.equal(r.failed, 0, r.firstError)
      assert.ok(r.done >= 1, `done ${r.done}`)
      assert.equal(fake.requests.length, r.done * node.length)
      for (let i = 0; i < fake.requests.length; i++) assert.equal(fake.requests[i], node[i % node.length])

      // UDP: the same but for the client ports, which go up by two per handshake as the Node client's do.
      fake.requests.splice(0)
      await handshake(fake.port, fakeUrl, 'udp', 40000)
      const nodeUdp = fake.requests.splice(0)
      const u = await runNativeHandshakes(binary, { ...options('udp'), port: fake.port, url: fakeUrl, control: 'stream=0', parallel: 1 })
      assert.equal(u.failed, 0, u.firstError)
      assert.equal(fake.requests.length, u.done * nodeUdp.length)
      fake.requests.forEach((req, i) => {
        const k = Math.floor(i / nodeUdp.length)
        const p = 40000 + 2 * k
        assert.equal(req, nodeUdp[i % nodeUdp.length]!.replace('client_port=40000-40001', `client_port=${p}-${p + 1}`))
      })
    } finally {
      await fake.close()
    }
  })
})

/** gst-rtsp-server's answer to DESCRIBE: its track control `stream=0`. */
const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=video 0 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  'a=control:stream=0',
  '',
].join('\r\n')
/**
 * Answers go out in pieces of 1, 2, … MAX_PIECE bytes in turn, each a write of its own after a short
 * pause, so reads split them anywhere: inside a frame's header, its payload, a header line, the empty line.
 */
const MAX_PIECE = 7
const PIECE_GAP_MS = 1

/** An interleaved frame (RFC 2326 section 10.12): '$', channel, 16-bit length, payload. */
function frame(channel: number, length: number): Buffer {
  const f = Buffer.alloc(4 + length, 0x24) // a payload of '$' bytes: not a frame start
  f[0] = 0x24
  f[1] = channel
  f.writeUInt16BE(length, 2)
  return f
}

/**
 * A scripted RTSP server: every request is recorded and answered 200 (DESCRIBE with SDP and a
 * Content-Base, SETUP with a Session and a timeout). Each answer comes after an interleaved frame, in
 * small pieces; PLAY's answer is followed by 200 KB of frames in one write.
 */
async function scriptedServer(): Promise<{ port: number; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.setNoDelay(true)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    let text = ''
    let chain = Promise.resolve()
    const write = (b: Buffer, pieces: boolean) => {
      chain = chain.then(async () => {
        if (!pieces) return void s.write(b)
        for (let i = 0, n = 1; i < b.length && !s.destroyed; i += n, n = (n % MAX_PIECE) + 1) {
          s.write(b.subarray(i, i + n))
          await new Promise((r) => setTimeout(r, PIECE_GAP_MS))
        }
      })
    }
    s.on('data', (d) => {
      text += d.toString('latin1')
      for (let end = text.indexOf('\r\n\r\n'); end >= 0; end = text.indexOf('\r\n\r\n')) {
        const head = text.slice(0, end + 4)
        text = text.slice(end + 4)
        requests.push(head)
        const method = head.split(' ')[0]
        const cseq = /CSeq:\s*(\d+)/i.exec(head)?.[1] ?? '0'
        const body = method === 'DESCRIBE' ? SDP : ''
        const extra =
          method === 'DESCRIBE'
            ? `Content-Base: rtsp://${HOST}/bench/\r\nContent-Type: application/sdp\r\n`
            : method === 'SETUP'
              ? 'Session: 5eSs10n;timeout=60\r\n'
              : ''
        const answer = `RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`
        write(Buffer.concat([frame(1, 30), Buffer.from(answer, 'latin1')]), true)
        if (method === 'PLAY') write(Buffer.concat(Array.from({ length: 4 }, () => frame(0, 50_000))), false)
      }
    })
  })
  server.listen(0, HOST)
  await once(server, 'listening')
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}
