import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { after, before, describe, it } from 'node:test'
import { parseRtcp, serializeRtcp } from '../../src/rtcp/compound.js'
import { RtcpReceiverReport } from '../../src/rtcp/receiver-report.js'
import { RtcpGoodbye } from '../../src/rtcp/goodbye.js'
import { RtcpSenderReport } from '../../src/rtcp/sender-report.js'
import { RtcpSourceDescription } from '../../src/rtcp/source-description.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import { parseRtpInfo } from '../../src/rtsp/headers/rtp-info.js'
import { parseTransport } from '../../src/rtsp/headers/transport.js'
import { parseSdp } from '../../src/sdp/sdp.js'
import { RtspServer, type SessionEvent } from '../../src/server/rtsp-server.js'
import type { ServerStream } from '../../src/server/server-stream.js'
import { ntpToMs } from '../../src/util/ntp.js'
import { hex } from '../helpers/split.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'

// x264 baseline 320x240 parameter sets.
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(3000, 0x11)]) // type 5, large enough for FU-A
const P_SLICE = Buffer.concat([hex('41 9a 02'), Buffer.alloc(500, 0x22)]) // type 1

async function withServer(opts: ConstructorParameters<typeof RtspServer>[0] = {}) {
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', ...opts })
  const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS } })
  await server.start()
  return { server, cam, base: `rtsp://127.0.0.1:${server.port}/cam` }
}

function startPushing(cam: ServerStream, gop = 10, fps = 50): () => void {
  let i = 0
  const t = setInterval(() => {
    cam.pushVideo(i % gop === 0 ? [IDR] : [P_SLICE], (i * 1000) / fps)
    i++
  }, 1000 / fps)
  return () => clearInterval(t)
}

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4')
    s.once('error', (e) => {
      s.close()
      reject(e)
    })
    s.bind(port, '0.0.0.0', () => resolve(s))
  })
}

async function setupPlayTcp(c: RawRtspConnection, base: string) {
  const setup = await c.request('SETUP', `${base}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
  assert.equal(setup.statusCode, 200)
  const session = setup.headers.get('Session')!.split(';')[0]!
  const play = await c.request('PLAY', `${base}/`, { Session: session, Range: 'npt=0.000-' })
  assert.equal(play.statusCode, 200)
  return { session, play }
}

describe('RtspServer protocol', () => {
  let ctx: Awaited<ReturnType<typeof withServer>>
  let stopPush: () => void
  before(async () => {
    ctx = await withServer()
    stopPush = startPushing(ctx.cam)
  })
  after(async () => {
    stopPush()
    await ctx.server.stop()
  })

  it('answers OPTIONS with Public, CSeq right after the status line, then the rest', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    c.write('OPTIONS * RTSP/1.0\r\nCSeq: 7\r\nUser-Agent: test\r\n\r\n')
    const res = await c.nextResponse()
    assert.equal(res.statusCode, 200)
    assert.match(res.headers.get('Public')!, /DESCRIBE.*SETUP.*PLAY.*PAUSE.*TEARDOWN.*GET_PARAMETER.*SET_PARAMETER/)
    assert.match(c.rawText, /^RTSP\/1\.0 200 OK\r\nCSeq: 7\r\n/)
    c.close()
  })

  it('DESCRIBE returns SDP with Content-Base, rtpmap, fmtp with sprop-parameter-sets and a control per track', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    const res = await c.request('DESCRIBE', ctx.base, { Accept: 'application/sdp' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers.get('Content-Type'), 'application/sdp')
    assert.equal(res.headers.get('Content-Base'), `${ctx.base}/`)
    const sdp = parseSdp(res.body.toString())
    assert.equal(sdp.media.length, 1)
    const m = sdp.media[0]!
    assert.equal(m.type, 'video')
    assert.deepEqual(m.formats, ['96'])
    const attr = (k: string) => m.attributes.find((a) => a.key === k)?.value
    assert.equal(attr('rtpmap'), '96 H264/90000')
    assert.match(attr('fmtp')!, /packetization-mode=1/)
    assert.match(attr('fmtp')!, /profile-level-id=42C00D/i)
    assert.match(attr('fmtp')!, new RegExp(`sprop-parameter-sets=${SPS.toString('base64')},${PPS.toString('base64')}`))
    assert.equal(attr('control'), 'trackID=0')
    c.close()
  })

  it('DESCRIBE of an unknown path is 404; user:pass@ URLs work and credentials are not echoed', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    assert.equal((await c.request('DESCRIBE', `rtsp://127.0.0.1:${ctx.server.port}/nope`)).statusCode, 404)
    const res = await c.request('DESCRIBE', `rtsp://user:secret@127.0.0.1:${ctx.server.port}/cam`)
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers.get('Content-Base'), `${ctx.base}/`)
    c.close()
  })

  for (const [label, uri] of [
    ['absolute control URL', (b: string) => `${b}/trackID=0`],
    ["ffmpeg's streamid=N", (b: string) => `${b}/streamid=0`],
    ["VLC's aggregate URL on a single-track stream", (b: string) => b],
    ['a trailing slash', (b: string) => `${b}/`],
    ['user:pass@ in the URL', (b: string) => b.replace('rtsp://', 'rtsp://u:p@') + '/trackID=0'],
  ] as const) {
    it(`SETUP accepts ${label}`, async () => {
      const c = await RawRtspConnection.connect(ctx.server.port)
      const res = await c.request('SETUP', uri(ctx.base), { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
      assert.equal(res.statusCode, 200)
      assert.match(res.headers.get('Session')!, /^\d+;timeout=60$/)
      const t = parseTransport(res.headers.get('Transport')!)[0]!
      assert.deepEqual(t.interleaved, [0, 1])
      c.close()
    })
  }

  it('SETUP over UDP answers client_port and server_port and an SSRC; TEARDOWN releases the ports', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    const res = await c.request('SETUP', `${ctx.base}/trackID=0`, { Transport: 'RTP/AVP;unicast;client_port=40000-40001' })
    assert.equal(res.statusCode, 200)
    const t = parseTransport(res.headers.get('Transport')!)[0]!
    assert.deepEqual(t.clientPort, [40000, 40001])
    assert.ok(t.serverPort && t.serverPort[0] % 2 === 0 && t.serverPort[1] === t.serverPort[0] + 1)
    assert.ok(t.ssrc !== undefined)
    await assert.rejects(bindUdp(t.serverPort[0]), 'port held while the session lives')
    await c.request('TEARDOWN', ctx.base, { Session: res.headers.get('Session')! })
    await new Promise((r) => setTimeout(r, 50))
    for (const port of t.serverPort) (await bindUdp(port)).close()
    c.close()
  })

  it('SETUP picks the first supported of several transports, and 461 when none is', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    const bad = await c.request('SETUP', `${ctx.base}/trackID=0`, {
      Transport: 'RTP/SAVP;unicast;client_port=4000-4001, RAW/RAW/UDP;unicast;client_port=5000',
    })
    assert.equal(bad.statusCode, 461)
    const none = await c.request('SETUP', `${ctx.base}/trackID=0`, {})
    assert.equal(none.statusCode, 461)
    const ok = await c.request('SETUP', `${ctx.base}/trackID=0`, {
      Transport: 'RTP/SAVP;unicast;client_port=4000-4001,RTP/AVP/TCP;unicast;interleaved=2-3',
    })
    assert.equal(ok.statusCode, 200)
    assert.deepEqual(parseTransport(ok.headers.get('Transport')!)[0]!.interleaved, [2, 3])
    c.close()
  })

  it('status codes: 454 unknown session, 455 wrong state, 459 other stream, 404 unknown track, 501, 400 without CSeq, 505', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    assert.equal((await c.request('PLAY', ctx.base, { Session: '12345' })).statusCode, 454)
    assert.equal((await c.request('PLAY', ctx.base)).statusCode, 454)
    assert.equal((await c.request('PAUSE', ctx.base, { Session: '999' })).statusCode, 454)
    assert.equal((await c.request('TEARDOWN', ctx.base, { Session: '999' })).statusCode, 454)
    assert.equal((await c.request('SETUP', `${ctx.base}/trackID=5`, { Transport: 'RTP/AVP/TCP;interleaved=0-1' })).statusCode, 404)
    const s = await c.request('SETUP', `${ctx.base}/trackID=0`, { Transport: 'RTP/AVP/TCP;interleaved=0-1' })
    const session = s.headers.get('Session')!
    ctx.server.addStream('other', { video: { codec: 'jpeg' } })
    try {
      const other = await c.request('SETUP', `rtsp://127.0.0.1:${ctx.server.port}/other/trackID=0`, {
        Session: session,
        Transport: 'RTP/AVP/TCP;interleaved=2-3',
      })
      assert.equal(other.statusCode, 459)
    } finally {
      ctx.server.removeStream('other')
    }
    assert.equal((await c.request('PLAY', ctx.base, { Session: session })).statusCode, 200)
    // SETUP while playing is not allowed in this state.
    assert.equal(
      (await c.request('SETUP', `${ctx.base}/trackID=0`, { Session: session, Transport: 'RTP/AVP/TCP;interleaved=0-1' })).statusCode,
      455,
    )
    assert.equal((await c.request('ANNOUNCE_X', ctx.base)).statusCode, 501)
    c.write('OPTIONS * RTSP/1.0\r\nUser-Agent: no-cseq\r\n\r\n')
    assert.equal((await c.nextResponse()).statusCode, 400)
    c.write('OPTIONS * RTSP/2.0\r\nCSeq: 40\r\n\r\n')
    const v = await c.nextResponse()
    assert.equal(v.statusCode, 505)
    assert.equal(v.headers.get('CSeq'), '40')
    c.close()
  })

  it('PLAY answers RTP-Info (url, seq, rtptime), Range and Session; a session id is digits only', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    const { session, play } = await setupPlayTcp(c, ctx.base)
    assert.match(session, /^\d+$/)
    assert.match(play.headers.get('Range')!, /^npt=/)
    assert.match(c.rawText, /RTSP\/1\.0 200 OK\r\nCSeq: 2\r\nSession: \d+;timeout=60\r\n/)
    const info = parseRtpInfo(play.headers.get('RTP-Info')!)
    assert.equal(info.length, 1)
    assert.equal(info[0]!.url, `${ctx.base}/trackID=0`)
    assert.ok(Number.isInteger(info[0]!.seq) && Number.isInteger(info[0]!.rtptime))
    // Media arrives on channel 0, starting at a keyframe: the first packet carries SPS (in a STAP-A) before the IDR.
    await c.waitFor(() => c.interleaved.some((f) => f.channel === 0))
    const first = RtpPacket.parse(c.interleaved.find((f) => f.channel === 0)!.payload)
    const nalType = first.payload[0]! & 0x1f
    assert.ok(nalType === 24 || nalType === 7, `first NAL type ${nalType}`)
    if (nalType === 24) assert.equal(first.payload[3]! & 0x1f, 7)
    assert.ok(((first.sequenceNumber - info[0]!.seq! + 65536) & 0xffff) < 1000, 'first seq is at or after RTP-Info seq')
    // An RTCP sender report with CNAME comes on channel 1.
    await c.waitFor(() => c.interleaved.some((f) => f.channel === 1))
    const rtcp = parseRtcp(c.interleaved.find((f) => f.channel === 1)!.payload)
    assert.ok(rtcp[0] instanceof RtcpSenderReport)
    assert.ok(rtcp[1] instanceof RtcpSourceDescription)
    assert.equal(rtcp[0].ssrc, first.ssrc)
    await c.request('TEARDOWN', ctx.base, { Session: session })
    c.close()
  })

  it('keep-alive: GET_PARAMETER (empty or not), SET_PARAMETER, OPTIONS, and a Session header that echoes ;timeout=', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    const s = await c.request('SETUP', `${ctx.base}/trackID=0`, { Transport: 'RTP/AVP/TCP;interleaved=0-1' })
    const session = s.headers.get('Session')! // includes ;timeout=60
    assert.equal((await c.request('GET_PARAMETER', ctx.base, { Session: session })).statusCode, 200)
    assert.equal(
      (await c.request('GET_PARAMETER', ctx.base, { Session: session, 'Content-Type': 'text/parameters' }, 'position\r\n')).statusCode,
      200,
    )
    assert.equal(
      (await c.request('SET_PARAMETER', ctx.base, { Session: session, 'Content-Type': 'text/parameters' }, 'x: y\r\n')).statusCode,
      200,
    )
    assert.equal((await c.request('OPTIONS', ctx.base, { Session: session })).statusCode, 200)
    assert.equal((await c.request('PLAY', ctx.base, { Session: session })).statusCode, 200)
    assert.equal((await c.request('PAUSE', ctx.base, { Session: session })).statusCode, 200)
    assert.equal((await c.request('PLAY', ctx.base, { Session: session })).statusCode, 200)
    assert.equal((await c.request('TEARDOWN', ctx.base, { Session: session })).statusCode, 200)
    assert.equal((await c.request('PLAY', ctx.base, { Session: session })).statusCode, 454)
    c.close()
  })

  it('counts RTCP receiver reports arriving on the interleaved RTCP channel', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    const { session } = await setupPlayTcp(c, ctx.base)
    const rr = serializeRtcp([new RtcpReceiverReport({ ssrc: 0x1234, reports: [] })])
    const frame = Buffer.concat([Buffer.from([0x24, 1, 0, rr.length]), rr])
    c.write(Buffer.concat([frame, frame]))
    const stats = () => ctx.server.stats().sessions.find((s) => s.id === session)!.tracks[0]!.receiverReports
    await c.waitFor(() => stats() === 2)
    await c.request('TEARDOWN', ctx.base, { Session: session })
    c.close()
  })

  it('pipelined requests in one write are answered in order', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    c.write(
      `OPTIONS ${ctx.base} RTSP/1.0\r\nCSeq: 1\r\n\r\nDESCRIBE ${ctx.base} RTSP/1.0\r\nCSeq: 2\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 3\r\n\r\n`,
    )
    const cseqs = [
      (await c.nextResponse()).headers.get('CSeq'),
      (await c.nextResponse()).headers.get('CSeq'),
      (await c.nextResponse()).headers.get('CSeq'),
    ]
    assert.deepEqual(cseqs, ['1', '2', '3'])
    c.close()
  })

  it('LF-only requests from old clients are understood', async () => {
    const c = await RawRtspConnection.connect(ctx.server.port)
    c.write(`OPTIONS ${ctx.base} RTSP/1.0\nCSeq: 1\n\n`)
    assert.equal((await c.nextResponse()).statusCode, 200)
    c.close()
  })
})

describe('RtspServer under bad input', () => {
  it('garbage, a 1 MB header line, a request without CSeq: right answers while another client keeps streaming', async () => {
    const ctx = await withServer()
    const stop = startPushing(ctx.cam)
    try {
      const good = await RawRtspConnection.connect(ctx.server.port)
      await setupPlayTcp(good, ctx.base)
      await good.waitFor(() => good.interleaved.length > 5)

      const garbage = await RawRtspConnection.connect(ctx.server.port)
      garbage.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]))
      const g = await garbage.nextResponse()
      assert.equal(g.statusCode, 400)
      await garbage.waitFor(() => garbage.closed)

      const huge = await RawRtspConnection.connect(ctx.server.port)
      huge.write('OPTIONS * RTSP/1.0\r\nX-Big: ')
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      for (let i = 0; i < 16 && !huge.closed; i++) {
        huge.write(chunk)
        await new Promise((r) => setImmediate(r))
      }
      await huge.waitFor(() => huge.closed, 5000)

      const nocseq = await RawRtspConnection.connect(ctx.server.port)
      nocseq.write('DESCRIBE rtsp://127.0.0.1/cam RTSP/1.0\r\n\r\n')
      assert.equal((await nocseq.nextResponse()).statusCode, 400)
      assert.equal((await nocseq.request('OPTIONS', '*')).statusCode, 200, 'connection stays usable after a 400 for a missing CSeq')
      nocseq.close()

      const before = good.interleaved.length
      await good.waitFor(() => good.interleaved.length > before + 10)
      assert.equal(ctx.server.stats().sessions.length, 1, 'no session leaked')
      good.close()
    } finally {
      stop()
      await ctx.server.stop()
    }
  })

  it('refuses sessions beyond maxSessions with 503', async () => {
    const ctx = await withServer({ maxSessions: 1 })
    try {
      const c = await RawRtspConnection.connect(ctx.server.port)
      assert.equal((await c.request('SETUP', `${ctx.base}/trackID=0`, { Transport: 'RTP/AVP/TCP;interleaved=0-1' })).statusCode, 200)
      assert.equal((await c.request('SETUP', `${ctx.base}/trackID=0`, { Transport: 'RTP/AVP/TCP;interleaved=2-3' })).statusCode, 503)
      c.close()
    } finally {
      await ctx.server.stop()
    }
  })
})

describe('RtspServer sessions', () => {
  it('emits setup, play, pause and teardown with path and session id; closing the TCP connection tears down', async () => {
    const ctx = await withServer()
    const events: [string, SessionEvent][] = []
    for (const ev of ['setup', 'play', 'pause', 'teardown'] as const) ctx.server.on(ev, (e) => events.push([ev, e]))
    try {
      const c = await RawRtspConnection.connect(ctx.server.port)
      const { session } = await setupPlayTcp(c, ctx.base)
      await c.request('PAUSE', ctx.base, { Session: session })
      c.close()
      await new Promise((r) => setTimeout(r, 200))
      assert.deepEqual(
        events.map(([e]) => e),
        ['setup', 'play', 'pause', 'teardown'],
      )
      for (const [, e] of events) {
        assert.equal(e.path, 'cam')
        assert.equal(e.sessionId, session)
      }
      assert.equal(events[3]![1].reason, 'connection closed')
      assert.equal(ctx.server.stats().sessions.length, 0)
    } finally {
      await ctx.server.stop()
    }
  })

  it('UDP: RTP to client_port, sender reports map RTP time to push time, BYE at teardown, idle sessions time out', async () => {
    const ctx = await withServer({ sessionTimeout: 1, rtcpInterval: 200 })
    const rtp = dgram.createSocket('udp4')
    const rtcp = dgram.createSocket('udp4')
    await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', r))
    const rtpPort = rtp.address().port
    await new Promise<void>((r, j) => {
      rtcp.once('error', j)
      rtcp.bind(rtpPort + 1, '127.0.0.1', r)
    })
    const media: RtpPacket[] = []
    const reports: ReturnType<typeof parseRtcp>[] = []
    rtp.on('message', (m) => media.push(RtpPacket.parse(Buffer.from(m))))
    rtcp.on('message', (m) => reports.push(parseRtcp(Buffer.from(m))))
    const teardowns: SessionEvent[] = []
    ctx.server.on('teardown', (e) => teardowns.push(e))
    const pushTimes: { rtp: number; wall: number }[] = []
    let i = 0
    const timer = setInterval(() => {
      ctx.cam.pushVideo([i % 10 === 0 ? IDR : P_SLICE], i * 20)
      pushTimes.push({ rtp: ctx.cam.video!.rtpTimestampFor(i * 20), wall: Date.now() })
      i++
    }, 20)
    try {
      const c = await RawRtspConnection.connect(ctx.server.port)
      const s = await c.request('SETUP', `${ctx.base}/trackID=0`, { Transport: `RTP/AVP;unicast;client_port=${rtpPort}-${rtpPort + 1}` })
      assert.equal(s.statusCode, 200)
      const session = s.headers.get('Session')!
      assert.equal((await c.request('PLAY', ctx.base, { Session: session })).statusCode, 200)
      await c.waitFor(() => media.length > 20 && reports.length >= 2, 5000)
      assert.ok(media.every((p) => p.payloadType === 96))
      assert.ok(media.some((p) => p.marker))
      const sr = reports[reports.length - 1]!.find((p) => p instanceof RtcpSenderReport) as RtcpSenderReport
      assert.ok(sr, 'sender report received')
      // RTP time in the SR corresponds to its NTP time on the push clock: compare with the nearest push.
      const srWall = ntpToMs(sr.ntpSeconds, sr.ntpFraction)
      const nearest = pushTimes.reduce((a, b) => (Math.abs(b.wall - srWall) < Math.abs(a.wall - srWall) ? b : a))
      const predicted = nearest.rtp + ((srWall - nearest.wall) * 90000) / 1000
      assert.ok(Math.abs((sr.rtpTimestamp - predicted) | 0) < 90000 * 0.05, 'SR RTP time within 50 ms of the push-time mapping')
      const n = reports.length
      assert.equal((await c.request('TEARDOWN', ctx.base, { Session: session })).statusCode, 200)
      await c.waitFor(() => reports.slice(n).some((r) => r.some((p) => p instanceof RtcpGoodbye)), 2000)

      // A second UDP session with no keep-alive expires after the 1 s timeout even though the connection stays open.
      const s2 = await c.request('SETUP', `${ctx.base}/trackID=0`, { Transport: `RTP/AVP;unicast;client_port=${rtpPort}-${rtpPort + 1}` })
      assert.equal(s2.statusCode, 200)
      await c.waitFor(() => teardowns.some((e) => e.reason === 'timeout'), 4000)
      assert.equal(ctx.server.stats().sessions.length, 0)
      c.close()
    } finally {
      clearInterval(timer)
      rtp.close()
      rtcp.close()
      await ctx.server.stop()
    }
  })

  it('a late joiner starts at a keyframe; a slow TCP reader drops whole frames without slowing another reader', async () => {
    const ctx = await withServer({ maxReaderQueueBytes: 256 * 1024 })
    const big = Buffer.concat([hex('41 9a 02'), Buffer.alloc(60_000, 0x22)])
    let i = 0
    const timer = setInterval(() => {
      for (let k = 0; k < 4; k++, i++) ctx.cam.pushVideo([i % 25 === 0 ? IDR : big], i * 10)
    }, 20)
    try {
      const slow = await RawRtspConnection.connect(ctx.server.port)
      await setupPlayTcp(slow, ctx.base)
      slow.socket.pause() // never reads: its queue fills up
      const fast = await RawRtspConnection.connect(ctx.server.port)
      await setupPlayTcp(fast, ctx.base)
      // Kernel socket buffers absorb a few MB first; then the slow reader's queue overflows.
      const drops = () => ctx.server.stats().sessions.map((s) => s.tracks[0]!.framesDropped)
      await fast.waitFor(() => drops().some((d) => d > 0), 20000)
      const stats = ctx.server.stats().sessions
      const dropped = stats.map((s) => s.tracks[0]!.framesDropped)
      assert.ok(
        dropped.some((d) => d > 0),
        `slow reader dropped frames: ${dropped.join(',')}`,
      )
      assert.ok(
        dropped.some((d) => d === 0),
        'fast reader dropped nothing',
      )
      // The fast reader's stream starts with SPS (keyframe) and has no sequence gaps.
      const pkts = fast.interleaved.filter((f) => f.channel === 0).map((f) => RtpPacket.parse(f.payload))
      const firstNal = pkts[0]!.payload[0]! & 0x1f
      assert.ok(firstNal === 24 || firstNal === 7, `late joiner's first NAL type is ${firstNal}, not SPS`)
      for (let k = 1; k < pkts.length; k++) assert.equal(pkts[k]!.sequenceNumber, (pkts[k - 1]!.sequenceNumber + 1) & 0xffff)
      slow.close()
      fast.close()
    } finally {
      clearInterval(timer)
      await ctx.server.stop()
    }
  })
})

describe('RtspServer URLs and limits', () => {
  it('bare-path requests (old teaching clients) get an absolute Content-Base', async () => {
    const ctx = await withServer()
    try {
      const c = await RawRtspConnection.connect(ctx.server.port)
      c.write('DESCRIBE cam RTSP/1.0\nCSeq: 1\n\n')
      const res = await c.nextResponse()
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers.get('Content-Base'), `rtsp://127.0.0.1:${ctx.server.port}/cam/`)
      c.close()
    } finally {
      await ctx.server.stop()
    }
  })

  it('answers 503 and closes when over maxConnections, while existing connections keep working', async () => {
    const ctx = await withServer({ maxConnections: 1 })
    try {
      const first = await RawRtspConnection.connect(ctx.server.port)
      assert.equal((await first.request('OPTIONS', '*')).statusCode, 200)
      const second = await RawRtspConnection.connect(ctx.server.port)
      assert.equal((await second.request('OPTIONS', '*')).statusCode, 503)
      await second.waitFor(() => second.closed)
      assert.equal((await first.request('OPTIONS', '*')).statusCode, 200)
      first.close()
    } finally {
      await ctx.server.stop()
    }
  })

  it('urlFor uses the public host and the bound port', async () => {
    const ctx = await withServer()
    try {
      assert.equal(ctx.server.urlFor('cam'), `rtsp://127.0.0.1:${ctx.server.port}/cam`)
      assert.equal(ctx.server.urlFor('/cam/', '::1'), `rtsp://[::1]:${ctx.server.port}/cam`)
    } finally {
      await ctx.server.stop()
    }
  })
})

describe('RtspServer options', () => {
  it('treats options given as undefined as defaults and rejects nonsense values', () => {
    const s = new RtspServer({ port: 0, sessionTimeout: undefined, rtcpInterval: undefined })
    // The session header carries the default 60 s timeout.
    assert.equal((s as unknown as { opts: { sessionTimeout: number } }).opts.sessionTimeout, 60)
    assert.throws(() => new RtspServer({ sessionTimeout: Number.NaN }), { code: 'ERR_CONFIG_VALUE' })
    assert.throws(() => new RtspServer({ maxPacketSize: 0 }), { code: 'ERR_CONFIG_VALUE' })
    assert.throws(() => new RtspServer({ port: 70000 }), { code: 'ERR_CONFIG_PORT' })
  })
})
