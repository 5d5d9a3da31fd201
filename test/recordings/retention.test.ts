// recordDeleteAfter with an injected clock: old segments of the governed path go, nothing else does.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { expandRecordPath } from '../../src/recordings/record-path.js'
import { RecordingRetention } from '../../src/recordings/retention.js'
import { tempDir } from '../helpers/audio-interop.js'

const HOUR = 3_600_000
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0)

describe('RecordingRetention', () => {
  const tmp = tempDir('retention')
  after(() => tmp.cleanup())

  it('deletes segments older than deleteAfter of the paths it governs, and nothing else', () => {
    const tpl = path.join(tmp.dir, '%path/%Y-%m-%d_%H-%M-%S-%f')
    const seg = (name: string, ageMs: number, ext = '.mp4'): string => {
      const f = expandRecordPath(tpl, name, NOW - ageMs) + ext
      mkdirSync(path.dirname(f), { recursive: true })
      writeFileSync(f, 'x')
      return f
    }
    const old1 = seg('cam', 25 * HOUR)
    const old2 = seg('cam', 48 * HOUR, '.mkv')
    const busy = seg('cam', 30 * HOUR)
    const fresh = seg('cam', 1 * HOUR)
    const otherPath = seg('keep', 48 * HOUR)
    const notOurs = path.join(tmp.dir, 'cam', 'notes.txt')
    writeFileSync(notOurs, 'x')
    const odd = path.join(tmp.dir, 'cam', '2020-01-01_00-00-00-000000.mp4.bak')
    writeFileSync(odd, 'x')
    const clock = { ms: NOW, wallMs: () => clock.ms, monoMs: () => 0 }
    const r = new RecordingRetention({
      clock,
      intervalMs: 0,
      rules: () => [{ recordPath: tpl, deleteAfterMs: 24 * HOUR, accepts: (n) => n === 'cam' }],
      inUse: () => [path.resolve(busy)],
    })
    assert.deepEqual(r.sweep().sort(), [old1, old2].sort())
    for (const f of [busy, fresh, otherPath, notOurs, odd]) assert.equal(existsSync(f), true, f)
    // A day later the fresh one is due too; the busy one stays while it is written.
    clock.ms += 24 * HOUR
    assert.deepEqual(r.sweep(), [fresh])
    assert.equal(existsSync(busy), true)
    r.close()
    r.close()
  })

  it('0 keeps everything', () => {
    const tpl = path.join(tmp.dir, 'z/%path/%s')
    const f = expandRecordPath(tpl, 'cam', NOW - 1000 * HOUR) + '.mp4'
    mkdirSync(path.dirname(f), { recursive: true })
    writeFileSync(f, 'x')
    const r = new RecordingRetention({
      clock: { wallMs: () => NOW, monoMs: () => 0 },
      intervalMs: 0,
      rules: () => [{ recordPath: tpl, deleteAfterMs: 0, accepts: () => true }],
    })
    assert.deepEqual(r.sweep(), [])
    assert.equal(existsSync(f), true)
  })
})
