// Every codec the server carries, decoded by ffmpeg and GStreamer from `file:` sources.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { audioFile, ffmpegDecode, ffmpegDecodeAudio, gstDecode, h265File, startServer, type TestServer } from './harness.js'

describe('server codecs from files: H.265, AAC, WAV (L16, PCMU, PCMA)', () => {
  let srv: TestServer
  before(async () => {
    const [hevc, aac, pcm, ulaw, alaw] = await Promise.all([
      h265File(640, 360, 25, 3),
      audioFile('tone-48k-stereo.aac', ['-ac', '2', '-c:a', 'aac', '-b:a', '128k', '-f', 'adts']),
      audioFile('tone-16k-s16.wav', ['-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le']),
      audioFile('tone-8k-ulaw.wav', ['-ar', '8000', '-ac', '1', '-c:a', 'pcm_mulaw']),
      audioFile('tone-8k-alaw.wav', ['-ar', '8000', '-ac', '1', '-c:a', 'pcm_alaw']),
    ])
    srv = await startServer({ hevc: `file:${hevc}`, aac: `file:${aac}`, pcm: `file:${pcm}`, ulaw: `file:${ulaw}`, alaw: `file:${alaw}` })
  })
  after(() => srv.stop())

  for (const transport of ['tcp', 'udp'] as const) {
    it(`ffmpeg decodes 75 H.265 frames over ${transport}`, async () => {
      const r = await ffmpegDecode(srv.url('hevc'), transport, 75)
      assert.equal(r.stderr.trim(), '')
      assert.equal(r.frames, 75)
      assert.ok(r.frameSizes.every((s) => s === (640 * 360 * 3) / 2))
    })
  }

  it('GStreamer rtph265depay ! h265parse ! avdec_h265 decodes H.265', async () => {
    const r = await gstDecode(
      `rtspsrc location=${srv.url('hevc')} protocols=tcp latency=100 ! rtph265depay ! h265parse ! avdec_h265 ! fakesink name=sink`,
      40,
    )
    assert.equal(r.error, null)
    assert.equal(r.frames, 40)
    assert.deepEqual([r.width, r.height], [640, 360])
  })

  for (const [name, transport] of [
    ['aac', 'tcp'],
    ['pcm', 'udp'],
    ['ulaw', 'tcp'],
    ['alaw', 'udp'],
  ] as const) {
    it(`ffmpeg decodes 2 s of ${name} audio over ${transport}`, async () => {
      const r = await ffmpegDecodeAudio(srv.url(name), transport, 2)
      assert.equal(r.stderr.trim(), '')
      assert.ok(Math.abs(r.seconds - 2) < 0.1, `decoded ${r.seconds} s`)
    })
  }

  it('GStreamer depayloads and decodes AAC (rtpmp4gdepay) and PCMU (rtppcmudepay)', async () => {
    const aac = await gstDecode(
      `rtspsrc location=${srv.url('aac')} protocols=tcp latency=100 ! rtpmp4gdepay ! avdec_aac ! fakesink name=sink`,
      40,
    )
    assert.equal(aac.error, null)
    assert.equal(aac.frames, 40)
    const ulaw = await gstDecode(
      `rtspsrc location=${srv.url('ulaw')} protocols=udp latency=100 ! rtppcmudepay ! mulawdec ! fakesink name=sink`,
      40,
    )
    assert.equal(ulaw.error, null)
    assert.equal(ulaw.frames, 40)
  })
})
