// UDP readers served through the native sendmmsg sender and through dgram alone: on the main thread
// (workers 1) and in send workers (workers 2), every reader gets every packet, in order, from its
// server_port, and a reader whose port closed is counted in sendErrors. This file runs itself a second
// time in a child process with RTSPKIT_NATIVE_UDP=0, so both ways are proven in one run.
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { parseTransport } from '../../src/rtsp/headers/transport.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import type { ServerStream } from '../../src/server/server-stream.js'
import { nativeUdpStatus } from '../../src/transport/native-udp.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { hex } from '../helpers/split.js'
import { bindClientPair, runTestFileAgain } from '../helpers/udp-client.js'
import { waitUntil } from '../helpers/wait.js'

const CHILD = process.env.RTSPKIT_UDP_NATIVE_TEST_CHILD === '1'
const MODE = process.env.RTSPKIT_NATIVE_UDP === '0' ? 'dgram' : 'sendmmsg'
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
// Several datagrams per unit, so each reader's run of a turn is more than one packet.
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(6000, 0x11)])
const P_SLICE = Buffer.concat([hex('41 9a 02'), Buffer.alloc(2500, 0x22)])
const FPS = 50
const PACKETS = 150

function push(cam: ServerStream): () => void {
  let i = 0
  const t = setInterval(() => cam.pushVideo(i++ % 10 === 0 ? [IDR] : [P_SLICE], (i * 1000) / FPS), 1000 / FPS)
  return () => clearInterval(t)
}

/** A reader made by hand: its RTP socket counts packets, sequence gaps and the ports they came from. */
class Reader {
  packets = 0
  lost = 0
  reordered = 0
  from = new Set<number>()
  serverRtp = 0
  session = ''
  private last = -1

  private constructor(
    readonly rtp: dgram.Socket,
    readonly rtcp: dgram.Socket,
    readonly conn: RawRtspConnection,
  ) {
    rtp.on('message', (m, rinfo) => {
      this.packets++
      this.from.add(rinfo.port)
      const seq = m.readUInt16BE(2)
      if (this.last >= 0) {
        const gap = (seq - this.last) & 0xffff
        if (gap === 0 || gap > 0x8000) this.reordered++
        else this.lost += gap - 1
      }
      this.last = seq
    })
  }

  static async open(server: RtspServer, base: string): Promise<Reader> {
    const { rtp, rtcp } = await bindClientPair()
    try {
      rtp.setRecvBufferSize(1024 * 1024)
    } catch {
      // capped by the system: the stream here is light
    }
    const reader = new Reader(rtp, rtcp, await RawRtspConnection.connect(server.port))
    const port = rtp.address().port
    const s = await reader.conn.request('SETUP', `${base}/trackID=0`, { Transport: `RTP/AVP;unicast;client_port=${port}-${port + 1}` })
    assert.equal(s.statusCode, 200)
    reader.serverRtp = parseTransport(s.headers.get('Transport')!)[0]!.serverPort![0]
    reader.session = s.headers.get('Session')!.split(';')[0]!
    assert.equal((await reader.conn.request('PLAY', base, { Session: reader.session })).statusCode, 200)
    return reader
  }

  close(): void {
    this.conn.close()
    for (const s of [this.rtp, this.rtcp]) {
      try {
        s.close()
      } catch {
        // closed already (the reader whose port went away)
      }
    }
  }
}

describe(`UDP readers through ${MODE}`, () => {
  it(`the native sender is ${MODE === 'dgram' ? 'off' : 'on'} in this process`, { skip: process.platform !== 'linux' }, () => {
    const status = nativeUdpStatus()
    assert.equal(status.loaded, MODE === 'sendmmsg', status.loaded ? status.path : status.reason)
  })

  for (const workers of [1, 2]) {
    it(`workers ${workers}: every packet, in order, from server_port; a closed port counts send errors`, async () => {
      const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', workers })
      const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS } })
      await server.start()
      const base = `rtsp://127.0.0.1:${server.port}/cam`
      const stop = push(cam)
      const readers: Reader[] = []
      try {
        for (let i = 0; i < 3; i++) readers.push(await Reader.open(server, base))
        const gone = await Reader.open(server, base)
        readers.push(gone)
        await waitUntil(() => gone.packets > 0, 5000, 'the last reader receives RTP')
        gone.rtp.close() // its port now answers ICMP "port unreachable"
        await waitUntil(() => readers.slice(0, 3).every((r) => r.packets > PACKETS), 10_000, `${PACKETS} packets at every reader`)
        for (const r of readers.slice(0, 3)) {
          assert.deepEqual([...r.from], [r.serverRtp], 'RTP comes from the server_port of the SETUP reply')
          assert.equal(r.lost, 0, 'no sequence gap')
          assert.equal(r.reordered, 0, 'nothing out of order')
        }
        const sendErrors = () => server.stats().sessions.find((s) => s.id === gone.session)?.tracks[0]?.sendErrors ?? 0
        await waitUntil(() => sendErrors() > 0, 5000, 'send errors to the closed port are counted')
      } finally {
        stop()
        readers.forEach((r) => r.close())
        await server.stop()
      }
    })
  }

  it('and all of it again with RTSPKIT_NATIVE_UDP=0 (a child process: dgram only)', { skip: CHILD }, async () => {
    const { code, out } = await runTestFileAgain(fileURLToPath(import.meta.url), {
      RTSPKIT_NATIVE_UDP: '0',
      RTSPKIT_UDP_NATIVE_TEST_CHILD: '1',
    })
    assert.equal(code, 0, out)
    assert.match(out, /# pass 3\n/)
    assert.match(out, /# fail 0\n/)
  })
})
