// ffmpeg plays our Low-Latency HLS (and plain fMP4 HLS): H.264 + AAC, H.264 + Opus, H.265.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { audioFile, h264AacMp4, h265File, mp4File } from './harness.js'
import { HlsServer } from '../../src/hls/hls-server.js'
import { ffmpegHls, h264OpusMp4, startHlsServer, type HlsTestServer } from './hls-helpers.js'

const SECONDS = 4
const FPS = 25
/** AAC: 1024 samples per frame at 48 kHz. Opus: 20 ms packets. */
const AAC_FRAMES = (SECONDS * 48000) / 1024
const OPUS_FRAMES = SECONDS * 50

/**
 * Instant start gives the muxer the video since the last keyframe (up to 2 s of it: the GOP cache keeps
 * the one before too when the current one is short), while audio starts live: the first segment may
 * lack up to that much audio.
 */
const INSTANT_START_MAX_S = 2

function near(observed: number, expected: number, what: string, stderr: string): void {
  assert.ok(Math.abs(observed - expected) <= expected * 0.1 + 2, `${what}: ${observed} frames, expected about ${expected}; ${stderr}`)
}

function audioNear(observed: number, perSecond: number, stderr: string): void {
  const most = SECONDS * perSecond
  const least = (SECONDS - INSTANT_START_MAX_S) * perSecond
  assert.ok(observed >= least - 2 && observed <= most * 1.1 + 2, `audio: ${observed} frames, expected ${least}..${most}; ${stderr}`)
}

describe('HLS played by ffmpeg', () => {
  let srv: HlsTestServer
  before(async () => {
    const [aac, opus, hevc, tone, pcmu] = await Promise.all([
      h264AacMp4(),
      h264OpusMp4(),
      h265File(320, 240, 25, 3),
      audioFile('tone-48k.aac', ['-c:a', 'aac']),
      mp4File('testsrc-320x240-25fps-3s-pcmu.mov', [
        ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=sample_rate=8000'],
        ...['-t', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '25', '-bf', '0', '-c:a', 'pcm_mulaw'],
      ]),
    ])
    srv = await startHlsServer({
      aac: `file:${aac}`,
      opus: `file:${opus}`,
      hevc: `file:${hevc}`,
      tone: `file:${tone}`,
      pcmu: `file:${pcmu}`,
    })
  })
  after(() => srv.stop())

  it('decodes H.264 (B-frames) + AAC with no error', async () => {
    const r = await ffmpegHls(srv.playlist('aac'), SECONDS)
    assert.equal(r.stderr, '')
    assert.equal(r.code, 0)
    near(r.video, SECONDS * FPS, 'video', r.stderr)
    audioNear(r.audio, AAC_FRAMES / SECONDS, r.stderr)
  })

  it('decodes H.264 + Opus with no error', async () => {
    const r = await ffmpegHls(srv.playlist('opus'), SECONDS)
    assert.equal(r.stderr, '')
    assert.equal(r.code, 0)
    near(r.video, SECONDS * FPS, 'video', r.stderr)
    audioNear(r.audio, OPUS_FRAMES / SECONDS, r.stderr)
  })

  it('plain fMP4 HLS (variant fmp4): decodes H.264 + AAC with no error', async () => {
    const plain = new HlsServer({ server: srv.server, host: '127.0.0.1', port: 0, variant: 'fmp4' })
    await plain.start()
    try {
      const text = await (await fetch(`${plain.url}/aac/index.m3u8`)).text()
      const media = await (await fetch(`${plain.url}/aac/${text.trim().split('\n').pop()!}`)).text()
      assert.match(media, /^#EXTM3U\n#EXT-X-VERSION:7\n/)
      assert.doesNotMatch(media, /EXT-X-PART/)
      const r = await ffmpegHls(`${plain.url}/aac/index.m3u8`, SECONDS)
      assert.equal(r.stderr, '')
      assert.equal(r.code, 0)
      near(r.video, SECONDS * FPS, 'video', r.stderr)
      audioNear(r.audio, AAC_FRAMES / SECONDS, r.stderr)
    } finally {
      await plain.close()
    }
  })

  it('audio only (AAC): segments of about segmentDuration, decoded with no error', async () => {
    const r = await ffmpegHls(srv.playlist('tone'), SECONDS)
    assert.equal(r.stderr, '')
    near(r.video, AAC_FRAMES, 'audio (the only stream)', r.stderr)
  })

  it('G.711 audio is left out: video only, and the page says so', async () => {
    const page = await (await fetch(`${srv.hls.url}/pcmu`)).text()
    assert.match(page, /PCMU audio cannot be played over HLS \(it carries AAC or Opus audio\): video only/)
    const r = await ffmpegHls(srv.playlist('pcmu'), SECONDS)
    assert.equal(r.stderr, '')
    near(r.video, SECONDS * FPS, 'video', r.stderr)
    assert.equal(r.audio, 0)
  })

  it('decodes H.265 with no error', async () => {
    const r = await ffmpegHls(srv.playlist('hevc'), SECONDS)
    assert.equal(r.stderr, '')
    assert.equal(r.code, 0)
    near(r.video, SECONDS * FPS, 'video', r.stderr)
  })
})
