import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { splitAnnexB } from '../../src/codecs/h264/annexb.js'
import { splitAccessUnits } from '../../src/codecs/h264/access-unit.js'
import { splitH265AccessUnits } from '../../src/codecs/h265/access-unit.js'
import { ConfigError, ParseError, RtspkitError, StateError } from '../../src/errors.js'
import { bufferByteSource } from '../../src/formats/mp4/byte-source.js'
import { demuxMp4, type Mp4Track } from '../../src/formats/mp4/demuxer.js'
import { splitLengthPrefixed } from '../../src/formats/mp4/length-prefixed.js'
import { openInputSource } from '../../src/sources/input-source.js'
import { Mp4FileSource } from '../../src/sources/mp4-file.js'
import { lengthPrefixed, minimalMovie } from '../formats/mp4/build.js'
import { tempDir } from '../codecs/h264/fixtures.js'
import { h264AacMp4, mp4File, run } from '../interop/harness.js'

/** ffprobe's packet count per stream type. */
async function probeCounts(file: string): Promise<Record<string, number>> {
  const r = await run('ffprobe', [
    '-v',
    'error',
    '-count_packets',
    '-show_entries',
    'stream=codec_type,nb_read_packets',
    '-of',
    'json',
    file,
  ])
  const streams = (JSON.parse(r.stdout) as { streams: { codec_type: string; nb_read_packets: string }[] }).streams
  return Object.fromEntries(streams.map((s) => [s.codec_type, Number(s.nb_read_packets)]))
}

/** ffmpeg's own MP4 → Annex-B conversion of the video track, as NAL units. */
async function ffmpegAnnexB(file: string, codec: 'h264' | 'hevc'): Promise<Buffer[]> {
  const out = `${file}.${process.pid}.annexb`
  const r = await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    file,
    '-map',
    '0:v:0',
    '-c:v',
    'copy',
    '-bsf:v',
    `${codec}_mp4toannexb`,
    '-f',
    codec,
    out,
  ])
  assert.equal(r.code, 0, r.stderr)
  return splitAnnexB(readFileSync(out))
}

const h264Params = (n: Buffer) => (n[0]! & 0x1f) === 7 || (n[0]! & 0x1f) === 8
/** VPS, SPS, PPS, and prefix SEI: x265 stores its version SEI in hvcC, which hevc_mp4toannexb prepends. */
const h265Params = (n: Buffer) => [32, 33, 34, 39].includes((n[0]! >> 1) & 0x3f)

/** The video samples of a track as NAL units, read from the file bytes. */
function sampleNalus(bytes: Buffer, t: Mp4Track): Buffer[][] {
  const e = t.entry
  const lengthSize = e.codec === 'h264' || e.codec === 'h265' ? e.lengthSize : undefined
  if (lengthSize === undefined) throw new TypeError('not video')
  return t.samples.offset.map((off, i) => splitLengthPrefixed(bytes.subarray(off, off + t.samples.size[i]!), lengthSize))
}

describe('MP4 demuxing of ffmpeg files', () => {
  const files: Record<string, string> = {}
  before(async () => {
    const [plain, faststart, fragmented, hevc] = await Promise.all([
      h264AacMp4(),
      h264AacMp4('faststart'),
      h264AacMp4('frag_keyframe+empty_moov'),
      mp4File('testsrc-320x240-25fps-2s-hevc.mp4', [
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=320x240:rate=25',
        '-t',
        '2',
        '-pix_fmt',
        'yuv420p',
        '-c:v',
        'libx265',
        '-x265-params',
        'log-level=error:keyint=25',
        '-tag:v',
        'hvc1',
      ]),
    ])
    Object.assign(files, { plain, faststart, fragmented, hevc })
  })

  for (const name of ['plain', 'faststart', 'fragmented'] as const) {
    it(`${name} H.264+AAC: sample counts match ffprobe, access units match h264_mp4toannexb`, async () => {
      const file = files[name]!
      const bytes = readFileSync(file)
      const movie = demuxMp4(bufferByteSource(bytes))
      assert.equal(movie.fragmented, name === 'fragmented')
      const [video, audio] = movie.tracks
      assert.deepEqual([video!.entry.codec, audio!.entry.codec], ['h264', 'aac'])
      assert.deepEqual(await probeCounts(file), { video: video!.samples.count, audio: audio!.samples.count })
      assert.equal(video!.samples.count, 75)
      const ours = sampleNalus(bytes, video!)
      const theirs = splitAccessUnits(await ffmpegAnnexB(file, 'h264'))
      assert.equal(theirs.length, ours.length)
      // ffmpeg inserts SPS/PPS before keyframes; everything else is the same bytes in the same units.
      assert.deepEqual(
        ours.map((au) => au.filter((n) => !h264Params(n))),
        theirs.map((au) => au.filter((n) => !h264Params(n))),
      )
      // B-frames: decode order differs from presentation order; keyframes every 25 frames.
      assert.ok(video!.samples.pts.some((p, i) => i > 0 && p < video!.samples.pts[i - 1]!))
      assert.deepEqual(
        video!.samples.keyframe.flatMap((k, i) => (k ? [i] : [])),
        [0, 25, 50],
      )
    })
  }

  it('H.265: sample counts match ffprobe, access units match hevc_mp4toannexb', async () => {
    const bytes = readFileSync(files.hevc!)
    const [video] = demuxMp4(bufferByteSource(bytes)).tracks
    assert.equal(video!.entry.codec, 'h265')
    assert.deepEqual(await probeCounts(files.hevc!), { video: video!.samples.count })
    const ours = sampleNalus(bytes, video!)
    const theirs = splitH265AccessUnits(await ffmpegAnnexB(files.hevc!, 'hevc'))
    assert.deepEqual(
      ours.map((au) => au.filter((n) => !h265Params(n))),
      theirs.map((au) => au.filter((n) => !h265Params(n))),
    )
  })

  it('raises only RtspkitError subclasses on mutated ffmpeg files (plain and fragmented)', () => {
    for (const name of ['faststart', 'fragmented'] as const) {
      const original = readFileSync(files[name]!)
      const head = Math.min(original.length, 4096) // the moov / first moof: where the parser works
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(head - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
          const buf = Buffer.from(original)
          for (const [at, value] of edits) buf[at] = value
          try {
            demuxMp4(bufferByteSource(buf))
          } catch (err) {
            assert.ok(err instanceof RtspkitError, `not an RtspkitError: ${String(err)}`)
          }
        }),
        { numRuns: 300 },
      )
    }
  })

  it('Mp4FileSource describes the tracks and gives parameter sets, size, rate and the AAC config', () => {
    const s = new Mp4FileSource(files.plain!, { memoryLimit: 0 }) // positional reads
    assert.match(s.description, /^testsrc-.*\.mp4 \(MP4: H\.264 320x240@25 \+ AAC 48000 Hz mono, 3\.0 s, looping\)$/)
    const [v, a] = s.tracks
    assert.ok(v?.kind === 'video' && v.sps && v.pps)
    assert.deepEqual([v.codec, v.width, v.height, v.fps], ['h264', 320, 240, 25])
    assert.ok(a?.kind === 'audio')
    assert.deepEqual([a.codec, a.sampleRate, a.channels, a.config?.toString('hex')], ['aac', 48000, 1, '118856e500'])
    s.stop()
  })

  it('plays video and audio interleaved in real time, B-frames in decode order with presentation times', async () => {
    for (const memoryLimit of [undefined, 0]) {
      const s = new Mp4FileSource(files.plain!, { memoryLimit })
      const pushed: { track: number; pts: number; frame: Buffer | Buffer[] }[] = []
      s.start((track, frame, pts) => pushed.push({ track, pts, frame }))
      await new Promise((r) => setTimeout(r, 450))
      s.stop()
      s.stop()
      const video = pushed.filter((p) => p.track === 0)
      const audio = pushed.filter((p) => p.track === 1)
      assert.ok(video.length >= 8 && video.length <= 16, `${video.length} video frames in 450 ms`)
      assert.ok(audio.length >= 15 && audio.length <= 30, `${audio.length} audio frames in 450 ms`)
      assert.ok(Array.isArray(video[0]!.frame) && video[0]!.frame.some((n) => (n[0]! & 0x1f) === 5), 'starts with an IDR picture')
      // Presentation times: the first picture at 80 ms (two B-frame delays before the origin), then 40 ms steps out of order.
      assert.deepEqual(
        video.slice(0, 4).map((p) => p.pts),
        [80, 200, 120, 160],
      )
      assert.ok(audio.every((p, i) => i === 0 || p.pts > audio[i - 1]!.pts))
      assert.equal(s.skippedSamples, 0)
    }
  })

  it('keeps times growing across loops and stop/start, and respects wanted()', async () => {
    const fx = tempDir('mp4-loop')
    try {
      const file = join(fx.dir, 'tiny.mp4')
      const idr = lengthPrefixed(Buffer.from([0x65, 0x88, 0x84, 0x00]))
      const p = lengthPrefixed(Buffer.from([0x41, 0x9a, 0x02]))
      writeFileSync(file, minimalMovie({ samples: [idr, p, p], delta: 40, sync: [1] }))
      const s = new Mp4FileSource(file)
      const pts: number[] = []
      s.start((_t, _f, ms) => pts.push(ms))
      assert.throws(() => s.start(() => {}), StateError)
      await new Promise((r) => setTimeout(r, 300))
      s.stop()
      const before = pts.length
      await new Promise((r) => setTimeout(r, 100))
      assert.equal(pts.length, before, 'nothing after stop')
      s.start((_t, _f, ms) => pts.push(ms))
      await new Promise((r) => setTimeout(r, 100))
      s.stop()
      assert.ok(pts.length >= 8, `${pts.length} frames`)
      assert.deepEqual(
        pts,
        pts.map((_, i) => i * 40),
        'one 120 ms pass after another',
      )

      const quiet = new Mp4FileSource(file)
      let pushes = 0
      quiet.start(
        () => pushes++,
        () => false,
      )
      await new Promise((r) => setTimeout(r, 100))
      quiet.stop()
      assert.equal(pushes, 0)

      // Played once through openInputSource (rtspkit rtp send): three frames, then done.
      const once = openInputSource(file)
      const frames: number[] = []
      once.start((_t, _f, ms) => frames.push(ms))
      await once.done
      once.stop()
      assert.deepEqual(frames, [0, 40, 80])
    } finally {
      fx.cleanup()
    }
  })
})

describe('MP4 file errors', () => {
  let fx: ReturnType<typeof tempDir>
  before(() => (fx = tempDir('mp4-errors')))
  after(() => fx.cleanup())

  const oneLine = (cls: typeof ParseError | typeof ConfigError, re: RegExp) => (e: unknown) => {
    assert.ok(e instanceof cls, `not a ${cls.name}: ${String(e)}`)
    assert.match(e.message, re)
    assert.ok(!e.message.includes('\n'))
    return true
  }

  it('names a file that is not an MP4, a truncated one and a missing one', async () => {
    const text = join(fx.dir, 'notes.mp4')
    writeFileSync(text, 'hello, this is not video\n')
    assert.throws(() => new Mp4FileSource(text), oneLine(ParseError, /notes\.mp4: not an MP4 file/))
    const cut = join(fx.dir, 'cut.mp4')
    const full = readFileSync(await h264AacMp4('faststart'))
    writeFileSync(cut, full.subarray(0, 2000)) // inside the moov
    assert.throws(() => new Mp4FileSource(cut), oneLine(ParseError, /cut\.mp4: MP4 'moov' box .* the file is truncated/))
    assert.throws(() => new Mp4FileSource(join(fx.dir, 'nope.mp4')), oneLine(ConfigError, /cannot read .*nope\.mp4: no such file/))
  })

  it('names the codecs of a file with no playable track', async () => {
    const file = await mp4File('mpeg4-ac3.mp4', [
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=10',
      '-f',
      'lavfi',
      '-i',
      'sine',
      '-t',
      '0.5',
      '-c:v',
      'mpeg4',
      '-c:a',
      'ac3',
    ])
    assert.throws(
      () => new Mp4FileSource(file),
      oneLine(ConfigError, /has no track rtspkit can play \(found mp4v \(MPEG-4 Part 2\), ac-3 \(Dolby Digital\)\)/),
    )
  })
})
