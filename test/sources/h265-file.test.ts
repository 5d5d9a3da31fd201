import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { ConfigError, StateError } from '../../src/errors.js'
import { joinAnnexB, splitAnnexB } from '../../src/codecs/h264/annexb.js'
import { H265NalType, isIrapType, nalType } from '../../src/codecs/h265/nal.js'
import { H265FileSource, loadH265File } from '../../src/sources/h265-file.js'
import type { MediaSource } from '../../src/sources/source.js'
import { makeH265Clip, tempDir } from '../codecs/h265/fixtures.js'

function configError(message: string | RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`)
    if (typeof message === 'string') assert.equal(e.message, message)
    else assert.match(e.message, message)
    assert.ok(!e.message.includes('\n'), 'one line')
    return true
  }
}

describe('loadH265File', () => {
  let fx: ReturnType<typeof tempDir>
  let clip: string
  before(() => {
    fx = tempDir('h265-file')
    clip = makeH265Clip(fx.dir, 'clip.265', { size: '640x360', rate: 25, frames: 50, x265: 'keyint=25' })
  })
  after(() => fx.cleanup())

  it('splits an x265 file into one access unit per frame with the SPS frame rate', () => {
    const f = loadH265File(clip)
    assert.equal(f.accessUnits.length, 50)
    assert.equal(f.fps, 25)
    assert.deepEqual([f.spsInfo.width, f.spsInfo.height, f.spsInfo.profileTierLevel.profileIdc], [640, 360, 1])
    assert.deepEqual([nalType(f.vps), nalType(f.sps), nalType(f.pps)], [H265NalType.VPS, H265NalType.SPS, H265NalType.PPS])
    assert.deepEqual(
      f.accessUnits.flatMap((au, i) => (au.keyframe ? [i] : [])),
      [0, 25],
    )
    // Together the access units are the whole file.
    assert.deepEqual(joinAnnexB(f.accessUnits.flatMap((au) => au.nalus)), joinAnnexB(splitAnnexB(readFileSync(clip))))
  })

  it('lets the fps option override the SPS', () => {
    assert.equal(loadH265File(clip, { fps: 10 }).fps, 10)
    assert.throws(() => loadH265File(clip, { fps: 0 }), configError(/frame rate 0 from the fps option/))
    assert.throws(() => loadH265File(clip, { fps: 5000 }), ConfigError)
    assert.throws(() => loadH265File(clip, { fps: Number.NaN }), ConfigError)
  })

  it('drops access units before the first IRAP picture', () => {
    const nalus = splitAnnexB(readFileSync(clip))
    const firstTrail = nalus.findIndex((n) => nalType(n) <= 9)
    const path = join(fx.dir, 'cut.265')
    // VPS, SPS, PPS, then the stream from the first non-IRAP picture on: until the CRA at frame 25.
    writeFileSync(path, joinAnnexB([nalus[0]!, nalus[1]!, nalus[2]!, ...nalus.slice(firstTrail)]))
    const f = loadH265File(path)
    assert.equal(f.accessUnits[0]!.keyframe, true)
    assert.ok(f.accessUnits[0]!.nalus.some((n) => isIrapType(nalType(n))))
    assert.equal(f.accessUnits.length, 25)
  })

  it('reports a missing file in one line', () => {
    const missing = join(fx.dir, 'nope.265')
    assert.throws(() => loadH265File(missing), configError(`cannot read ${missing}: no such file`))
    assert.throws(() => loadH265File(fx.dir), configError(`cannot read ${fx.dir}: is a directory`))
  })

  it('reports files that are not H.265 Annex-B, or lack a parameter set or pictures', () => {
    const text = join(fx.dir, 'clip.txt')
    writeFileSync(text, 'hello, this is not video\n')
    assert.throws(() => loadH265File(text), configError(`${text} is not an H.265 Annex-B stream (no start code)`))
    const empty = join(fx.dir, 'empty.265')
    writeFileSync(empty, '')
    assert.throws(() => loadH265File(empty), configError(`${empty} is not an H.265 Annex-B stream (no SPS)`))
    const nalus = splitAnnexB(readFileSync(clip))
    const without = (type: number, name: string): string => {
      const path = join(fx.dir, name)
      writeFileSync(path, joinAnnexB(nalus.filter((n) => nalType(n) !== type)))
      return path
    }
    const noSps = without(H265NalType.SPS, 'nosps.265')
    assert.throws(() => loadH265File(noSps), configError(`${noSps} is not an H.265 Annex-B stream (no SPS)`))
    const noVps = without(H265NalType.VPS, 'novps.265')
    assert.throws(() => loadH265File(noVps), configError(`${noVps} has an SPS but no VPS`))
    const noPps = without(H265NalType.PPS, 'nopps.265')
    assert.throws(() => loadH265File(noPps), configError(`${noPps} has an SPS but no PPS`))
    const headersOnly = join(fx.dir, 'headers.265')
    writeFileSync(headersOnly, joinAnnexB(nalus.slice(0, 3)))
    assert.throws(() => loadH265File(headersOnly), configError(`${headersOnly} has no coded pictures`))
    const badSps = join(fx.dir, 'badsps.265')
    writeFileSync(badSps, joinAnnexB(nalus.map((n) => (nalType(n) === H265NalType.SPS ? n.subarray(0, 12) : n))))
    assert.throws(() => loadH265File(badSps), configError(new RegExp(`^${badSps} has a malformed H\\.265 stream: `)))
  })

  it('asks for --fps when the SPS has no timing', () => {
    const path = makeH265Clip(fx.dir, 'clip-novui.265', { frames: 5, x265: 'vui-timing-info=0' })
    assert.throws(() => loadH265File(path), configError(`${path} has no frame rate in its SPS; pass --fps N`))
    const f = loadH265File(path, { fps: 25 })
    assert.equal(f.fps, 25)
    assert.equal(f.spsInfo.fps, undefined)
    assert.equal(f.spsInfo.width, 320)
  })
})

describe('H265FileSource', () => {
  let fx: ReturnType<typeof tempDir>
  let clip: string
  before(() => {
    fx = tempDir('h265-source')
    clip = makeH265Clip(fx.dir, 'short.265', { frames: 5, x265: 'keyint=5:bframes=0' })
  })
  after(() => fx.cleanup())

  interface Got {
    track: number
    nalus: Buffer[]
    ptsMs: number
  }

  function collect(source: MediaSource, count: number): Promise<Got[]> {
    return new Promise((resolve) => {
      const got: Got[] = []
      source.start((track, frame, ptsMs) => {
        assert.ok(Array.isArray(frame))
        got.push({ track, nalus: frame, ptsMs })
        if (got.length === count) {
          source.stop()
          resolve(got)
        }
      })
    })
  }

  it('is a MediaSource with one H.265 video track', () => {
    const source = new H265FileSource(clip, { fps: 200 })
    assert.deepEqual(source.tracks, [
      { kind: 'video', codec: 'h265', width: 320, height: 240, fps: 200, vps: source.vps, sps: source.sps, pps: source.pps },
    ])
    assert.equal(source.description, `${basename(clip)} (H.265 320x240@200, looping)`)
    assert.equal(new H265FileSource(clip, { loop: false }).description, `${basename(clip)} (H.265 320x240@25, once)`)
  })

  it('plays the access units in order, looping, with increasing pts', async () => {
    const source = new H265FileSource(clip, { fps: 200 })
    const got = await collect(source, 12)
    const file = loadH265File(clip)
    assert.ok(got.every((g) => g.track === 0))
    assert.deepEqual(
      got.map((g) => g.nalus.some((n) => isIrapType(nalType(n)))),
      [true, false, false, false, false, true, false, false, false, false, true, false],
    )
    // pts follow the pacer: multiples of 5 ms, increasing (a late timer may skip some, never go back).
    for (let i = 1; i < got.length; i++) assert.ok(got[i]!.ptsMs > got[i - 1]!.ptsMs, `pts ${i}`)
    for (const g of got) assert.equal(g.ptsMs % 5, 0)
    assert.deepEqual(got[6]!.nalus, file.accessUnits[1]!.nalus)
    assert.equal(source.running, false)
  })

  it('resumes after stop with pts continuing, and refuses a second start', async () => {
    const source = new H265FileSource(clip, { fps: 200 })
    const first = await collect(source, 2)
    const second = await collect(source, 2)
    assert.ok(second[0]!.ptsMs > first[1]!.ptsMs)
    assert.deepEqual(second[0]!.nalus, loadH265File(clip).accessUnits[2]!.nalus) // the third access unit
    source.start(() => {})
    assert.throws(
      () => source.start(() => {}),
      (e: unknown) => e instanceof StateError && e.message === 'H.265 file source is already started',
    )
    source.stop()
    source.stop() // idempotent
  })

  it('stops by itself at the end when loop is false', async () => {
    const source = new H265FileSource(clip, { fps: 200, loop: false })
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
    assert.throws(() => new H265FileSource(join(fx.dir, 'missing.265')), ConfigError)
  })
})
