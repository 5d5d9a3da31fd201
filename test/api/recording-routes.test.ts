// The recordings routes on their own, over files laid out as a recordPath template names them: what is
// listed, the segment a delete picks (by its start), and what it refuses — names that leave the tree,
// bad times, files that are not recordings, the segment being written.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ApiError } from '../../src/api/api-error.js'
import type { ApiReply, ApiRoute } from '../../src/api/api-server.js'
import { recordingRoutes, type RecordingView } from '../../src/api/recording-routes.js'
import { tempDir } from '../helpers/audio-interop.js'

describe('recording routes', () => {
  const tmp = tempDir('rec-routes')
  const tpl = path.join(tmp.dir, 'rec', '%path/%Y-%m-%d_%H-%M-%S-%f')
  const other = path.join(tmp.dir, 'elsewhere', '%path_%s')
  const active: string[] = []
  let routes: ApiRoute[]
  const file = (rel: string): string => path.join(tmp.dir, rel)
  const files = [
    'rec/cam/2026-01-01_10-00-00-000000.mp4',
    'rec/cam/2026-01-01_10-00-02-500000.mp4',
    'rec/cam/2026-01-01_10-00-05-000000.mkv',
    'rec/cam/notes.txt',
    'rec/cam/2026-01-01_10-00-09-000000.mp4.bak',
    'rec/site/door/2026-01-01_11-00-00-000000.mp4',
    'rec/unknown/2026-01-01_12-00-00-000000.mp4',
    'elsewhere/lobby_1767225600.mp4',
    'outside.mp4',
  ]
  before(() => {
    for (const f of files) {
      fs.mkdirSync(path.dirname(file(f)), { recursive: true })
      fs.writeFileSync(file(f), 'not media') // durations read as 0
    }
    routes = recordingRoutes({
      recordPathOf: (name) => (name === 'lobby' ? other : name === 'unknown' ? undefined : tpl),
      recordPaths: () => [tpl, other, tpl],
      activeFiles: () => active,
    })
  })
  after(() => tmp.cleanup())

  async function call(method: string, target: string): Promise<ApiReply> {
    const url = new URL(target, 'http://x')
    for (const r of routes) {
      const m = r.pattern.exec(url.pathname)
      const h = m && r.methods[method]
      if (h) return h(m.slice(1).map(decodeURIComponent), undefined, url.searchParams)
    }
    throw new Error(`no route ${method} ${target}`)
  }
  async function refused(method: string, target: string, status: number, code: string): Promise<void> {
    await assert.rejects(call(method, target), (e: unknown) => e instanceof ApiError && e.status === status && e.code === code, target)
  }

  it('lists the paths whose entry records under each template, with every segment by start', async () => {
    const list = (await call('GET', '/v1/recordings/list')).body as { items: RecordingView[] }
    assert.deepEqual(
      list.items.map((i) => [i.name, i.segments.map((s) => s.start)]),
      [
        ['cam', ['2026-01-01T10:00:00.000Z', '2026-01-01T10:00:02.500Z', '2026-01-01T10:00:05.000Z']],
        ['lobby', ['2026-01-01T00:00:00.000Z']],
        ['site/door', ['2026-01-01T11:00:00.000Z']],
      ],
    )
    assert.equal(list.items[0]!.segments[0]!.duration, 0)
    const door = (await call('GET', '/v1/recordings/get/site%2Fdoor')).body as RecordingView
    assert.equal(door.name, 'site/door')
    await refused('GET', '/v1/recordings/get/unknown', 404, 'ERR_API_RECORDING_NOT_FOUND')
    await refused('GET', '/v1/recordings/get/nothing', 404, 'ERR_API_RECORDING_NOT_FOUND')
  })

  it('refuses names that leave the tree and times that are not RFC 3339', async () => {
    for (const name of ['..', '../rec/cam', 'cam/..', 'cam/./x', '/', 'a//b', 'c%00m'])
      await refused(
        'DELETE',
        `/v1/recordings/deletesegment?path=${encodeURIComponent(name)}&start=2026-01-01T10:00:00Z`,
        400,
        'ERR_API_BAD_PARAMETER',
      )
    await refused('GET', `/v1/recordings/get/${encodeURIComponent('../outside')}`, 400, 'ERR_API_BAD_PARAMETER')
    for (const start of ['', 'yesterday', '2026-01-01', '2026-01-01T10:00:00', '1767261600', '2026-13-01T10:00:00Z'])
      await refused('DELETE', `/v1/recordings/deletesegment?path=cam&start=${encodeURIComponent(start)}`, 400, 'ERR_API_BAD_PARAMETER')
    await refused('DELETE', '/v1/recordings/deletesegment?path=cam', 400, 'ERR_API_BAD_PARAMETER')
  })

  it('deletes the one segment that starts then, in any RFC 3339 spelling; 404 when none does; 409 while written', async () => {
    await refused('DELETE', '/v1/recordings/deletesegment?path=cam&start=2026-01-01T10:00:01Z', 404, 'ERR_API_RECORDING_NOT_FOUND')
    await refused('DELETE', '/v1/recordings/deletesegment?path=unknown&start=2026-01-01T12:00:00Z', 404, 'ERR_API_RECORDING_NOT_FOUND')
    // Not a recording (extension), though its name has the time.
    await refused('DELETE', '/v1/recordings/deletesegment?path=cam&start=2026-01-01T10:00:09Z', 404, 'ERR_API_RECORDING_NOT_FOUND')
    active.push(file('rec/cam/2026-01-01_10-00-05-000000.mkv'))
    await refused('DELETE', '/v1/recordings/deletesegment?path=cam&start=2026-01-01T10:00:05Z', 409, 'ERR_API_RECORDING_IN_USE')
    const r = await call('DELETE', `/v1/recordings/deletesegment?path=cam&start=${encodeURIComponent('2026-01-01T11:00:02.500000+01:00')}`)
    assert.equal(r.status, 204)
    const left = files.filter((f) => fs.existsSync(file(f)))
    assert.deepEqual(
      files.filter((f) => !left.includes(f)),
      ['rec/cam/2026-01-01_10-00-02-500000.mp4'],
    )
    const lobby = await call('DELETE', '/v1/recordings/deletesegment?path=lobby&start=2026-01-01T00:00:00Z')
    assert.equal(lobby.status, 204)
    assert.ok(!fs.existsSync(file('elsewhere/lobby_1767225600.mp4')))
    assert.ok(fs.existsSync(file('outside.mp4')) && fs.existsSync(file('rec/unknown/2026-01-01_12-00-00-000000.mp4')))
  })
})
