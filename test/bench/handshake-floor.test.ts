// bench/handshake-floor.ts, the bare Node floor of the handshakes bench: run as the bench runs it (a
// child process waited for with ServerProcess.ready()), driven by the bench's C load client over TCP
// and UDP, fed requests several to a chunk and split across chunks, and fed garbage.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DEFAULT_KEYFRAME_BYTES, keyframeFrames, startFloor } from '../../bench/handshake-floor.js'
import { handshake, learnControl, trackControlOf } from '../../bench/handshakes.js'
import { buildHandshakeClient, HS_CLIENT_SOURCE, runNativeHandshakes } from '../../bench/rtsp-handshakes.js'
import type { ServerProcess } from '../../bench/server-process.js'

const HOST = '127.0.0.1'
const RUN_SECONDS = 1
const READ_TIMEOUT_MS = 3000

type Item = { kind: 'frame'; channel: number; length: number } | { kind: 'answer'; status: number; head: string; body: string }

/** A raw RTSP connection: what it writes is up to the test; what it reads is cut into answers and interleaved frames. */
class RawClient {
  private buf = Buffer.alloc(0)
  private readonly items: Item[] = []
  private wake: (() => void) | undefined
  closed = false

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true)
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d])
      this.parse()
      this.wake?.()
    })
    socket.on('close', () => {
      this.closed = true
      this.wake?.()
    })
    socket.on('error', () => {})
  }

  static async open(port: number): Promise<RawClient> {
    const s = net.connect(port, HOST)
    await once(s, 'connect')
    return new RawClient(s)
  }

  private parse(): void {
    for (;;) {
      if (this.buf.length > 0 && this.buf[0] === 0x24) {
        if (this.buf.length < 4) return
        const length = this.buf.readUInt16BE(2)
        if (this.buf.length < 4 + length) return
        this.items.push({ kind: 'frame', channel: this.buf[1]!, length })
        this.buf = this.buf.subarray(4 + length)
        continue
      }
      const end = this.buf.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = this.buf.toString('latin1', 0, end)
      const cl = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
      if (this.buf.length < end + 4 + cl) return
      this.items.push({ kind: 'answer', status: Number(head.slice(9, 12)), head, body: this.buf.toString('latin1', end + 4, end + 4 + cl) })
      this.buf = this.buf.subarray(end + 4 + cl)
    }
  }

  /** The next answer or frame; rejects when the connection closes or nothing comes in time. */
  async next(): Promise<Item> {
    const deadline = Date.now() + READ_TIMEOUT_MS
    while (this.items.length === 0) {
      if (this.closed) throw new Error('connection closed')
      if (Date.now() > deadline) throw new Error('nothing read in time')
      await new Promise<void>((resolve) => {
        this.wake = resolve
        setTimeout(resolve, 50)
      })
    }
    return this.items.shift()!
  }

  async answer(): Promise<Extract<Item, { kind: 'answer' }>> {
    const item = await this.next()
    assert.equal(item.kind, 'answer', `expected an answer, got ${JSON.stringify(item)}`)
    return item
  }

  async waitClosed(): Promise<void> {
    const deadline = Date.now() + READ_TIMEOUT_MS
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  }
}

const header = (head: string, name: string): string | undefined => new RegExp(`\\r\\n${name}: *([^\\r]*)`, 'i').exec(head)?.[1]

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, HOST)
  await once(s, 'listening')
  const { port } = s.address() as net.AddressInfo
  await new Promise((resolve) => s.close(resolve))
  return port
}

describe('bench/handshake-floor.ts (the bare Node floor of the handshakes bench)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtspkit-handshake-floor-'))
  const binary = join(dir, 'rtsp-handshakes')
  let floor: ServerProcess
  let port: number
  let url: string

  before(async () => {
    assert.equal(buildHandshakeClient(HS_CLIENT_SOURCE, binary).ok, true)
    port = await freePort()
    floor = startFloor(port, join(dir, 'floor.log'))
    await floor.ready()
    url = floor.url
  })
  after(async () => {
    await floor?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  for (const transport of ['tcp', 'udp'] as const) {
    it(`serves the C client's handshakes over ${transport}, none failing`, async () => {
      await learnControl(port, url)
      assert.equal(trackControlOf(url), 'trackID=0')
      const r = await runNativeHandshakes(binary, {
        host: HOST,
        port,
        url,
        control: trackControlOf(url),
        transport,
        parallel: 4,
        seconds: RUN_SECONDS,
      })
      assert.ok(r.done > 0, `done ${r.done}`)
      assert.equal(r.failed, 0, r.firstError)
      assert.equal(r.firstError, undefined)
      assert.ok(floor.running)
    })
  }

  it('answers requests several to a chunk and split across chunks, each with its CSeq; the keyframe follows PLAY', async () => {
    const c = await RawClient.open(port)
    try {
      c.socket.write(
        `OPTIONS ${url} RTSP/1.0\r\nCSeq: 11\r\n\r\n` + `DESCRIBE ${url} RTSP/1.0\r\nCSeq: 12\r\nAccept: application/sdp\r\n\r\n`,
      )
      const options = await c.answer()
      assert.equal(options.status, 200)
      assert.equal(header(options.head, 'CSeq'), '11')
      assert.match(header(options.head, 'Public') ?? '', /DESCRIBE.*SETUP.*PLAY.*TEARDOWN/)
      const describe = await c.answer()
      assert.equal(describe.status, 200)
      assert.equal(header(describe.head, 'CSeq'), '12')
      assert.equal(header(describe.head, 'Content-Base'), `${url}/`)
      assert.equal(header(describe.head, 'Content-Type'), 'application/sdp')
      assert.match(describe.body, /^v=0\r\n[\s\S]*\r\nm=video 0 RTP\/AVP 96\r\na=rtpmap:96 H264\/90000\r\n[\s\S]*a=control:trackID=0\r\n$/)

      // SETUP in pieces of 5 bytes, each written after a pause so that each arrives as a read of its own.
      const setup = `SETUP ${url}/trackID=0 RTSP/1.0\r\nCSeq: 13\r\nTransport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n\r\n`
      for (let i = 0; i < setup.length; i += 5) {
        c.socket.write(setup.slice(i, i + 5))
        await new Promise((r) => setTimeout(r, 2))
      }
      const s = await c.answer()
      assert.equal(s.status, 200)
      assert.equal(header(s.head, 'CSeq'), '13')
      assert.equal(header(s.head, 'Transport'), 'RTP/AVP/TCP;unicast;interleaved=2-3')
      const session = header(s.head, 'Session')!.split(';')[0]!
      assert.match(session, /^[0-9a-f]{8}$/)

      c.socket.write(`PLAY ${url} RTSP/1.0\r\nCSeq: 14\r\nSession: ${session}\r\nRange: npt=0.000-\r\n\r\n`)
      const play = await c.answer()
      assert.equal(play.status, 200)
      assert.equal(header(play.head, 'CSeq'), '14')
      assert.equal(header(play.head, 'RTP-Info'), `url=${url}/trackID=0;seq=0;rtptime=0`)
      let keyframe = 0
      for (let item = await c.next(); ; item = await c.next()) {
        if (item.kind === 'answer') assert.fail(`an answer before the keyframe's end: ${item.head}`)
        assert.equal(item.channel, 2)
        keyframe += item.length
        if (keyframe >= DEFAULT_KEYFRAME_BYTES) break
      }
      assert.equal(keyframe, DEFAULT_KEYFRAME_BYTES)

      c.socket.write(`TEARDOWN ${url} RTSP/1.0\r\nCSeq: 15\r\nSession: ${session}\r\n\r\n`)
      const teardown = await c.answer()
      assert.equal(teardown.status, 200)
      assert.equal(header(teardown.head, 'CSeq'), '15')
    } finally {
      c.socket.destroy()
    }
  })

  it('answers a wrong session 454, another track 404 and a transport without ports 461, and stays open', async () => {
    const c = await RawClient.open(port)
    try {
      c.socket.write(`PLAY ${url} RTSP/1.0\r\nCSeq: 1\r\nSession: 12345678\r\n\r\n`)
      assert.deepEqual([(await c.answer()).status, c.closed], [454, false])
      c.socket.write(`SETUP ${url}/trackID=1 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n`)
      assert.equal((await c.answer()).status, 404)
      c.socket.write(`SETUP ${url}/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast\r\n\r\n`)
      const a = await c.answer()
      assert.deepEqual([a.status, header(a.head, 'CSeq')], [461, '3'])
      c.socket.write(`SETUP ${url}/trackID=0 RTSP/1.0\r\nCSeq: 4\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n`)
      const udp = await c.answer()
      assert.equal(udp.status, 200)
      assert.match(header(udp.head, 'Transport') ?? '', /^RTP\/AVP;unicast;client_port=5000-5001;server_port=(\d+)-(\d+)$/)
    } finally {
      c.socket.destroy()
    }
  })

  for (const [what, garbage] of [
    ['a line that is no request', 'HELLO WORLD\r\n\r\n'],
    ['binary bytes with no empty line', '\x00\x01\x02\xff\r\nxyz'],
    ['a request without CSeq', 'OPTIONS rtsp://x/y RTSP/1.0\r\nUser-Agent: t\r\n\r\n'],
    ['a header line without a colon', 'OPTIONS rtsp://x/y RTSP/1.0\r\nCSeq: 9\r\nnonsense\r\n\r\n'],
  ] as const) {
    it(`answers ${what} with 400 and closes, then serves the next handshake`, async () => {
      const c = await RawClient.open(port)
      c.socket.write(Buffer.from(garbage, 'latin1'))
      const a = await c.answer()
      assert.equal(a.status, 400)
      if (garbage.includes('CSeq: 9')) assert.equal(header(a.head, 'CSeq'), '9')
      await c.waitClosed()
      assert.equal(c.closed, true, 'the server closes the connection after a 400')
      c.socket.destroy()
      assert.ok(floor.running)
      const ms = await handshake(port, url, 'tcp', 0)
      assert.ok(ms > 0, `handshake took ${ms} ms`)
    })
  }

  it('frames a keyframe in RTP packets of at most 65,535 bytes, the marker on the last', () => {
    const f = keyframeFrames(140_000, 0)
    const lengths: number[] = []
    for (let off = 0; off < f.length; off += 4 + f.readUInt16BE(off + 2)) {
      assert.equal(f[off], 0x24)
      lengths.push(f.readUInt16BE(off + 2))
      assert.equal(f[off + 4]! >> 6, 2, 'RTP version 2')
      assert.equal(f[off + 5]! & 0x7f, 96)
      assert.equal(f.readUInt16BE(off + 6), lengths.length - 1, 'sequence number')
      assert.equal(f[off + 5]! >> 7, off + 4 + lengths.at(-1)! === f.length ? 1 : 0, 'marker on the last packet only')
    }
    assert.deepEqual(lengths, [65_535, 65_535, 140_000 - 2 * 65_535])
    assert.equal(keyframeFrames(0, 0).length, 0)
  })
})
