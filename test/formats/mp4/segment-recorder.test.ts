// SegmentRecorder: rotation at keyframes, names from the injected clock, safe subfolders, and every
// segment a complete file ffprobe decodes.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError, StateError } from '../../../src/errors.js'
import { NalType, nalType } from '../../../src/codecs/h264/nal.js'
import { recordingDirectory, segmentName, SegmentRecorder } from '../../../src/formats/mp4/segment-recorder.js'
import type { Clock } from '../../../src/util/clock.js'
import { tempDir } from '../../helpers/audio-interop.js'
import { h264File } from '../../interop/harness.js'
import { decodeErrors, h264Clip, probeStreams } from './probe.js'
import { readBoxes } from './read-boxes.js'

const FPS = 25
const FRAME_MS = 1000 / FPS
/** 2021-03-04 05:06:07.089 UTC. */
const START_WALL_MS = Date.UTC(2021, 2, 4, 5, 6, 7, 89)

/** A wall clock that follows the media time the test feeds. */
function mediaClock(): Clock & { ms: number } {
  return {
    ms: 0,
    wallMs() {
      return START_WALL_MS + this.ms
    },
    monoMs() {
      return this.ms
    },
  }
}

describe('SegmentRecorder', () => {
  const tmp = tempDir('segments')
  let clip: ReturnType<typeof h264Clip>
  before(async () => {
    clip = h264Clip(await h264File({ width: 320, height: 240, fps: FPS, seconds: 5, gop: FPS }))
  })
  after(() => tmp.cleanup())

  it('rotates at the first keyframe after segmentDurationMs; every segment decodes and the frames add up', async () => {
    const clock = mediaClock()
    const rec = new SegmentRecorder({ dir: tmp.dir, pathName: 'site/cam1', tracks: [clip.track], segmentDurationMs: 2000, clock })
    const events: string[] = []
    rec.on('segment', (file: string, phase: string) => events.push(`${phase} ${file.slice(rec.directory.length + 1)}`))
    // Parameter sets only in the first access unit: later segments must still describe the stream.
    let sentParams = false
    clip.frames.forEach((au, i) => {
      clock.ms = i * FRAME_MS
      const nalus = sentParams ? au.nalus.filter((n) => nalType(n) !== NalType.SPS && nalType(n) !== NalType.PPS) : au.nalus
      sentParams = true
      rec.writeFrame(0, nalus, clock.ms)
    })
    await rec.close()
    await rec.close()
    assert.throws(
      () => rec.writeFrame(0, clip.frames[0]!.nalus, 0),
      (e: unknown) => e instanceof StateError,
    )
    assert.equal(rec.directory, join(tmp.dir, 'site', 'cam1'))
    const names = ['2021-03-04_05-06-07-089.mp4', '2021-03-04_05-06-09-089.mp4', '2021-03-04_05-06-11-089.mp4']
    assert.deepEqual(readdirSync(rec.directory).sort(), names)
    // 'open' as each file is created; 'finish' once its descriptor is closed (asynchronously, in order).
    assert.deepEqual(
      events.filter((e) => e.startsWith('open')),
      names.map((n) => `open ${n}`),
    )
    assert.deepEqual(
      events.filter((e) => e.startsWith('finish')),
      names.map((n) => `finish ${n}`),
    )
    assert.deepEqual(
      rec.segments,
      names.map((n) => join(rec.directory, n)),
    )
    const counts = rec.segments.map((file) => {
      assert.deepEqual(
        readBoxes(readFileSync(file))
          .slice(0, 2)
          .map((b) => b.type),
        ['ftyp', 'moov'],
      )
      assert.equal(decodeErrors(file), '')
      const [v] = probeStreams(file)
      assert.equal(v!.codec_name, 'h264')
      return Number(v!.nb_read_frames)
    })
    assert.deepEqual(counts, [50, 50, 25])
    assert.equal(
      counts.reduce((a, b) => a + b),
      clip.frames.length,
    )
  })

  it('rotates an audio-only stream at any frame and adds a suffix when two segments share a millisecond', async () => {
    const frozen: Clock = { wallMs: () => START_WALL_MS, monoMs: () => 0 }
    const rec = new SegmentRecorder({
      dir: tmp.dir,
      pathName: 'audio',
      tracks: [{ kind: 'audio', codec: 'pcmu', sampleRate: 8000, channels: 1 }],
      segmentDurationMs: 1000,
      clock: frozen,
    })
    for (let i = 0; i < 150; i++) rec.writeFrame(0, Buffer.alloc(160, 0x7f), i * 20)
    await rec.close()
    const base = '2021-03-04_05-06-07-089'
    assert.deepEqual(
      rec.segments.map((f) => f.slice(rec.directory.length + 1)),
      [`${base}.mp4`, `${base}_1.mp4`, `${base}_2.mp4`],
    )
    assert.deepEqual(
      rec.segments.map((f) => Number(probeStreams(f)[0]!.duration)),
      [1, 1, 1],
    ) // 50 blocks of 20 ms each
  })

  it('names segments in UTC and keeps path names inside the recording directory', () => {
    assert.equal(segmentName(START_WALL_MS), '2021-03-04_05-06-07-089')
    assert.equal(recordingDirectory('/rec', 'a/b//c/'), '/rec/a/b/c')
    for (const bad of ['', '/', '..', 'a/../../etc', './x', 'a\\b', 'a\0b']) {
      assert.throws(
        () => recordingDirectory('/rec', bad),
        (e: unknown) => e instanceof ConfigError && e.code === 'ERR_RECORDER_PATH',
        JSON.stringify(bad),
      )
    }
    assert.throws(
      () => new SegmentRecorder({ dir: tmp.dir, pathName: 'x', tracks: [clip.track], segmentDurationMs: -1 }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_RECORDER_OPTION',
    )
  })
})
