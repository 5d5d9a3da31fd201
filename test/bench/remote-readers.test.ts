// TCP load readers in child processes (bench/remote-readers.ts), against a real rtspkit server in this
// process: each child plays its share, the parent sees their counters after refresh(), and close()
// tears the sessions down and ends the children.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RemoteReaders } from '../../bench/remote-readers.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { hex } from '../helpers/split.js'

const HOST = '127.0.0.1'
// x264 baseline 320x240 parameter sets.
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(20_000, 0x11)])
const P = Buffer.concat([hex('41 9a 02'), Buffer.alloc(3_000, 0x22)])

describe('bench/remote-readers.ts', () => {
  let server: RtspServer
  let url: string
  let timer: NodeJS.Timeout
  const ended: string[] = []

  before(async () => {
    server = new RtspServer({ port: 0, host: HOST })
    const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS, width: 320, height: 240 } })
    server.on('teardown', (e) => ended.push(e.reason ?? ''))
    await server.start()
    let n = 0
    cam.pushVideo([IDR])
    timer = setInterval(() => cam.pushVideo([n++ % 25 === 0 ? IDR : P]), 20)
    url = `rtsp://${HOST}:${server.port}/cam`
  })
  after(async () => {
    clearInterval(timer)
    await server.stop()
  })

  it('plays readers in two processes and reports their counters', async () => {
    const pool = new RemoteReaders(2)
    const errors: string[] = []
    const readers = await pool.start(url, 5, errors)
    try {
      assert.deepEqual(errors, [])
      assert.equal(readers.length, 5)
      assert.equal(pool.pids.length, 2)
      assert.ok(readers.every((r) => r.error === undefined && r.tracks.length === 1))
      const deadline = Date.now() + 5000
      do {
        await new Promise((r) => setTimeout(r, 200))
        await pool.refresh()
      } while (!readers.every((r) => r.receiving && r.snapshot().packets > 20) && Date.now() < deadline)
      for (const r of readers) {
        const s = r.snapshot()
        assert.ok(s.packets > 20, `packets ${s.packets}`)
        assert.ok(s.expected - s.packets <= 0, `lost ${s.expected - s.packets}`)
        assert.ok(r.firstPacketMs !== undefined && r.firstIdrMs !== undefined)
      }
    } finally {
      await pool.close()
    }
    // Every session was torn down by its reader, not timed out or cut.
    const deadline = Date.now() + 3000
    while (ended.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(ended, ['teardown', 'teardown', 'teardown', 'teardown', 'teardown'])
  })

  it('passes start errors on (a path that does not exist)', async () => {
    const pool = new RemoteReaders(2)
    const errors: string[] = []
    try {
      const readers = await pool.start(`rtsp://${HOST}:${server.port}/none`, 2, errors)
      assert.equal(readers.length, 2)
      assert.equal(errors.length, 2)
      assert.match(errors[0]!, /404/)
      assert.ok(readers.every((r) => r.tracks.length === 0))
    } finally {
      await pool.close()
    }
  })
})
