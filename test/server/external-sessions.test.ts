// Sessions of other protocols (WebRTC, HLS) on the RTSP server: a reader borrows a path's stream and
// counts, a publisher feeds a publish path that RTSP readers then play, and both can be kicked.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { H264Packetizer } from '../../src/codecs/h264/packetizer.js'
import { RequestError } from '../../src/server/request-error.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import type { Unit } from '../../src/stream/unit.js'
import { loadH264File } from '../../src/sources/h264-file.js'
import { h264File } from '../interop/harness.js'

const SDP = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=whip\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:0\r\n`

async function rejects(p: Promise<unknown> | (() => unknown), status: number): Promise<void> {
  await assert.rejects(
    () => Promise.resolve().then(() => (typeof p === 'function' ? p() : p)),
    (err: unknown) => err instanceof RequestError && err.status === status,
  )
}

describe('external sessions', () => {
  it('a reader counts on the stream, is listed, kicked, and closed when the stream goes', async () => {
    const server = new RtspServer({ port: 0 })
    await server.start()
    try {
      const stream = server.addStream('cam', { video: { codec: 'h264' } })
      await rejects(server.openReader({ path: 'nope', protocol: 'hls', remoteAddress: '127.0.0.1' }), 404)
      const reader = await server.openReader({ path: '/cam/', protocol: 'webrtc', remoteAddress: '127.0.0.1' })
      const preview = await server.openReader({ path: 'cam', protocol: 'webrtc', remoteAddress: '127.0.0.1', counted: false })
      assert.equal(reader.stream, stream)
      assert.deepEqual(
        server.externalSessions().map((s) => [s.protocol, s.role, s.path, s.counted]),
        [
          ['webrtc', 'reader', 'cam', true],
          ['webrtc', 'reader', 'cam', false],
        ],
      )
      const reasons: string[] = []
      reader.onClose = (r) => reasons.push(r)
      preview.onClose = (r) => reasons.push(`preview ${r}`)
      assert.equal(server.kickSession(reader.id), true)
      assert.deepEqual(reasons, ['kicked'])
      assert.equal(server.kickSession(reader.id), false)
      server.removeStream('cam')
      assert.deepEqual(reasons, ['kicked', 'preview stream removed'])
      assert.equal(server.externalSessions().length, 0)
    } finally {
      await server.stop()
    }
  })

  it('session limits count external readers, but not previews', async () => {
    const server = new RtspServer({ port: 0, maxSessions: 1 })
    await server.start()
    try {
      server.addStream('cam', { video: { codec: 'h264' } })
      await server.openReader({ path: 'cam', protocol: 'hls', remoteAddress: '127.0.0.1', counted: false })
      const one = await server.openReader({ path: 'cam', protocol: 'hls', remoteAddress: '127.0.0.1' })
      await rejects(server.openReader({ path: 'cam', protocol: 'hls', remoteAddress: '127.0.0.1' }), 503)
      one.close()
      await server.openReader({ path: 'cam', protocol: 'hls', remoteAddress: '127.0.0.1' })
    } finally {
      await server.stop()
    }
  })

  it('a publisher feeds its stream; busy, unknown and bad SDP are refused as ANNOUNCE is', async () => {
    const server = new RtspServer({ port: 0 })
    server.addPublishPath('live')
    server.addStream('file', { video: { codec: 'h264' } })
    await server.start()
    try {
      await rejects(() => server.openPublisher({ path: 'none', protocol: 'webrtc', remoteAddress: '::1', sdp: SDP }), 404)
      await rejects(() => server.openPublisher({ path: 'file', protocol: 'webrtc', remoteAddress: '::1', sdp: SDP }), 405)
      await rejects(() => server.openPublisher({ path: 'live', protocol: 'webrtc', remoteAddress: '::1', sdp: 'v=0\r\nm=bogus' }), 400)
      const pub = server.openPublisher({ path: 'live', protocol: 'webrtc', remoteAddress: '::1', sdp: SDP })
      await rejects(() => server.openPublisher({ path: 'live', protocol: 'webrtc', remoteAddress: '::1', sdp: SDP }), 503)
      const status = server.pathStatus().find((p) => p.name === 'live')!
      assert.equal(status.publisher?.protocol, 'webrtc')
      assert.equal(status.publisher?.sessionId, pub.id)

      const units: Unit[] = []
      pub.stream.addOutput({ rtp: false, reader: false, writeUnit: (u) => units.push(u), restartAtKeyframe: () => {} })
      const file = loadH264File(await h264File({ width: 160, height: 120, fps: 25, seconds: 1, gop: 25 }))
      const packetizer = new H264Packetizer({ payloadType: 96, ssrc: 1234 })
      for (let i = 0; i < 3; i++) for (const p of packetizer.packetize(file.accessUnits[i]!.nalus, i * 3600)) pub.pushRtp(0, p)
      await new Promise((r) => setTimeout(r, 300))
      assert.ok(units.length >= 2, `units out: ${units.length}`)
      assert.ok(units[0]!.keyframe)
      assert.ok(pub.bytesReceived > 0)

      const ended: string[] = []
      pub.onClose = (r) => ended.push(r)
      assert.equal(server.kickSession(pub.id), true)
      assert.deepEqual(ended, ['kicked'])
      assert.equal(server.pathStatus().find((p) => p.name === 'live')!.publisher, undefined)
      // The path is free again.
      server.openPublisher({ path: 'live', protocol: 'webrtc', remoteAddress: '::1', sdp: SDP }).close()
    } finally {
      await server.stop()
    }
  })
})
