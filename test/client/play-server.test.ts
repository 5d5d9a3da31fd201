import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { ProtocolError } from '../../src/errors.js'
import { h264File, startServer, type TestServer } from '../interop/harness.js'
import { collectFrames, isJpeg } from './client-helpers.js'

const H264_START = Buffer.from([0, 0, 0, 1])
/** NAL unit types of an Annex-B access unit. */
function nalTypes(au: Buffer): number[] {
  const types: number[] = []
  for (let i = 0; i + 4 < au.length; i++) if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) types.push(au[i + 3]! & 0x1f)
  return types
}

describe('RtspClient plays from RtspServer', () => {
  let srv: TestServer
  before(async () => {
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    srv = await startServer({ cam: 'test:320x240@25', h264: `file:${file}` })
  })
  after(() => srv.stop())

  for (const transport of ['udp', 'tcp', 'auto'] as const) {
    it(`H.264 over ${transport}: starts with a keyframe (SPS, PPS, IDR), ptsMs increases`, async () => {
      const client = new RtspClient(srv.url('h264'), { transport })
      try {
        const d = await client.describe()
        assert.equal(d.tracks.length, 1)
        assert.equal(d.tracks[0]!.codec.name, 'h264')
        assert.deepEqual([d.tracks[0]!.info.width, d.tracks[0]!.info.height], [320, 240])
        assert.equal(d.tracks[0]!.control, `${srv.url('h264')}/trackID=0`)
        const got = collectFrames(client, 10)
        await client.play()
        const frames = await got
        assert.equal(client.transport, transport === 'tcp' ? 'tcp' : 'udp')
        assert.ok(frames[0]!.keyframe)
        assert.ok(frames[0]!.data.subarray(0, 4).equals(H264_START))
        const types = nalTypes(frames[0]!.data)
        assert.ok(types.includes(7) && types.includes(8) && types.includes(5), `NAL types ${types.join(',')}`)
        for (let i = 1; i < frames.length; i++) assert.ok(frames[i]!.ptsMs > frames[i - 1]!.ptsMs)
        const st = client.stats()
        assert.equal(st.length, 1)
        assert.ok(st[0]!.packets >= 10 && st[0]!.frames >= 10)
      } finally {
        await client.close()
      }
    })
  }

  it('JPEG test card over tcp: valid JPEG images; pause stops frames, play resumes', async () => {
    const client = new RtspClient(srv.url('cam'), { transport: 'tcp' })
    try {
      const got = collectFrames(client, 5)
      await client.play()
      const frames = await got
      for (const f of frames) assert.ok(isJpeg(f.data))
      await client.pause()
      await new Promise((r) => setTimeout(r, 150))
      let during = 0
      const count = () => during++
      client.on('frame', count)
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(during, 0)
      client.off('frame', count)
      const more = collectFrames(client, 3)
      await client.play()
      assert.equal((await more).length, 3)
    } finally {
      await client.close()
      await client.close() // idempotent
    }
  })

  it('a missing stream: DESCRIBE … failed: 404 Not Found', async () => {
    const client = new RtspClient(srv.url('nope'))
    try {
      await assert.rejects(client.play(), (e: unknown) => {
        assert.ok(e instanceof ProtocolError)
        assert.equal(e.code, 'ERR_RTSP_STATUS')
        assert.equal(e.details['status'], 404)
        assert.equal(e.message, `DESCRIBE ${srv.url('nope')} failed: 404 Not Found`)
        return true
      })
    } finally {
      await client.close()
    }
  })
})
