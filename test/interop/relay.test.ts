// Relays: paths pulled from another RTSP server on demand (or always on), chained, released after
// the last reader, resumed when a failing upstream comes back; unknown codecs forwarded unchanged.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { RtspClient } from '../../src/client/index.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { addPath } from '../../src/server/paths.js'
import { parseSourceSpec } from '../../src/sources/source-spec.js'
import { ffmpegDecode, ffprobe, h264File, startServer, type TestServer } from './harness.js'
import { waitUntil } from '../helpers/wait.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'

const sessionsOn = (srv: TestServer, path: string) => srv.server.stats().sessions.filter((s) => s.path === path).length

describe('relays', () => {
  let upstream: TestServer
  let middle: TestServer
  let edge: TestServer
  before(async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    upstream = await startServer({ cam: `file:${clip}`, pub: 'publish', other: 'test:160x120@10' })
    middle = await startServer({ cam: upstream.url('cam'), pub: upstream.url('pub') }, {}, { relay: { closeAfterMs: 500 } })
    edge = await startServer({ chain: middle.url('cam') }, {}, { relay: { closeAfterMs: 500 } })
  })
  after(async () => {
    await edge?.stop()
    await middle?.stop()
    await upstream?.stop()
  })

  it('a relay of a relay: ffmpeg decodes at the edge; nothing is pulled before the first reader or after the last', async () => {
    assert.equal(sessionsOn(upstream, 'cam'), 0, 'on demand: nothing pulled yet')
    const r = await ffmpegDecode(edge.url('chain'), 'tcp', 50)
    assert.equal(r.stderr.trim(), '')
    assert.equal(r.frames, 50)
    assert.ok(r.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
    assert.equal((await ffprobe(edge.url('chain'), 'udp')).codec, 'h264')
    // Released 0.5 s after the last reader, hop by hop.
    await waitUntil(() => sessionsOn(upstream, 'cam') === 0 && sessionsOn(middle, 'cam') === 0, 6000, 'relays to release their upstream')
    assert.equal(edge.server.getStream('chain'), undefined)
  })

  it('a reader slower than closeAfter between DESCRIBE, SETUP and PLAY still finds the relay up', async () => {
    await waitUntil(() => edge.server.getStream('chain') === undefined, 6000, 'the relay to be released')
    const conn = await RawRtspConnection.connect(edge.server.port)
    try {
      const url = edge.url('chain')
      const described = await conn.request('DESCRIBE', url, { Accept: 'application/sdp' })
      assert.equal(described.statusCode, 200)
      const control = /a=control:(?!\*)(\S+)/.exec(described.body.toString().split('m=')[1] ?? '')![1]!
      await sleep(300)
      const setup = await conn.request('SETUP', control.includes('://') ? control : `${url}/${control}`, {
        Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
      })
      assert.equal(setup.statusCode, 200)
      // 600 ms after DESCRIBE brought the relay up: past its 500 ms closeAfter, within 500 ms of SETUP.
      await sleep(300)
      const play = await conn.request('PLAY', url, { Session: setup.headers.get('Session')!.split(';')[0]! })
      assert.equal(play.statusCode, 200)
      await conn.waitFor(() => conn.interleaved.some((f) => f.channel === 0))
    } finally {
      conn.close()
    }
  })

  it('a codec rtspkit does not parse is relayed unchanged (MPEG-4 Part 2 published with ffmpeg)', async () => {
    const pub = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-v',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240:rate=25',
        '-c:v',
        'mpeg4',
        '-g',
        '25',
        '-f',
        'rtsp',
        '-rtsp_transport',
        'tcp',
        upstream.url('pub'),
      ],
      { stdio: 'ignore' },
    )
    try {
      await waitUntil(() => upstream.server.getStream('pub') !== undefined, 10_000, 'the publisher')
      const r = await ffmpegDecode(middle.url('pub'), 'tcp', 30)
      assert.equal(r.frames, 30)
      assert.equal(middle.server.getStream('pub')!.tracks[0]!.media.codec, 'MP4V-ES')
    } finally {
      pub.kill('SIGKILL')
    }
  })

  it('an unreachable upstream is answered 503 and the server goes on serving', async () => {
    const srv = await startServer({ dead: 'rtsp://127.0.0.1:9/nothing', ok: 'test:160x120@10' })
    try {
      const client = new RtspClient(srv.url('dead'))
      await assert.rejects(client.describe(), /503/)
      await client.close()
      const r = await ffmpegDecode(srv.url('ok'), 'tcp', 5)
      assert.equal(r.frames, 5)
    } finally {
      await srv.stop()
    }
  })

  it('readers stay while the upstream is down and resume when it returns', async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    let up = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
    let feed = addPath(up, 'cam', parseSourceSpec(`file:${clip}`))
    await up.start()
    const port = up.port
    const relay = await startServer({ cam: up.urlFor('cam') }, {}, { relay: { closeAfterMs: 500, retryInitialMs: 200, retryMaxMs: 400 } })
    const reader = new RtspClient(relay.url('cam'), { transport: 'tcp' })
    let frames = 0
    reader.on('frame', () => frames++)
    try {
      await reader.play()
      await waitUntil(() => frames > 10, 5000, 'frames before the outage')
      feed.stop()
      await up.stop()
      await new Promise((r) => setTimeout(r, 800))
      const during = frames
      assert.ok(relay.server.getStream('cam'), 'the relayed stream is kept for its reader')
      up = new RtspServer({ port, host: '127.0.0.1', publicHost: '127.0.0.1' })
      feed = addPath(up, 'cam', parseSourceSpec(`file:${clip}`))
      await up.start()
      await waitUntil(() => frames > during + 25, 10_000, 'frames after the upstream returned')
    } finally {
      await reader.close()
      await relay.stop()
      feed.stop()
      await up.stop()
    }
  })

  it('always-on pulls without readers', async () => {
    const srv = await startServer({ always: upstream.url('other') }, {}, { relay: { alwaysOn: true } })
    try {
      await waitUntil(() => sessionsOn(upstream, 'other') === 1, 5000, 'the always-on pull')
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(sessionsOn(upstream, 'other'), 1)
    } finally {
      await srv.stop()
    }
    await waitUntil(() => sessionsOn(upstream, 'other') === 0, 5000, 'release at stop')
  })
})
