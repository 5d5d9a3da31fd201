// The HTTP API against a running RtspServer with real readers (our RtspClient, ffmpeg) and a real
// publisher (ffmpeg): every response is checked against docs/openapi.json, and every documented
// operation must have been called by the end.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ApiServer, type ApiServerOptions } from '../../src/api/api-server.js'
import type { PathView, SessionView } from '../../src/api/views.js'
import { PREVIEW_BOUNDARY, PREVIEW_MAX_FPS } from '../../src/api/mjpeg-preview.js'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { parseJfif } from '../../src/codecs/jpeg/jfif.js'
import { isSofMarker, MARKER_PREFIX, SOI } from '../../src/codecs/jpeg/markers.js'
import { ConfigError } from '../../src/errors.js'
import { parseSourceSpec } from '../../src/sources/source-spec.js'
import { collectFrames } from '../client/client-helpers.js'
import { ffmpegDecode, h264File, run, startServer, type TestServer } from '../interop/harness.js'
import { ServeApp } from '../../src/app/serve-app.js'
import { parseConfig } from '../../src/config/load.js'
import type { RecordingView } from '../../src/api/recording-routes.js'
import { tempDir } from '../helpers/audio-interop.js'
import { checkResponse, loadOpenApi, matchTemplate, operations, validate } from './openapi-check.js'
import { parsePrometheus, sampleValue } from './prom-parse.js'
import { nativeUdpStatus } from '../../src/transport/native-udp.js'

const PATHS: Record<string, string> = { cam: 'test:160x120@10', 'live/pub': 'publish' }
const doc = loadOpenApi()
const covered = new Set<string>()

interface Reply {
  status: number
  headers: Headers
  text: string
  bytes: Buffer
  /** The parsed body when it is JSON; call() has checked it against the document's schema for it. */
  json: unknown
}

/** The document's Error schema. */
interface ApiErrorBody {
  error: { code: string; message: string }
}

/** A JSON body as the type of the schema call() has validated it against. */
function jsonAs<T>(r: Reply): T {
  return r.json as T
}

/** The `error` of an error answer (the Error schema). */
function apiError(r: Reply): ApiErrorBody['error'] {
  const body = jsonAs<Partial<ApiErrorBody> | undefined>(r)
  assert.ok(body?.error, `${r.status} answer without an error body: ${r.text.slice(0, 200)}`)
  return body.error
}

/** The `items` of a list answer (PathList, SessionList). */
function itemsOf<T>(r: Reply): T[] {
  return jsonAs<{ items: T[] }>(r).items
}

/** Checks a response's status and headers (and `text`, its body or the start of it) against the document. */
function checkAgainstDoc(method: string, target: string, res: Response, text: string): void {
  const template = matchTemplate(doc, new URL(target, 'http://api.invalid').pathname)
  const operation = template && doc.paths[template]?.[method.toLowerCase()]
  if (template && operation) {
    assert.deepEqual(
      checkResponse(doc, method, template, { status: res.status, headers: res.headers, text }),
      [],
      `${method} ${target} → ${res.status}`,
    )
    covered.add(`${method} ${template}`)
  } else {
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.deepEqual(validate({ $ref: '#/components/schemas/Error' }, JSON.parse(text), doc), [], `${method} ${target}`)
  }
}

/** Calls the API and checks the answer against the document (undocumented routes: against the Error schema). */
async function call(
  api: ApiServer,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<Reply> {
  const res = await fetch(api.url + target, { method, headers, signal: AbortSignal.timeout(timeoutMs) })
  const bytes = Buffer.from(await res.arrayBuffer())
  const text = bytes.toString('utf8')
  checkAgainstDoc(method, target, res, text)
  return {
    status: res.status,
    headers: res.headers,
    text,
    bytes,
    json: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined,
  }
}

/** Calls the API expecting an error answer with this status and code; returns it. */
async function callError(api: ApiServer, method: string, target: string, status: number, code: string): Promise<Reply> {
  const r = await call(api, method, target)
  assert.deepEqual([r.status, jsonAs<Partial<ApiErrorBody> | undefined>(r)?.error?.code], [status, code], `${method} ${target}`)
  return r
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)))
  return Promise.race([p, limit]).finally(() => clearTimeout(timer))
}

interface Part {
  headers: Record<string, string>
  body: Buffer
  /** When the part had arrived (ms, performance.now()). */
  at: number
}

/** Reads `count` parts of a multipart/x-mixed-replace body (RFC 2046 §5.1 framing, with Content-Length). */
async function readParts(body: ReadableStream<Uint8Array>, count: number): Promise<Part[]> {
  const reader = body.getReader()
  const parts: Part[] = []
  let buf = Buffer.alloc(0)
  while (parts.length < count) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`the preview ended after ${parts.length} parts`)
    buf = Buffer.concat([buf, value])
    for (;;) {
      const headEnd = buf.indexOf('\r\n\r\n')
      if (headEnd === -1) break
      const lines = buf.subarray(0, headEnd).toString('latin1').split('\r\n')
      assert.equal(lines[0], `--${PREVIEW_BOUNDARY}`)
      const headers = Object.fromEntries(
        lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      )
      const length = Number(headers['content-length'])
      const end = headEnd + 4 + length + 2
      if (buf.length < end) break
      assert.equal(buf.subarray(end - 2, end).toString(), '\r\n')
      parts.push({ headers, body: buf.subarray(headEnd + 4, end - 2), at: performance.now() })
      buf = buf.subarray(end)
    }
  }
  await reader.cancel()
  return parts.slice(0, count)
}

/**
 * Width and height from a JPEG's frame header (T.81 §B.2.2: after the marker, Lf(2) P(1) Y(2) X(2)).
 * ffmpeg's JPEGs use optimised Huffman tables, which parseJfif (RFC 2435's subset) refuses.
 */
function jpegSize(jpeg: Buffer): { width: number; height: number } {
  assert.deepEqual([jpeg[0], jpeg[1]], [MARKER_PREFIX, SOI], 'starts with SOI')
  let pos = 2
  while (pos + 4 <= jpeg.length) {
    assert.equal(jpeg[pos], MARKER_PREFIX, `a marker at ${pos}`)
    const marker = jpeg[pos + 1]!
    if (isSofMarker(marker)) return { height: jpeg.readUInt16BE(pos + 5), width: jpeg.readUInt16BE(pos + 7) }
    pos += 2 + jpeg.readUInt16BE(pos + 2)
  }
  throw new Error('no frame header')
}

function newApi(srv: TestServer, extra: Partial<ApiServerOptions> = {}, specs: Record<string, string> = PATHS): ApiServer {
  return new ApiServer({
    server: srv.server,
    paths: () => srv.handles.map((h) => ({ name: h.name, kind: parseSourceSpec(specs[h.name]!).kind, description: h.description })),
    config: () => ({
      rtsp: { port: srv.server.port },
      users: [{ username: 'admin', password: 'hunter2' }],
      relay: 'rtsp://cam:secret@10.0.0.9/stream',
    }),
    host: '127.0.0.1',
    port: 0,
    sampleIntervalMs: 100,
    bitrateWindowMs: 2000,
    ...extra,
  })
}

describe('HTTP API contract', () => {
  let srv: TestServer
  let api: ApiServer
  let specs: Record<string, string>
  before(async () => {
    const file = await h264File({ width: 160, height: 120, fps: 10, seconds: 2, gop: 10 })
    specs = { ...PATHS, h264: `file:${file}` }
    srv = await startServer(specs)
    api = newApi(srv, {}, specs)
    await api.start()
  })
  after(async () => {
    await api.close()
    await srv.stop()
  })

  const sessions = async (): Promise<SessionView[]> => itemsOf<SessionView>(await call(api, 'GET', '/v1/sessions'))

  it('lists paths: source, state, tracks; one path by its URL-encoded name; 404 and 400 as JSON', async () => {
    const list = await call(api, 'GET', '/v1/paths')
    assert.equal(list.status, 200)
    const byName = new Map(itemsOf<PathView>(list).map((p) => [p.name, p]))
    assert.deepEqual([...byName.keys()].sort(), ['cam', 'h264', 'live/pub'])
    const cam = byName.get('cam')!
    assert.equal(cam.url, srv.url('cam'))
    assert.equal(byName.get('live/pub')!.url, srv.url('live/pub'))
    assert.equal(cam.source.kind, 'test')
    assert.equal(cam.state, 'ready')
    assert.deepEqual(cam.tracks, [{ kind: 'video', codec: 'jpeg', clockRate: 90000, width: 160, height: 120, fps: 10 }])
    assert.equal(cam.readers, 0)
    const pub = byName.get('live/pub')!
    assert.deepEqual([pub.source.kind, pub.state, pub.publisher, pub.tracks], ['publish', 'waiting-publisher', null, []])

    const one = await call(api, 'GET', '/v1/paths/live%2Fpub')
    assert.equal(one.status, 200)
    assert.equal(jsonAs<PathView>(one).name, 'live/pub')

    await callError(api, 'GET', '/v1/paths/nope', 404, 'ERR_API_PATH_NOT_FOUND')
    await callError(api, 'GET', '/v1/paths/%E0%A4%A', 400, 'ERR_API_BAD_URL')
  })

  it('readers over TCP and UDP show in sessions, paths and metrics, and the numbers move', async () => {
    const clients = (['tcp', 'udp'] as const).map((transport) => new RtspClient(srv.url('cam'), { transport, rtcpIntervalMs: 200 }))
    try {
      await Promise.all(
        clients.map(async (c) => {
          const got = collectFrames(c, 3)
          await c.play()
          await got
        }),
      )
      const list = await sessions()
      assert.equal(list.length, 2)
      assert.deepEqual(list.map((s) => s.transport).sort(), ['tcp', 'udp'])
      for (const s of list) {
        assert.equal(s.path, 'cam')
        assert.deepEqual([s.protocol, s.role, s.preview, s.bytesReceived], ['rtsp', 'reader', false, 0])
        assert.equal(s.state, 'playing')
        assert.equal(s.remoteAddress, '127.0.0.1')
        assert.ok(s.bytesSent > 0 && s.packetsSent > 0, JSON.stringify(s))
        assert.ok(Math.abs(Date.now() - Date.parse(s.since)) < 30_000, s.since)
      }
      const tcp = list.find((s) => s.transport === 'tcp')!
      const one = await call(api, 'GET', `/v1/sessions/${tcp.id}`)
      assert.equal(jsonAs<SessionView>(one).id, tcp.id)

      // The readers' receiver reports arrive: loss is known (none on loopback).
      const reported = await eventually('receiver reports', async () =>
        (await sessions()).find((s) => s.id === tcp.id && s.cumulativeLost !== null),
      )
      assert.equal(reported.cumulativeLost, 0)
      assert.equal(reported.fractionLost, 0)

      const cam = await eventually('a bitrate', async () => {
        const p = jsonAs<PathView>(await call(api, 'GET', '/v1/paths/cam'))
        return p.bitrateIn > 0 ? p : undefined
      })
      assert.equal(cam.readers, 2)
      assert.deepEqual(cam.readersByProtocol, { rtsp: 2, webrtc: 0, hls: 0 })
      assert.ok(cam.bytesIn > 0 && cam.bytesOut > 0, JSON.stringify(cam))

      const first = await call(api, 'GET', '/metrics')
      assert.equal(first.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
      const m1 = parsePrometheus(first.text)
      assert.equal(sampleValue(m1, 'rtspkit_path_readers', { path: 'cam' }), 2)
      assert.equal(sampleValue(m1, 'rtspkit_sessions'), 2)
      assert.equal(sampleValue(m1, 'rtspkit_sessions', { protocol: 'rtsp', role: 'reader' }), 2)
      assert.equal(sampleValue(m1, 'rtspkit_sessions', { protocol: 'webrtc', role: 'reader' }), 0)
      assert.equal(sampleValue(m1, 'rtspkit_readers', { path: 'cam', protocol: 'rtsp' }), 2)
      assert.equal(sampleValue(m1, 'rtspkit_readers', { path: 'cam', protocol: 'hls' }), 0)
      assert.equal(m1.get('rtspkit_bytes_sent_total')!.type, 'counter')
      assert.ok(sampleValue(m1, 'rtspkit_bytes_sent_total', { protocol: 'rtsp' })! > 0)
      assert.equal(m1.get('rtspkit_session_bytes_sent_total')!.type, 'counter')
      const sent1 = sampleValue(m1, 'rtspkit_session_bytes_sent_total', { path: 'cam', session: tcp.id, transport: 'tcp' })!
      const in1 = sampleValue(m1, 'rtspkit_path_bytes_received_total', { path: 'cam' })!
      assert.ok(sent1 > 0 && in1 > 0)
      assert.ok(sampleValue(m1, 'process_resident_memory_bytes')! > 0)
      assert.ok(sampleValue(m1, 'nodejs_heap_size_total_bytes')! >= sampleValue(m1, 'nodejs_heap_size_used_bytes')!)
      assert.ok(sampleValue(m1, 'nodejs_external_memory_bytes')! > 0, 'the stream holds Buffers')
      for (const space of ['new', 'old']) {
        const total = sampleValue(m1, 'nodejs_heap_space_size_total_bytes', { space })!
        assert.ok(total > 0, `${space} space committed`)
        assert.ok(sampleValue(m1, 'nodejs_heap_space_size_used_bytes', { space })! <= total)
      }
      assert.ok(sampleValue(m1, 'process_start_time_seconds')! <= Date.now() / 1000)
      assert.ok(sampleValue(m1, 'process_cpu_seconds_total')! > 0)
      assert.ok(sampleValue(m1, 'nodejs_eventloop_lag_seconds')! >= 0)
      assert.equal(sampleValue(m1, 'rtspkit_native_udp'), nativeUdpStatus().loaded ? 1 : 0)
      assert.equal(sampleValue(m1, 'rtspkit_native_udp_gso'), nativeUdpStatus().gso ? 1 : 0)

      await new Promise((r) => setTimeout(r, 500)) // 5 frames at 10 fps
      const m2 = parsePrometheus((await call(api, 'GET', '/metrics')).text)
      assert.ok(sampleValue(m2, 'rtspkit_session_bytes_sent_total', { session: tcp.id })! > sent1)
      assert.ok(sampleValue(m2, 'rtspkit_path_bytes_received_total', { path: 'cam' })! > in1)
    } finally {
      await Promise.all(clients.map((c) => c.close()))
    }
    await eventually('sessions to end', async () => ((await sessions()).length === 0 ? true : undefined))
    const m3 = parsePrometheus((await call(api, 'GET', '/metrics')).text)
    assert.equal(sampleValue(m3, 'rtspkit_path_readers', { path: 'cam' }), 0)
    assert.equal(m3.get('rtspkit_session_bytes_sent_total')!.samples.length, 0)
  })

  it("kicking a session sends RTCP BYE and closes the reader's connection: ffmpeg ends, our client ends; a second kick is 404", async () => {
    const ffmpeg = run(
      'ffmpeg',
      ['-hide_banner', '-nostats', '-v', 'error', '-rtsp_transport', 'tcp', '-i', srv.url('cam'), '-f', 'null', '-'],
      30_000,
    )
    // Once media flows, so that the BYE is what ends ffmpeg (a kick also closes the connection).
    const victim = await eventually('ffmpeg to play', async () =>
      (await sessions()).find((s) => s.state === 'playing' && s.packetsSent > 0),
    )
    const kicked = await call(api, 'DELETE', `/v1/sessions/${victim.id}`)
    assert.equal(kicked.status, 204)
    assert.equal(kicked.text, '')
    const r = await ffmpeg
    assert.equal(r.timedOut, false, 'ffmpeg kept reading after the kick')
    assert.equal((await call(api, 'GET', `/v1/sessions/${victim.id}`)).status, 404)
    const again = await call(api, 'DELETE', `/v1/sessions/${victim.id}`)
    assert.equal(again.status, 404)
    assert.equal(apiError(again).code, 'ERR_API_SESSION_NOT_FOUND')

    const client = new RtspClient(srv.url('cam'), { transport: 'udp' })
    try {
      const bye = new Promise<void>((resolve) => client.on('rtcp', (_i, packets) => packets.some((p) => p.kind === 'bye') && resolve()))
      const got = collectFrames(client, 2)
      await client.play()
      await got
      const [s] = await sessions()
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
      assert.equal((await call(api, 'DELETE', `/v1/sessions/${s!.id}`)).status, 204)
      await within(bye, 5000, 'the BYE')
      await within(closed, 5000, 'the client to end') // its RTSP connection was closed after the BYE
      assert.equal((await sessions()).length, 0)
    } finally {
      await client.close()
    }
  })

  it('a publisher shows on its path (address, since) and in metrics', async () => {
    let ffmpeg: ChildProcess | undefined
    try {
      ffmpeg = spawn(
        'ffmpeg',
        [
          '-hide_banner',
          '-v',
          'error',
          '-re',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=160x120:rate=10',
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
          srv.url('live/pub'),
        ],
        { stdio: 'ignore' },
      )
      const pub = await eventually(
        'the publisher',
        async () => {
          const p = jsonAs<PathView>(await call(api, 'GET', '/v1/paths/live%2Fpub'))
          return p.state === 'ready' && p.bytesIn > 0 ? p : undefined
        },
        15_000,
      )
      assert.equal(pub.publisher!.remoteAddress, '127.0.0.1')
      assert.ok(Math.abs(Date.now() - Date.parse(pub.publisher!.since)) < 30_000)
      assert.equal(pub.publisher!.protocol, 'rtsp')
      // Size and frame rate from the SPS libx264 wrote (the ANNOUNCE said neither).
      assert.deepEqual(pub.tracks, [{ kind: 'video', codec: 'h264', clockRate: 90000, width: 160, height: 120, fps: 10 }])
      const session = (await sessions()).find((s) => s.role === 'publisher')!
      assert.equal(session.id, pub.publisher!.sessionId)
      assert.deepEqual(
        [session.protocol, session.path, session.state, session.transport, session.remoteAddress, session.preview],
        ['rtsp', 'live/pub', 'recording', 'tcp', '127.0.0.1', false],
      )
      assert.ok(session.bytesReceived > 0)
      const m = parsePrometheus((await call(api, 'GET', '/metrics')).text)
      assert.equal(sampleValue(m, 'rtspkit_path_publisher_connected', { path: 'live/pub' }), 1)
      assert.equal(sampleValue(m, 'rtspkit_path_publisher_connected', { path: 'cam' }), 0)
      assert.equal(sampleValue(m, 'rtspkit_sessions', { protocol: 'rtsp', role: 'publisher' }), 1)

      // Kicking the publisher ends ffmpeg and frees the path.
      const exited = new Promise<void>((resolve) => ffmpeg!.once('exit', () => resolve()))
      assert.equal((await call(api, 'DELETE', `/v1/sessions/${session.id}`)).status, 204)
      await within(exited, 10_000, 'ffmpeg to stop publishing')
    } finally {
      ffmpeg?.kill('SIGKILL')
    }
    const gone = await eventually('the publisher to leave', async () => {
      const p = jsonAs<PathView>(await call(api, 'GET', '/v1/paths/live%2Fpub'))
      return p.state === 'waiting-publisher' ? p : undefined
    })
    assert.equal(gone.publisher, null)
    assert.equal((await sessions()).length, 0)
  })

  it('WebRTC and HLS viewers: listed with their protocol, previews marked and not counted, kicked like any session', async () => {
    const stream = srv.server.getStream('cam')!
    const output = { rtp: true, writeUnit() {}, restartAtKeyframe() {} }
    const viewer = await srv.server.openReader({ path: 'cam', protocol: 'webrtc', remoteAddress: '10.0.0.7' })
    stream.addReader(output)
    const preview = await srv.server.openReader({ path: 'cam', protocol: 'hls', remoteAddress: '10.0.0.8', counted: false })
    const reasons: string[] = []
    viewer.onClose = (r) => {
      reasons.push(r)
      stream.removeReader(output)
    }
    try {
      viewer.bytesSent = 5000
      preview.bytesSent = 300
      const list = await sessions()
      const byId = new Map(list.map((s) => [s.id, s]))
      const v = byId.get(viewer.id)!
      assert.deepEqual(
        [v.protocol, v.role, v.preview, v.transport, v.state, v.remoteAddress, v.bytesSent],
        ['webrtc', 'reader', false, 'udp', 'playing', '10.0.0.7', 5000],
      )
      const pv = byId.get(preview.id)!
      assert.deepEqual([pv.protocol, pv.preview, pv.transport], ['hls', true, 'tcp'])
      assert.equal(jsonAs<SessionView>(await call(api, 'GET', `/v1/sessions/${preview.id}`)).preview, true)

      const cam = jsonAs<PathView>(await call(api, 'GET', '/v1/paths/cam'))
      assert.deepEqual([cam.readers, cam.readersByProtocol, cam.previews], [1, { rtsp: 0, webrtc: 1, hls: 0 }, 1])
      const m = parsePrometheus((await call(api, 'GET', '/metrics')).text)
      assert.equal(sampleValue(m, 'rtspkit_readers', { path: 'cam', protocol: 'webrtc' }), 1)
      assert.equal(sampleValue(m, 'rtspkit_readers', { path: 'cam', protocol: 'hls' }), 0)
      assert.equal(sampleValue(m, 'rtspkit_sessions', { protocol: 'webrtc', role: 'reader' }), 1)
      assert.equal(sampleValue(m, 'rtspkit_sessions', { protocol: 'hls', role: 'reader' }), 0)
      assert.equal(sampleValue(m, 'rtspkit_previews', { protocol: 'hls' }), 1)
      assert.ok(sampleValue(m, 'rtspkit_bytes_sent_total', { protocol: 'webrtc' })! >= 5000)
      assert.ok(sampleValue(m, 'rtspkit_bytes_sent_total', { protocol: 'hls' })! >= 300)
      assert.equal(sampleValue(m, 'rtspkit_session_bytes_sent_total', { session: viewer.id, protocol: 'webrtc' }), 5000)
      assert.equal(sampleValue(m, 'rtspkit_session_bytes_sent_total', { session: preview.id }), undefined, 'a preview is no reader')

      assert.equal((await call(api, 'DELETE', `/v1/sessions/${viewer.id}`)).status, 204)
      assert.deepEqual(reasons, ['kicked'])
      assert.equal((await call(api, 'DELETE', `/v1/sessions/${preview.id}`)).status, 204)
      assert.deepEqual(await sessions(), [])
      // The bytes of the sessions that left still count.
      const after = parsePrometheus((await call(api, 'GET', '/metrics')).text)
      assert.ok(sampleValue(after, 'rtspkit_bytes_sent_total', { protocol: 'webrtc' })! >= 5000)
    } finally {
      viewer.close()
      preview.close()
    }
  })

  it('paths say where browsers play them and whether their audio goes to WebRTC; the size of an H.264 file path is its SPS', async () => {
    const plain = itemsOf<PathView>(await call(api, 'GET', '/v1/paths'))
    for (const p of plain) {
      assert.deepEqual([p.webrtcUrl, p.hlsUrl, p.webrtcAudio, p.webrtcAudioReason], [null, null, false, 'no audio track'], p.name)
    }
    const h264 = plain.find((p) => p.name === 'h264')!
    assert.deepEqual(h264.tracks, [{ kind: 'video', codec: 'h264', clockRate: 90000, width: 160, height: 120, fps: 10 }])
    const browsers = newApi(
      srv,
      { webrtcUrl: (name) => `http://0.0.0.0:8889/${name}`, hlsUrl: (name) => (name === 'cam' ? undefined : `http://h:8888/${name}`) },
      specs,
    )
    await browsers.start()
    try {
      const byName = new Map(itemsOf<PathView>(await call(browsers, 'GET', '/v1/paths')).map((p) => [p.name, p]))
      assert.deepEqual(
        [byName.get('live/pub')!.webrtcUrl, byName.get('live/pub')!.hlsUrl],
        ['http://0.0.0.0:8889/live/pub', 'http://h:8888/live/pub'],
      )
      assert.equal(byName.get('cam')!.hlsUrl, null)
    } finally {
      await browsers.close()
    }
  })

  it("serves hls.js from the package for the dashboard's HLS previews", async () => {
    const r = await call(api, 'GET', '/hls.min.js')
    assert.equal(r.status, 200)
    assert.match(r.headers.get('content-type') ?? '', /^text\/javascript/)
    assert.match(r.headers.get('cache-control') ?? '', /max-age/)
    assert.ok(r.text.includes('Hls') && r.bytes.length > 100_000, 'the hls.js bundle')
  })

  it('shows the effective config with secrets redacted', async () => {
    const cfg = await call(api, 'GET', '/v1/config')
    assert.equal(cfg.status, 200)
    assert.deepEqual(cfg.json, {
      rtsp: { port: srv.server.port },
      users: [{ username: 'admin', password: '[redacted]' }],
      relay: 'rtsp://***@10.0.0.9/stream',
    })
    assert.ok(!cfg.text.includes('hunter2') && !cfg.text.includes('secret'))
  })

  it('unknown routes are 404 JSON; a wrong method is 405 with Allow', async () => {
    const unknown = await call(api, 'GET', '/v2/things')
    assert.equal(unknown.status, 404)
    assert.equal(apiError(unknown).code, 'ERR_API_NOT_FOUND')
    const post = await call(api, 'POST', '/v1/paths')
    assert.equal(post.status, 405)
    assert.equal(post.headers.get('allow'), 'GET')
    const del = await call(api, 'DELETE', '/v1/paths/cam')
    assert.equal(del.status, 405)
    assert.equal(del.headers.get('allow'), 'GET')
    const put = await call(api, 'PUT', '/v1/sessions/1')
    assert.equal(put.headers.get('allow'), 'GET, DELETE')
  })

  it('a failing config provider is a 500 JSON error, not a dropped connection', async () => {
    const broken = newApi(srv, {
      config: () => {
        throw new Error('boom')
      },
      logger: { info() {}, debug() {}, warn() {} },
    })
    await broken.start()
    try {
      const r = await call(broken, 'GET', '/v1/config')
      assert.equal(r.status, 500)
      assert.deepEqual(r.json, { error: { code: 'ERR_API_INTERNAL', message: 'internal error' } })
    } finally {
      await broken.close()
    }
  })

  it('an open API refuses Host names other than loopback (DNS rebinding) and non-loopback listening', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port: api.port, path: '/v1/paths', headers: { Host: 'attacker.example:9997' }, timeout: 5000 },
        (res) => {
          res.resume()
          resolve(res.statusCode!)
        },
      )
      req.on('error', reject)
    })
    assert.equal(status, 403)
    assert.throws(
      () => newApi(srv, { host: '0.0.0.0' }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_API_OPEN',
    )
  })

  it('serves the dashboard page at / as HTML; path URLs come from urlFor when given', async () => {
    const page = await call(api, 'GET', '/')
    assert.equal(page.status, 200)
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(page.headers.get('x-frame-options'), 'DENY')
    assert.match(page.text, /^<!doctype html>/)
    assert.match(page.text, /<title>rtspkit dashboard<\/title>/)
    assert.ok(page.text.includes("getJson('/v1/paths')") && page.text.includes("getJson('/v1/sessions')"), 'the page polls both lists')

    const named = newApi(srv, { urlFor: (name) => `rtsp://cams.example:8554/${name}` }, specs)
    await named.start()
    try {
      const items = itemsOf<PathView>(await call(named, 'GET', '/v1/paths'))
      assert.deepEqual(items.map((p) => p.url).sort(), [
        'rtsp://cams.example:8554/cam',
        'rtsp://cams.example:8554/h264',
        'rtsp://cams.example:8554/live/pub',
      ])
    } finally {
      await named.close()
    }
  })

  it('previews a JPEG path: its frames as multipart parts, at most 5 a second; the tap goes when the client does', async () => {
    const stream = srv.server.getStream('cam')!
    assert.equal(stream.wanted, false, 'nobody watches the test card before')
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), 10_000)
    try {
      const res = await fetch(`${api.url}/v1/paths/cam/preview.mjpeg`, { signal: abort.signal })
      checkAgainstDoc('GET', '/v1/paths/cam/preview.mjpeg', res, '')
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), `multipart/x-mixed-replace; boundary=${PREVIEW_BOUNDARY}`)
      const parts = await readParts(res.body!, 4)
      for (const p of parts) {
        assert.equal(p.headers['content-type'], 'image/jpeg')
        assert.equal(Number(p.headers['content-length']), p.body.length)
        const jpeg = parseJfif(p.body)
        assert.deepEqual([jpeg.width, jpeg.height], [160, 120])
      }
      assert.notDeepEqual(parts[0]!.body, parts[3]!.body, 'the test card moves')
      // The card makes 10 frames a second; the preview passes at most 5.
      const span = parts[3]!.at - parts[0]!.at
      assert.ok(span >= (3 * 1000) / PREVIEW_MAX_FPS - 60, `4 parts within ${span} ms`)
      assert.equal(stream.wanted, true)
    } finally {
      clearTimeout(timer)
      abort.abort()
    }
    await eventually('the preview tap to go', () => Promise.resolve(stream.wanted ? undefined : true), 5000)
  })

  it('preview errors: 409 for a path without JPEG frames or without a stream, 404 for an unknown path', async () => {
    const h264 = await callError(api, 'GET', '/v1/paths/h264/preview.mjpeg', 409, 'ERR_API_NOT_JPEG')
    assert.match(apiError(h264).message, /snapshot\.jpg/)
    await callError(api, 'GET', '/v1/paths/live%2Fpub/preview.mjpeg', 409, 'ERR_API_PATH_NOT_LIVE')
    await callError(api, 'GET', '/v1/paths/nope/preview.mjpeg', 404, 'ERR_API_PATH_NOT_FOUND')
    assert.equal((await call(api, 'POST', '/v1/paths/cam/preview.mjpeg')).headers.get('allow'), 'GET')
  })

  it('a snapshot of an H.264 path is a JPEG of its size, taken by ffmpeg as a reader that then leaves', async () => {
    const snap = await call(api, 'GET', '/v1/paths/h264/snapshot.jpg', {}, 20_000)
    assert.equal(snap.status, 200)
    assert.equal(snap.headers.get('content-type'), 'image/jpeg')
    assert.deepEqual(jpegSize(snap.bytes), { width: 160, height: 120 })
    await eventually('the snapshot reader to leave', async () => ((await sessions()).length === 0 ? true : undefined))
    await callError(api, 'GET', '/v1/paths/nope/snapshot.jpg', 404, 'ERR_API_PATH_NOT_FOUND')
  })

  it('no snapshot is a 503 that says why: ffmpeg missing, or no picture in time', async () => {
    const noFfmpeg = newApi(srv, { ffmpegPath: '/nonexistent/ffmpeg' }, specs)
    // An RTSP "server" that accepts and never answers.
    const silent = net.createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const silentPort = (silent.address() as net.AddressInfo).port
    const slow = newApi(srv, { snapshotUrl: (name) => `rtsp://127.0.0.1:${silentPort}/${name}`, snapshotTimeoutMs: 500 }, specs)
    await Promise.all([noFfmpeg.start(), slow.start()])
    try {
      const missing = await callError(noFfmpeg, 'GET', '/v1/paths/h264/snapshot.jpg', 503, 'ERR_API_SNAPSHOT_NO_FFMPEG')
      assert.match(apiError(missing).message, /\/nonexistent\/ffmpeg" was not found/)
      const started = Date.now()
      await callError(slow, 'GET', '/v1/paths/h264/snapshot.jpg', 503, 'ERR_API_SNAPSHOT_TIMEOUT')
      assert.ok(Date.now() - started < 5000)
    } finally {
      await Promise.all([noFfmpeg.close(), slow.close()])
      silent.close()
    }
  })

  describe('config writes (ServeApp)', () => {
    const QUIET = 'server:\n  rtspPort: 0\n  logLevel: error\nhls:\n  enabled: false\nwebrtc:\n  enabled: false\n'
    const apps: ServeApp[] = []
    const serveApp = async (yaml: string): Promise<{ app: ServeApp; api: { url: string } }> => {
      const app = new ServeApp(parseConfig({ text: QUIET + yaml }))
      apps.push(app)
      await app.start()
      assert.ok(app.apiUrl, 'the API runs')
      return { app, api: { url: app.apiUrl } }
    }
    after(async () => {
      await Promise.all(apps.map((a) => a.stop()))
    })

    /** A write with a JSON body (as text, so that malformed ones can be sent too), checked against the document. */
    async function send(
      api: { url: string },
      method: string,
      target: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<Reply> {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
      const res = await fetch(api.url + target, {
        method,
        headers: { ...(text !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
        ...(text !== undefined ? { body: text } : {}),
        signal: AbortSignal.timeout(10_000),
      })
      const bytes = Buffer.from(await res.arrayBuffer())
      const out = bytes.toString('utf8')
      checkAgainstDoc(method, target, res, out)
      const json = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(out) as unknown) : undefined
      return { status: res.status, headers: res.headers, text: out, bytes, json }
    }

    /** What rtspkit.yml gets for the same setting, without "rtspkit.yml:LINE: ". */
    const fileMessage = (yaml: string): string => {
      try {
        parseConfig({ text: yaml })
      } catch (err) {
        return (err as Error).message.replace(/^rtspkit\.yml:\d+: /, '')
      }
      assert.fail(`accepted: ${yaml}`)
    }

    it('global get and patch, paths list, get, add, patch, replace and delete: each visible at once; an added path plays in ffmpeg', async () => {
      const { app, api } = await serveApp('api:\n  port: 0\n  trustLoopback: all\npaths:\n  cam:\n    source: test:160x120@10\n')
      const global = await send(api, 'GET', '/v1/config/global/get')
      assert.equal(global.status, 200)
      assert.equal(jsonAs<{ api: { trustLoopback: string } }>(global).api.trustLoopback, 'all')
      assert.equal(jsonAs<{ paths?: unknown }>(global).paths, undefined)

      const patched = await send(api, 'PATCH', '/v1/config/global/patch', {
        server: { sessionTimeout: '30s' },
        hooks: { runOnDisconnect: 'true' },
      })
      assert.equal(patched.status, 200, patched.text)
      assert.equal(jsonAs<{ server: { sessionTimeout: number } }>(patched).server.sessionTimeout, 30)
      assert.equal(app.effectiveConfig.server.sessionTimeout, 30)
      assert.equal(app.effectiveConfig.hooks.runOnDisconnect, 'true')

      const list = await send(api, 'GET', '/v1/config/paths/list')
      assert.deepEqual(
        itemsOf<{ name: string }>(list).map((p) => p.name),
        ['cam'],
      )
      const added = await send(api, 'POST', '/v1/config/paths/add/site%2Fdoor', { source: 'test:160x120@10', runOnReady: 'true' })
      assert.equal(added.status, 201, added.text)
      assert.deepEqual(
        [jsonAs<{ name: string; runOnReady: string; instantStart: boolean }>(added).name, jsonAs<{ runOnReady: string }>(added).runOnReady],
        ['site/door', 'true'],
      )
      // Served at once: in the status list, and ffmpeg decodes it.
      assert.ok(itemsOf<PathView>(await call(api as ApiServer, 'GET', '/v1/paths')).some((p) => p.name === 'site/door'))
      const decoded = await ffmpegDecode(`rtsp://127.0.0.1:${app.server.port}/site/door`, 'tcp', 5, 20_000)
      assert.equal(decoded.frames, 5, decoded.stderr)

      const got = await send(api, 'GET', '/v1/config/paths/get/site%2Fdoor')
      assert.equal(jsonAs<{ source: string }>(got).source, 'test:160x120@10')
      const patchedPath = await send(api, 'PATCH', '/v1/config/paths/patch/site%2Fdoor', { instantStart: false })
      assert.equal(patchedPath.status, 200, patchedPath.text)
      assert.equal(app.effectiveConfig.paths.find((p) => p.name === 'site/door')?.instantStart, false)
      assert.equal(app.effectiveConfig.paths.find((p) => p.name === 'site/door')?.runOnReady, 'true', 'patch keeps the rest')

      const replaced = await send(api, 'POST', '/v1/config/paths/replace/site%2Fdoor', { source: 'publish' })
      assert.equal(replaced.status, 200, replaced.text)
      assert.equal(jsonAs<{ runOnReady: string }>(replaced).runOnReady, '', 'replace drops what the body leaves out')
      const door = itemsOf<PathView>(await call(api as ApiServer, 'GET', '/v1/paths')).find((p) => p.name === 'site/door')
      assert.equal(door?.source.kind, 'publish')

      assert.equal((await send(api, 'DELETE', '/v1/config/paths/delete/site%2Fdoor')).status, 204)
      assert.ok(!itemsOf<PathView>(await call(api as ApiServer, 'GET', '/v1/paths')).some((p) => p.name === 'site/door'))
      const gone = await send(api, 'GET', '/v1/config/paths/get/site%2Fdoor')
      assert.deepEqual([gone.status, apiError(gone).code], [404, 'ERR_API_PATH_NOT_FOUND'])
      assert.equal((await ffmpegDecode(`rtsp://127.0.0.1:${app.server.port}/site/door`, 'tcp', 1, 10_000)).frames, 0)
    })

    it('invalid writes: 400 with the message the config file gets for the same value; 404, 409, 415 and bad JSON', async () => {
      const { api } = await serveApp('api:\n  port: 0\n  trustLoopback: all\npaths:\n  cam:\n    source: test:160x120@10\n')
      const pathCases: [string, Record<string, unknown>, string][] = [
        ['x', { closeAfter: '10 minutes' }, 'paths:\n  x:\n    closeAfter: 10 minutes\n'],
        ['x', { source: 'bogus:thing' }, 'paths:\n  x:\n    source: bogus:thing\n'],
        ['x', { source: 'publish', onDemand: true }, 'paths:\n  x:\n    source: publish\n    onDemand: true\n'],
        ['x', { source: 'test', runOnDemand: 'ffmpeg' }, 'paths:\n  x:\n    source: test\n    runOnDemand: ffmpeg\n'],
        ['x', { sourceOnDemand: true }, 'paths:\n  x:\n    sourceOnDemand: true\n'],
        ['x', { read: ['nobody'] }, 'paths:\n  x:\n    read: [nobody]\n'],
        ['bad name', { source: 'publish' }, "paths:\n  'bad name':\n    source: publish\n"],
      ]
      for (const [name, body, yaml] of pathCases) {
        const r = await send(api, 'POST', `/v1/config/paths/add/${encodeURIComponent(name)}`, body)
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`)
        assert.equal(apiError(r).message, fileMessage(yaml), JSON.stringify(body))
        assert.equal(apiError(r).code, 'ERR_API_INVALID_CONFIG')
      }
      const bad = await send(api, 'PATCH', '/v1/config/global/patch', { server: { rtspPort: 'abc' } })
      assert.equal(bad.status, 400)
      assert.equal(apiError(bad).message, fileMessage('server:\n  rtspPort: abc\n'))
      const badPatch = await send(api, 'PATCH', '/v1/config/paths/patch/cam', { instantStart: 'yes' })
      assert.equal(apiError(badPatch).message, fileMessage('paths:\n  cam:\n    instantStart: yes\n'))
      // Nothing of a refused write applies.
      assert.ok(!itemsOf<{ name: string }>(await send(api, 'GET', '/v1/config/paths/list')).some((p) => p.name !== 'cam'))

      assert.equal(apiError(await send(api, 'POST', '/v1/config/paths/add/cam', {})).code, 'ERR_API_PATH_EXISTS')
      assert.equal((await send(api, 'POST', '/v1/config/paths/add/cam', {})).status, 409)
      for (const [method, op] of [
        ['PATCH', 'patch'],
        ['POST', 'replace'],
        ['DELETE', 'delete'],
      ] as const) {
        const r = await send(api, method, `/v1/config/paths/${op}/nothere`, method === 'DELETE' ? undefined : {})
        assert.deepEqual([r.status, apiError(r).code], [404, 'ERR_API_PATH_NOT_FOUND'], op)
      }
      const plain = await send(api, 'POST', '/v1/config/paths/add/y', '{"source":"publish"}', { 'Content-Type': 'text/plain' })
      assert.deepEqual([plain.status, apiError(plain).code], [415, 'ERR_API_CONTENT_TYPE'])
      const broken = await send(api, 'POST', '/v1/config/paths/add/y', '{"source":')
      assert.deepEqual([broken.status, apiError(broken).code], [400, 'ERR_API_BAD_JSON'])
      const notObject = await send(api, 'PATCH', '/v1/config/global/patch', [1, 2])
      assert.deepEqual([notObject.status, apiError(notObject).code], [400, 'ERR_API_BODY'])
      const big = await send(
        api,
        'POST',
        '/v1/config/paths/add/y',
        JSON.stringify({ source: 'publish', runOnInit: 'x'.repeat(1024 * 1024) }),
      )
      assert.deepEqual([big.status, apiError(big).code], [413, 'ERR_API_BODY_TOO_LARGE'])
      const cross = await send(api, 'POST', '/v1/config/paths/add/y', { source: 'publish' }, { Origin: 'http://evil.example' })
      assert.deepEqual([cross.status, apiError(cross).code], [403, 'ERR_API_ORIGIN'])
    })

    it('api.trustLoopback: read (the default) lets this machine read but not write; an admin may write', async () => {
      const open = await serveApp('api:\n  port: 0\n')
      assert.equal((await send(open.api, 'GET', '/v1/config/paths/list')).status, 200)
      for (const [method, target, body] of [
        ['POST', '/v1/config/paths/add/x', { source: 'publish' }],
        ['DELETE', '/v1/sessions/123', undefined],
        ['DELETE', '/v1/recordings/deletesegment?path=cam&start=2026-01-01T00:00:00Z', undefined],
      ] as const) {
        const r = await send(open.api, method, target, body)
        assert.deepEqual([r.status, apiError(r).code], [403, 'ERR_API_FORBIDDEN'], target)
        assert.match(apiError(r).message, /admin user .*api\.trustLoopback: all/)
      }
      const user = `users:\n  - name: boss\n    password: plain:b-pass\n    admin: true\n  - name: viewer\n    password: plain:v-pass\n`
      const locked = await serveApp(`api:\n  port: 0\n${user}`)
      const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` })
      assert.equal((await send(locked.api, 'GET', '/v1/config/global/get')).status, 200, 'loopback reads need no credentials')
      const anon = await send(locked.api, 'POST', '/v1/config/paths/add/x', { source: 'publish' })
      assert.deepEqual([anon.status, apiError(anon).code], [401, 'ERR_API_UNAUTHORIZED'])
      const viewer = await send(locked.api, 'POST', '/v1/config/paths/add/x', { source: 'publish' }, basic('viewer', 'v-pass'))
      assert.deepEqual([viewer.status, apiError(viewer).code], [403, 'ERR_API_FORBIDDEN'])
      const admin = await send(locked.api, 'POST', '/v1/config/paths/add/x', { source: 'publish' }, basic('boss', 'b-pass'))
      assert.equal(admin.status, 201, admin.text)
      const none = await serveApp(`api:\n  port: 0\n  trustLoopback: none\n${user}`)
      assert.equal((await send(none.api, 'GET', '/v1/config/global/get')).status, 401)
    })
    it('recordings of the H.264 test card: listed per path with start and duration; one segment deleted, nothing else', async () => {
      const tmp = tempDir('api-rec')
      let app: ServeApp | undefined
      try {
        const dir = path.join(tmp.dir, 'rec')
        const served = await serveApp(
          `api:\n  port: 0\n  trustLoopback: all\nrecording:\n  dir: ${dir}\n  segmentSeconds: 1\n` +
            'paths:\n  cam:\n    source: test:h264\n    record: true\n  other:\n    source: publish\n',
        )
        app = served.app
        const api = served.api
        const recorded = await eventually(
          'three segments of cam',
          async () => {
            const r = await send(api, 'GET', '/v1/recordings/get/cam')
            const segs = r.status === 200 ? jsonAs<RecordingView>(r).segments : []
            return segs.length >= 3 ? segs : undefined
          },
          20_000,
        )
        assert.ok(recorded[0]!.duration > 0.5 && recorded[0]!.duration < 3, JSON.stringify(recorded[0]))
        assert.ok(Date.parse(recorded[1]!.start) > Date.parse(recorded[0]!.start))
        const list = itemsOf<RecordingView>(await send(api, 'GET', '/v1/recordings/list'))
        assert.deepEqual(
          list.map((i) => i.name),
          ['cam'],
        )
        assert.deepEqual(list[0]!.segments.slice(0, 2), recorded.slice(0, 2))

        // Files the delete must leave alone: not recordings, another path's, and one outside the tree.
        const decoys = [
          path.join(dir, 'cam', 'notes.txt'),
          path.join(dir, 'cam', '2026-01-01_00-00-00-000000.txt'),
          path.join(dir, 'ghost', '2026-01-01_00-00-00-000000.mp4'),
          path.join(tmp.dir, 'keep.mp4'),
        ]
        for (const f of decoys) {
          fs.mkdirSync(path.dirname(f), { recursive: true })
          fs.writeFileSync(f, 'x')
        }
        const filesNow = (): string[] => (fs.readdirSync(tmp.dir, { recursive: true }) as string[]).map((f) => path.join(tmp.dir, f))
        const before = filesNow()
        const bad = async (query: string, status: number, code: string): Promise<void> => {
          const r = await send(api, 'DELETE', `/v1/recordings/deletesegment${query}`)
          assert.deepEqual([r.status, apiError(r).code], [status, code], query)
        }
        await bad('?path=cam', 400, 'ERR_API_BAD_PARAMETER')
        await bad('?path=cam&start=yesterday', 400, 'ERR_API_BAD_PARAMETER')
        await bad(`?path=..%2Frec%2Fcam&start=${recorded[0]!.start}`, 400, 'ERR_API_BAD_PARAMETER')
        await bad(`?start=${recorded[0]!.start}`, 400, 'ERR_API_BAD_PARAMETER')
        await bad('?path=cam&start=2001-01-01T00:00:00Z', 404, 'ERR_API_RECORDING_NOT_FOUND')
        await bad('?path=ghost&start=2026-01-01T00:00:00Z', 404, 'ERR_API_RECORDING_NOT_FOUND')
        const getMissing = await send(api, 'GET', '/v1/recordings/get/nothere')
        assert.deepEqual([getMissing.status, apiError(getMissing).code], [404, 'ERR_API_RECORDING_NOT_FOUND'])
        const getBad = await send(api, 'GET', '/v1/recordings/get/..%2Fetc')
        assert.deepEqual([getBad.status, apiError(getBad).code], [400, 'ERR_API_BAD_PARAMETER'])

        // The start as the listing gives it, in another RFC 3339 spelling (microseconds, numeric offset).
        const start = recorded[0]!.start.replace('Z', '000+00:00')
        const del = await send(api, 'DELETE', `/v1/recordings/deletesegment?path=cam&start=${encodeURIComponent(start)}`)
        assert.equal(del.status, 204, del.text)
        const after = new Set(filesNow())
        const gone = before.filter((f) => !after.has(f))
        assert.equal(gone.length, 1, `deleted: ${gone.join(', ')}`)
        assert.match(path.relative(dir, gone[0]!), /^cam\/\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-\d{6}\.mp4$/)
        assert.equal(
          Date.parse(recorded[0]!.start),
          Date.parse(path.basename(gone[0]!).replace(/^(.{10})_(..)-(..)-(..)-(...).*$/, '$1T$2:$3:$4.$5Z')),
        )
        for (const f of decoys) assert.ok(fs.existsSync(f), f)
        const segs = jsonAs<RecordingView>(await send(api, 'GET', '/v1/recordings/get/cam')).segments
        assert.ok(!segs.some((s) => s.start === recorded[0]!.start))
        assert.equal(segs[0]!.start, recorded[1]!.start)
        await bad(`?path=cam&start=${recorded[0]!.start}`, 404, 'ERR_API_RECORDING_NOT_FOUND')
      } finally {
        await app?.stop() // before the files go: it finishes its segment
        tmp.cleanup()
      }
    })
  })

  it('a node in no cluster answers the cluster endpoints with 404 ERR_API_NO_CLUSTER (test/cluster/ covers a cluster)', async () => {
    for (const target of ['/v1/cluster/nodes', '/v1/cluster/paths']) await callError(api, 'GET', target, 404, 'ERR_API_NO_CLUSTER')
  })

  it('every documented operation was exercised', () => {
    assert.deepEqual(
      operations(doc).filter((op) => !covered.has(op)),
      [],
    )
  })
})

describe('HTTP API with users', () => {
  let srv: TestServer
  let api: ApiServer
  const basic = (user: string, pass: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` })
  before(async () => {
    srv = await startServer({ cam: 'test:160x120@10' })
    // admin may do anything, viewer may only read.
    const users = new Map([
      ['admin', 'pw-admin'],
      ['viewer', 'pw-view'],
    ])
    api = newApi(srv, {
      authorize: (u, p, action) => users.get(u) === p && (action === 'read' || u === 'admin' || 'forbidden'),
    })
    await api.start()
  })
  after(async () => {
    await api.close()
    await srv.stop()
  })

  it('no or wrong credentials: 401 JSON with a Basic challenge; right ones: 200', async () => {
    for (const headers of [{}, basic('admin', 'wrong'), basic('nobody', 'pw-admin'), { Authorization: 'Digest username="admin"' }]) {
      for (const target of ['/', '/v1/paths', '/metrics', '/v9/unknown']) {
        const r = await call(api, 'GET', target, headers)
        assert.equal(r.status, 401, `${target} with ${JSON.stringify(headers)}`)
        assert.equal(apiError(r).code, 'ERR_API_UNAUTHORIZED')
        assert.equal(r.headers.get('www-authenticate'), 'Basic realm="rtspkit", charset="UTF-8"')
      }
    }
    const ok = await call(api, 'GET', '/v1/paths', basic('admin', 'pw-admin'))
    assert.equal(ok.status, 200)
    assert.equal(itemsOf<PathView>(ok)[0]?.name, 'cam')
    assert.equal((await call(api, 'GET', '/metrics', basic('viewer', 'pw-view'))).status, 200)
  })

  it('a user who may only read gets 403 for a kick; an admin gets through (404: no such session)', async () => {
    const viewer = await call(api, 'DELETE', '/v1/sessions/123', basic('viewer', 'pw-view'))
    assert.equal(viewer.status, 403)
    assert.equal(apiError(viewer).code, 'ERR_API_FORBIDDEN')
    const admin = await call(api, 'DELETE', '/v1/sessions/123', basic('admin', 'pw-admin'))
    assert.equal(admin.status, 404)
  })
})

describe('ApiServer lifecycle', () => {
  it('close() is idempotent and frees the port; start() after close() is refused', async () => {
    const srv = await startServer({ cam: 'test:160x120@10' })
    try {
      const api = newApi(srv)
      await api.start()
      const port = api.port
      assert.equal((await fetch(`${api.url}/v1/paths`, { signal: AbortSignal.timeout(5000) })).status, 200)
      await Promise.all([api.close(), api.close()])
      await api.close()
      await assert.rejects(fetch(`http://127.0.0.1:${port}/v1/paths`, { signal: AbortSignal.timeout(5000) }))
      await assert.rejects(api.start(), (e: unknown) => (e as { code?: string }).code === 'ERR_API_STARTED')
    } finally {
      await srv.stop()
    }
  })

  it('a port in use is a ConfigError naming it', async () => {
    const srv = await startServer({ cam: 'test:160x120@10' })
    const first = newApi(srv)
    await first.start()
    const second = newApi(srv, { port: first.port })
    try {
      await assert.rejects(
        second.start(),
        (e: unknown) => e instanceof ConfigError && e.code === 'ERR_PORT_IN_USE' && e.message.includes(String(first.port)),
      )
    } finally {
      await second.close()
      await first.close()
      await srv.stop()
    }
  })
})
