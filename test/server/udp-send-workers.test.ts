// UDP send workers (server option `workers`): readers spread over worker threads, RTP from the
// server_port the SETUP reply named, a killed worker replaced with its readers sent a BYE, a stalled
// worker costing its own readers only.
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { describe, it } from 'node:test'
import { parseRtcp, serializeRtcp } from '../../src/rtcp/compound.js'
import { RtcpGoodbye } from '../../src/rtcp/goodbye.js'
import { RtcpReceiverReport } from '../../src/rtcp/receiver-report.js'
import { parseTransport } from '../../src/rtsp/headers/transport.js'
import { RtspServer, type SessionEvent } from '../../src/server/rtsp-server.js'
import type { ServerStream } from '../../src/server/server-stream.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { hex } from '../helpers/split.js'
import { bindClientPair } from '../helpers/udp-client.js'
import { waitUntil } from '../helpers/wait.js'

const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(6000, 0x11)])
const P_SLICE = Buffer.concat([hex('41 9a 02'), Buffer.alloc(2500, 0x22)])
const FPS = 50

async function withServer(opts: ConstructorParameters<typeof RtspServer>[0] = {}) {
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', workers: 2, ...opts })
  const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS } })
  await server.start()
  return { server, cam, base: `rtsp://127.0.0.1:${server.port}/cam` }
}

function startPushing(cam: ServerStream, gop = 10): { stop: () => void; lateTicks: () => number } {
  let i = 0
  let late = 0
  let last = Date.now()
  const t = setInterval(() => {
    const now = Date.now()
    // A publisher held up by the stalled worker would miss a whole second; a busy machine only a few ticks.
    if (now - last > 1000) late++
    last = now
    cam.pushVideo(i % gop === 0 ? [IDR] : [P_SLICE], (i * 1000) / FPS)
    i++
  }, 1000 / FPS)
  return { stop: () => clearInterval(t), lateTicks: () => late }
}

/** A UDP reader made by hand: its RTP and RTCP sockets, what arrived and from which port. */
class RawUdpReader {
  packets = 0
  lost = 0
  byes = 0
  fromPorts = new Set<number>()
  rtcpFromPorts = new Set<number>()
  serverPorts: [number, number] = [0, 0]
  session = ''
  private lastSeq = -1
  private constructor(
    readonly rtp: dgram.Socket,
    readonly rtcp: dgram.Socket,
    readonly conn: RawRtspConnection,
  ) {
    rtp.on('message', (m, rinfo) => {
      this.packets++
      this.fromPorts.add(rinfo.port)
      const seq = m.readUInt16BE(2)
      if (this.lastSeq >= 0) this.lost += (seq - this.lastSeq - 1) & 0xffff
      this.lastSeq = seq
    })
    rtcp.on('message', (m, rinfo) => {
      this.rtcpFromPorts.add(rinfo.port)
      if (parseRtcp(Buffer.from(m)).some((p) => p instanceof RtcpGoodbye)) this.byes++
    })
  }

  static async open(server: RtspServer, base: string): Promise<RawUdpReader> {
    const { rtp, rtcp } = await bindClientPair()
    const reader = new RawUdpReader(rtp, rtcp, await RawRtspConnection.connect(server.port))
    const port = rtp.address().port
    const s = await reader.conn.request('SETUP', `${base}/trackID=0`, { Transport: `RTP/AVP;unicast;client_port=${port}-${port + 1}` })
    assert.equal(s.statusCode, 200)
    reader.serverPorts = parseTransport(s.headers.get('Transport')!)[0]!.serverPort!
    reader.session = s.headers.get('Session')!.split(';')[0]!
    assert.equal((await reader.conn.request('PLAY', base, { Session: reader.session })).statusCode, 200)
    return reader
  }

  /** A receiver report to the server's RTCP port, as a player sends. */
  report(): void {
    const rr = new RtcpReceiverReport({ ssrc: 0x1234, reports: [] })
    this.rtcp.send(serializeRtcp([rr]), this.serverPorts[1], '127.0.0.1')
  }

  close(): void {
    this.conn.close()
    this.rtp.close()
    this.rtcp.close()
  }
}

async function readers(n: number, server: RtspServer, base: string): Promise<RawUdpReader[]> {
  const out: RawUdpReader[] = []
  for (let i = 0; i < n; i++) out.push(await RawUdpReader.open(server, base))
  return out
}

describe('UDP send workers', () => {
  it('spreads readers over the workers; RTP leaves from the announced server_port; RTCP from readers reaches the session', async () => {
    const ctx = await withServer()
    const pushing = startPushing(ctx.cam)
    const rs = await readers(4, ctx.server, ctx.base)
    try {
      const stats = ctx.server.sendWorkers!.stats()
      assert.deepEqual(
        stats.map((s) => s.links),
        [2, 2],
      )
      await waitUntil(() => rs.every((r) => r.packets > 100), 5000, 'every reader receives RTP')
      for (const r of rs) {
        assert.deepEqual([...r.fromPorts], [r.serverPorts[0]], 'RTP comes from server_port')
        assert.equal(r.lost, 0)
        r.report()
      }
      await waitUntil(
        () => ctx.server.stats().sessions.every((s) => s.tracks[0]!.receiverReports > 0),
        3000,
        'receiver reports reach the sessions',
      )
    } finally {
      pushing.stop()
      rs.forEach((r) => r.close())
      await ctx.server.stop()
    }
  })

  it('a killed worker is replaced: its readers get an RTCP BYE from their server ports and their sessions end; the others play on', async () => {
    const ctx = await withServer()
    const pushing = startPushing(ctx.cam)
    const teardowns: SessionEvent[] = []
    ctx.server.on('teardown', (e) => teardowns.push(e))
    const rs = await readers(4, ctx.server, ctx.base)
    try {
      await waitUntil(() => rs.every((r) => r.packets > 50), 5000, 'every reader receives RTP')
      const onZero = ctx.server.stats().sessions.filter((s) => s.tracks.length > 0)
      assert.equal(onZero.length, 4)
      await ctx.server.sendWorkers!.thread(0)!.terminate()
      await waitUntil(() => teardowns.length === 2, 3000, 'two sessions end')
      assert.ok(teardowns.every((e) => e.reason === 'UDP send worker exited'))
      const ended = new Set(teardowns.map((e) => e.sessionId))
      const lost = rs.filter((r) => ended.has(r.session))
      const kept = rs.filter((r) => !ended.has(r.session))
      assert.equal(lost.length, 2)
      await waitUntil(() => lost.every((r) => r.byes > 0), 3000, 'BYE to the lost readers')
      for (const r of lost) assert.deepEqual([...r.rtcpFromPorts], [r.serverPorts[1]], 'BYE from the RTCP server_port')
      const before = kept.map((r) => r.packets)
      await new Promise((r) => setTimeout(r, 500))
      kept.forEach((r, i) => assert.ok(r.packets > before[i]! + 20, 'the other worker still sends'))
      assert.equal(ctx.server.sendWorkers!.stats()[0]!.restarts, 1)
      // The replacement takes new readers.
      const late = await readers(2, ctx.server, ctx.base)
      rs.push(...late)
      await waitUntil(() => late.every((r) => r.packets > 50), 5000, 'new readers receive RTP')
    } finally {
      pushing.stop()
      rs.forEach((r) => r.close())
      await ctx.server.stop()
    }
  })

  it('a stalled worker costs only its own readers: the publisher and the other worker go on', async () => {
    const ctx = await withServer()
    const pushing = startPushing(ctx.cam)
    const rs = await readers(4, ctx.server, ctx.base)
    try {
      await waitUntil(() => rs.every((r) => r.packets > 50), 5000, 'every reader receives RTP')
      const links = ctx.server.sendWorkers!.stats()
      assert.deepEqual(
        links.map((l) => l.links),
        [2, 2],
      )
      ctx.server.sendWorkers!.stall(0, 1800)
      // What worker 0 had been handed before the stall may still arrive: count from a little later.
      await new Promise((r) => setTimeout(r, 150))
      const before = rs.map((r) => r.packets)
      await new Promise((r) => setTimeout(r, 1000))
      const during = rs.map((r, i) => r.packets - before[i]!)
      // One second of 50 fps: over 100 packets. Readers of worker 1 get them (half is plenty on a busy machine); those of worker 0 none.
      const moving = during.filter((d) => d > 40).length
      const stopped = during.filter((d) => d === 0).length
      assert.equal(moving, 2, `two readers keep receiving during the stall (${during.join(', ')})`)
      assert.equal(stopped, 2, `two readers wait for their worker (${during.join(', ')})`)
      assert.equal(pushing.lateTicks(), 0, 'the publisher was never held up')
      await waitUntil(() => rs.every((r, i) => r.packets > before[i]! + 150), 5000, 'the stalled worker catches up')
    } finally {
      pushing.stop()
      rs.forEach((r) => r.close())
      await ctx.server.stop()
    }
  })
})
