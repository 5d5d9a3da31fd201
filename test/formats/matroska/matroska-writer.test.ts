// The Matroska recorder's writer: MJPEG (which MP4 cannot hold) and H.264 + AAC files that ffprobe and
// ffmpeg decode frame for frame; a file cut after any cluster still plays; our reader agrees on times.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MatroskaWriter } from '../../../src/formats/matroska/matroska-writer.js'
import { matroskaBlocks, matroskaDurationMs } from '../../../src/formats/matroska/matroska-reader.js'
import { element, readElementHeader, vintSize } from '../../../src/formats/matroska/ebml.js'
import type { Mp4Output } from '../../../src/formats/mp4/fragmented-mp4-writer.js'
import { tempDir } from '../../helpers/audio-interop.js'
import { h264File } from '../../interop/harness.js'
import { h264Clip } from '../mp4/probe.js'

function memoryOutput(): Mp4Output & { chunks: Buffer[] } {
  const chunks: Buffer[] = []
  return { chunks, write: (b) => void chunks.push(Buffer.from(b)), close: () => Promise.resolve() }
}

function decoded(file: string): { frames: number; errors: string } {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', file],
    { encoding: 'utf8' },
  )
  const d = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' })
  return { frames: Number(/nb_read_frames=(\d+)/.exec(r.stdout)?.[1]), errors: `${r.stderr}${d.stderr}`.trim() }
}

describe('EBML', () => {
  it('sizes: shortest VINT, never the reserved all-ones value', () => {
    assert.deepEqual([...vintSize(0)], [0x80])
    assert.deepEqual([...vintSize(126)], [0xfe])
    assert.deepEqual([...vintSize(127)], [0x40, 0x7f]) // 0xff would mean "unknown"
    assert.deepEqual([...vintSize(300)], [0x41, 0x2c])
    const e = element(0x1a45dfa3, Buffer.from('ab'))
    assert.deepEqual(readElementHeader(e, 0), { id: 0x1a45dfa3, dataStart: 5, size: 2 })
    assert.equal(readElementHeader(e.subarray(0, 3), 0), undefined)
  })
})

describe('MatroskaWriter', () => {
  const tmp = tempDir('mkv')
  let jpegs: Buffer[] = []
  before(() => {
    const r = spawnSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=10',
      '-frames:v',
      '30',
      path.join(tmp.dir, 'f%03d.jpg'),
    ])
    assert.equal(r.status, 0, String(r.stderr))
    jpegs = readdirSync(tmp.dir)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .map((f) => readFileSync(path.join(tmp.dir, f)))
  })
  after(() => tmp.cleanup())

  it('MJPEG: every image decodes; clusters of at most 1 s; a file cut after any cluster plays', async () => {
    const out = memoryOutput()
    const w = new MatroskaWriter([{ kind: 'video', codec: 'jpeg', width: 160, height: 120 }], out, { maxFragmentDurationMs: 1000 })
    // The first frame is written at once, with the header.
    assert.equal(w.writeFrame(0, jpegs[0]!, 0), true)
    assert.equal(out.chunks.length, 1)
    jpegs.slice(1).forEach((j, i) => w.writeFrame(0, j, (i + 1) * 100))
    await w.close()
    await w.close()
    const file = path.join(tmp.dir, 'mjpeg.mkv')
    writeFileSync(file, Buffer.concat(out.chunks))
    assert.deepEqual(decoded(file), { frames: 30, errors: '' })
    const blocks = matroskaBlocks(readFileSync(file))
    assert.deepEqual(
      blocks.map((b) => b.ms),
      jpegs.map((_, i) => i * 100),
    )
    assert.equal(matroskaDurationMs(file), 3000)
    // Every write is a cluster (after the first, which also carries the header): 1 + ceil(29 frames / 10).
    assert.ok(out.chunks.length >= 4, `${out.chunks.length} writes`)
    for (let n = 1; n < out.chunks.length; n++) {
      const cut = path.join(tmp.dir, `cut${n}.mkv`)
      writeFileSync(cut, Buffer.concat(out.chunks.slice(0, n)))
      const d = decoded(cut)
      assert.equal(d.errors, '', `cut after ${n} writes`)
      assert.equal(d.frames, matroskaBlocks(readFileSync(cut)).length)
    }
  })

  it('H.264 with parameter sets learned in-band, clusters at every keyframe', async () => {
    const clip = h264Clip(await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 10 }))
    const out = memoryOutput()
    const w = new MatroskaWriter([{ kind: 'video', codec: 'h264' }], out, { maxFragmentDurationMs: 1000 })
    clip.frames.forEach((f, i) => w.writeFrame(0, f.nalus, i * 40))
    await w.close()
    const file = path.join(tmp.dir, 'h264.mkv')
    writeFileSync(file, Buffer.concat(out.chunks))
    assert.deepEqual(decoded(file), { frames: clip.frames.length, errors: '' })
    const blocks = matroskaBlocks(readFileSync(file))
    assert.deepEqual(
      blocks.map((b) => b.keyframe),
      clip.frames.map((f) => f.keyframe),
    )
    // 50 frames with a keyframe every 10: the first frame alone, then one cluster per GOP.
    assert.equal(out.chunks.length, 1 + clip.frames.filter((f) => f.keyframe).length)
  })

  it('refuses a codec without Matroska hooks', () => {
    assert.throws(() => new MatroskaWriter([{ kind: 'video', codec: 'av1' }], memoryOutput()), { code: 'ERR_MKV_CODEC' })
  })
})
