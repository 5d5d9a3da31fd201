import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pathState, redact, sessionView, tracksOf } from '../../src/api/views.js'
import type { PathStatus } from '../../src/server/rtsp-server.js'

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

describe('API views', () => {
  it('path state from how the path is served', () => {
    const pub = { remoteAddress: '10.0.0.2', since: 0, recording: true, protocol: 'rtsp', sessionId: '1' }
    assert.equal(pathState(status({ kind: 'publish' })), 'waiting-publisher')
    assert.equal(pathState(status({ kind: 'publish', publisher: pub })), 'ready')
    assert.equal(pathState(status({ kind: 'on-demand', onDemandState: 'idle' })), 'idle')
    assert.equal(pathState(status({ kind: 'on-demand', onDemandState: 'connecting' })), 'pulling')
    assert.equal(pathState(status({ kind: 'on-demand', onDemandState: 'retrying' })), 'retrying')
    assert.equal(pathState(status({ kind: 'per-reader' })), 'ready')
  })

  it('tracks from a spec alone: clock rates by payload format, sizes and rates when known', () => {
    assert.deepEqual(tracksOf({ video: { codec: 'mjpeg', width: 64, height: 48 }, audio: { codec: 'opus', channels: 2 } }, undefined), [
      { kind: 'video', codec: 'jpeg', clockRate: 90000, width: 64, height: 48 },
      { kind: 'audio', codec: 'opus', clockRate: 48000, sampleRate: 48000, channels: 2 },
    ])
    assert.deepEqual(tracksOf({ audio: { codec: 'pcma' } }, undefined), [
      { kind: 'audio', codec: 'pcma', clockRate: 8000, sampleRate: 8000 },
    ])
    assert.deepEqual(
      tracksOf({ video: { codec: 'rtp', encodingName: 'VP8', payloadType: 96, clockRate: 90000, attributes: [] } }, undefined),
      [{ kind: 'video', codec: 'vp8', clockRate: 90000 }],
    )
    assert.deepEqual(tracksOf(undefined, undefined), [])
  })

  it('a session sums its tracks; loss is the worst fraction and the summed count, null before any report', () => {
    const track = (i: number, fractionLost: number | null, cumulativeLost: number | null) => ({
      track: i,
      transport: 'udp',
      packetsSent: 10,
      bytesSent: 1000,
      octetsSent: 880,
      framesSent: 5,
      framesDropped: i,
      bytesDropped: 100 * i,
      sendErrors: 0,
      receiverReports: 1,
      fractionLost,
      cumulativeLost,
    })
    const v = sessionView({
      id: '7',
      path: 'cam',
      state: 'playing',
      remoteAddress: '::1',
      createdAt: 0,
      tracks: [track(0, 0.5, 3), track(1, 0.25, 4)],
    })
    assert.deepEqual(
      [v.bytesSent, v.packetsSent, v.framesDropped, v.bytesDropped, v.fractionLost, v.cumulativeLost, v.since, v.transport],
      [2000, 20, 1, 100, 0.5, 7, '1970-01-01T00:00:00.000Z', 'udp'],
    )
    const none = sessionView({
      id: '8',
      path: 'cam',
      state: 'ready',
      remoteAddress: '::1',
      createdAt: 0,
      tracks: [{ ...track(0, null, null), transport: 'tcp' }],
    })
    assert.deepEqual([none.fractionLost, none.cumulativeLost, none.transport], [null, null, 'tcp'])
  })

  it('redacts secrets by key and credentials in URLs, keeps the rest, survives cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'x' }
    cyclic.self = cyclic
    const shared = { a: 1 }
    const out = redact({
      users: [{ username: 'u', password: 'p', passwordHash: 'sha256:abc' }],
      api: { token: 't', apiKey: 'k', port: 9997 },
      paths: new Map([['cam', 'rtsp://user:pw@10.0.0.1/x']]),
      list: new Set(['http://h/ok']),
      twice: [shared, shared],
      fn: () => 1,
      none: undefined,
      cyclic,
    })
    assert.deepEqual(out, {
      users: [{ username: 'u', password: '[redacted]', passwordHash: '[redacted]' }],
      api: { token: '[redacted]', apiKey: '[redacted]', port: 9997 },
      paths: { cam: 'rtsp://***@10.0.0.1/x' },
      list: ['http://h/ok'],
      twice: [{ a: 1 }, { a: 1 }],
      cyclic: { name: 'x', self: '[circular]' },
    })
  })
})
