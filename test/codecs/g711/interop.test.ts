/**
 * G.711 interop with real peers over plain RTP. Sources: 2 s tones written by ffmpeg as µ-law and A-law
 * WAV files, read by our WAV parser (so the bytes sent are the file's codes).
 *  - ffmpeg decodes what G711Packetizer sends (PCMU and PCMA, static payload types; PCMU stereo on a
 *    dynamic one) to exactly the samples it decodes from the WAV file;
 *  - G711Depacketizer returns, bit for bit, the codes ffmpeg's RTP muxer sends from the same file;
 *  - G711Depacketizer reads GStreamer's rtppcmupay / rtppcmapay: every sample, timestamps contiguous.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { join } from 'node:path'
import { G711Depacketizer } from '../../../src/codecs/g711/depacketizer.js'
import { g711Rtpmap, g711StaticPayloadType, type G711Law } from '../../../src/codecs/g711/format.js'
import { G711Packetizer } from '../../../src/codecs/g711/packetizer.js'
import type { ReceivedFrame } from '../../../src/codecs/codec.js'
import { loadWavFile } from '../../../src/sources/wav-file.js'
import {
  captureFfmpegRtp,
  captureGstRtp,
  ffmpegDecodeFile,
  ffmpegDecodeRtp,
  inSequence,
  makeTone,
  sdpAttribute,
  sha256,
  tempDir,
} from '../../helpers/audio-interop.js'

const ENCODERS: Record<G711Law, string> = { pcmu: 'pcm_mulaw', pcma: 'pcm_alaw' }

function assertContiguous(frames: readonly ReceivedFrame[], channels: number): void {
  for (let i = 1; i < frames.length; i++) {
    assert.equal((frames[i]!.timestamp - frames[i - 1]!.timestamp) >>> 0, frames[i - 1]!.data.length / channels, `frame ${i}`)
  }
}

describe('G.711 over RTP with ffmpeg and GStreamer', () => {
  let fx: ReturnType<typeof tempDir>
  before(() => {
    fx = tempDir('g711-interop')
  })
  after(() => fx.cleanup())

  for (const [law, channels] of [
    ['pcmu', 1],
    ['pcma', 1],
    ['pcmu', 2],
  ] as const) {
    it(`ffmpeg decodes our ${law.toUpperCase()} packets (${channels} channel${channels > 1 ? 's' : ''}) to the samples of the file`, async () => {
      const wav = makeTone(join(fx.dir, `${law}-${channels}.wav`), { rate: 8000, channels, seconds: 2 }, ['-c:a', ENCODERS[law]])
      const file = loadWavFile(wav)
      assert.equal(file.codec, law)
      const payloadType = channels === 1 ? g711StaticPayloadType(law) : 96
      const packets = new G711Packetizer({ law, ssrc: 0x7777, initialSequence: 0xfffe, channels, payloadType }).packetize(
        file.data,
        0xffffff00,
      )
      assert.equal(packets.length, 100) // 2 s of 20 ms packets
      const r = await ffmpegDecodeRtp({ payloadType, rtpmap: g711Rtpmap(law, payloadType, channels) }, packets, { channels, dir: fx.dir })
      assert.equal(r.stderr, '')
      assert.equal(r.code, 0)
      assert.equal(sha256(r.pcm), sha256(ffmpegDecodeFile(wav, channels)))
    })
  }

  for (const law of ['pcmu', 'pcma'] as const) {
    it(`returns the ${law.toUpperCase()} codes of ffmpeg's RTP muxer bit for bit`, async () => {
      const wav = makeTone(join(fx.dir, `${law}-send.wav`), { rate: 8000, channels: 1, seconds: 2 }, ['-c:a', ENCODERS[law]])
      const cap = await captureFfmpegRtp(['-i', wav], ['-c:a', 'copy'], fx.dir)
      // ffmpeg names static payload types on the m= line only.
      assert.match(cap.sdp!, new RegExp(`^m=audio \\d+ RTP/AVP ${g711StaticPayloadType(law)}\r?$`, 'm'))
      assert.equal(sdpAttribute(cap.sdp!, 'rtpmap'), undefined)
      const packets = inSequence(cap.packets)
      assert.equal(packets[0]!.payloadType, g711StaticPayloadType(law))
      const frames = packets.flatMap((p) => new G711Depacketizer().push(p))
      assert.equal(sha256(Buffer.concat(frames.map((f) => f.data))), sha256(loadWavFile(wav).data))
      assertContiguous(frames, 1)
    })
  }

  for (const [law, enc, pay] of [
    ['pcmu', 'mulawenc', 'rtppcmupay'],
    ['pcma', 'alawenc', 'rtppcmapay'],
  ] as const) {
    it(`reads GStreamer's ${pay}`, async () => {
      const cap = await captureGstRtp(`audiotestsrc num-buffers=50 ! audio/x-raw,rate=8000,channels=1 ! ${enc} ! ${pay}`)
      const packets = inSequence(cap.packets)
      assert.equal(packets[0]!.payloadType, g711StaticPayloadType(law))
      const d = new G711Depacketizer()
      const frames = packets.flatMap((p) => d.push(p))
      assert.equal(
        frames.reduce((n, f) => n + f.data.length, 0),
        50 * 1024,
      )
      assertContiguous(frames, 1)
    })
  }
})
