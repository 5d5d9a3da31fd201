import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RtspkitError } from '../../src/errors.js'
import { endWhenStopped, inputExtensions, openInputSource, playOnce, type SelfStoppingSource } from '../../src/sources/input-source.js'
import type { FramePush, MediaSource } from '../../src/sources/source.js'

/** Pushes `frames` frames synchronously on start, then stops itself unless it loops. */
class FakeFile implements SelfStoppingSource {
  readonly tracks = [{ kind: 'video' as const, codec: 'jpeg' as const }]
  readonly description = 'fake.mjpeg (MJPEG, looping)'
  running = false
  constructor(
    private readonly frames: number,
    private readonly loop: boolean,
  ) {}
  start(push: FramePush): void {
    this.running = true
    for (let i = 0; i < this.frames * (this.loop ? 2 : 1); i++) push(0, Buffer.from([i]), i * 40)
    if (!this.loop) this.running = false
  }
  stop(): void {
    this.running = false
  }
}

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false
  void p.then(() => (done = true))
  await new Promise((r) => setImmediate(r))
  await new Promise((r) => setImmediate(r))
  return done
}

describe('rtp send inputs', () => {
  it('test card forms', () => {
    const a = openInputSource('test')
    assert.deepEqual(a.tracks, [{ kind: 'video', codec: 'jpeg', width: 640, height: 480, fps: 25 }])
    const b = openInputSource('test:320x240@10')
    assert.equal(b.description, 'test card 320x240@10 (MJPEG)')
    const c = openInputSource('test@30', { width: 160, height: 120 })
    assert.deepEqual(c.tracks[0], { kind: 'video', codec: 'jpeg', width: 160, height: 120, fps: 30 })
  })

  it('unknown types and missing files are one-line ConfigErrors', () => {
    assert.throws(
      () => openInputSource('clip.mkv'),
      (e: RtspkitError) => e.code === 'ERR_RTP_INPUT' && /unknown input type "\.mkv"/.test(e.message) && !e.message.includes('\n'),
    )
    assert.throws(
      () => openInputSource('/nonexistent/clip.264'),
      (e: RtspkitError) => e.code === 'ERR_SOURCE_FILE' && /cannot read \/nonexistent\/clip\.264/.test(e.message),
    )
    assert.throws(
      () => openInputSource('file:/nonexistent/a.wav'),
      (e: RtspkitError) => e.code === 'ERR_SOURCE_FILE',
    )
    for (const ext of ['.264', '.h265', '.hevc', '.mjpeg', '.aac', '.wav']) assert.ok(inputExtensions().includes(ext), ext)
  })

  it('a file played once resolves done after its last frame; stop() by the user does not', async () => {
    const once = endWhenStopped(new FakeFile(3, false))
    const got: number[] = []
    once.start((_t, f) => got.push((f as Buffer)[0]!))
    assert.deepEqual(got, [0, 1, 2])
    assert.equal(await settled(once.done), true)

    const stopped = endWhenStopped(new FakeFile(3, true))
    stopped.start(() => {})
    stopped.stop()
    assert.equal(await settled(stopped.done), false)
  })

  it('playOnce ends a source that always loops after one pass', async () => {
    const looping: MediaSource = new FakeFile(4, true)
    const once = playOnce(looping, 4, false)
    assert.equal(once.description, 'fake.mjpeg (MJPEG)')
    const got: number[] = []
    once.start((_t, f) => got.push((f as Buffer)[0]!))
    assert.deepEqual(got, [0, 1, 2, 3])
    assert.equal(await settled(once.done), true)
    const forever = playOnce(new FakeFile(4, true), 4, true)
    const all: number[] = []
    forever.start((_t, f) => all.push((f as Buffer)[0]!))
    assert.equal(all.length, 8)
    assert.equal(await settled(forever.done), false)
  })
})
