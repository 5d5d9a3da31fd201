// The camera board module serves what its calls push, and real players decode it: ffmpeg decodes
// H.264 frames of the clip's size and the µ-law audio, ffprobe reads an H.265 session as hevc, and the
// media.rtspserver class streams ffmpeg's live test pattern and the test tone with no further code.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Multimedia, RtspServer } from '../../src/compat/k230.js'
import { joinAnnexB } from '../../src/codecs/h264/annexb.js'
import { mulawEncode } from '../../src/codecs/g711/mulaw.js'
import { loadH264File } from '../../src/sources/h264-file.js'
import { loadH265File } from '../../src/sources/h265-file.js'
import { loadAacFile } from '../../src/sources/aac-file.js'
import { toAdts } from '../../src/codecs/aac/adts.js'
import { audioFile, ffmpegDecode, ffmpegDecodeAudio, ffprobe, h264File, h265File, run } from './harness.js'

const nowUs = (): number => Math.round(performance.now() * 1000)

/** 20 ms of a 440 Hz tone, µ-law: what the board's audio encoder would hand over. */
function toneBlock(index: number): Buffer {
  const s = new Int16Array(160)
  for (let i = 0; i < s.length; i++) s[i] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * (index * 160 + i)) / 8000))
  return mulawEncode(s)
}

describe('k230 multimedia API → ffmpeg', () => {
  const mm = new Multimedia({ host: '127.0.0.1', publicHost: '127.0.0.1' })
  const timers: NodeJS.Timeout[] = []

  before(async () => {
    const h264 = loadH264File(await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 }))
    const h265 = loadH265File(await h265File(320, 240, 25, 2))
    assert.equal(mm.rtspserver_create(), 0)
    mm.rtspserver_init(0)
    mm.rtspserver_createsession('session1', 'h264', true)
    mm.rtspserver_createsession('hevc', 'h265', false)
    // AAC selected instead of the board's µ-law: ADTS frames as an AAC encoder writes them.
    const aac = loadAacFile(await audioFile('tone-48k-stereo.aac', ['-ac', '2', '-c:a', 'aac', '-b:a', '128k', '-f', 'adts']))
    mm.rtspserver_createsession('withaac', 'h264', true, {
      audio: { codec: 'aac', sampleRate: aac.sampleRate, channels: aac.channels, config: aac.config },
    })
    await mm.rtspserver_start_async()
    // The board's loop: each encoded frame with its capture time in microseconds.
    const frames = [
      ['session1', h264.accessUnits.map((au) => joinAnnexB(au.nalus))],
      ['hevc', h265.accessUnits.map((au) => joinAnnexB(au.nalus))],
      ['withaac', h264.accessUnits.map((au) => joinAnnexB(au.nalus))],
    ] as const
    for (const [name, aus] of frames) {
      let i = 0
      timers.push(
        setInterval(() => {
          const au = aus[i++ % aus.length]!
          mm.rtspserver_sendvideodata(name, au, au.length, nowUs())
        }, 40),
      )
    }
    let a = 0
    timers.push(
      setInterval(() => {
        const block = toneBlock(a++)
        mm.rtspserver_sendaudiodata('session1', block, block.length, BigInt(nowUs()))
      }, 20),
    )
    // One AAC frame (1024 samples at 48 kHz) every 21.33 ms, in ADTS as the encoder hands it over.
    let f = 0
    const frameMs = (1000 * aac.frameLength) / aac.sampleRate
    const t0 = performance.now()
    timers.push(
      setInterval(() => {
        while (f * frameMs <= performance.now() - t0) {
          const adts = toAdts([aac.aus[f % aac.aus.length]!], aac.config)
          mm.rtspserver_sendaudiodata('withaac', adts, adts.length, nowUs())
          f++
        }
      }, 10),
    )
  })

  after(async () => {
    for (const t of timers) clearInterval(t)
    await mm.rtspserver_stop_async()
    assert.equal(mm.rtspserver_destroy(), 0)
  })

  it('ffmpeg decodes the H.264 video at the clip size and the G.711 µ-law audio of one session', async () => {
    const url = mm.rtspserver_getrtspurl('session1')
    const [video, audio, probe] = await Promise.all([
      ffmpegDecode(url, 'tcp', 40),
      ffmpegDecodeAudio(url, 'udp', 2),
      run('ffprobe', [
        '-v',
        'error',
        '-rtsp_transport',
        'tcp',
        '-show_entries',
        'stream=codec_name,sample_rate,channels',
        '-of',
        'csv=p=0',
        url,
      ]),
    ])
    assert.equal(video.stderr.trim(), '')
    assert.equal(video.frames, 40)
    assert.ok(
      video.frameSizes.every((s) => s === (320 * 240 * 3) / 2),
      'every frame is 320x240 yuv420p',
    )
    assert.ok(audio.seconds >= 1.9, `decoded ${audio.seconds} s of audio`)
    assert.match(probe.stdout, /pcm_mulaw,8000,1/)
  })

  it("with AAC selected, ffmpeg decodes the session's AAC audio (sent as ADTS frames)", async () => {
    const url = mm.rtspserver_getrtspurl('withaac')
    const [audio, probe] = await Promise.all([
      ffmpegDecodeAudio(url, 'tcp', 2),
      run('ffprobe', [
        '-v',
        'error',
        '-rtsp_transport',
        'tcp',
        '-select_streams',
        'a',
        '-show_entries',
        'stream=codec_name,sample_rate,channels',
        '-of',
        'csv=p=0',
        url,
      ]),
    ])
    assert.equal(audio.stderr.trim(), '')
    assert.ok(audio.seconds >= 1.9, `decoded ${audio.seconds} s of AAC`)
    assert.match(probe.stdout, /aac,48000,2/)
  })

  it('ffprobe reads the H.265 session as hevc 320x240 and ffmpeg decodes it', async () => {
    const url = mm.rtspserver_getrtspurl('hevc')
    const probe = await ffprobe(url, 'tcp')
    assert.deepEqual(probe, { codec: 'hevc', width: 320, height: 240 })
    const video = await ffmpegDecode(url, 'udp', 20)
    assert.equal(video.frames, 20)
  })
})

describe('k230 media.rtspserver → ffmpeg', () => {
  it("streams ffmpeg's live test pattern as H.264 and the µ-law tone with no further code", async () => {
    const server = new RtspServer({
      session_name: 'test',
      port: 0,
      enable_audio: true,
      video: 'testsrc',
      width: 320,
      height: 240,
      fps: 25,
      host: '127.0.0.1',
      publicHost: '127.0.0.1',
    })
    await server.start_async()
    try {
      const url = server.get_rtsp_url()
      assert.match(url, /^rtsp:\/\/127\.0\.0\.1:\d+\/test$/)
      const [video, audio] = await Promise.all([ffmpegDecode(url, 'tcp', 30), ffmpegDecodeAudio(url, 'tcp', 2)])
      assert.equal(video.stderr.trim(), '')
      assert.equal(video.frames, 30)
      assert.ok(video.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
      assert.ok(audio.seconds >= 1.9, `decoded ${audio.seconds} s of audio`)
    } finally {
      await server.stop_async()
    }
  })

  it('an H.265 session without a camera is ffmpeg testsrc through libx265', async () => {
    const server = new RtspServer({
      port: 0,
      video: 'testsrc',
      video_type: 'h265',
      width: 320,
      height: 240,
      fps: 25,
      host: '127.0.0.1',
      publicHost: '127.0.0.1',
    })
    await server.start_async()
    try {
      assert.deepEqual(await ffprobe(server.get_rtsp_url(), 'tcp'), { codec: 'hevc', width: 320, height: 240 })
    } finally {
      await server.stop_async()
    }
  })

  it('without ffmpeg the test card is served as MJPEG', async () => {
    const server = new RtspServer({
      port: 0,
      video: 'testcard',
      width: 320,
      height: 240,
      fps: 10,
      host: '127.0.0.1',
      publicHost: '127.0.0.1',
    })
    server.start()
    await server.start_async() // the same start, awaited
    try {
      const video = await ffmpegDecode(server.get_rtsp_url(), 'tcp', 5)
      assert.equal(video.frames, 5)
      assert.deepEqual(await ffprobe(server.get_rtsp_url(), 'udp'), { codec: 'mjpeg', width: 320, height: 240 })
    } finally {
      server.stop()
      await server.stop_async()
    }
  })
})
