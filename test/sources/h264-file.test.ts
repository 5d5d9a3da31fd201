import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, StateError } from '../../src/errors.js'
import { joinAnnexB, splitAnnexB } from '../../src/codecs/h264/annexb.js'
import { NalType, nalType } from '../../src/codecs/h264/nal.js'
import { H264FileSource, loadH264File } from '../../src/sources/h264-file.js'
import { makeClip, stripVui, tempDir } from '../codecs/h264/fixtures.js'

function configError(message: string | RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`)
    if (typeof message === 'string') assert.equal(e.message, message)
    else assert.match(e.message, message)
    assert.ok(!e.message.includes('\n'), 'one line')
    return true
  }
}

describe('loadH264File', () => {
  let fx: ReturnType<typeof tempDir>
  let clip: string
  before(() => {
    fx = tempDir('h264-file')
    clip = makeClip(fx.dir, 'clip.264', { frames: 50, rate: 25, args: ['-profile:v', 'baseline', '-g', '25'] })
  })
  after(() => fx.cleanup())

  it('splits an x264 file into one access unit per frame with the SPS frame rate', () => {
    const f = loadH264File(clip)
    assert.equal(f.accessUnits.length, 50)
    assert.equal(f.fps, 25)
    assert.deepEqual([f.spsInfo.width, f.spsInfo.height, f.spsInfo.profileIdc], [320, 240, 66])
    assert.equal(nalType(f.sps), NalType.SPS)
    assert.equal(nalType(f.pps), NalType.PPS)
    assert.equal(f.accessUnits[0]!.keyframe, true)
    assert.deepEqual(
      f.accessUnits.flatMap((au, i) => (au.keyframe ? [i] : [])),
      [0, 25],
    )
    // Together the access units are the whole file.
    assert.deepEqual(joinAnnexB(f.accessUnits.flatMap((au) => au.nalus)), joinAnnexB(splitAnnexB(readFileSync(clip))))
  })

  it('lets the fps option override the SPS', () => {
    assert.equal(loadH264File(clip, { fps: 10 }).fps, 10)
    assert.throws(() => loadH264File(clip, { fps: 0 }), configError(/frame rate 0 from the fps option/))
    assert.throws(() => loadH264File(clip, { fps: Number.NaN }), ConfigError)
  })

  it('drops access units before the first IDR', () => {
    const nalus = splitAnnexB(readFileSync(clip))
    const firstP = nalus.findIndex((n) => nalType(n) === NalType.SLICE)
    const path = join(fx.dir, 'cut.264')
    // SPS, PPS, then the stream from the first P frame on: P frames until the IDR at frame 25.
    writeFileSync(path, joinAnnexB([nalus[0]!, nalus[1]!, ...nalus.slice(firstP)]))
    const f = loadH264File(path)
    assert.equal(f.accessUnits[0]!.keyframe, true)
    assert.equal(f.accessUnits.length, 25)
  })

  it('reports a missing file in one line', () => {
    const missing = join(fx.dir, 'nope.264')
    assert.throws(() => loadH264File(missing), configError(`cannot read ${missing}: no such file`))
    assert.throws(() => loadH264File(fx.dir), configError(`cannot read ${fx.dir}: is a directory`))
  })

  it('reports files that are not H.264 Annex-B', () => {
    const text = join(fx.dir, 'clip.txt')
    writeFileSync(text, 'hello, this is not video\n')
    assert.throws(() => loadH264File(text), configError(`${text} is not an H.264 Annex-B stream (no start code)`))
    const empty = join(fx.dir, 'empty.264')
    writeFileSync(empty, '')
    assert.throws(() => loadH264File(empty), configError(`${empty} is not an H.264 Annex-B stream (no SPS)`))
    const noSps = join(fx.dir, 'nosps.264')
    writeFileSync(noSps, joinAnnexB(splitAnnexB(readFileSync(clip)).filter((n) => nalType(n) !== NalType.SPS)))
    assert.throws(() => loadH264File(noSps), configError(`${noSps} is not an H.264 Annex-B stream (no SPS)`))
  })

  it('asks for --fps when the SPS has no timing', () => {
    const nalus = splitAnnexB(readFileSync(clip)).map((n) => (nalType(n) === NalType.SPS ? stripVui(n) : n))
    const path = join(fx.dir, 'clip-novui.264')
    writeFileSync(path, joinAnnexB(nalus))
    assert.throws(() => loadH264File(path), configError(`${path} has no frame rate in its SPS; pass --fps N`))
    const f = loadH264File(path, { fps: 25 })
    assert.equal(f.fps, 25)
    assert.equal(f.spsInfo.fps, undefined)
    assert.equal(f.spsInfo.width, 320)
  })
})

describe('H264FileSource', () => {
  let fx: ReturnType<typeof tempDir>
  let clip: string
  before(() => {
    fx = tempDir('h264-source')
    clip = makeClip(fx.dir, 'short.264', { frames: 5, args: ['-g', '5'] })
  })
  after(() => fx.cleanup())

  function collect(source: H264FileSource, count: number): Promise<{ nalus: Buffer[]; ptsMs: number; keyframe: boolean }[]> {
    return new Promise((resolve) => {
      const got: { nalus: Buffer[]; ptsMs: number; keyframe: boolean }[] = []
      source.start((nalus, ptsMs, keyframe) => {
        got.push({ nalus, ptsMs, keyframe })
        if (got.length === count) {
          source.stop()
          resolve(got)
        }
      })
    })
  }

  it('plays the access units in order, looping, with increasing pts', async () => {
    const source = new H264FileSource(clip, { fps: 200 })
    assert.equal(source.fps, 200)
    assert.equal(source.spsInfo.width, 320)
    assert.equal(nalType(source.sps), NalType.SPS)
    assert.equal(nalType(source.pps), NalType.PPS)
    const got = await collect(source, 12)
    assert.deepEqual(
      got.map((g) => g.keyframe),
      [true, false, false, false, false, true, false, false, false, false, true, false],
    )
    // pts follow the pacer: multiples of 5 ms, increasing (a late timer may skip some, never go back).
    for (let i = 1; i < got.length; i++) assert.ok(got[i]!.ptsMs > got[i - 1]!.ptsMs, `pts ${i}`)
    for (const g of got) assert.equal(g.ptsMs % 5, 0)
    const file = loadH264File(clip)
    assert.deepEqual(got[6]!.nalus, file.accessUnits[1]!.nalus)
    assert.equal(source.running, false)
  })

  it('resumes after stop with pts continuing, and refuses a second start', async () => {
    const source = new H264FileSource(clip, { fps: 200 })
    const first = await collect(source, 2)
    const second = await collect(source, 2)
    assert.ok(second[0]!.ptsMs > first[1]!.ptsMs)
    assert.equal(second[0]!.keyframe, false) // the third access unit
    source.start(() => {})
    assert.throws(() => source.start(() => {}), StateError)
    source.stop()
    source.stop() // idempotent
  })

  it('stops by itself at the end when loop is false', async () => {
    const source = new H264FileSource(clip, { fps: 200, loop: false })
    let count = 0
    source.start(() => {
      count++
    })
    const deadline = Date.now() + 5000
    while (source.running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    assert.equal(source.running, false)
    await new Promise((r) => setTimeout(r, 30))
    assert.equal(count, 5)
  })

  it('throws ConfigError from the constructor', () => {
    assert.throws(() => new H264FileSource(join(fx.dir, 'missing.264')), ConfigError)
  })
})
