// The bench's Node load reader over TCP (bench/load-client.ts): media frames that lie whole in a read
// chunk are counted in place, the rest through the RTSP parser. Against a real rtspkit server, every
// packet must be counted once: as many as the sequence numbers say were sent, none malformed, and the
// parser still in step for the TEARDOWN answer that follows the media.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LoadReader } from '../../bench/load-client.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { hex } from '../helpers/split.js'

const HOST = '127.0.0.1'
// x264 baseline 320x240 parameter sets.
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
/** Bigger than a read chunk (64 KiB): its frames straddle chunks and go through the parser. */
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(300_000, 0x11)])
const P = Buffer.concat([hex('41 9a 02'), Buffer.alloc(9_000, 0x22)])

describe('bench/load-client.ts over TCP', () => {
  let server: RtspServer
  let url: string
  let push: () => void

  before(async () => {
    server = new RtspServer({ port: 0, host: HOST })
    const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS, width: 320, height: 240 } })
    await server.start()
    let n = 0
    push = () => cam.pushVideo([n++ % 10 === 0 ? IDR : P])
    url = `rtsp://${HOST}:${server.port}/cam`
  })
  after(async () => {
    await server.stop()
  })

  it('counts every packet once, small and large frames alike, and reads the TEARDOWN answer after them', async () => {
    push()
    const reader = new LoadReader({ url, transport: 'tcp' })
    await reader.start()
    for (let i = 0; i < 40; i++) {
      push()
      await new Promise((r) => setTimeout(r, 5))
    }
    const deadline = Date.now() + 5000
    let s = reader.snapshot()
    while (s.packets < s.expected || s.packets === 0) {
      if (Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 20))
      s = reader.snapshot()
    }
    assert.equal(reader.error, undefined)
    assert.equal(s.malformed, 0)
    assert.ok(s.expected > 4 * 215, `expected ${s.expected}: four IDRs of ~215 packets and the P frames`)
    assert.equal(s.packets, s.expected, 'each packet counted exactly once')
    assert.ok(reader.firstIdrMs !== undefined)
    const t0 = performance.now()
    await reader.close()
    // Its TEARDOWN is answered at once; a parser out of step would wait out the 2 s TEARDOWN timeout.
    assert.ok(performance.now() - t0 < 1500, `TEARDOWN took ${performance.now() - t0} ms`)
  })
})
