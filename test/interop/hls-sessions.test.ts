/**
 * The HLS server over real HTTP: GStreamer plays it; blocking playlist reload and the blocking
 * preload-hint part answer only once the part exists, and nonsense directives get 400; viewers are
 * sessions of the server that expire; the muxer stops when nobody asks; Basic login.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DEBIAN_PYTHON, h264AacMp4, h264File, ROOT, run } from './harness.js'
import { MALFORMED_TARGETS, rawStatusLine } from '../helpers/raw-http.js'
import { startHlsServer, type HlsTestServer } from './hls-helpers.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const VIEWER_TIMEOUT_MS = 1500
const MUXER_CLOSE_AFTER_MS = 2500

interface MediaState {
  /** Media sequence number and part count of the segment being made. */
  msn: number
  parts: number
  hint: string
  text: string
}

/** Where the live edge of a low-latency media playlist is. */
function mediaState(text: string): MediaState {
  const lines = text.split('\n')
  const first = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1])
  const complete = lines.filter((l) => l.startsWith('#EXTINF')).length
  let parts = 0
  for (const l of lines) {
    if (l.startsWith('#EXTINF')) parts = 0
    else if (l.startsWith('#EXT-X-PART:')) parts++
  }
  return { msn: first + complete, parts, hint: /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)![1]!, text }
}

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; body: Buffer; headers: Headers }> {
  const res = await fetch(url, { headers })
  const body = Buffer.from(await res.arrayBuffer())
  return { status: res.status, text: body.toString('latin1'), body, headers: res.headers }
}

describe('HLS server over HTTP', () => {
  let srv: HlsTestServer
  before(async () => {
    const [clip, h264] = await Promise.all([h264AacMp4(), h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })])
    srv = await startHlsServer(
      { clip: `file:${clip}`, plain: `file:${h264}`, secret: `file:${h264}`, stay: 'publish:stay' },
      { viewerTimeoutMs: VIEWER_TIMEOUT_MS, muxerCloseAfterMs: MUXER_CLOSE_AFTER_MS },
    )
    srv.server.protectPath('secret', { users: [{ username: 'u', password: 'p' }], methods: ['basic'] })
  })
  after(() => srv.stop())

  it('GStreamer playbin decodes video and audio', async () => {
    const r = await run(DEBIAN_PYTHON, [path.join(ROOT, 'test/interop/gst_av_count.py'), '75', '100', '25', srv.playlist('clip')], 40_000)
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      video: number
      audio: number
      width: number
      error: string | null
    }
    assert.equal(out.error, null, r.stderr)
    assert.ok(out.video >= 75 && out.audio >= 100, JSON.stringify(out))
    assert.equal(out.width, 320)
  })

  it('holds a blocking reload until the part exists, and the preload hint until it is made', async () => {
    const index = await get(srv.playlist('plain'))
    assert.equal(index.status, 200)
    assert.equal(index.headers.get('access-control-allow-origin'), '*')
    const media = `${srv.hls.url}/plain/${index.text.trim().split('\n').pop()!}`
    // The next part of the segment being made: not in the playlist yet. It may be finished just
    // after the playlist was read, so the request is held at least once in three tries.
    let later: MediaState | undefined
    let waited = 0
    for (let attempt = 0; attempt < 3 && waited <= 20; attempt++) {
      const now = mediaState((await get(media)).text)
      const t0 = performance.now()
      const blocked = await get(`${media}&_HLS_msn=${now.msn}&_HLS_part=${now.parts}`)
      waited = performance.now() - t0
      assert.equal(blocked.status, 200)
      later = mediaState(blocked.text)
      assert.ok(later.msn > now.msn || later.parts > now.parts, `${JSON.stringify(now)} → ${blocked.text}`)
    }
    assert.ok(waited > 20, `answered after ${waited} ms`)
    later = later!
    // The preload hint is the part after that: held until it is complete, then sent whole.
    const t1 = performance.now()
    const part = await get(`${srv.hls.url}/plain/${later.hint}`)
    assert.equal(part.status, 200)
    assert.ok(performance.now() - t1 > 20)
    assert.equal(part.body.subarray(4, 8).toString('latin1'), 'moof')
    assert.equal(part.headers.get('content-type'), 'video/mp4')
  })

  it('answers 400 to nonsense directives and 404 to unknown media', async () => {
    const index = await get(srv.playlist('plain'))
    const media = `${srv.hls.url}/plain/${index.text.trim().split('\n').pop()!}`
    const now = mediaState((await get(media)).text)
    for (const q of ['_HLS_part=1', '_HLS_msn=abc', '_HLS_msn=-1', '_HLS_msn=1&_HLS_msn=2', `_HLS_msn=${now.msn + 3}`, '_HLS_msn=1e3']) {
      assert.equal((await get(`${media}&${q}`)).status, 400, q)
    }
    assert.equal((await get(`${srv.hls.url}/plain/seg999999.mp4`)).status, 404)
    assert.equal((await get(`${srv.hls.url}/plain/part999999.mp4`)).status, 404)
    assert.equal((await get(`${srv.hls.url}/nothing/index.m3u8`)).status, 404)
    // Request targets that are not URLs (the network fuzz found these answered 500).
    for (const target of MALFORMED_TARGETS) assert.match(await rawStatusLine(srv.hls.url, target), /^HTTP\/1\.1 400 /, target)
    const pre = await fetch(media, { method: 'OPTIONS' })
    assert.equal(pre.status, 204)
    assert.equal(pre.headers.get('access-control-allow-origin'), '*')
  })

  it('lists a viewer as an hls session until it stops asking; preview viewers are not counted', async () => {
    const sessions = () => srv.server.externalSessions().filter((s) => s.protocol === 'hls' && s.path === 'clip')
    await sleep(VIEWER_TIMEOUT_MS + 1500) // earlier tests' viewers are gone
    assert.deepEqual(sessions(), [])
    const index = await get(srv.playlist('clip'))
    await get(`${srv.hls.url}/clip/${index.text.trim().split('\n').pop()!}`)
    const preview = await get(`${srv.playlist('clip')}?preview=1`)
    assert.equal(preview.status, 200)
    const list = sessions()
    assert.equal(list.length, 2)
    assert.deepEqual(list.map((s) => s.counted).sort(), [false, true])
    assert.ok(list.every((s) => s.bytesSent > 0))
    assert.equal(srv.server.getStream('clip')!.readerCount, 1)
    await sleep(VIEWER_TIMEOUT_MS + 1500)
    assert.deepEqual(sessions(), [])
    assert.equal(srv.server.getStream('clip')!.readerCount, 0)
  })

  it('a kicked viewer is gone, and its session token gets 403', async () => {
    const index = await get(srv.playlist('plain'))
    const uri = index.text.trim().split('\n').pop()!
    const token = /session=([0-9a-f]+)/.exec(uri)![1]!
    const mine = srv.server.externalSessions().filter((s) => s.protocol === 'hls' && s.path === 'plain')
    assert.ok(mine.length >= 1)
    const before = new Set(mine.map((s) => s.id))
    for (const id of before) assert.equal(srv.server.kickSession(id), true)
    assert.deepEqual(
      srv.server.externalSessions().filter((s) => before.has(s.id)),
      [],
    )
    const again = await get(`${srv.hls.url}/plain/${uri}`)
    assert.equal(again.status, 403)
    assert.ok(token.length >= 32)
  })

  it('a new publisher continues the playlist: media sequence goes on, one discontinuity later', async () => {
    const clip = await h264AacMp4()
    const publish = () =>
      run('ffmpeg', ['-v', 'error', '-re', '-i', clip, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'tcp', srv.url('stay')], 20_000)
    const first = publish()
    await sleep(1500)
    const index = await get(srv.playlist('stay'))
    assert.equal(index.status, 200, index.text)
    const media = `${srv.hls.url}/stay/${index.text.trim().split('\n').pop()!}`
    const before = mediaState((await get(media)).text)
    assert.doesNotMatch(before.text, /DISCONTINUITY/)
    assert.equal((await first).code, 0)
    const second = publish()
    await sleep(2500)
    const after = mediaState((await get(media)).text)
    await second
    assert.match(after.text, /#EXT-X-DISCONTINUITY-SEQUENCE:1\n/)
    assert.ok(Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(after.text)![1]) >= before.msn, `${before.text}\n---\n${after.text}`)
  })

  it('stops the muxer of a path after muxerCloseAfter without requests', async () => {
    await get(srv.playlist('plain'))
    assert.ok(srv.hls.muxedPaths.includes('plain'))
    await sleep(MUXER_CLOSE_AFTER_MS + 1500)
    assert.ok(!srv.hls.muxedPaths.includes('plain'), srv.hls.muxedPaths.join())
  })

  it('asks for a login on a protected path (401 + WWW-Authenticate), and plays with Basic', async () => {
    const no = await get(srv.playlist('secret'))
    assert.equal(no.status, 401)
    assert.match(no.headers.get('www-authenticate') ?? '', /^Basic /)
    const bad = await get(srv.playlist('secret'), { Authorization: `Basic ${Buffer.from('u:x').toString('base64')}` })
    assert.equal(bad.status, 401)
    const ok = await get(srv.playlist('secret'), { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` })
    assert.equal(ok.status, 200)
    // The session token stands for the login.
    const media = await get(`${srv.hls.url}/secret/${ok.text.trim().split('\n').pop()!}`)
    assert.equal(media.status, 200)
    assert.match(media.text, /#EXT-X-PART-INF/)
  })
})
