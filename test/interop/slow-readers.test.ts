/**
 * Per-reader bounded queues with real sockets: while 50 readers (25 TCP, 25 UDP) take every packet,
 * a TCP reader that stops reading, a UDP reader whose receive buffer is full and a UDP reader whose
 * port is closed must cost them nothing. The stalled TCP reader loses whole frames up to keyframes,
 * every one of them counted, in the API and in metrics; the closed port's send errors are counted.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ApiServer } from '../../src/api/api-server.js'
import type { SessionView } from '../../src/api/views.js'
import type { Logger } from '../../src/log/logger.js'
import { RtspHeaders } from '../../src/rtsp/headers.js'
import { serializeRequest, type RtspResponse } from '../../src/rtsp/message.js'
import { RtspReader } from '../../src/rtsp/reader.js'
import { parsePrometheus, sampleValue } from '../api/prom-parse.js'
import { DEBIAN_PYTHON, h264File, ROOT, startServer, type TestServer } from './harness.js'

const NORMAL_TCP = 25
const NORMAL_UDP = 25
// Holds a GOP of the clip (~0.5 MB), so every reader starts with it.
const QUEUE_BYTES = 1024 * 1024
const RUN_MS = 5000

/** Counts RTP packets and sequence gaps of one track. */
class SeqCounter {
  packets = 0
  gaps = 0
  private last = -1

  add(packet: Buffer): void {
    if (packet.length < 12) return
    const seq = packet.readUInt16BE(2)
    if (this.last >= 0 && seq !== ((this.last + 1) & 0xffff)) this.gaps++
    this.last = seq
    this.packets++
  }
}

/** A lean RTSP reader: one request at a time, interleaved RTP counted, never stored. */
class Reader {
  readonly rtp = new SeqCounter()
  session = ''
  private readonly rtsp = new RtspReader()
  private pending: ((r: RtspResponse) => void) | undefined
  private cseq = 0

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      for (const ev of this.rtsp.push(d)) {
        if (ev.kind === 'response') this.pending?.(ev.response)
        else if (ev.kind === 'interleaved' && ev.channel === 0) this.rtp.add(ev.payload)
      }
    })
    socket.on('error', () => {})
  }

  static async connect(port: number): Promise<Reader> {
    const s = net.connect(port, '127.0.0.1')
    await new Promise((resolve, reject) => s.once('connect', resolve).once('error', reject))
    return new Reader(s)
  }

  request(method: string, uri: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    const h = new RtspHeaders()
    h.set('CSeq', String(++this.cseq))
    if (this.session) h.set('Session', this.session)
    for (const [k, v] of Object.entries(headers)) h.set(k, v)
    return new Promise((resolve) => {
      this.pending = resolve
      this.socket.write(serializeRequest({ method, uri, version: 'RTSP/1.0', headers: h, body: Buffer.alloc(0) }))
    })
  }

  /** DESCRIBE, SETUP of the video track with `transport`, PLAY. */
  async play(url: string, transport: string): Promise<void> {
    assert.equal((await this.request('DESCRIBE', url, { Accept: 'application/sdp' })).statusCode, 200)
    const setup = await this.request('SETUP', `${url}/trackID=0`, { Transport: transport })
    assert.equal(setup.statusCode, 200, `SETUP ${transport}`)
    this.session = setup.headers.get('Session')!.split(';')[0]!
    assert.equal((await this.request('PLAY', url)).statusCode, 200)
  }
}

async function udpPair(counter: SeqCounter): Promise<{ rtp: dgram.Socket; rtcp: dgram.Socket; port: number }> {
  for (;;) {
    const rtp = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 })
    await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', resolve))
    const port = rtp.address().port
    if (port % 2 !== 0 || port === 65534) {
      rtp.close()
      continue
    }
    const rtcp = dgram.createSocket('udp4')
    const ok = await new Promise<boolean>((resolve) => {
      rtcp.once('error', () => resolve(false))
      rtcp.bind(port + 1, '127.0.0.1', () => resolve(true))
    })
    if (!ok) {
      rtp.close()
      continue
    }
    rtp.on('message', (m) => counter.add(m))
    return { rtp, rtcp, port }
  }
}

/** A process that binds an RTP/RTCP pair with the smallest receive buffer and never reads it. */
async function stalledUdpPair(): Promise<{ child: ChildProcess; port: number }> {
  const script = [
    'import socket, sys, time',
    'while True:',
    '  a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    '  a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)',
    "  a.bind(('127.0.0.1', 0))",
    '  p = a.getsockname()[1]',
    '  if p % 2: a.close(); continue',
    '  b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    "  try: b.bind(('127.0.0.1', p + 1))",
    '  except OSError: a.close(); continue',
    '  break',
    'print(p, flush=True)',
    'time.sleep(120)',
  ].join('\n')
  const child = spawn(DEBIAN_PYTHON, ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())))
    child.once('error', reject)
  })
  return { child, port }
}

/**
 * A TCP reader that plays and then never reads, with the smallest receive buffer, so the server's socket
 * backs up at once (a Node socket's buffers would absorb megabytes first). Prints its session id.
 */
async function stalledTcpReader(port: number, url: string): Promise<{ child: ChildProcess; session: string }> {
  const script = path.join(ROOT, 'test/interop/stalled_tcp_reader.py')
  const child = spawn(DEBIAN_PYTHON, [script, String(port), url], { stdio: ['ignore', 'pipe', 'inherit'] })
  const session = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))
    child.once('error', reject)
  })
  return { child, session }
}

/** A port nobody listens on (bound, then closed): datagrams to it draw ICMP port unreachable. */
async function closedPort(): Promise<number> {
  for (;;) {
    const s = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve))
    const port = s.address().port
    s.close()
    if (port % 2 === 0 && port < 65534) return port
  }
}

const kernelRcvbufErrors = (): number => {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'))
  const names = lines[0]!.split(/\s+/)
  return Number(lines[1]!.split(/\s+/)[names.indexOf('RcvbufErrors')])
}

describe('slow readers: bounded per-reader queues for TCP and UDP', () => {
  let srv: TestServer
  let api: ApiServer
  const warnings: { msg: string; session: string }[] = []

  before(async () => {
    const clip = await h264File({
      width: 1280,
      height: 720,
      fps: 30,
      seconds: 20,
      gop: 30,
      extra: ['-b:v', '4M', '-maxrate', '4M', '-bufsize', '2M'],
    })
    const logger: Logger = {
      info() {},
      debug() {},
      warn: (msg, fields) => warnings.push({ msg, session: String(fields?.session ?? '') }),
    }
    srv = await startServer({ fast: `file:${clip}` }, { maxReaderQueueBytes: QUEUE_BYTES, logger })
    api = new ApiServer({ server: srv.server, port: 0 })
    await api.start()
  })
  after(async () => {
    await api.close()
    await srv.stop()
  })

  it('50 readers get every packet while a stalled TCP, a full UDP and a closed UDP reader drop and count', async () => {
    const url = srv.url('fast')
    const stream = srv.server.getStream('fast')!
    const track = stream.video!
    // At each PLAY: the units pushed so far and the instant-start burst queued for the session.
    const atPlay = new Map<string, { pushed: number; burst: number }>()
    srv.server.on('play', (e) => {
      const s = srv.server.stats().sessions.find((x) => x.id === e.sessionId)!
      atPlay.set(e.sessionId, { pushed: track.unitsIn, burst: s.tracks[0]!.framesQueued ?? 0 })
    })
    const children: ChildProcess[] = []
    const sockets: dgram.Socket[] = []
    const readers: Reader[] = []
    const normal: { reader: Reader; counter: SeqCounter }[] = []
    const rcvbufBefore = kernelRcvbufErrors()
    try {
      for (let i = 0; i < NORMAL_TCP; i++) {
        const r = await Reader.connect(srv.server.port)
        readers.push(r)
        await r.play(url, 'RTP/AVP/TCP;unicast;interleaved=0-1')
        normal.push({ reader: r, counter: r.rtp })
      }
      for (let i = 0; i < NORMAL_UDP; i++) {
        const counter = new SeqCounter()
        const pair = await udpPair(counter)
        sockets.push(pair.rtp, pair.rtcp)
        const r = await Reader.connect(srv.server.port)
        readers.push(r)
        await r.play(url, `RTP/AVP;unicast;client_port=${pair.port}-${pair.port + 1}`)
        normal.push({ reader: r, counter })
      }
      const stalledTcp = await stalledTcpReader(srv.server.port, url)
      children.push(stalledTcp.child)
      const full = await stalledUdpPair()
      children.push(full.child)
      const fullUdp = await Reader.connect(srv.server.port)
      readers.push(fullUdp)
      await fullUdp.play(url, `RTP/AVP;unicast;client_port=${full.port}-${full.port + 1}`)
      const closed = await closedPort()
      const closedUdp = await Reader.connect(srv.server.port)
      readers.push(closedUdp)
      await closedUdp.play(url, `RTP/AVP;unicast;client_port=${closed}-${closed + 1}`)

      await new Promise((r) => setTimeout(r, RUN_MS))
      // Stop the source, let every queue drain, then compare counters.
      srv.handles[0]!.stop()
      await new Promise((r) => setTimeout(r, 500))
      const pushedEnd = track.unitsIn
      const stats = new Map(srv.server.stats().sessions.map((s) => [s.id, s]))

      for (const { reader, counter } of normal) {
        const s = stats.get(reader.session)!.tracks[0]!
        assert.equal(counter.gaps, 0, `reader ${reader.session}: no sequence gap`)
        assert.equal(s.framesDropped, 0, `reader ${reader.session}: nothing dropped`)
        assert.equal(counter.packets, s.packetsSent, `reader ${reader.session}: got every packet sent`)
        const p = atPlay.get(reader.session)!
        assert.equal(
          s.framesSent,
          p.burst + (pushedEnd - p.pushed),
          `reader ${reader.session}: every unit since PLAY, and the GOP before it`,
        )
      }

      const stalled = stats.get(stalledTcp.session)!.tracks[0]!
      const p = atPlay.get(stalledTcp.session)!
      assert.ok(stalled.framesDropped > 0, 'the stalled TCP reader dropped frames')
      assert.equal(
        stalled.framesSent + stalled.framesDropped + (stalled.framesQueued ?? 0),
        p.burst + (pushedEnd - p.pushed),
        'every unit is sent, dropped or still queued: none is lost uncounted',
      )
      assert.equal(warnings.filter((w) => w.session === stalledTcp.session && /reader too slow/.test(w.msg)).length, 1, 'logged once')

      // The full receive buffer is the kernel's to drop: the server kept sending, and nobody else noticed.
      assert.ok(kernelRcvbufErrors() > rcvbufBefore, 'the stalled UDP reader really had a full receive buffer')
      const fullStats = stats.get(fullUdp.session)!.tracks[0]!
      assert.ok(fullStats.framesSent > 0)
      assert.ok(stats.get(closedUdp.session)!.tracks[0]!.sendErrors > 0, 'send errors to a closed port are counted')

      // Visible in the API and in metrics.
      const sessions = (await (await fetch(`${api.url}/v1/sessions`)).json()) as { items: SessionView[] }
      const view = sessions.items.find((s) => s.id === stalledTcp.session)!
      assert.equal(view.framesDropped, stalled.framesDropped)
      assert.ok(sessions.items.find((s) => s.id === closedUdp.session)!.sendErrors > 0)
      const metrics = parsePrometheus(await (await fetch(`${api.url}/metrics`)).text())
      assert.equal(sampleValue(metrics, 'rtspkit_session_frames_dropped_total', { session: stalledTcp.session }), stalled.framesDropped)
    } finally {
      for (const r of readers) r.socket.destroy()
      for (const s of sockets) s.close()
      for (const c of children) c.kill()
    }
  })
})
