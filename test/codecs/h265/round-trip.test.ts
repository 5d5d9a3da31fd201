/** x265 file → packetizer → RTP bytes → depacketizer → Annex-B file that ffmpeg decodes frame for frame. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { joinAnnexB } from '../../../src/codecs/h264/annexb.js'
import { H265Depacketizer } from '../../../src/codecs/h265/depacketizer.js'
import { H265Packetizer } from '../../../src/codecs/h265/packetizer.js'
import type { ReceivedFrame } from '../../../src/codecs/codec.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { loadH265File } from '../../../src/sources/h265-file.js'
import { ffmpegDecodeErrors, ffprobeFrameCount, makeH265Clip, tempDir, type H265ClipOptions } from './fixtures.js'

const CLOCK_RATE = 90000
const PAYLOAD_OFFSET = 12
const AP = 48
const FU = 49

describe('H.265 RTP round trip through ffmpeg', () => {
  let fx: ReturnType<typeof tempDir>
  before(() => {
    fx = tempDir('h265-rt')
  })
  after(() => fx.cleanup())

  const cases: { name: string; clip: H265ClipOptions; maxPacketSize?: number }[] = [
    {
      name: 'Main 640x360 25 fps, keyint 25 (the x.265 of the brief), 1400-byte packets',
      clip: { size: '640x360', rate: 25, frames: 50, x265: 'keyint=25' },
    },
    {
      name: 'Main 320x240 with AUDs, 3 slices and repeated headers, 300-byte packets',
      clip: { frames: 30, x265: 'keyint=10:aud=1:slices=3:repeat-headers=1:bframes=2' },
      maxPacketSize: 300,
    },
  ]
  for (const { name, clip, maxPacketSize } of cases) {
    it(name, () => {
      const src = makeH265Clip(fx.dir, 'src.265', clip)
      const file = loadH265File(src)
      assert.equal(file.accessUnits.length, clip.frames)
      const packetizer = new H265Packetizer({ ssrc: 0x1234, initialSequence: 65500, ...(maxPacketSize ? { maxPacketSize } : {}) })
      const depacketizer = new H265Depacketizer()
      const out: ReceivedFrame[] = []
      const kinds = { single: 0, ap: 0, fu: 0 }
      file.accessUnits.forEach((au, i) => {
        const ts = (i * CLOCK_RATE) / file.fps
        for (const buf of packetizer.packetize(au.nalus, ts)) {
          assert.ok(buf.length <= packetizer.maxPacketSize)
          const type = (buf[PAYLOAD_OFFSET]! >> 1) & 0x3f
          if (type === AP) kinds.ap++
          else if (type === FU) kinds.fu++
          else kinds.single++
          out.push(...depacketizer.push(RtpPacket.parse(buf)))
        }
      })
      // Parameter sets go in APs and pictures in FUs; with 300-byte packets small slices go alone.
      assert.ok(
        kinds.ap > 0 && kinds.fu > 0 && (maxPacketSize === undefined || kinds.single > 0),
        `exercised single (${kinds.single}), AP (${kinds.ap}) and FU (${kinds.fu})`,
      )
      assert.equal(out.length, file.accessUnits.length)
      out.forEach((f, i) => {
        assert.deepEqual(f.data, joinAnnexB(file.accessUnits[i]!.nalus), `access unit ${i}`)
        assert.equal(f.keyframe, file.accessUnits[i]!.keyframe)
        assert.equal(f.timestamp, (i * CLOCK_RATE) / file.fps)
      })
      const rebuilt = join(fx.dir, 'rebuilt.265')
      writeFileSync(rebuilt, Buffer.concat(out.map((f) => f.data)))
      assert.equal(ffmpegDecodeErrors(rebuilt), '')
      assert.equal(ffprobeFrameCount(rebuilt), clip.frames)
    })
  }
})
