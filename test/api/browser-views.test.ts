// The API views of browser viewers and publishers: readers by protocol, previews, publishers as sessions,
// picture size and frame rate from the SPS, whether audio can go to WebRTC, bytes by protocol.
import { createCodecRegistry } from '../../src/codecs/registry.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PictureInfoCache } from '../../src/api/picture-info.js'
import { ProtocolBytes } from '../../src/api/protocol-bytes.js'
import { externalSessionView, pathView, publisherSessionView, tracksOf, type SessionView } from '../../src/api/views.js'
import { webrtcAudio } from '../../src/api/webrtc-audio.js'
import type { ExternalSessionStatus, PathStatus } from '../../src/server/rtsp-server.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { loadH264File } from '../../src/sources/h264-file.js'
import { loadH265File } from '../../src/sources/h265-file.js'
import { h264File, h265File } from '../interop/harness.js'

const status = (over: Partial<PathStatus>): PathStatus => ({
  name: 'p',
  kind: 'stream',
  stream: undefined,
  spec: undefined,
  readers: 0,
  publisher: undefined,
  onDemandState: undefined,
  readerStreams: [],
  ...over,
})

const external = (over: Partial<ExternalSessionStatus>): ExternalSessionStatus => ({
  id: '9',
  role: 'reader',
  protocol: 'webrtc',
  path: 'p',
  remoteAddress: '10.0.0.5',
  since: 0,
  counted: true,
  bytesSent: 0,
  bytesReceived: 0,
  ...over,
})

describe('API views of browser sessions', () => {
  it('readers by protocol: the stream counts them all, the external list says which are WebRTC and HLS; previews apart', () => {
    const externals = [
      external({ id: '1', protocol: 'webrtc' }),
      external({ id: '2', protocol: 'webrtc' }),
      external({ id: '3', protocol: 'hls' }),
      external({ id: '4', protocol: 'webrtc', counted: false }),
      external({ id: '5', protocol: 'webrtc', role: 'publisher' }),
    ]
    const v = pathView(status({ readers: 5 }), undefined, 0, 'rtsp://h/p', { externals })
    assert.deepEqual([v.readers, v.readersByProtocol, v.previews], [5, { rtsp: 2, webrtc: 2, hls: 1 }, 1])
    // A viewer listed before its room added its output: never a negative RTSP count.
    const early = pathView(status({ readers: 0 }), undefined, 0, 'rtsp://h/p', { externals: externals.slice(0, 1) })
    assert.deepEqual([early.readers, early.readersByProtocol], [1, { rtsp: 0, webrtc: 1, hls: 0 }])
    assert.deepEqual([v.webrtcUrl, v.hlsUrl], [null, null])
    const urls = pathView(status({}), undefined, 0, 'rtsp://h/p', { webrtcUrl: 'http://h:8889/p', hlsUrl: 'http://h:8888/p' })
    assert.deepEqual([urls.webrtcUrl, urls.hlsUrl], ['http://h:8889/p', 'http://h:8888/p'])
  })

  it('a publisher: protocol and session id on the path; an RTSP one is a session with role publisher', () => {
    const pub = { remoteAddress: '10.0.0.2', since: 0, recording: true, protocol: 'rtsp', sessionId: '42', transport: 'udp' as const }
    const p = status({ kind: 'publish', publisher: pub })
    assert.deepEqual(pathView(p, undefined, 0, 'rtsp://h/p').publisher, {
      remoteAddress: '10.0.0.2',
      since: '1970-01-01T00:00:00.000Z',
      protocol: 'rtsp',
      sessionId: '42',
    })
    const s = publisherSessionView(p)!
    assert.deepEqual(
      [s.id, s.protocol, s.role, s.preview, s.state, s.transport, s.path, s.bytesSent, s.tracks],
      ['42', 'rtsp', 'publisher', false, 'recording', 'udp', 'p', 0, []],
    )
    assert.equal(publisherSessionView(status({ kind: 'publish', publisher: { ...pub, recording: false } }))!.state, 'ready')
    // A WHIP publisher is listed from the external sessions, not twice.
    assert.equal(publisherSessionView(status({ kind: 'publish', publisher: { ...pub, protocol: 'webrtc' } })), undefined)
    assert.equal(publisherSessionView(status({ kind: 'publish', publisher: { ...pub, sessionId: undefined } })), undefined)
    assert.equal(
      pathView(status({ kind: 'publish', publisher: { ...pub, sessionId: undefined } }), undefined, 0, '').publisher?.sessionId,
      null,
    )
  })

  it('WebRTC and HLS sessions: transport by protocol, previews marked, publishers recording', () => {
    const hls = externalSessionView(external({ protocol: 'hls', counted: false, bytesSent: 1234 }))
    assert.deepEqual(
      [hls.protocol, hls.role, hls.preview, hls.transport, hls.state, hls.bytesSent],
      ['hls', 'reader', true, 'tcp', 'playing', 1234],
    )
    const whip = externalSessionView(external({ role: 'publisher', bytesReceived: 99 }))
    assert.deepEqual([whip.transport, whip.state, whip.bytesReceived, whip.preview], ['udp', 'recording', 99, false])
  })

  it('whether audio goes to WebRTC, and why not', () => {
    assert.deepEqual(webrtcAudio(tracksOf({ video: { codec: 'h264' }, audio: { codec: 'opus' } }, undefined), createCodecRegistry()), {
      webrtcAudio: true,
      webrtcAudioReason: null,
    })
    assert.equal(webrtcAudio(tracksOf({ audio: { codec: 'pcmu' } }, undefined), createCodecRegistry()).webrtcAudio, true)
    const aac = webrtcAudio(tracksOf({ audio: { codec: 'aac', sampleRate: 48000, channels: 2 } }, undefined), createCodecRegistry())
    assert.equal(aac.webrtcAudio, false)
    assert.match(aac.webrtcAudioReason!, /^AAC cannot be sent over WebRTC/)
    assert.deepEqual(webrtcAudio(tracksOf({ video: { codec: 'h264' } }, undefined), createCodecRegistry()), {
      webrtcAudio: false,
      webrtcAudioReason: 'no audio track',
    })
  })

  it('size and frame rate from the SPS of a live H.264 and H.265 track; measured rate when the SPS has no timing', async () => {
    const h264 = loadH264File(await h264File({ width: 320, height: 240, fps: 25, seconds: 1, gop: 25 }))
    const h265 = loadH265File(await h265File(176, 144, 15, 1))
    const server = new RtspServer({ port: 0 })
    try {
      // The spec says nothing of the size: what the view shows comes from the SPS.
      const a = server.addStream('a', { video: { codec: 'h264', sps: h264.sps, pps: h264.pps } })
      const b = server.addStream('b', { video: { codec: 'h265', vps: h265.vps, sps: h265.sps, pps: h265.pps } })
      const jpeg = server.addStream('c', { video: { codec: 'mjpeg', width: 64, height: 48 } })
      const cache = new PictureInfoCache(createCodecRegistry())
      assert.deepEqual(cache.of(a.video!), { width: 320, height: 240, fps: 25 })
      assert.equal(cache.of(a.video!), cache.of(a.video!), 'parsed once')
      const hevc = cache.of(b.video!)!
      assert.deepEqual([hevc.width, hevc.height], [176, 144])
      assert.equal(cache.of(jpeg.video!), undefined)
      const view = tracksOf(a.spec, a, { picture: cache.of(a.video!), measuredFps: 12 })
      assert.deepEqual(view, [{ kind: 'video', codec: 'h264', clockRate: 90000, width: 320, height: 240, fps: 25 }])
      // No VUI timing: the measured rate.
      const noTiming = tracksOf(a.spec, a, { picture: { width: 320, height: 240 }, measuredFps: 12.5 })
      assert.equal(noTiming[0]!.fps, 12.5)
      const pending = server.addStream('d', { video: { codec: 'h264' } })
      assert.equal(cache.of(pending.video!), undefined, 'no SPS yet')
    } finally {
      await server.stop()
    }
  })

  it('bytes sent by protocol never go down when sessions leave', () => {
    const s = (id: string, protocol: string, bytesSent: number) => ({ id, protocol, bytesSent }) as SessionView
    const bytes = new ProtocolBytes()
    assert.deepEqual(Object.fromEntries(bytes.update([])), { rtsp: 0, webrtc: 0, hls: 0 })
    assert.deepEqual(Object.fromEntries(bytes.update([s('1', 'rtsp', 100), s('2', 'webrtc', 50)])), { rtsp: 100, webrtc: 50, hls: 0 })
    assert.deepEqual(Object.fromEntries(bytes.update([s('2', 'webrtc', 70), s('3', 'hls', 5)])), { rtsp: 100, webrtc: 70, hls: 5 })
    assert.deepEqual(Object.fromEntries(bytes.update([])), { rtsp: 100, webrtc: 70, hls: 5 })
  })
})
