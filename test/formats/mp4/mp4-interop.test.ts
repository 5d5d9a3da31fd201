// Files written by the fMP4 writer, read by real peers: ffprobe counts frames, ffmpeg decodes without a
// word on stderr, GStreamer's qtdemux plays them; decoder configuration records match ffmpeg's own.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError } from '../../../src/errors.js'
import { splitAdts } from '../../../src/codecs/aac/adts.js'
import { loadH265File } from '../../../src/sources/h265-file.js'
import { openMp4File } from '../../../src/formats/mp4/mp4-file.js'
import type { TrackInfo } from '../../../src/sources/source.js'
import { ffprobePackets, makeTone, tempDir } from '../../helpers/audio-interop.js'
import { h264File, h265File } from '../../interop/harness.js'
import { decodeErrors, ffmpegRemux, findBoxBody, gstLaunch, h264Clip, probeStreams } from './probe.js'
import { readBoxes } from './read-boxes.js'

const FPS = 25
const FRAME_MS = 1000 / FPS

describe('fMP4 files read by ffmpeg and GStreamer', () => {
  const tmp = tempDir('mp4-interop')
  let h264: string
  let h265: string
  before(async () => {
    h264 = await h264File({ width: 320, height: 240, fps: FPS, seconds: 2, gop: FPS })
    h265 = await h265File(320, 240, FPS, 2)
  })
  after(() => tmp.cleanup())

  it('H.264: ffprobe counts every frame at the right size, ffmpeg decodes cleanly, GStreamer plays it', async () => {
    const clip = h264Clip(h264)
    const out = join(tmp.dir, 'h264.mp4')
    const file = openMp4File(out, [clip.track])
    clip.frames.forEach((au, i) => file.writeFrame(0, au.nalus, i * FRAME_MS, au.keyframe))
    await file.close()
    const [v] = probeStreams(out)
    assert.deepEqual([v!.codec_name, v!.width, v!.height, Number(v!.nb_read_frames)], ['h264', 320, 240, clip.frames.length])
    assert.ok(Math.abs(Number(v!.duration) - clip.frames.length / FPS) < 0.01, `duration ${v!.duration}`)
    assert.equal(decodeErrors(out), '')
    const gst = gstLaunch(`filesrc location=${out} ! qtdemux ! h264parse ! avdec_h264 ! fakesink`)
    assert.equal(gst.status, 0, gst.stderr)
    // Our avcC is the one ffmpeg writes for the same stream.
    const ref = join(tmp.dir, 'ref264.mp4')
    ffmpegRemux(h264, ref)
    assert.deepEqual(findBoxBody(out, 'avcC'), findBoxBody(ref, 'avcC'))
  })

  it('H.265: ffprobe reads hvc1 with the profile, tier and level ffmpeg writes', async () => {
    const clip = loadH265File(h265)
    const out = join(tmp.dir, 'h265.mp4')
    const file = openMp4File(out, [{ kind: 'video', codec: 'h265', vps: clip.vps, sps: clip.sps, pps: clip.pps }])
    clip.accessUnits.forEach((au, i) => file.writeFrame(0, au.nalus, i * FRAME_MS))
    await file.close()
    const [v] = probeStreams(out)
    assert.deepEqual([v!.codec_name, v!.width, v!.height, Number(v!.nb_read_frames)], ['hevc', 320, 240, clip.accessUnits.length])
    assert.equal(decodeErrors(out), '')
    const ref = join(tmp.dir, 'ref265.mp4')
    ffmpegRemux(h265, ref)
    // configurationVersion through general_level_idc: 13 bytes from the SPS's profile_tier_level.
    assert.deepEqual(findBoxBody(out, 'hvcC')!.subarray(0, 13), findBoxBody(ref, 'hvcC')!.subarray(0, 13))
    const gst = gstLaunch(`filesrc location=${out} ! qtdemux ! h265parse ! fakesink`)
    assert.equal(gst.status, 0, gst.stderr)
  })

  it('H.264 + AAC: both streams, audio as long as the video', async () => {
    const clip = h264Clip(h264)
    const adts = splitAdts(
      readFileSync(makeTone(join(tmp.dir, 'tone.aac'), { rate: 48000, channels: 2, seconds: 3 }, ['-c:a', 'aac', '-f', 'adts'])),
    )
    const aac: TrackInfo = { kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 2, config: adts.config }
    const out = join(tmp.dir, 'av.mp4')
    const file = openMp4File(out, [clip.track, aac], { fragmentDurationMs: 500 })
    const videoEnd = clip.frames.length * FRAME_MS
    let a = 0
    clip.frames.forEach((au, i) => {
      const pts = i * FRAME_MS
      file.writeFrame(0, au.nalus, pts, au.keyframe)
      // Interleaved as a receiver would deliver them: audio up to the next video frame.
      for (; a < adts.frames.length && (a * 1024 * 1000) / 48000 < Math.min(pts + FRAME_MS, videoEnd); a++)
        file.writeFrame(1, adts.frames[a]!.au, (a * 1024 * 1000) / 48000)
    })
    await file.close()
    const streams = probeStreams(out)
    assert.deepEqual(
      streams.map((s) => s.codec_name),
      ['h264', 'aac'],
    )
    assert.equal(Number(streams[0]!.nb_read_frames), clip.frames.length)
    assert.equal(Number(streams[1]!.nb_read_frames), file.trackStats(1).framesWritten)
    assert.deepEqual([streams[1]!.sample_rate, streams[1]!.channels], ['48000', 2])
    assert.ok(
      Math.abs(Number(streams[1]!.duration) - Number(streams[0]!.duration)) < 0.05,
      `audio ${streams[1]!.duration} s, video ${streams[0]!.duration} s`,
    )
    assert.equal(decodeErrors(out), '')
  })

  for (const c of [
    { codec: 'pcmu', ffmpeg: 'pcm_mulaw', rate: 8000, channels: 1, bytesPerSample: 1 },
    { codec: 'pcma', ffmpeg: 'pcm_alaw', rate: 8000, channels: 1, bytesPerSample: 1 },
    { codec: 'l16', ffmpeg: 'pcm_s16be', rate: 16000, channels: 2, bytesPerSample: 2 },
  ] as const) {
    it(`${c.codec}: ffprobe reads ${c.ffmpeg} with the right duration`, async () => {
      const out = join(tmp.dir, `${c.codec}.mp4`)
      const file = openMp4File(out, [{ kind: 'audio', codec: c.codec, sampleRate: c.rate, channels: c.channels }])
      const block = (c.rate / 50) * c.channels * c.bytesPerSample // 20 ms
      for (let i = 0; i < 100; i++) file.writeFrame(0, Buffer.alloc(block, i), i * 20)
      await file.close()
      const [s] = probeStreams(out)
      assert.deepEqual([s!.codec_name, Number(s!.sample_rate), s!.channels], [c.ffmpeg, c.rate, c.channels])
      assert.ok(Math.abs(Number(s!.duration) - 2) < 0.01, `duration ${s!.duration}`)
      assert.equal(decodeErrors(out), '')
    })
  }

  it('Opus: ffprobe reads the packets libopus made, ffmpeg decodes them', async () => {
    const packets = ffprobePackets(
      makeTone(join(tmp.dir, 'tone.ogg'), { rate: 48000, channels: 2, seconds: 2 }, ['-c:a', 'libopus', '-b:a', '64k']),
    )
    const out = join(tmp.dir, 'opus.mp4')
    const file = openMp4File(out, [{ kind: 'audio', codec: 'opus', sampleRate: 48000, channels: 2 }])
    packets.forEach((p, i) => file.writeFrame(0, p, i * 20))
    await file.close()
    const [s] = probeStreams(out)
    assert.deepEqual([s!.codec_name, s!.channels, Number(s!.nb_read_frames)], ['opus', 2, packets.length])
    assert.ok(Math.abs(Number(s!.duration) - packets.length * 0.02) < 0.01, `duration ${s!.duration}`)
    assert.equal(decodeErrors(out), '')
  })

  it('a file cut in the middle of its last fragment still plays every complete fragment', async () => {
    const clip = h264Clip(h264)
    const out = join(tmp.dir, 'crash.mp4')
    const file = openMp4File(out, [clip.track], { fragmentDurationMs: 400 })
    const sizes: number[] = []
    clip.frames.forEach((au, i) => {
      file.writeFrame(0, au.nalus, i * FRAME_MS, au.keyframe)
      sizes.push(statSync(out).size) // each fragment is on disk as soon as it is cut
    })
    await file.close()
    const moofs = readBoxes(readFileSync(out)).filter((b) => b.type === 'moof')
    assert.equal(moofs.length, 2) // keyframes every second: cuts at 1 s
    assert.ok(sizes.includes(moofs[1]!.offset), 'the first fragment was written before close')
    const last = moofs[moofs.length - 1]!
    truncateSync(out, last.offset + last.size + 100) // inside the last mdat
    const [v] = probeStreams(out)
    assert.equal(Number(v!.nb_read_frames), FPS) // the first fragment: one second
  })

  it('refuses a bad path or track with a ConfigError and creates nothing', () => {
    assert.throws(
      () => openMp4File(join(tmp.dir, 'no/such/dir.mp4'), [{ kind: 'video', codec: 'h264' }]),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_SINK_FILE',
    )
    const jpeg = join(tmp.dir, 'jpeg.mp4')
    assert.throws(
      () => openMp4File(jpeg, [{ kind: 'video', codec: 'jpeg' }]),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_MP4_CODEC',
    )
    assert.equal(existsSync(jpeg), false)
  })
})
