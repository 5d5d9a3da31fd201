// UDP multicast, tested inside a network namespace made for it (`ip netns add`, lo up with multicast,
// a 224.0.0.0/4 route): ffmpeg (-rtsp_transport udp_multicast) and GStreamer (protocols=udp-mcast)
// readers of one path share one group, and the server sends each packet once.
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { ROOT, run } from './harness.js'

const NS = `rtspkit-mc-${process.pid}`

/** What multicast-child.ts prints. */
interface ChildReport {
  first: { frames: number; stderr: string }
  second: { frames: number; stderr: string }
  gst: { frames: number; error: string | null }
  groupsWhileThree: string[]
  bytesOneReader: number
  bytesThreeReaders: number
  sessionsAfter: number
  clientTransport: string
  clientFrames: number
}

async function ip(...args: string[]): Promise<void> {
  const r = await run('ip', args)
  assert.equal(r.code, 0, `ip ${args.join(' ')}: ${r.stderr}`)
}

describe('UDP multicast (in a network namespace)', () => {
  before(async () => {
    await ip('netns', 'add', NS)
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up')
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'multicast', 'on')
    await ip('netns', 'exec', NS, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo')
  })
  after(() => run('ip', ['netns', 'del', NS]))

  it('four readers of one path (ffmpeg, ffmpeg, GStreamer, rtspkit) share one group; the server does not send more for them', async () => {
    const child = path.join(ROOT, 'dist/test/interop/multicast-child.js')
    const r = await run('ip', ['netns', 'exec', NS, process.execPath, child], 90_000, { ...process.env, RTSPKIT_MULTICAST_CHILD: '1' })
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport
    // ffmpeg ends its stream on any RTCP BYE it reads on the group's port, and ffmpeg readers send one
    // when they finish: the first may stop a few frames short once the second is done.
    assert.ok(out.first.frames >= 50, `first ffmpeg: ${out.first.frames} frames ${out.first.stderr}`)
    assert.equal(out.first.stderr.trim(), '')
    assert.ok(out.second.frames >= 10, `second ffmpeg: ${out.second.frames} frames ${out.second.stderr}`)
    assert.equal(out.gst.error, null)
    assert.equal(out.gst.frames, 175)
    assert.ok(out.groupsWhileThree.filter((t) => t === 'multicast').length >= 2, JSON.stringify(out.groupsWhileThree))
    // Three readers cost what one did (within the file's bitrate wobble), not three times as much.
    assert.ok(out.bytesOneReader > 10_000, `one reader: ${out.bytesOneReader} bytes/s`)
    assert.ok(out.bytesThreeReaders < out.bytesOneReader * 1.6, `one: ${out.bytesOneReader}, three: ${out.bytesThreeReaders}`)
    assert.equal(out.sessionsAfter, 0)
    // rtspkit's client joined the group, played, and left without stopping the others.
    assert.equal(out.clientTransport, 'multicast')
    assert.ok(out.clientFrames >= 25, `client frames: ${out.clientFrames}`)
  })

  it('a destination outside the range, a publisher, and a TCP-only server get 461', async () => {
    for (const opts of [{}, { tcpOnly: true }]) {
      const server = new RtspServer({ port: 0, host: '127.0.0.1', multicast: { range: '224.1.0.0/16' }, ...opts })
      server.addStream('cam', { video: { codec: 'h264' } })
      await server.start()
      const conn = await RawRtspConnection.connect(server.port)
      try {
        const url = `rtsp://127.0.0.1:${server.port}/cam/trackID=0`
        const outside = await conn.request('SETUP', url, { Transport: 'RTP/AVP;multicast;destination=239.9.9.9;port=5000-5001' })
        assert.equal(outside.statusCode, 461)
        if (opts.tcpOnly) {
          const plain = await conn.request('SETUP', url, { Transport: 'RTP/AVP;multicast' })
          assert.equal(plain.statusCode, 461)
        }
      } finally {
        conn.close()
        await server.stop()
      }
    }
    assert.throws(() => new RtspServer({ multicast: { range: '10.0.0.0/8' } }), /inside 224\.0\.0\.0\/4/)
  })
})
