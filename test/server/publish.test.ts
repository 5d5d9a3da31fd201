// Publishing through a raw RTSP connection: what a publisher sends comes out bit-exact to a reader,
// and a publisher's bad input gets the right answers without harming the path.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { H264Depacketizer } from '../../src/codecs/h264/depacketizer.js'
import { H264Packetizer } from '../../src/codecs/h264/packetizer.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import { parseRtcp } from '../../src/rtcp/compound.js'
import { RtcpGoodbye } from '../../src/rtcp/goodbye.js'
import { RtspServer, type PublishPathOptions } from '../../src/server/rtsp-server.js'
import { loadH264File } from '../../src/sources/h264-file.js'
import { h264File } from '../interop/harness.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'

const SDP = (sprop: string) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=pub\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;sprop-parameter-sets=${sprop}\r\na=control:streamid=0\r\n`

function interleave(channel: number, packet: Buffer): Buffer {
  const h = Buffer.from([0x24, channel, 0, 0])
  h.writeUInt16BE(packet.length, 2)
  return Buffer.concat([h, packet])
}

/** ANNOUNCE + SETUP (TCP, channels 0-1) + RECORD; returns the publisher's session id. */
async function announceAndRecord(pub: RawRtspConnection, url: string, sdp: string, control = 'streamid=0'): Promise<string> {
  assert.equal((await pub.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, sdp)).statusCode, 200)
  const setup = await pub.request('SETUP', `${url}/${control}`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' })
  assert.equal(setup.statusCode, 200)
  const session = setup.headers.get('Session')!.split(';')[0]!
  assert.equal((await pub.request('RECORD', url, { Session: session, Range: 'npt=0.000-' })).statusCode, 200)
  return session
}

/** DESCRIBE + SETUP track 0 over TCP + PLAY; returns the SDP. */
async function playTcp(reader: RawRtspConnection, url: string): Promise<string> {
  const d = await reader.request('DESCRIBE', url)
  assert.equal(d.statusCode, 200)
  const rs = await reader.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
  assert.equal(rs.statusCode, 200)
  assert.equal((await reader.request('PLAY', url, { Session: rs.headers.get('Session')! })).statusCode, 200)
  return d.body.toString()
}

/** RTP packets the reader has received on channel 0 so far (taken off its queue). */
function takeRtp(reader: RawRtspConnection): RtpPacket[] {
  const out: RtpPacket[] = []
  for (let f = reader.interleaved.shift(); f; f = reader.interleaved.shift()) if (f.channel === 0) out.push(RtpPacket.parse(f.payload))
  return out
}

async function publishAus(pub: RawRtspConnection, packetizer: H264Packetizer, aus: { nalus: Buffer[] }[], startTs = 0): Promise<void> {
  for (let i = 0; i < aus.length; i++) {
    for (const p of packetizer.packetize(aus[i]!.nalus, startTs + i * 3600)) pub.write(interleave(0, p))
    await new Promise((r) => setTimeout(r, 5))
  }
}

const isIdr = (p: RtpPacket) => {
  const t = p.payload[0]! & 0x1f
  return t === 5 || t === 7 || (t === 28 && (p.payload[1]! & 0x1f) === 5) || (t === 24 && (p.payload[3]! & 0x1f) === 7)
}

interface PublishPathFixture {
  server: RtspServer
  url: string
  /** A raw connection to the server, closed after the test (a plain function: tests destructure it). */
  connect: () => Promise<RawRtspConnection>
}

/** A server on loopback with a publish path `live`; everything opened is closed after `fn`. */
async function withPublishPath(options: PublishPathOptions, fn: (f: PublishPathFixture) => Promise<void>): Promise<void> {
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
  server.addPublishPath('live', options)
  await server.start()
  const conns: RawRtspConnection[] = []
  const connect = async () => {
    const c = await RawRtspConnection.connect(server.port)
    conns.push(c)
    return c
  }
  try {
    await fn({ server, url: server.urlFor('live'), connect })
  } finally {
    for (const c of conns) c.close()
    await server.stop()
  }
}

describe('publishing (raw RTSP)', () => {
  it('access units published over TCP reach a reader bit-exact, in order, starting at a keyframe', async () => {
    const clip = loadH264File(await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 }))
    await withPublishPath({}, async ({ url, connect }) => {
      const pub = await connect()
      const reader = await connect()
      const sprop = `${clip.sps.toString('base64')},${clip.pps.toString('base64')}`
      await announceAndRecord(pub, url, SDP(sprop))
      // The reader joins before media flows.
      await playTcp(reader, url)

      const packetizer = new H264Packetizer({ ssrc: 0xabcd, initialSequence: 100 })
      const sent = clip.accessUnits.slice(0, 30)
      for (let i = 0; i < sent.length; i++) {
        for (const p of packetizer.packetize(sent[i]!.nalus, i * 3600)) pub.write(interleave(0, p))
        await new Promise((r) => setTimeout(r, 5))
      }
      // Packets on the reader's RTP channel rebuild into the same access units (SPS/PPS may be added before IDRs).
      const depack = new H264Depacketizer()
      const got: Buffer[][] = []
      await reader.waitFor(() => {
        while (reader.interleaved.length) {
          const f = reader.interleaved.shift()!
          if (f.channel !== 0) continue
          const au = depack.push(RtpPacket.parse(f.payload))
          if (au) got.push(au.nalus)
        }
        return got.length >= sent.length - 1
      }, 5000)
      const strip = (nalus: Buffer[]) => nalus.filter((n) => ![7, 8, 9].includes(n[0]! & 0x1f)).map((n) => n.toString('hex'))
      assert.equal(
        got[0]!.some((n) => (n[0]! & 0x1f) === 5),
        true,
        'first access unit is an IDR',
      )
      for (let i = 0; i < got.length; i++) assert.deepEqual(strip(got[i]!), strip(sent[i]!.nalus), `access unit ${i}`)
    })
  })

  it('RECORD before SETUP, SETUP of an unknown control, and garbage RTP from a publisher', async () => {
    await withPublishPath({}, async ({ server, url, connect }) => {
      const pub = await connect()
      assert.equal((await pub.request('RECORD', url, { Session: '123' })).statusCode, 454)
      assert.equal(
        (await pub.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, 'v=0\r\nthis is not sdp\r\n')).statusCode,
        400,
      )
      assert.equal(
        (await pub.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, SDP('Z0LADdkBQfsBEAAAAwAQAAADAyDxQqSA,aMuDyyA=')))
          .statusCode,
        200,
      )
      assert.equal(
        (await pub.request('SETUP', `${url}/streamid=7`, { Transport: 'RTP/AVP/TCP;interleaved=0-1;mode=record' })).statusCode,
        404,
      )
      const s = await pub.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;interleaved=0-1;mode=record' })
      const session = s.headers.get('Session')!.split(';')[0]!
      assert.equal((await pub.request('RECORD', url, { Session: session })).statusCode, 200)
      pub.write(interleave(0, Buffer.from('not an rtp packet at all')))
      pub.write(interleave(0, Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x7c])))
      assert.equal((await pub.request('OPTIONS', '*')).statusCode, 200, 'the publisher connection still works')
      assert.equal((await pub.request('TEARDOWN', url, { Session: session })).statusCode, 200)
      assert.equal(server.getStream('live'), undefined, 'path free after TEARDOWN')
    })
  })

  it('a format rtspkit does not parse is relayed packet by packet: payload, marker and fmtp unchanged', async () => {
    await withPublishPath({}, async ({ url, connect }) => {
      const pub = await connect()
      const reader = await connect()
      const sdp =
        'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=pub\r\nt=0 0\r\nm=video 0 RTP/AVP 97\r\na=rtpmap:97 MP4V-ES/90000\r\na=fmtp:97 profile-level-id=1;config=000001B001\r\na=control:streamid=0\r\n'
      await announceAndRecord(pub, url, sdp)
      const described = await playTcp(reader, url)
      assert.match(described, /a=rtpmap:97 MP4V-ES\/90000/)
      assert.match(described, /a=fmtp:97 profile-level-id=1;config=000001B001/)
      const sent = Array.from(
        { length: 20 },
        (_, i) =>
          new RtpPacket({
            payloadType: 97,
            sequenceNumber: 500 + i,
            timestamp: 1000 + Math.floor(i / 2) * 3000,
            ssrc: 7,
            marker: i % 2 === 1,
            payload: Buffer.from(`payload-${i}`),
          }),
      )
      for (const p of sent) pub.write(interleave(0, p.serialize()))
      const got: RtpPacket[] = []
      await reader.waitFor(() => {
        got.push(...takeRtp(reader))
        return got.length >= sent.length
      }, 5000)
      assert.deepEqual(
        got.map((p) => p.payload.toString()),
        sent.map((p) => p.payload.toString()),
      )
      assert.deepEqual(
        got.map((p) => p.marker),
        sent.map((p) => p.marker),
      )
      assert.ok(got.every((p) => p.payloadType === 97))
      for (let i = 1; i < got.length; i++) {
        assert.equal(got[i]!.sequenceNumber, (got[i - 1]!.sequenceNumber + 1) & 0xffff, 'our own contiguous sequence numbers')
        const dt = (got[i]!.timestamp - got[i - 1]!.timestamp) >>> 0
        assert.equal(dt, i % 2 === 0 ? 3000 : 0, 'timestamp steps kept')
      }
    })
  })

  it('publish:stay keeps readers when the publisher leaves and resumes them, from a keyframe, with the next one', async () => {
    const clip = loadH264File(await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 }))
    const sprop = `${clip.sps.toString('base64')},${clip.pps.toString('base64')}`
    await withPublishPath({ onPublisherLeave: 'stay' }, async ({ server, url, connect }) => {
      const reader = await connect()
      const first = await connect()
      const session = await announceAndRecord(first, url, SDP(sprop))
      await playTcp(reader, url)
      await publishAus(first, new H264Packetizer({ ssrc: 1, initialSequence: 10 }), clip.accessUnits.slice(0, 10))
      await reader.waitFor(() => reader.interleaved.length > 5, 5000)
      const before = takeRtp(reader)
      assert.equal((await first.request('TEARDOWN', url, { Session: session })).statusCode, 200)
      first.close()
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(reader.closed, false, 'reader still connected')
      assert.ok(server.getStream('live'), 'the stream is kept for its readers')

      // The second publisher starts mid-GOP (no keyframe) and then sends a whole GOP.
      const second = await connect()
      await announceAndRecord(second, url, SDP(sprop))
      await publishAus(
        second,
        new H264Packetizer({ ssrc: 2, initialSequence: 9000 }),
        [...clip.accessUnits.slice(5, 10), ...clip.accessUnits.slice(0, 10)],
        777_000,
      )
      await reader.waitFor(() => reader.interleaved.length > 10, 5000)
      const afterPkts = takeRtp(reader)
      assert.ok(isIdr(afterPkts[0]!), "the reader resumes at the new publisher's keyframe")
      const last = before[before.length - 1]!
      assert.equal(afterPkts[0]!.ssrc, last.ssrc, 'same RTP session for the reader')
      const gap = (afterPkts[0]!.timestamp - last.timestamp) | 0
      assert.ok(gap > 0, `timestamps keep moving forward (gap ${gap})`)
      assert.equal(server.stats().sessions.length, 1)
    })
  })

  it('publish:takeover lets a new publisher replace the current one; a format change ends the readers', async () => {
    const clip = loadH264File(await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 }))
    const sprop = `${clip.sps.toString('base64')},${clip.pps.toString('base64')}`
    await withPublishPath({ onSecondPublisher: 'takeover', onPublisherLeave: 'stay' }, async ({ server, url, connect }) => {
      const first = await connect()
      const second = await connect()
      const third = await connect()
      const reader = await connect()
      await announceAndRecord(first, url, SDP(sprop))
      await playTcp(reader, url)
      await announceAndRecord(second, url, SDP(sprop))
      await first.waitFor(() => first.closed, 3000)
      assert.equal(first.closed, true, "the old publisher's connection is closed")
      await publishAus(second, new H264Packetizer({ ssrc: 2, initialSequence: 1 }), clip.accessUnits.slice(0, 3))
      await reader.waitFor(() => reader.interleaved.some((f) => f.channel === 0), 5000)
      assert.equal(reader.closed, false)

      // Another format: the readers cannot continue, so they end (BYE, then the session closes).
      const mjpeg = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=pub\r\nt=0 0\r\nm=video 0 RTP/AVP 26\r\na=control:streamid=0\r\n'
      await announceAndRecord(third, url, mjpeg)
      const gotBye = () => reader.interleaved.some((f) => f.channel === 1 && parseRtcp(f.payload).some((p) => p instanceof RtcpGoodbye))
      await reader.waitFor(gotBye, 3000)
      assert.ok(gotBye(), 'RTCP BYE sent to the reader')
      assert.equal(server.stats().sessions.length, 0)
      assert.equal(server.getStream('live')!.tracks[0]!.media.codec, 'JPEG')
    })
  })
})
