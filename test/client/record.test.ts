/** Publishing with RtspClient.record(): into our RtspServer (ffmpeg reads it back) and into ffmpeg's listen mode. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import type { ClientPublisher } from '../../src/client/publisher.js'
import { ProtocolError } from '../../src/errors.js'
import { H264FileSource } from '../../src/sources/h264-file.js'
import type { VideoTrackInfo } from '../../src/sources/source.js'
import { ffmpegDecode, h264File, startServer } from '../interop/harness.js'

const MAX_PORT_TRIES = 5

/** Plays the file in real time (looping) into track 0 of the publisher; returns the stop function. */
function feed(file: string, pub: ClientPublisher): { source: H264FileSource; stop: () => void } {
  const source = new H264FileSource(file)
  source.start((nalus, ptsMs) => pub.pushFrame(0, nalus, ptsMs))
  return { source, stop: () => source.stop() }
}

function trackOf(file: string): VideoTrackInfo {
  const s = new H264FileSource(file)
  return { kind: 'video', codec: 'h264', sps: s.sps, pps: s.pps, width: s.spsInfo.width, height: s.spsInfo.height, fps: s.fps }
}

describe('RtspClient.record', () => {
  let file: string
  before(async () => {
    file = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
  })

  for (const transport of ['tcp', 'udp'] as const) {
    it(`into RtspServer over ${transport}; ffmpeg decodes what readers get`, async () => {
      const srv = await startServer({ live: 'publish' })
      const client = new RtspClient(srv.url('live'), { transport })
      let stopFeed = () => {}
      try {
        const pub = await client.record([trackOf(file)])
        assert.equal(client.transport, transport)
        stopFeed = feed(file, pub).stop
        const decoded = await ffmpegDecode(srv.url('live'), 'tcp', 25, 20_000)
        assert.equal(decoded.frames, 25, decoded.stderr)
        assert.ok(decoded.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
        const st = pub.stats()[0]!
        assert.ok(st.frames >= 25 && st.packets >= st.frames && st.senderReports >= 1)
      } finally {
        stopFeed()
        await client.close()
        await srv.stop()
      }
    })
  }

  it('ANNOUNCE to a path that takes no publisher fails with the status', async () => {
    const srv = await startServer({ cam: 'test:64x64@5' })
    const client = new RtspClient(srv.url('nothere'))
    try {
      await assert.rejects(
        client.record([trackOf(file)]),
        (e: unknown) => e instanceof ProtocolError && e.details['status'] === 404 && /^ANNOUNCE .* failed: 404 Not Found$/.test(e.message),
      )
    } finally {
      await client.close()
      await srv.stop()
    }
  })

  it('into ffmpeg -rtsp_flags listen, which decodes the frames', async () => {
    for (let attempt = 0; attempt < MAX_PORT_TRIES; attempt++) {
      const port = randomInt(20000, 60000)
      const url = `rtsp://127.0.0.1:${port}/live`
      const ffmpeg = spawn(
        'ffmpeg',
        [
          '-hide_banner',
          '-nostats',
          '-v',
          'error',
          '-rtsp_flags',
          'listen',
          '-timeout',
          '15',
          '-i',
          url,
          '-map',
          '0:v:0',
          '-frames:v',
          '25',
          '-f',
          'framemd5',
          '-',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stdout = ''
      let stderr = ''
      ffmpeg.stdout.on('data', (d) => (stdout += d))
      ffmpeg.stderr.on('data', (d) => (stderr += d))
      const exited = new Promise<number | null>((resolve) => ffmpeg.on('close', (code) => resolve(code)))
      const killer = setTimeout(() => ffmpeg.kill('SIGKILL'), 25_000)
      let client: RtspClient | undefined
      let stopFeed = () => {}
      try {
        // ffmpeg listens after a moment; connect until it does (or until it exits: port taken).
        let pub: ClientPublisher | undefined
        for (let i = 0; i < 50 && ffmpeg.exitCode === null && !pub; i++) {
          client = new RtspClient(url, { transport: 'tcp' })
          try {
            pub = await client.record([trackOf(file)])
          } catch (err) {
            await client.close()
            if (!(err instanceof ProtocolError) || err.code !== 'ERR_RTSP_CONNECT') throw err
            await new Promise((r) => setTimeout(r, 100))
          }
        }
        if (!pub) continue // the port was taken: try another
        stopFeed = feed(file, pub).stop
        const code = await exited
        const frames = stdout.split('\n').filter((l) => /^\s*0,/.test(l))
        assert.equal(code, 0, stderr)
        assert.equal(frames.length, 25, stderr)
        assert.ok(frames.every((l) => Number(l.split(',')[4]) === (320 * 240 * 3) / 2))
        return
      } finally {
        clearTimeout(killer)
        stopFeed()
        await client?.close()
        if (ffmpeg.exitCode === null) ffmpeg.kill('SIGKILL')
      }
    }
    assert.fail('ffmpeg never listened')
  })
})
