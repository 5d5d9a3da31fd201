import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { baseUrl, describeResponse, resolveControl } from '../../src/client/description.js'
import { createCodecRegistry } from '../../src/codecs/registry.js'
import { ProtocolError } from '../../src/errors.js'
import { RtspHeaders } from '../../src/rtsp/headers.js'

describe('client description', () => {
  it('resolveControl: absolute, *, relative with and without a trailing slash', () => {
    assert.equal(resolveControl('rtsp://h/live', 'rtsp://other/x/track1'), 'rtsp://other/x/track1')
    assert.equal(resolveControl('rtsp://h/live', '*'), 'rtsp://h/live')
    assert.equal(resolveControl('rtsp://h/live', undefined), 'rtsp://h/live')
    assert.equal(resolveControl('rtsp://h/live', 'trackID=1'), 'rtsp://h/live/trackID=1')
    assert.equal(resolveControl('rtsp://h/live/', 'trackID=1'), 'rtsp://h/live/trackID=1')
  })

  it('baseUrl: Content-Base, else Content-Location (relative allowed), else the request URL', () => {
    assert.equal(baseUrl('rtsp://h/a', new RtspHeaders({ 'Content-Base': 'rtsp://h/b/', 'Content-Location': 'rtsp://h/c' })), 'rtsp://h/b/')
    assert.equal(baseUrl('rtsp://h/a', new RtspHeaders({ 'Content-Location': 'rtsp://h/c' })), 'rtsp://h/c')
    assert.equal(baseUrl('rtsp://h:554/a/b', new RtspHeaders({ 'Content-Location': 'c/' })), 'rtsp://h:554/a/c/')
    assert.equal(baseUrl('rtsp://h/a', new RtspHeaders()), 'rtsp://h/a')
  })

  it('tracks: H.264 size from the SPS, AAC rate and channels from the config, JPEG from framesize; no-RTP media skipped', () => {
    const sdp = [
      'v=0',
      'o=- 0 0 IN IP4 0.0.0.0',
      's=x',
      't=0 0',
      'a=control:rtsp://h/agg',
      'm=video 0 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      // SPS of a 320x240 Baseline stream (from x264).
      'a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LADdkBQfsBEAAAAwAQAAADAyjxQqSA,aMuMsg==',
      'a=control:trackID=0',
      'm=audio 0 RTP/AVP 97',
      'a=rtpmap:97 MPEG4-GENERIC/44100/2',
      'a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1210',
      'a=control:trackID=1',
      'm=video 0 RTP/AVP 26',
      'a=framesize:26 640-480',
      'a=control:trackID=2',
      'm=application 9 TCP/BFCP *',
      'a=control:trackID=3',
      '',
    ].join('\r\n')
    const d = describeResponse({
      url: 'rtsp://h/cam',
      headers: new RtspHeaders({ 'Content-Base': 'rtsp://h/cam/', Server: 'cam 1.0' }),
      body: Buffer.from(sdp),
      registry: createCodecRegistry(),
    })
    assert.equal(d.aggregateControl, 'rtsp://h/agg')
    assert.equal(d.server, 'cam 1.0')
    assert.deepEqual(
      d.tracks.map((t) => [t.index, t.kind, t.codec.name, t.control, t.info]),
      [
        [0, 'video', 'h264', 'rtsp://h/cam/trackID=0', { width: 320, height: 240 }],
        [1, 'audio', 'aac', 'rtsp://h/cam/trackID=1', { sampleRate: 44100, channels: 2 }],
        [2, 'video', 'jpeg', 'rtsp://h/cam/trackID=2', { width: 640, height: 480 }],
      ],
    )
  })

  it('an SDP without playable media is a ProtocolError', () => {
    const sdp = 'v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\nm=application 9 TCP/BFCP *\r\n'
    assert.throws(
      () => describeResponse({ url: 'rtsp://h/x', headers: new RtspHeaders(), body: Buffer.from(sdp), registry: createCodecRegistry() }),
      (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_RTSP_NO_TRACKS',
    )
  })
})
