// FragmentedMp4Writer's timing and fragmenting, read back from an in-memory output.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, StateError } from '../../../src/errors.js'
import { joinAnnexB } from '../../../src/codecs/h264/annexb.js'
import { FragmentedMp4Writer } from '../../../src/formats/mp4/fragmented-mp4-writer.js'
import { SAMPLE_FLAGS_NON_SYNC, SAMPLE_FLAGS_SYNC } from '../../../src/formats/mp4/fragment.js'
import type { TrackInfo } from '../../../src/sources/source.js'
import { hex } from '../../helpers/split.js'
import { BASELINE_PPS, BASELINE_SPS } from '../../codecs/h264/vectors.js'
import { MemoryOutput, readBoxes, readTrafs, type Traf } from './read-boxes.js'

const IDR = hex('65 888400ff')
const P_SLICE = hex('41 9a2211')
const AUD = hex('09 f0')
const AAC_LC_48K_STEREO = hex('1190')
const VIDEO: TrackInfo = { kind: 'video', codec: 'h264', sps: BASELINE_SPS, pps: BASELINE_PPS }
const AAC: TrackInfo = { kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 2, config: AAC_LC_48K_STEREO }
/** One AAC frame: 1024 samples at 48 kHz. */
const AAC_FRAME_MS = 1024 / 48

interface Parsed {
  types: string[]
  fragments: Traf[][]
}

function parse(out: MemoryOutput): Parsed {
  const boxes = readBoxes(out.bytes)
  return { types: boxes.map((b) => b.type), fragments: boxes.filter((b) => b.type === 'moof').map(readTrafs) }
}

const runOf = (frag: Traf[], trackId: number): Traf | undefined => frag.find((t) => t.trackId === trackId)

describe('FragmentedMp4Writer', () => {
  it('starts at the first keyframe, drops what came before, and gives durations from the next timestamp', async () => {
    const out = new MemoryOutput()
    const w = new FragmentedMp4Writer([VIDEO, AAC], out)
    assert.equal(w.writeFrame(0, [P_SLICE], 0), false) // no keyframe yet
    assert.equal(w.writeFrame(1, hex('21'), 10), false) // audio waits for the video
    assert.equal(w.writeFrame(0, [IDR], 100), true)
    assert.equal(w.writeFrame(1, hex('21'), 90), false) // before the start of the file
    assert.equal(w.writeFrame(1, hex('2122'), 110), true)
    assert.equal(w.writeFrame(0, [P_SLICE], 140), true)
    assert.equal(w.writeFrame(1, hex('23'), 110 + AAC_FRAME_MS), true)
    assert.equal(w.writeFrame(0, [P_SLICE], 180), true)
    await w.close()
    assert.deepEqual(w.trackStats(0), { framesWritten: 3, framesDropped: 1 })
    assert.deepEqual(w.trackStats(1), { framesWritten: 2, framesDropped: 2 })
    const p = parse(out)
    assert.deepEqual(p.types, ['ftyp', 'moov', 'moof', 'mdat'])
    const video = runOf(p.fragments[0]!, 1)!
    assert.equal(video.baseMediaDecodeTime, 0)
    assert.deepEqual(
      video.samples.map((s) => s.duration),
      [3600, 3600, 3600],
    ) // 40 ms at 90 kHz; the last repeats
    assert.deepEqual(
      video.samples.map((s) => s.flags),
      [SAMPLE_FLAGS_SYNC, SAMPLE_FLAGS_NON_SYNC, SAMPLE_FLAGS_NON_SYNC],
    )
    assert.deepEqual(
      video.samples.map((s) => s.size),
      [4 + 5, 4 + 4, 4 + 4],
    ) // 4-byte length prefix per NAL unit
    const audio = runOf(p.fragments[0]!, 2)!
    assert.equal(audio.baseMediaDecodeTime, 480) // 10 ms after the keyframe at 48 kHz
    assert.deepEqual(
      audio.samples.map((s) => s.duration),
      [1024, 1024],
    ) // the last: one AAC frame
  })

  it('cuts fragments at the first keyframe after fragmentDurationMs, keeping decode times continuous', async () => {
    const out = new MemoryOutput()
    const w = new FragmentedMp4Writer([VIDEO, AAC], out, { fragmentDurationMs: 500 })
    let audioMs = 0
    for (let i = 0; i < 50; i++) {
      const pts = i * 40
      w.writeFrame(0, i % 10 === 0 ? [BASELINE_SPS, BASELINE_PPS, IDR] : [P_SLICE], pts) // keyframe every 400 ms
      while (audioMs < pts + 40) {
        w.writeFrame(1, hex('2100'), audioMs)
        audioMs += AAC_FRAME_MS
      }
    }
    await w.close()
    assert.equal(w.fragmentsWritten, 3) // cuts at 800 and 1600 ms
    const p = parse(out)
    let nextVideo = 0
    let nextAudio = 0
    let videoSamples = 0
    let audioSamples = 0
    for (const frag of p.fragments) {
      const v = runOf(frag, 1)!
      const a = runOf(frag, 2)!
      assert.equal(v.samples[0]!.flags, SAMPLE_FLAGS_SYNC, 'fragments start at a keyframe')
      assert.equal(v.baseMediaDecodeTime, nextVideo)
      assert.equal(a.baseMediaDecodeTime, nextAudio)
      nextVideo += v.samples.reduce((n, s) => n + s.duration, 0)
      nextAudio += a.samples.reduce((n, s) => n + s.duration, 0)
      videoSamples += v.samples.length
      audioSamples += a.samples.length
    }
    assert.deepEqual(
      p.fragments.map((f) => runOf(f, 1)!.samples.length),
      [20, 20, 10],
    )
    assert.equal(videoSamples, 50)
    assert.equal(audioSamples, w.trackStats(1).framesWritten)
    assert.ok(Math.abs(nextAudio / 48000 - nextVideo / 90000) < 0.03, `audio ${nextAudio / 48000} s, video ${nextVideo / 90000} s`)
  })

  it('cuts without a keyframe past maxFragmentDurationMs', async () => {
    const out = new MemoryOutput()
    const w = new FragmentedMp4Writer([VIDEO], out, { fragmentDurationMs: 100, maxFragmentDurationMs: 200 })
    for (let i = 0; i < 12; i++) w.writeFrame(0, [i === 0 ? IDR : P_SLICE], i * 40)
    await w.close()
    assert.deepEqual(
      parse(out).fragments.map((f) => f[0]!.samples.length),
      [5, 5, 2],
    )
  })

  it('cuts an audio-only file every fragmentDurationMs', async () => {
    const out = new MemoryOutput()
    const w = new FragmentedMp4Writer([{ kind: 'audio', codec: 'pcmu', sampleRate: 8000, channels: 1 }], out, { fragmentDurationMs: 100 })
    for (let i = 0; i < 25; i++) w.writeFrame(0, Buffer.alloc(160, 0xff), 1000 + i * 20) // 20 ms blocks from any start time
    await w.close()
    const frags = parse(out).fragments
    assert.deepEqual(
      frags.map((f) => f[0]!.samples.length),
      [5, 5, 5, 5, 5],
    )
    assert.deepEqual(
      frags.map((f) => f[0]!.baseMediaDecodeTime),
      [0, 800, 1600, 2400, 3200],
    )
    assert.ok(
      frags
        .flat()
        .flatMap((t) => t.samples)
        .every((s) => s.duration === 160 && s.flags === SAMPLE_FLAGS_SYNC),
    )
  })

  it('learns the SPS and PPS from the first access unit that has them', async () => {
    const out = new MemoryOutput()
    const w = new FragmentedMp4Writer([{ kind: 'video', codec: 'h264' }], out)
    assert.equal(w.writeFrame(0, [IDR], 0), false) // a keyframe, but nothing to describe it with
    assert.equal(w.writeFrame(0, joinAnnexB([AUD, BASELINE_SPS, BASELINE_PPS, IDR]), 40), true) // Annex-B bytes work too
    assert.equal(out.chunks.length, 0, 'nothing is written before the first fragment')
    await w.close()
    const t = w.tracks[0]!
    assert.ok(t.kind === 'video' && t.sps?.equals(BASELINE_SPS) && t.pps?.equals(BASELINE_PPS))
    const p = parse(out)
    // The AUD is dropped; SPS and PPS stay in-band.
    assert.equal(runOf(p.fragments[0]!, 1)!.samples[0]!.size, 3 * 4 + BASELINE_SPS.length + BASELINE_PPS.length + IDR.length)
  })

  it('writes composition offsets when dtsMs differs from ptsMs', async () => {
    const out = new MemoryOutput()
    const w = new FragmentedMp4Writer([VIDEO], out)
    w.writeFrame(0, [IDR], 40, { dtsMs: 0 })
    w.writeFrame(0, [P_SLICE], 120, { dtsMs: 40 })
    w.writeFrame(0, [P_SLICE], 80, { dtsMs: 80 })
    await w.close()
    const run = runOf(parse(out).fragments[0]!, 1)!
    assert.deepEqual(
      run.samples.map((s) => s.compositionOffset),
      [3600, 7200, 0],
    )
  })

  it('drops frames whose timestamps do not move forward', async () => {
    const out = new MemoryOutput()
    const w = new FragmentedMp4Writer([AAC], out)
    assert.equal(w.writeFrame(0, hex('21'), 0), true)
    assert.equal(w.writeFrame(0, hex('21'), 0), false)
    assert.equal(w.writeFrame(0, hex('21'), -5), false)
    assert.equal(w.writeFrame(0, hex('21'), AAC_FRAME_MS), true)
    await w.close()
    assert.deepEqual(w.trackStats(0), { framesWritten: 2, framesDropped: 2 })
  })

  it('closes once, refuses frames after close, and writes just the init segment when no frame came', async () => {
    const out = new MemoryOutput()
    const w = new FragmentedMp4Writer([VIDEO], out)
    await Promise.all([w.close(), w.close()])
    await w.close()
    assert.equal(out.closed, 1)
    assert.deepEqual(parse(out).types, ['ftyp', 'moov'])
    assert.throws(
      () => w.writeFrame(0, [IDR], 0),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_MP4_CLOSED',
    )
  })

  it('refuses tracks it cannot write with a ConfigError', () => {
    const out = new MemoryOutput()
    const code = (c: string) => (e: unknown) => e instanceof ConfigError && e.code === c
    assert.throws(() => new FragmentedMp4Writer([], out), code('ERR_MP4_NO_TRACKS'))
    assert.throws(() => new FragmentedMp4Writer([{ kind: 'video', codec: 'jpeg', width: 320, height: 240 }], out), code('ERR_MP4_CODEC'))
    assert.throws(
      () => new FragmentedMp4Writer([{ kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 2 }], out),
      code('ERR_MP4_TRACK_CONFIG'),
    )
    assert.throws(() => new FragmentedMp4Writer([VIDEO], out, { fragmentDurationMs: 0 }), code('ERR_MP4_OPTION'))
    assert.throws(() => new FragmentedMp4Writer([VIDEO], out).writeFrame(3, [IDR], 0), code('ERR_MP4_TRACK'))
  })
})
