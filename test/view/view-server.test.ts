/** ViewServer's HTTP API and video stream against our RTSP server, without a browser. */
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, it } from 'node:test'
import { ViewServer } from '../../src/view/view-server.js'
import type { ViewStatus } from '../../src/view/view-session.js'
import { WIRE_HEADER_SIZE, WireKind, readWireHeader } from '../../src/view/video-wire.js'
import { isJpeg } from '../client/client-helpers.js'
import { h264File, startServer, type TestServer } from '../interop/harness.js'
import { waitUntil } from '../helpers/wait.js'

const TIMEOUT_MS = 10_000

interface Reply {
  status: number
  /** The JSON answer; reading it fails the test when the answer is not JSON. */
  readonly body: ViewStatus & { error?: string }
  text: string
}

function request(view: ViewServer, method: string, path: string, host?: string): Promise<Reply> {
  const u = new URL(path, view.pageUrl)
  return new Promise((resolve, reject) => {
    const req = http.request(u, { method, headers: host ? { Host: host } : {}, timeout: TIMEOUT_MS }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (text += d))
      res.on('end', () => {
        const type = res.headers['content-type']
        resolve({
          status: res.statusCode!,
          text,
          get body() {
            assert.ok(type?.startsWith('application/json'), `a JSON answer, not ${type}: ${text.slice(0, 100)}`)
            return JSON.parse(text) as Reply['body']
          },
        })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

interface WireMessage {
  kind: number
  keyframe: boolean
  payload: Buffer
}

/** The first `count` messages of GET /video. */
function readVideo(view: ViewServer, count: number): Promise<WireMessage[]> {
  return new Promise((resolve, reject) => {
    const messages: WireMessage[] = []
    const req = http.get(new URL('/video', view.pageUrl), (res) => {
      let pending = Buffer.alloc(0)
      res.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk])
        for (let h = readWireHeader(pending); h && pending.length >= WIRE_HEADER_SIZE + h.length; h = readWireHeader(pending)) {
          messages.push({ kind: h.kind, keyframe: h.keyframe, payload: pending.subarray(WIRE_HEADER_SIZE, WIRE_HEADER_SIZE + h.length) })
          pending = pending.subarray(WIRE_HEADER_SIZE + h.length)
        }
        if (messages.length >= count) {
          clearTimeout(timer)
          req.destroy()
          resolve(messages.slice(0, count))
        }
      })
    })
    req.on('error', () => {})
    const timer = setTimeout(() => {
      req.destroy()
      reject(new Error(`only ${messages.length} of ${count} video messages`))
    }, TIMEOUT_MS)
  })
}

const until = (what: string, check: () => Promise<boolean> | boolean): Promise<void> => waitUntil(check, TIMEOUT_MS, what)

describe('ViewServer', () => {
  let srv: TestServer
  before(async () => {
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    srv = await startServer({ cam: 'test:320x240@25', h264: `file:${file}` })
  })
  after(() => srv.stop())

  it('buttons through the API: INIT → READY → PLAYING → READY → INIT; JPEG frames on /video as sent', async () => {
    const view = new ViewServer({ url: srv.url('cam'), client: { transport: 'tcp' } })
    await view.start()
    try {
      const page = await request(view, 'GET', '/')
      assert.equal(page.status, 200)
      for (const id of ['setup', 'play', 'pause', 'teardown', 'video', 'state']) assert.match(page.text, new RegExp(`id="${id}"`))
      assert.equal((await request(view, 'GET', '/state')).body.state, 'INIT')

      const early = await request(view, 'POST', '/play')
      assert.equal(early.status, 409)
      assert.match(early.body.error!, /press SETUP first/)
      assert.equal(early.body.state, 'INIT')

      const ready = await request(view, 'POST', '/setup')
      assert.equal(ready.status, 200, ready.text)
      assert.equal(ready.body.state, 'READY')
      assert.equal(ready.body.error, undefined, 'a success clears the last error')
      assert.deepEqual(ready.body.track, { codec: 'jpeg', encodingName: 'JPEG', shown: true, width: 320, height: 240 })
      assert.equal(ready.body.transport, 'tcp')
      assert.equal(srv.server.stats().sessions.length, 1)
      assert.equal((await request(view, 'POST', '/setup')).body.state, 'READY', 'SETUP again does nothing')
      assert.equal(srv.server.stats().sessions.length, 1)

      const video = readVideo(view, 5)
      assert.equal((await request(view, 'POST', '/play')).body.state, 'PLAYING')
      const frames = await video
      for (const m of frames) {
        assert.equal(m.kind, WireKind.JPEG)
        assert.ok(isJpeg(m.payload))
      }
      const playing = (await request(view, 'GET', '/state')).body
      assert.ok(playing.stats.frames >= 5 && playing.stats.bytes > 0 && playing.stats.packets > 0, JSON.stringify(playing.stats))
      assert.equal(playing.stats.lost, 0)

      assert.equal((await request(view, 'POST', '/pause')).body.state, 'READY')
      assert.equal(srv.server.stats().sessions[0]!.state, 'ready')
      const down = await request(view, 'POST', '/teardown')
      assert.equal(down.body.state, 'INIT')
      assert.equal(down.body.stats.frames, 0)
      assert.equal(srv.server.stats().sessions.length, 0)
      assert.equal((await request(view, 'POST', '/teardown')).status, 200, 'TEARDOWN in INIT does nothing')
    } finally {
      await view.close()
      await view.close()
    }
  })

  it('H.264: the decoder configuration first, then access units from a keyframe on', async () => {
    const view = new ViewServer({ url: srv.url('h264') })
    await view.start()
    try {
      await request(view, 'POST', '/setup')
      const video = readVideo(view, 4)
      await request(view, 'POST', '/play')
      const [config, ...units] = await video
      assert.equal(config!.kind, WireKind.AVC_CONFIG)
      assert.equal(config!.payload[0], 1, 'configurationVersion')
      assert.equal(config!.payload[1], 0x64, 'High profile, from the SPS')
      assert.deepEqual(
        units.map((u) => u.kind),
        [WireKind.AVC_SAMPLE, WireKind.AVC_SAMPLE, WireKind.AVC_SAMPLE],
      )
      assert.equal(units[0]!.keyframe, true)
      // avc1 samples: length-prefixed NAL units, no start codes; the first picture is an IDR slice (type 5),
      // after any SEI (x264 writes one into its first access unit, which instant start may replay).
      const first = units[0]!.payload
      const types: number[] = []
      for (let off = 0; off + 4 <= first.length; off += 4 + first.readUInt32BE(off)) types.push(first[off + 4]! & 0x1f)
      assert.equal(
        types.find((t) => t >= 1 && t <= 5),
        5,
        `NAL types ${types.join(',')}`,
      )
    } finally {
      await view.close()
    }
  })

  it('refuses other hosts (403), unknown paths (404) and wrong methods (405)', async () => {
    const view = new ViewServer({ url: srv.url('cam') })
    await view.start()
    try {
      const port = new URL(view.pageUrl).port
      assert.equal((await request(view, 'POST', '/setup', `evil.example:${port}`)).status, 403)
      assert.equal((await request(view, 'GET', '/state', '127.0.0.1:1')).status, 403)
      assert.equal((await request(view, 'GET', '/state', `localhost:${port}`)).status, 200)
      assert.equal((await request(view, 'GET', '/nothing')).status, 404)
      assert.equal((await request(view, 'GET', '/setup')).status, 405)
      assert.equal((await request(view, 'POST', '/state')).status, 405)
      assert.equal(srv.server.stats().sessions.length, 0, 'no refused request reached the RTSP server')
    } finally {
      await view.close()
    }
  })

  it('a failed SETUP (404) leaves INIT with the reason; credentials stay off the page; a port in use is ERR_VIEW_LISTEN', async () => {
    const view = new ViewServer({ url: srv.url('missing').replace('rtsp://', 'rtsp://user:secret@') })
    await view.start()
    try {
      const r = await request(view, 'POST', '/setup')
      assert.equal(r.status, 502)
      assert.equal(r.body.url, srv.url('missing'))
      assert.ok(!r.text.includes('secret'), r.text)
      assert.equal(r.body.state, 'INIT')
      assert.match(r.body.error!, /DESCRIBE .*missing failed: 404 Not Found/)
      assert.match((await request(view, 'GET', '/state')).body.error!, /404 Not Found/)
      const second = new ViewServer({ url: srv.url('cam'), port: Number(new URL(view.pageUrl).port) })
      await assert.rejects(second.start(), (e: unknown) => (e as { code?: string }).code === 'ERR_VIEW_LISTEN')
      await second.close()
    } finally {
      await view.close()
    }
  })

  it('the RTSP server going away while PLAYING falls back to INIT with the reason', async () => {
    const own = await startServer({ cam: 'test:160x120@25' })
    const view = new ViewServer({ url: own.url('cam'), client: { transport: 'tcp' } })
    await view.start()
    try {
      await request(view, 'POST', '/setup')
      assert.equal((await request(view, 'POST', '/play')).body.state, 'PLAYING')
      await own.stop()
      await until('INIT', async () => (await request(view, 'GET', '/state')).body.state === 'INIT')
      assert.match((await request(view, 'GET', '/state')).body.error!, /the session ended/)
    } finally {
      await view.close()
      await own.stop()
    }
  })
})
