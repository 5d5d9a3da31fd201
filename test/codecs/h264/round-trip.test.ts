/** x264 file → packetizer → RTP bytes → depacketizer → Annex-B file that ffmpeg decodes frame for frame. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { joinAnnexB } from '../../../src/codecs/h264/annexb.js'
import { H264Depacketizer, type H264AccessUnit } from '../../../src/codecs/h264/depacketizer.js'
import { H264Packetizer } from '../../../src/codecs/h264/packetizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { loadH264File } from '../../../src/sources/h264-file.js'
import { ffmpegDecodeErrors, ffprobeFrameCount, makeClip, tempDir, type ClipOptions } from './fixtures.js'

const CLOCK_RATE = 90000

describe('H.264 RTP round trip through ffmpeg', () => {
  let fx: ReturnType<typeof tempDir>
  before(() => {
    fx = tempDir('h264-rt')
  })
  after(() => fx.cleanup())

  const cases: { name: string; clip: ClipOptions; maxPacketSize?: number }[] = [
    {
      name: 'High 640x360 with B-frames, AUDs and 2 slices',
      clip: { size: '640x360', frames: 40, args: ['-profile:v', 'high', '-x264-params', 'aud=1:bframes=2:slices=2', '-g', '20'] },
    },
    { name: 'Baseline 320x240, 600-byte packets', clip: { frames: 30, args: ['-profile:v', 'baseline'] }, maxPacketSize: 600 },
  ]
  for (const { name, clip, maxPacketSize } of cases) {
    it(name, () => {
      const src = makeClip(fx.dir, 'src.264', clip)
      const file = loadH264File(src)
      const packetizer = new H264Packetizer({ ssrc: 0x1234, initialSequence: 65530, ...(maxPacketSize ? { maxPacketSize } : {}) })
      const depacketizer = new H264Depacketizer()
      const out: H264AccessUnit[] = []
      let stapA = 0
      let fuA = 0
      file.accessUnits.forEach((au, i) => {
        const ts = (i * CLOCK_RATE) / file.fps
        for (const buf of packetizer.packetize(au.nalus, ts)) {
          assert.ok(buf.length <= packetizer.maxPacketSize)
          const type = buf[12]! & 0x1f
          if (type === 24) stapA++
          if (type === 28) fuA++
          const got = depacketizer.push(RtpPacket.parse(buf))
          if (got) out.push(got)
        }
      })
      assert.ok(stapA > 0 && fuA > 0, `exercised STAP-A (${stapA}) and FU-A (${fuA})`)
      assert.equal(out.length, file.accessUnits.length)
      out.forEach((au, i) => {
        assert.deepEqual(au.nalus, file.accessUnits[i]!.nalus, `access unit ${i}`)
        assert.equal(au.keyframe, file.accessUnits[i]!.keyframe)
        assert.equal(au.timestamp, (i * CLOCK_RATE) / file.fps)
      })
      const rebuilt = join(fx.dir, 'rebuilt.264')
      writeFileSync(rebuilt, joinAnnexB(out.flatMap((au) => au.nalus)))
      assert.equal(ffmpegDecodeErrors(rebuilt), '')
      assert.equal(ffprobeFrameCount(rebuilt), clip.frames)
    })
  }
})
