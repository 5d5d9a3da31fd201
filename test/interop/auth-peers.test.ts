// Hardened authentication with real peers: ffmpeg and GStreamer's rtspclientsink publish to a
// protected path and ffmpeg reads it back, all with Digest over plain RTSP (Basic is not offered),
// each Digest `uri` bound to its request. Their Authorization headers are recorded to show the forms.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, it } from 'node:test'
import type { RtspRequest } from '../../src/rtsp/message.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { ffmpegDecode, run } from './harness.js'

const USER = 'pub'
const PASS = 's3cret'

async function withServer(fn: (server: RtspServer, url: string, seen: string[]) => Promise<void>): Promise<void> {
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
  server.addPublishPath('live')
  server.protectPath('live', { users: [{ username: USER, password: PASS }] })
  const seen: string[] = []
  const handle = server.handleRequest.bind(server)
  // Records each request's scheme and Digest uri next to its request URI (the gate checks them).
  server.handleRequest = (conn, req: RtspRequest, framing) => {
    const auth = req.headers.get('Authorization')
    if (auth !== undefined) seen.push(`${req.method} ${req.uri} ${auth.split(' ')[0]} uri=${/uri="([^"]*)"/.exec(auth)?.[1] ?? ''}`)
    return handle(conn, req, framing)
  }
  await server.start()
  try {
    await fn(server, `rtsp://${USER}:${PASS}@127.0.0.1:${server.port}/live`, seen)
  } finally {
    await server.stop()
  }
}

async function waitPublishing(server: RtspServer, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const stream = server.getStream('live')
    if (stream && stream.tracks.some((t) => t.unitsIn > 5)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('no publisher')
}

describe('authentication with real peers (Digest, Basic off over plain RTSP)', () => {
  it('ffmpeg publishes and reads back with Digest', async () => {
    await withServer(async (server, url, seen) => {
      const pub = run(
        'ffmpeg',
        [
          '-hide_banner',
          '-v',
          'error',
          '-re',
          '-f',
          'lavfi',
          '-i',
          'testsrc=size=160x120:rate=10',
          '-t',
          '8',
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-tune',
          'zerolatency',
          '-g',
          '10',
          '-pix_fmt',
          'yuv420p',
          '-f',
          'rtsp',
          '-rtsp_transport',
          'tcp',
          url,
        ],
        30_000,
      )
      await waitPublishing(server)
      const r = await ffmpegDecode(url, 'tcp', 10)
      assert.equal(r.frames, 10, r.stderr)
      const p = await pub
      assert.equal(p.code, 0, p.stderr)
      assert.ok(seen.length > 0 && seen.every((s) => / Digest uri=/.test(s)), seen.join('\n'))
      assert.ok(seen.some((s) => s.startsWith('ANNOUNCE')) && seen.some((s) => s.startsWith('RECORD')), seen.join('\n'))
    })
  })

  it('GStreamer rtspclientsink publishes with Digest', async () => {
    await withServer(async (server, url, seen) => {
      const bare = url.replace(`${USER}:${PASS}@`, '')
      const pub = spawn(
        'gst-launch-1.0',
        [
          '-q',
          'videotestsrc',
          'is-live=true',
          '!',
          'video/x-raw,width=160,height=120,format=I420,framerate=10/1',
          '!',
          'jpegenc',
          '!',
          'rtspclientsink',
          `location=${bare}`,
          `user-id=${USER}`,
          `user-pw=${PASS}`,
          'protocols=tcp',
        ],
        { stdio: 'ignore' },
      )
      try {
        await waitPublishing(server)
        const r = await ffmpegDecode(url, 'tcp', 10)
        assert.equal(r.frames, 10, r.stderr)
        assert.ok(
          seen.some((s) => s.startsWith('RECORD') && / Digest /.test(s)),
          seen.join('\n'),
        )
      } finally {
        pub.kill()
      }
    })
  })
})
