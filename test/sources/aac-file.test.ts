import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, StateError } from '../../src/errors.js'
import { AacFileSource, loadAacFile } from '../../src/sources/aac-file.js'
import { ffprobePackets, makeTone, tempDir } from '../helpers/audio-interop.js'

function configError(message: string | RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`)
    if (typeof message === 'string') assert.equal(e.message, message)
    else assert.match(e.message, message)
    assert.ok(!e.message.includes('\n'), 'one line')
    return true
  }
}

interface Push {
  track: number
  frame: Buffer
  ptsMs: number
}

/** Starts `source`, collects `count` pushes (or what arrived within `timeoutMs`), stops it. */
async function collect(source: AacFileSource, count: number, timeoutMs = 5000): Promise<Push[]> {
  const pushes: Push[] = []
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    source.start((track, frame, ptsMs) => {
      pushes.push({ track, frame: frame as Buffer, ptsMs })
      if (pushes.length === count) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  source.stop()
  return pushes
}

describe('AacFileSource', () => {
  let fx: ReturnType<typeof tempDir>
  let tone: string
  let short: string
  before(() => {
    fx = tempDir('aac-file')
    tone = makeTone(join(fx.dir, 'tone.aac'), { rate: 48000, channels: 2, seconds: 1 }, ['-c:a', 'aac', '-f', 'adts'])
    short = makeTone(join(fx.dir, 'short.aac'), { rate: 44100, channels: 1, seconds: 0.05 }, ['-c:a', 'aac', '-f', 'adts'])
  })
  after(() => fx.cleanup())

  it('loads every AU of an ADTS file with the stream config', () => {
    const f = loadAacFile(tone)
    const probed = ffprobePackets(tone)
    assert.equal(f.aus.length, probed.length)
    assert.deepEqual(
      f.aus.map((a) => a.length),
      probed.map((p) => p.length - 7),
    )
    assert.equal(f.config.toString('hex'), '1190')
    assert.deepEqual([f.sampleRate, f.channels, f.frameLength], [48000, 2, 1024])
    assert.equal(loadAacFile(short).config.toString('hex'), '1208')
  })

  it('describes one AAC track', () => {
    const s = new AacFileSource(tone)
    assert.deepEqual(s.tracks, [{ kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 2, config: Buffer.from('1190', 'hex') }])
    const n = loadAacFile(tone).aus.length
    assert.equal(s.description, `tone.aac (AAC-LC 48000 Hz stereo, ${((n * 1024) / 48000).toFixed(1)} s, looping)`)
  })

  it('pushes one AU per 1024 samples in real time, presentation times advancing by 1024 / 48 ms', async () => {
    const aus = loadAacFile(tone).aus
    const start = performance.now()
    const pushes = await collect(new AacFileSource(tone), 10)
    const elapsed = performance.now() - start
    assert.equal(pushes.length, 10)
    assert.ok(elapsed >= 9 * (1024 / 48) - 5, `10 AUs took ${elapsed.toFixed(1)} ms`)
    pushes.forEach((p, i) => {
      assert.equal(p.track, 0)
      assert.deepEqual(p.frame, aus[i])
      assert.ok(Math.abs(p.ptsMs - (i * 1024) / 48) < 1e-6)
    })
  })

  it('loops with presentation times that keep growing, or stops at the end', async () => {
    const aus = loadAacFile(short).aus
    const looping = await collect(new AacFileSource(short), aus.length + 3)
    assert.deepEqual(
      looping.map((p) => p.frame),
      [...aus, ...aus.slice(0, 3)],
    )
    looping.forEach((p, i) => assert.ok(Math.abs(p.ptsMs - (i * 1024 * 1000) / 44100) < 1e-6))

    const once = new AacFileSource(short, { loop: false })
    assert.ok(!once.description.includes('looping'))
    const pushes = await collect(once, aus.length + 3, 40 * aus.length + 300)
    assert.equal(pushes.length, aus.length)
    assert.equal(once.running, false)
  })

  it('refuses a second start and stops idempotently', () => {
    const s = new AacFileSource(tone)
    s.start(() => undefined)
    assert.throws(() => s.start(() => undefined), StateError)
    s.stop()
    s.stop()
    assert.equal(s.running, false)
  })

  it('reports missing and unreadable files in one line', () => {
    const missing = join(fx.dir, 'nope.aac')
    assert.throws(() => new AacFileSource(missing), configError(`cannot read ${missing}: no such file`))
    const dir = join(fx.dir, 'adir.aac')
    mkdirSync(dir)
    assert.throws(() => loadAacFile(dir), configError(`cannot read ${dir}: is a directory`))
  })

  it('reports files that are not ADTS AAC in one line', () => {
    const text = join(fx.dir, 'x.aac')
    writeFileSync(text, 'not audio\n')
    assert.throws(() => loadAacFile(text), configError(`${text} is not an AAC ADTS stream: no ADTS sync word at offset 0`))
    const empty = join(fx.dir, 'empty.aac')
    writeFileSync(empty, '')
    assert.throws(() => loadAacFile(empty), configError(`${empty} is not an AAC ADTS stream: no ADTS frame`))
    const cut = join(fx.dir, 'cut.aac')
    const data = readFileSync(tone)
    writeFileSync(cut, data.subarray(0, data.length - 3))
    assert.throws(
      () => loadAacFile(cut),
      configError(/^.*cut\.aac is not an AAC ADTS stream: ADTS frame at offset \d+ needs \d+ bytes, \d+ left$/),
    )
    const mp3ish = join(fx.dir, 'mp3.aac')
    writeFileSync(mp3ish, Buffer.from('fffb9064000000000000', 'hex'))
    assert.throws(() => loadAacFile(mp3ish), configError(/ADTS layer 1 at offset 0 is not 0 \(MPEG audio, not AAC\?\)$/))
  })
})
