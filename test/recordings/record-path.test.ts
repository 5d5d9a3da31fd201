// recordPath templates (MediaMTX's placeholders) both ways, and the recording store's view of a folder.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { expandRecordPath, parseRecordPath, recordPathProblem, recordRoot } from '../../src/recordings/record-path.js'
import { deleteRecording, listSegments, spansOf } from '../../src/recordings/recording-store.js'
import { tempDir } from '../helpers/audio-interop.js'

/** 2021-03-04 05:06:07.089 UTC. */
const WALL = Date.UTC(2021, 2, 4, 5, 6, 7, 89)

describe('recordPath templates', () => {
  it('expands every placeholder, %f in microseconds', () => {
    assert.equal(expandRecordPath('rec/%path/%Y-%m-%d_%H-%M-%S-%f', 'site/cam', WALL), 'rec/site/cam/2021-03-04_05-06-07-089000')
    assert.equal(expandRecordPath('%path/%s', 'cam', WALL), `cam/${Math.floor(WALL / 1000)}`)
    assert.equal(expandRecordPath('%path/100%%_%s', 'cam', WALL), `cam/100%_${Math.floor(WALL / 1000)}`)
  })

  it('reads the path and start time back from a name', () => {
    const tpl = 'rec/%path/%Y-%m-%d_%H-%M-%S-%f'
    assert.deepEqual(parseRecordPath(tpl, 'rec/site/cam/2021-03-04_05-06-07-089000'), { pathName: 'site/cam', startMs: WALL })
    assert.deepEqual(parseRecordPath(tpl, 'rec/site/cam/2021-03-04_05-06-07-089000', 'site/cam'), { pathName: 'site/cam', startMs: WALL })
    assert.equal(parseRecordPath(tpl, 'rec/site/cam/2021-03-04_05-06-07-089000', 'cam'), undefined)
    assert.equal(parseRecordPath(tpl, 'rec/cam/notes'), undefined)
    assert.equal(parseRecordPath('%path/%s', `cam/${Math.floor(WALL / 1000)}`)?.startMs, Math.floor(WALL / 1000) * 1000)
  })

  it('refuses templates that cannot name or find segments', () => {
    assert.match(recordPathProblem('rec/%Y-%m-%d_%H-%M-%S') ?? '', /%path/)
    assert.match(recordPathProblem('rec/%path/%Y-%m-%d') ?? '', /%s/)
    assert.match(recordPathProblem('rec/../%path/%s') ?? '', /\.\./)
    assert.equal(recordPathProblem('rec/%path/%Y-%m-%d_%H-%M-%S-%f'), undefined)
  })

  it("a path's root is the folder before the first time placeholder", () => {
    assert.equal(recordRoot('rec/%path/%Y/%m/%d/%H-%M-%S-%f', 'site/cam'), 'rec/site/cam')
    assert.equal(recordRoot('%path/%s', 'cam'), 'cam')
  })
})

describe('recording store', () => {
  const tmp = tempDir('store')
  after(() => tmp.cleanup())
  const tpl = path.join(tmp.dir, '%path/%Y-%m-%d_%H-%M-%S-%f')
  const put = (rel: string): string => {
    const f = path.join(tmp.dir, rel)
    mkdirSync(path.dirname(f), { recursive: true })
    writeFileSync(f, 'x')
    return f
  }

  it("lists a path's segments only, oldest first, and deletes only those", () => {
    const a = put('cam/2021-03-04_05-06-07-089000.mp4')
    const b = put('cam/2021-03-04_05-16-07-089000.mkv')
    put('cam/notes.txt')
    put('cam/2021-03-04_05-06-07-089000.mp4.bak')
    put('cam/.2021-03-04_05-26-07-089000.mp4.tmp')
    const other = put('cam2/2021-03-04_05-06-07-089000.mp4')
    const segs = listSegments(tpl, 'cam')
    assert.deepEqual(
      segs.map((s) => [path.basename(s.file), s.format, s.startMs - WALL]),
      [
        ['2021-03-04_05-06-07-089000.mp4', 'fmp4', 0],
        ['2021-03-04_05-16-07-089000.mkv', 'matroska', 600_000],
      ],
    )
    assert.deepEqual(
      listSegments(tpl).map((s) => s.pathName),
      ['cam', 'cam2', 'cam'],
    )
    assert.throws(() => deleteRecording(tpl, 'cam', other), { code: 'ERR_RECORDING_UNKNOWN' })
    assert.throws(() => deleteRecording(tpl, 'cam', path.join(tmp.dir, 'cam/notes.txt')), { code: 'ERR_RECORDING_UNKNOWN' })
    deleteRecording(tpl, 'cam', a)
    assert.equal(existsSync(a), false)
    assert.equal(existsSync(b), true)
    assert.equal(existsSync(other), true)
  })

  it('merges touching segments into spans', () => {
    assert.deepEqual(
      spansOf([
        { startMs: 0, durationMs: 1000 },
        { startMs: 1100, durationMs: 1000 },
        { startMs: 10_000, durationMs: 500 },
        { startMs: 20_000, durationMs: 0 },
      ]),
      [
        { startMs: 0, durationMs: 2100 },
        { startMs: 10_000, durationMs: 500 },
      ],
    )
  })
})
