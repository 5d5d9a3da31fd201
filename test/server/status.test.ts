// The server's counters and status for the HTTP API: bytes in and out per track, session start time
// from the injected clock, loss from receiver reports, path status, and kicking a session.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseRtcp, serializeRtcp } from '../../src/rtcp/compound.js'
import { RtcpReceiverReport } from '../../src/rtcp/receiver-report.js'
import { interleavedHeader } from '../../src/rtsp/interleaved.js'
import { RtspServer, type SessionEvent } from '../../src/server/rtsp-server.js'
import type { ServerStream } from '../../src/server/server-stream.js'
import type { Clock } from '../../src/util/clock.js'
import { hex } from '../helpers/split.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'

// x264 baseline 320x240 parameter sets.
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(3000, 0x11)])
const WALL = Date.UTC(2024, 4, 1, 12, 0, 0)
/** Wall time stands still (so createdAt is exact); monotonic time is real (timeouts work). */
const clock: Clock = { wallMs: () => WALL, monoMs: () => performance.now() }

describe('server status for the API', () => {
  let server: RtspServer
  let cam: ServerStream
  let base: string
  before(async () => {
    server = new RtspServer({ port: 0, host: '127.0.0.1', clock })
    cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS, width: 320, height: 240 } })
    server.addPublishPath('live/in')
    await server.start()
    base = `rtsp://127.0.0.1:${server.port}/cam`
  })
  after(() => server.stop())

  async function playTcp(): Promise<{ c: RawRtspConnection; session: string }> {
    const c = await RawRtspConnection.connect(server.port)
    const setup = await c.request('SETUP', `${base}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
    const session = setup.headers.get('Session')!.split(';')[0]!
    assert.equal((await c.request('PLAY', `${base}/`, { Session: session })).statusCode, 200)
    return { c, session }
  }

  it('counts bytes pushed and sent per track; a session knows its start and its reader', async () => {
    const track = cam.tracks[0]!
    const before = track.bytesIn
    cam.pushVideo([IDR])
    assert.equal(track.bytesIn - before, IDR.length)
    assert.equal(track.bytesOut, 0) // nobody reads

    const { c, session } = await playTcp()
    cam.pushVideo([IDR])
    await c.waitFor(() => c.interleaved.some((f) => f.channel === 0))
    const s = server.stats().sessions.find((x) => x.id === session)!
    assert.equal(s.createdAt, WALL)
    assert.equal(s.remoteAddress, '127.0.0.1')
    const sent = s.tracks[0]!.bytesSent
    assert.ok(sent > IDR.length, `${sent}`) // RTP headers and FU-A indicators on top
    assert.equal(track.bytesOut, sent) // the only reader
    assert.equal(server.stats().streams[0]!.tracks[0]!.bytesOut, sent)
    c.close()
  })

  it('keeps the loss of the latest receiver report about our SSRC, ignoring reports about others', async () => {
    const { c, session } = await playTcp()
    const ssrc = cam.tracks[0]!.media.ssrc
    const send = (reportSsrc: number, fractionLost: number, totalLost: number) => {
      const rr = serializeRtcp([
        new RtcpReceiverReport({
          ssrc: 0x1234,
          reports: [
            {
              ssrc: reportSsrc,
              fractionLost,
              totalLost,
              highestSequence: 1,
              jitter: 0,
              lastSenderReport: 0,
              delaySinceLastSenderReport: 0,
            },
          ],
        }),
      ])
      c.write(Buffer.concat([interleavedHeader(1, rr.length), rr]))
    }
    const stats = () => server.stats().sessions.find((x) => x.id === session)!.tracks[0]!
    assert.deepEqual([stats().fractionLost, stats().cumulativeLost], [null, null])
    send(ssrc, 64, 7)
    await c.waitFor(() => stats().receiverReports === 1)
    assert.deepEqual([stats().fractionLost, stats().cumulativeLost], [0.25, 7])
    send((ssrc + 1) >>> 0, 255, 1000)
    await c.waitFor(() => stats().receiverReports === 2)
    assert.deepEqual([stats().fractionLost, stats().cumulativeLost], [0.25, 7])
    c.close()
  })

  it('kickSession ends a session with an RTCP BYE and a teardown event; an unknown id is false', async () => {
    const { c, session } = await playTcp()
    cam.pushVideo([IDR]) // a BYE goes only to tracks that sent media
    await c.waitFor(() => c.interleaved.some((f) => f.channel === 0))
    const events: SessionEvent[] = []
    server.on('teardown', (e) => events.push(e))
    assert.equal(server.kickSession(session), true)
    await c.waitFor(() => c.interleaved.some((f) => f.channel === 1 && parseRtcp(f.payload).some((p) => p.kind === 'bye')))
    assert.deepEqual(
      events.map((e) => [e.sessionId, e.reason]),
      [[session, 'kicked']],
    )
    assert.equal(
      server.stats().sessions.some((s) => s.id === session),
      false,
    )
    assert.equal(server.kickSession(session), false)
    assert.equal(server.kickSession('nope'), false)
    c.close()
  })

  it('a kicked reader that had no media yet (no BYE to end on) loses its connection', async () => {
    const c = await RawRtspConnection.connect(server.port)
    const setup = await c.request('SETUP', `${base}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
    const session = setup.headers.get('Session')!.split(';')[0]!
    assert.equal(server.kickSession(session), true)
    await c.waitFor(() => c.closed)
    assert.equal(c.interleaved.length, 0)
  })

  it('pathStatus lists every path with its kind, stream, readers and publisher', async () => {
    const byName = new Map(server.pathStatus().map((p) => [p.name, p]))
    assert.deepEqual([...byName.keys()].sort(), ['cam', 'live/in'])
    const camStatus = byName.get('cam')!
    assert.equal(camStatus.kind, 'stream')
    assert.equal(camStatus.stream, cam)
    assert.equal(camStatus.publisher, undefined)
    const { c } = await playTcp()
    assert.equal(server.pathStatus().find((p) => p.name === 'cam')!.readers, 1)
    const pub = byName.get('live/in')!
    assert.deepEqual([pub.kind, pub.stream, pub.spec, pub.readers, pub.publisher], ['publish', undefined, undefined, 0, undefined])
    c.close()
  })
})
