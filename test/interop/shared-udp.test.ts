// One RTP/RTCP pair shared by every session (rtpPorts: one even port): readers over UDP (ffmpeg,
// GStreamer, our client) and a UDP publisher all go through the same two ports, told apart by address.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { collectFrames } from '../client/client-helpers.js'
import { ffmpegDecode, gstDecode, startServer, type TestServer } from './harness.js'

async function serverWithSharedPair(paths: Record<string, string>): Promise<{ srv: TestServer; rtpPort: number }> {
  for (let attempt = 0; ; attempt++) {
    const rtpPort = 2 * randomInt(10000, 30000)
    try {
      return { srv: await startServer(paths, { sharedRtpPort: rtpPort }), rtpPort }
    } catch (err) {
      if (attempt >= 5 || (err as { code?: string }).code !== 'ERR_PORT_IN_USE') throw err
    }
  }
}

describe('a shared RTP/RTCP pair', () => {
  it('UDP readers (ffmpeg, GStreamer, our client) all get server_port=N-N+1 and decode at once', async () => {
    const { srv, rtpPort } = await serverWithSharedPair({ card: 'test:160x120@10', live: 'publish' })
    try {
      const raw = await RawRtspConnection.connect(srv.server.port)
      assert.equal((await raw.request('DESCRIBE', srv.url('card'))).statusCode, 200)
      const setup = await raw.request('SETUP', `${srv.url('card')}/trackID=0`, { Transport: 'RTP/AVP;unicast;client_port=40000-40001' })
      assert.match(setup.headers.get('Transport')!, new RegExp(`server_port=${rtpPort}-${rtpPort + 1}`))
      raw.close()
      const client = new RtspClient(srv.url('card'), { transport: 'udp' })
      try {
        const frames = collectFrames(client, 10)
        const [f, g] = await Promise.all([
          ffmpegDecode(srv.url('card'), 'udp', 10),
          gstDecode(`rtspsrc location=${srv.url('card')} protocols=udp ! rtpjpegdepay ! jpegdec ! fakesink name=sink`, 10),
          client.play(),
        ])
        assert.equal(f.frames, 10)
        assert.equal(g.frames, 10)
        assert.equal((await frames).length, 10)
      } finally {
        await client.close()
      }
    } finally {
      await srv.stop()
    }
  })

  it('a UDP publisher through the shared pair; a reader decodes what it sends', async () => {
    const { srv } = await serverWithSharedPair({ live: 'publish' })
    const pub = spawn(
      'ffmpeg',
      [
        '-v',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240:rate=25',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-tune',
        'zerolatency',
        '-g',
        '25',
        '-pix_fmt',
        'yuv420p',
        '-f',
        'rtsp',
        '-rtsp_transport',
        'udp',
        srv.url('live'),
      ],
      { stdio: 'ignore' },
    )
    try {
      const end = Date.now() + 10_000
      while (!srv.server.getStream('live')?.ready && Date.now() < end) await new Promise((r) => setTimeout(r, 100))
      const r = await ffmpegDecode(srv.url('live'), 'udp', 25)
      assert.equal(r.frames, 25)
      assert.equal(r.stderr.trim(), '')
    } finally {
      pub.kill('SIGKILL')
      await srv.stop()
    }
  })
})
