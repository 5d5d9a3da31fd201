/**
 * L16 interop with real peers over plain RTP. Sources: tones written by ffmpeg as 16-bit PCM WAV, read by
 * our WAV parser (which turns the little-endian samples into the big-endian L16 payload).
 *  - ffmpeg decodes what L16Packetizer sends (48 kHz stereo on a dynamic payload type, 44.1 kHz stereo
 *    on static type 10 with no rtpmap) to exactly the samples of the WAV file;
 *  - L16Depacketizer returns, bit for bit, the samples ffmpeg's RTP muxer sends as pcm_s16be;
 *  - L16Depacketizer reads GStreamer's rtpL16pay: every sample, timestamps contiguous.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { join } from 'node:path'
import { L16Depacketizer } from '../../../src/codecs/l16/depacketizer.js'
import { l16Rtpmap } from '../../../src/codecs/l16/format.js'
import { L16Packetizer } from '../../../src/codecs/l16/packetizer.js'
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

describe('L16 over RTP with ffmpeg and GStreamer', () => {
  let fx: ReturnType<typeof tempDir>
  before(() => {
    fx = tempDir('l16-interop')
  })
  after(() => fx.cleanup())

  for (const [rate, channels, rtpmap] of [
    [48000, 2, true],
    [44100, 2, false],
    [16000, 1, true],
  ] as const) {
    it(`ffmpeg decodes our packets (${rate} Hz, ${channels} ch${rtpmap ? '' : ', static payload type without rtpmap'}) to the samples of the file`, async () => {
      const wav = makeTone(join(fx.dir, `s16-${rate}-${channels}.wav`), { rate, channels, seconds: 1 }, ['-c:a', 'pcm_s16le'])
      const file = loadWavFile(wav)
      assert.equal(file.codec, 'l16')
      const p = new L16Packetizer({ ssrc: 0x5151, initialSequence: 0xfffa, sampleRate: rate, channels })
      const packets = p.packetize(file.data, 0xfffff000)
      const r = await ffmpegDecodeRtp(
        { payloadType: p.payloadType, rtpmap: rtpmap ? l16Rtpmap(p.payloadType, rate, channels) : undefined },
        packets,
        { channels, dir: fx.dir },
      )
      assert.equal(r.stderr, '')
      assert.equal(r.code, 0)
      assert.equal(sha256(r.pcm), sha256(ffmpegDecodeFile(wav, channels)))
    })
  }

  it("returns the samples of ffmpeg's RTP muxer bit for bit", async () => {
    const wav = makeTone(join(fx.dir, 'send.wav'), { rate: 48000, channels: 2, seconds: 1 }, ['-c:a', 'pcm_s16le'])
    const cap = await captureFfmpegRtp(['-i', wav], ['-c:a', 'pcm_s16be'], fx.dir)
    assert.match(sdpAttribute(cap.sdp!, 'rtpmap')!, /^L16\/48000\/2$/)
    const d = new L16Depacketizer({ channels: 2 })
    const frames = inSequence(cap.packets).flatMap((p) => d.push(p))
    assert.equal(sha256(Buffer.concat(frames.map((f) => f.data))), sha256(loadWavFile(wav).data))
    for (let i = 1; i < frames.length; i++)
      assert.equal((frames[i]!.timestamp - frames[i - 1]!.timestamp) >>> 0, frames[i - 1]!.data.length / 4)
  })

  it("reads GStreamer's rtpL16pay", async () => {
    const cap = await captureGstRtp('audiotestsrc num-buffers=50 ! audio/x-raw,rate=44100,channels=2 ! rtpL16pay')
    const d = new L16Depacketizer({ channels: 2 })
    const frames = inSequence(cap.packets).flatMap((p) => d.push(p))
    assert.equal(
      frames.reduce((n, f) => n + f.data.length, 0),
      50 * 1024 * 4,
    )
    for (let i = 1; i < frames.length; i++)
      assert.equal((frames[i]!.timestamp - frames[i - 1]!.timestamp) >>> 0, frames[i - 1]!.data.length / 4)
  })
})
