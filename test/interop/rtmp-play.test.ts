/**
 * RTMP out, with real peers: ffmpeg publishes H.264 (with B-frames) + AAC over RTSP, and ffmpeg and
 * GStreamer (rtmp2src) read it over RTMP and decode video and audio. Then bad input: a malformed
 * chunk, an AMF bomb, an oversized message and a wrong handshake each close their own connection
 * only, with one log line naming the error, while a player on the same server goes on.
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { LogFields, Logger } from '../../src/log/logger.js'
import { C0C1_SIZE, HANDSHAKE_SIZE } from '../../src/rtmp/handshake.js'
import { gstDecode, h264AacMp4, run } from './harness.js'
import { startPeer, startRooms, waitFor, type Peer, type RtmpRooms } from './rtmp-helpers.js'

/** ffmpeg decodes `seconds` of an RTMP URL: video and audio frames (framemd5 lines per stream). */
async function ffmpegRtmpDecode(url: string, seconds: number): Promise<{ video: number; audio: number; stderr: string }> {
  const r = await run(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-v', 'error', '-i', url, '-t', String(seconds), '-f', 'framemd5', '-'],
    40_000,
  )
  const lines = r.stdout.split('\n')
  return { video: lines.filter((l) => /^\s*0,/.test(l)).length, audio: lines.filter((l) => /^\s*1,/.test(l)).length, stderr: r.stderr }
}

/** Connects, does the handshake, sends `bytes`, and resolves when the server closes the connection (or after 5 s: 'open'). */
function rawSession(port: number, bytes: Buffer, handshake = true): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1')
    let got = 0
    const timer = setTimeout(() => {
      s.destroy()
      resolve('open')
    }, 5000)
    s.on('error', () => undefined)
    s.on('close', () => {
      clearTimeout(timer)
      resolve('closed')
    })
    s.on('connect', () => {
      if (!handshake) return void s.write(bytes)
      const c0c1 = Buffer.alloc(C0C1_SIZE)
      c0c1[0] = 3
      s.write(c0c1)
    })
    s.on('data', (d: Buffer) => {
      if (!handshake) return
      const before = got
      got += d.length
      if (before < 1 + 2 * HANDSHAKE_SIZE && got >= 1 + 2 * HANDSHAKE_SIZE) s.write(Buffer.concat([Buffer.alloc(HANDSHAKE_SIZE), bytes]))
    })
  })
}

describe('RTMP players', () => {
  let rooms: RtmpRooms
  let publisher: Peer
  const warnings: string[] = []
  const logger: Logger = {
    warn: (msg: string, _f?: LogFields) => warnings.push(msg),
    info: () => undefined,
    debug: () => undefined,
  }
  before(async () => {
    rooms = await startRooms((rtsp) => rtsp.addPublishPath('live/cam'), {}, logger)
    const file = await h264AacMp4()
    publisher = startPeer('ffmpeg', [
      '-v',
      'error',
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      file,
      '-c',
      'copy',
      '-f',
      'rtsp',
      '-rtsp_transport',
      'tcp',
      rooms.rtsp.urlFor('live/cam'),
    ])
    await waitFor('the RTSP publisher', 15_000, () =>
      rooms.rtsp.pathStatus().some((p) => p.name === 'live/cam' && p.publisher) ? true : undefined,
    )
  })
  after(async () => {
    await publisher?.stop()
    await rooms?.stop()
  })

  it('ffmpeg reads RTMP from an RTSP publisher and decodes video and audio; the reader is an RTMP session', async () => {
    const pending = ffmpegRtmpDecode(`${rooms.rtmp.url}/live/cam`, 3)
    await waitFor('the RTMP reader', 10_000, () =>
      rooms.rtsp.externalSessions().some((s) => s.protocol === 'rtmp' && s.role === 'reader') ? true : undefined,
    )
    const r = await pending
    assert.ok(r.video >= 60, `video frames ${r.video}: ${r.stderr}`)
    assert.ok(r.audio >= 100, `audio frames ${r.audio}: ${r.stderr}`)
    assert.equal(r.stderr.trim(), '')
  })

  it('GStreamer rtmp2src reads RTMP and decodes video and audio', async () => {
    const src = `rtmp2src location=${rooms.rtmp.url}/live/cam ! flvdemux name=d`
    const video = await gstDecode(`${src} d.video ! queue ! h264parse ! avdec_h264 ! fakesink name=sink d.audio ! queue ! fakesink`, 50)
    assert.equal(video.frames, 50, video.error ?? '')
    assert.equal(video.width, 320)
    const audio = await gstDecode(`${src} d.audio ! queue ! aacparse ! avdec_aac ! fakesink name=sink d.video ! queue ! fakesink`, 50)
    assert.equal(audio.frames, 50, audio.error ?? '')
  })

  it('malformed chunks, an AMF bomb, an oversized message and a wrong handshake close their connection only', async () => {
    const player = ffmpegRtmpDecode(`${rooms.rtmp.url}/live/cam`, 6)
    await waitFor('the RTMP reader', 10_000, () =>
      rooms.rtsp.externalSessions().some((s) => s.protocol === 'rtmp' && s.role === 'reader') ? true : undefined,
    )
    const port = rooms.rtmp.port
    const deep = Buffer.concat([
      Buffer.from('020007636f6e6e656374003ff0000000000000', 'hex'),
      ...Array.from({ length: 200 }, () => Buffer.from('030001610a00000001', 'hex')),
    ])
    const amfBomb = Buffer.concat([Buffer.from([0x03, 0, 0, 0]), u24(deep.length), Buffer.from([20, 0, 0, 0, 0]), deep.subarray(0, 128)])
    const bombChunks = [amfBomb]
    for (let at = 128; at < deep.length; at += 128) bombChunks.push(Buffer.from([0xc3]), deep.subarray(at, at + 128))
    const cases: [string, Buffer, boolean, string][] = [
      ['fmt 3 first', Buffer.from('c3', 'hex'), true, 'ERR_RTMP_CHUNK_HEADER'],
      ['AMF bomb', Buffer.concat(bombChunks), true, 'ERR_AMF0_TOO_DEEP'],
      ['oversized', Buffer.from('06000000ffffff0901000000', 'hex'), true, 'ERR_RTMP_MESSAGE_SIZE'],
      ['TLS hello', Buffer.concat([Buffer.from([0x16]), Buffer.alloc(C0C1_SIZE)]), false, 'ERR_RTMP_VERSION'],
    ]
    for (const [name, bytes, handshake, code] of cases) {
      const before = warnings.length
      assert.equal(await rawSession(port, bytes, handshake), 'closed', `${name}: ${warnings.slice(before).join(' | ')}`)
      const lines = warnings.slice(before).filter((w) => w.startsWith('RTMP connection closed'))
      assert.equal(lines.length, 1, `${name}: ${warnings.slice(before).join(' | ')}`)
      assert.match(lines[0]!, new RegExp(code), name)
    }
    const r = await player
    assert.ok(r.video >= 120, `the player went on: ${r.video} frames: ${r.stderr}`)
    assert.ok(
      rooms.rtsp.pathStatus().some((p) => p.name === 'live/cam' && p.publisher),
      'the publisher went on',
    )
  })
})

function u24(n: number): Buffer {
  const b = Buffer.alloc(3)
  b.writeUIntBE(n, 0, 3)
  return b
}
