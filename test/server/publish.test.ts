// Publishing through a raw RTSP connection: what a publisher sends comes out bit-exact to a reader,
// and a publisher's bad input gets the right answers without harming the path.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { H264Depacketizer } from '../../src/codecs/h264/depacketizer.js'
import { H264Packetizer } from '../../src/codecs/h264/packetizer.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
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

describe('publishing (raw RTSP)', () => {
  it('access units published over TCP reach a reader bit-exact, in order, starting at a keyframe', async () => {
    const clip = loadH264File(await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 }))
    const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
    server.addPublishPath('live')
    await server.start()
    const url = server.urlFor('live')
    const pub = await RawRtspConnection.connect(server.port)
    const reader = await RawRtspConnection.connect(server.port)
    try {
      const sprop = `${clip.sps.toString('base64')},${clip.pps.toString('base64')}`
      assert.equal((await pub.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, SDP(sprop))).statusCode, 200)
      const setup = await pub.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' })
      assert.equal(setup.statusCode, 200)
      const session = setup.headers.get('Session')!.split(';')[0]!
      assert.equal((await pub.request('RECORD', url, { Session: session, Range: 'npt=0.000-' })).statusCode, 200)

      // The reader joins before media flows.
      assert.equal((await reader.request('DESCRIBE', url)).statusCode, 200)
      const rs = await reader.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
      assert.equal((await reader.request('PLAY', url, { Session: rs.headers.get('Session')! })).statusCode, 200)

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
      assert.equal(got[0]!.some((n) => (n[0]! & 0x1f) === 5), true, 'first access unit is an IDR')
      for (let i = 0; i < got.length; i++) assert.deepEqual(strip(got[i]!), strip(sent[i]!.nalus), `access unit ${i}`)
    } finally {
      pub.close()
      reader.close()
      await server.stop()
    }
  })

  it('RECORD before SETUP, SETUP of an unknown control, and garbage RTP from a publisher', async () => {
    const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
    server.addPublishPath('live')
    await server.start()
    const url = server.urlFor('live')
    const pub = await RawRtspConnection.connect(server.port)
    try {
      assert.equal((await pub.request('RECORD', url, { Session: '123' })).statusCode, 454)
      assert.equal((await pub.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, 'v=0\r\nthis is not sdp\r\n')).statusCode, 400)
      assert.equal((await pub.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, SDP('Z0LADdkBQfsBEAAAAwAQAAADAyDxQqSA,aMuDyyA='))).statusCode, 200)
      assert.equal((await pub.request('SETUP', `${url}/streamid=7`, { Transport: 'RTP/AVP/TCP;interleaved=0-1;mode=record' })).statusCode, 404)
      const s = await pub.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;interleaved=0-1;mode=record' })
      const session = s.headers.get('Session')!.split(';')[0]!
      assert.equal((await pub.request('RECORD', url, { Session: session })).statusCode, 200)
      pub.write(interleave(0, Buffer.from('not an rtp packet at all')))
      pub.write(interleave(0, Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x7c])))
      assert.equal((await pub.request('OPTIONS', '*')).statusCode, 200, 'the publisher connection still works')
      assert.equal((await pub.request('TEARDOWN', url, { Session: session })).statusCode, 200)
      assert.equal(server.getStream('live'), undefined, 'path free after TEARDOWN')
    } finally {
      pub.close()
      await server.stop()
    }
  })
})
