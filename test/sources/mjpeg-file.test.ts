import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { encodeJpeg } from '../../src/codecs/jpeg/encoder.js'
import { MjpegFileSource, loadMjpegFile } from '../../src/sources/mjpeg-file.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-mjpeg-'))
const gray = (w: number, h: number, v: number) => encodeJpeg({ width: w, height: h, format: 'gray', data: new Uint8Array(w * h).fill(v) })
const frame = (jpeg: Buffer) => Buffer.concat([Buffer.from(String(jpeg.length).padStart(5, '0')), jpeg])

function write(name: string, data: Buffer): string {
  const f = path.join(dir, name)
  writeFileSync(f, data)
  return f
}

describe('MJPEG (5-digit length) files', () => {
  it('reads every frame, its size, and plays them in order, looping', async () => {
    const jpegs = [gray(32, 16, 10), gray(32, 16, 120), gray(32, 16, 240)]
    const file = write('ok.Mjpeg', Buffer.concat(jpegs.map(frame)))
    const m = loadMjpegFile(file)
    assert.equal(m.frames.length, 3)
    assert.deepEqual([m.width, m.height], [32, 16])
    assert.ok(m.frames.every((f, i) => f.equals(jpegs[i]!)))
    const src = new MjpegFileSource(file, { fps: 200 })
    assert.deepEqual(src.tracks[0], { kind: 'video', codec: 'jpeg', width: 32, height: 16, fps: 200 })
    const got: Buffer[] = []
    await new Promise<void>((resolve) => {
      src.start((track, f) => {
        assert.equal(track, 0)
        got.push(f as Buffer)
        if (got.length === 5) resolve()
      })
    })
    src.stop()
    assert.ok(got[3]!.equals(jpegs[0]!), 'loops back to the first frame')
  })

  it('defaults to the teaching server pace of 20 fps', () => {
    const src = new MjpegFileSource(write('pace.mjpeg', frame(gray(16, 16, 0))))
    assert.equal((src.tracks[0] as { fps: number }).fps, 20)
  })

  it('refuses bad files with one clear line', () => {
    assert.throws(() => loadMjpegFile(path.join(dir, 'missing.mjpeg')), /cannot read .*missing\.mjpeg: no such file/)
    assert.throws(() => loadMjpegFile(write('bad-len.mjpeg', Buffer.from('12a45xxxx'))), /bad length "12a45"/)
    assert.throws(() => loadMjpegFile(write('short.mjpeg', Buffer.from('00100abc'))), /claims 100 bytes but 3 remain/)
    assert.throws(() => loadMjpegFile(write('notjpeg.mjpeg', Buffer.from('00004abcd'))), /not a JPEG/)
    assert.throws(() => loadMjpegFile(write('empty.mjpeg', Buffer.alloc(0))), /holds no frames/)
  })
})
