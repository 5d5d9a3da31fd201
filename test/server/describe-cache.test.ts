import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseSdp } from '../../src/sdp/sdp.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { hex } from '../helpers/split.js'

// x264 baseline parameter sets: 320x240, then 640x360 (a publisher that changes resolution).
const SPS_240 = hex('6742c00dd90141fb011000000300100000030320f142a480')
const SPS_360 = hex('6742c01ed900a02ff97011000003000100000300320f162e48')
const PPS = hex('68cb83cb20')
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(300, 0x11)])

const fmtpOf = (body: Buffer): string => parseSdp(body.toString()).media[0]!.attributes.find((a) => a.key === 'fmtp')!.value!

describe('DESCRIBE answers are cached per stream and follow what they describe', () => {
  it('answers the same SDP twice, a new one once the parameter sets change, and one per path name', async () => {
    const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
    const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS_240, pps: PPS } })
    server.addStream('other', { video: { codec: 'h264', sps: SPS_240, pps: PPS } })
    await server.start()
    const c = await RawRtspConnection.connect(server.port)
    try {
      const url = (name: string) => `rtsp://127.0.0.1:${server.port}/${name}`
      const first = await c.request('DESCRIBE', url('cam'), { Accept: 'application/sdp' })
      const second = await c.request('DESCRIBE', url('cam'), { Accept: 'application/sdp' })
      assert.equal(first.statusCode, 200)
      assert.equal(second.body.toString(), first.body.toString())
      assert.match(fmtpOf(first.body), new RegExp(`sprop-parameter-sets=${SPS_240.toString('base64')},`))

      // The publisher switches to 640x360: the next DESCRIBE says so.
      cam.pushVideo([SPS_360, PPS, IDR], 0)
      const changed = await c.request('DESCRIBE', url('cam'), { Accept: 'application/sdp' })
      assert.equal(changed.statusCode, 200)
      assert.match(fmtpOf(changed.body), new RegExp(`sprop-parameter-sets=${SPS_360.toString('base64')},`))
      assert.notEqual(changed.body.toString(), first.body.toString())

      // Another stream has its own answer (its name in s=), not cam's.
      const other = await c.request('DESCRIBE', url('other'), { Accept: 'application/sdp' })
      assert.equal(parseSdp(other.body.toString()).sessionName, 'other')
      assert.equal(parseSdp((await c.request('DESCRIBE', url('cam'))).body.toString()).sessionName, 'cam')
    } finally {
      c.close()
      await server.stop()
    }
  })
})
