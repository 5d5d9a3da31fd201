/** Scripted servers with the habits of real cameras, and redirects to our server. */
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { serializeRtcp } from '../../src/rtcp/compound.js'
import { RtcpSenderReport } from '../../src/rtcp/sender-report.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import { serializeInterleaved } from '../../src/rtsp/interleaved.js'
import { parseTransport } from '../../src/rtsp/headers/transport.js'
import { msToNtp } from '../../src/util/ntp.js'
import { startServer } from '../interop/harness.js'
import { collectFrames, startFakeServer, type FakeReply } from './client-helpers.js'

const PT = 98
/** A camera-like SDP: session control '*', absolute track control, an encoding we do not know (passthrough). */
const cameraSdp = (port: number) =>
  [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=cam',
    't=0 0',
    'a=control:*',
    `m=video 0 RTP/AVP ${PT}`,
    `a=rtpmap:${PT} X-RAW/90000`,
    `a=control:rtsp://127.0.0.1:${port}/stream/trackID=5`,
    '',
  ].join('\n')

function rtp(seq: number, payload: string): Buffer {
  return new RtpPacket({
    payloadType: PT,
    sequenceNumber: seq,
    timestamp: seq * 3600,
    ssrc: 0x1234,
    marker: true,
    payload: Buffer.from(payload),
  }).serialize()
}

/** Answers OPTIONS (no GET_PARAMETER, so keep-alive is OPTIONS), DESCRIBE, PLAY and TEARDOWN like a camera. */
function camera(setup: (req: Parameters<Parameters<typeof startFakeServer>[0]>[0]) => FakeReply) {
  return (req: Parameters<Parameters<typeof startFakeServer>[0]>[0], port: number): FakeReply => {
    switch (req.method) {
      case 'OPTIONS':
        return { headers: { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN' } }
      case 'DESCRIBE':
        // LF-only line ends and neither Content-Base nor Content-Location.
        return { eol: '\n', headers: { 'Content-Type': 'application/sdp' }, body: cameraSdp(port) }
      case 'SETUP':
        return setup(req)
      default:
        return { headers: { Session: '1234' } }
    }
  }
}

describe('RtspClient copes with server quirks', () => {
  it('LF-only, no Content-Base, absolute control, server-chosen channels, Session timeout=5 → keep-alive', async () => {
    const fake = await startFakeServer(
      camera(() => ({ headers: { Session: '1234;timeout=5', Transport: 'RTP/AVP/TCP;unicast;interleaved=6-7' } })),
    )
    const url = `rtsp://127.0.0.1:${fake.port}/stream`
    const client = new RtspClient(url, { transport: 'tcp', readTimeoutMs: 60_000 })
    try {
      const d = await client.describe()
      assert.equal(d.contentBase, url)
      assert.equal(d.tracks[0]!.control, `rtsp://127.0.0.1:${fake.port}/stream/trackID=5`)
      assert.equal(d.tracks[0]!.codec.passthrough, true)
      await client.play()
      const got = collectFrames(client, 2, 5000)
      fake.broadcast(
        Buffer.concat([
          serializeInterleaved(6, rtp(1, 'one')),
          serializeInterleaved(8, rtp(9, 'other channel')),
          serializeInterleaved(6, rtp(2, 'two')),
        ]),
      )
      assert.deepEqual(
        (await got).map((f) => f.data.toString()),
        ['one', 'two'],
      )
      const setup = fake.requests.find((r) => r.method === 'SETUP')!
      assert.equal(setup.uri, `rtsp://127.0.0.1:${fake.port}/stream/trackID=5`)
      assert.equal(fake.requests.find((r) => r.method === 'PLAY')!.uri, url)
      // timeout=5: a keep-alive within 5 s of PLAY, with the session id.
      const deadline = Date.now() + 4500
      let keepAlive
      while (!keepAlive && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
        keepAlive = fake.requests.slice(fake.requests.findIndex((r) => r.method === 'PLAY')).find((r) => r.method === 'OPTIONS')
      }
      assert.ok(keepAlive, 'no keep-alive within the session timeout')
      assert.equal(keepAlive.headers.get('Session'), '1234')
    } finally {
      await client.close()
      assert.equal(fake.requests.at(-1)!.method, 'TEARDOWN')
      assert.equal(fake.requests.at(-1)!.headers.get('Session'), '1234')
      await fake.close()
    }
  })

  it('UDP without server_port: the server ports are learned; RTCP SR on UDP gives ntpMs', async () => {
    let clientPorts: [number, number] | undefined
    const fake = await startFakeServer(
      camera((req) => {
        clientPorts = parseTransport(req.headers.get('Transport')!)[0]!.clientPort
        return { headers: { Session: '77', Transport: `RTP/AVP;unicast;client_port=${clientPorts![0]}-${clientPorts![1]}` } }
      }),
    )
    const sender = dgram.createSocket('udp4')
    const client = new RtspClient(`rtsp://127.0.0.1:${fake.port}/stream`, { transport: 'udp' })
    try {
      await client.play()
      assert.ok(clientPorts && clientPorts[0] % 2 === 0 && clientPorts[1] === clientPorts[0] + 1)
      const got = collectFrames(client, 2, 5000)
      const wall = Date.UTC(2024, 0, 1)
      const ntp = msToNtp(wall)
      const sr = serializeRtcp([
        new RtcpSenderReport({
          ssrc: 0x1234,
          ntpSeconds: ntp.seconds,
          ntpFraction: ntp.fraction,
          rtpTimestamp: 3600,
          packetCount: 1,
          octetCount: 3,
        }),
      ])
      const rtcpSeen = new Promise((resolve) => client.once('rtcp', resolve))
      sender.send(sr, clientPorts[1], '127.0.0.1')
      await rtcpSeen
      sender.send(rtp(1, 'a'), clientPorts[0], '127.0.0.1')
      sender.send(rtp(2, 'b'), clientPorts[0], '127.0.0.1')
      const frames = await got
      assert.deepEqual(
        frames.map((f) => f.data.toString()),
        ['a', 'b'],
      )
      assert.equal(frames[0]!.ntpMs, wall)
      assert.equal(frames[1]!.ntpMs, wall + 40)
    } finally {
      sender.close()
      await client.close()
      await fake.close()
    }
  })

  it('auto: UDP set up but no RTP within udpTimeoutMs → TEARDOWN, then TCP on a new connection', async () => {
    const fake = await startFakeServer(
      camera((req) => {
        const t = parseTransport(req.headers.get('Transport')!)[0]!
        return {
          headers: {
            Session: '55',
            Transport:
              t.lowerTransport === 'TCP'
                ? 'RTP/AVP/TCP;unicast;interleaved=0-1'
                : `RTP/AVP;unicast;client_port=${t.clientPort!.join('-')};server_port=40000-40001`,
          },
        }
      }),
    )
    const client = new RtspClient(`rtsp://127.0.0.1:${fake.port}/stream`, { transport: 'auto', udpTimeoutMs: 300 })
    try {
      const switched = new Promise((resolve) => client.on('transport', (t) => t === 'tcp' && resolve(t)))
      await client.play()
      assert.equal(client.transport, 'udp')
      await switched
      const plays = () => fake.requests.filter((r) => r.method === 'PLAY').length
      while (plays() < 2) await new Promise((r) => setTimeout(r, 20))
      const got = collectFrames(client, 1, 5000)
      fake.broadcast(serializeInterleaved(0, rtp(1, 'tcp')))
      assert.equal((await got)[0]!.data.toString(), 'tcp')
      assert.deepEqual(
        fake.requests.map((r) => r.method).filter((m) => m !== 'OPTIONS'),
        ['DESCRIBE', 'SETUP', 'PLAY', 'TEARDOWN', 'SETUP', 'PLAY'],
      )
      assert.match(
        fake.requests.filter((r) => r.method === 'SETUP')[1]!.headers.get('Transport')!,
        /^RTP\/AVP\/TCP;unicast;interleaved=0-1$/,
      )
    } finally {
      await client.close()
      await fake.close()
    }
  })

  for (const status of [301, 302]) {
    it(`DESCRIBE answered ${status} with Location → the client follows to the real server`, async () => {
      const srv = await startServer({ cam: 'test:160x120@25' })
      const fake = await startFakeServer((req) =>
        req.method === 'DESCRIBE' ? { status, reason: 'Moved', headers: { Location: srv.url('cam') } } : {},
      )
      const client = new RtspClient(`rtsp://127.0.0.1:${fake.port}/old`, { transport: 'tcp' })
      try {
        const got = collectFrames(client, 3)
        await client.play()
        assert.equal((await got).length, 3)
        assert.equal(client.url, srv.url('cam'))
        assert.equal(fake.requests.filter((r) => r.method === 'DESCRIBE').length, 1)
      } finally {
        await client.close()
        await fake.close()
        await srv.stop()
      }
    })
  }

  it('a redirect loop stops at maxRedirects', async () => {
    const fake = await startFakeServer((req, port) =>
      req.method === 'DESCRIBE' ? { status: 302, headers: { Location: `rtsp://127.0.0.1:${port}/again` } } : {},
    )
    const client = new RtspClient(`rtsp://127.0.0.1:${fake.port}/x`, { maxRedirects: 2 })
    try {
      await assert.rejects(client.describe(), (e: unknown) => (e as { code?: string }).code === 'ERR_RTSP_REDIRECTS')
      assert.equal(fake.requests.filter((r) => r.method === 'DESCRIBE').length, 3)
    } finally {
      await client.close()
      await fake.close()
    }
  })
})
