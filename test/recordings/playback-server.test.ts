// The playback server's access: the server's authorize decides (action 'read', protocol 'playback'),
// 401 carries the challenges, 403 refuses, and every answer has CORS headers.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PlaybackServer } from '../../src/recordings/playback-server.js'
import type { OtherAccessRequest, OtherAccessResult } from '../../src/server/access-gate.js'

describe('PlaybackServer access', () => {
  const asked: OtherAccessRequest[] = []
  let pb: PlaybackServer
  let base: string
  before(async () => {
    pb = new PlaybackServer({
      host: '127.0.0.1',
      port: 0,
      allowOrigin: 'https://example.com',
      recordPathOf: () => '/nonexistent-rtspkit-recordings/%path/%s',
      authorize: (req): Promise<OtherAccessResult> => {
        asked.push(req)
        if (req.path === 'open') return Promise.resolve({ ok: true })
        if (req.authorization === undefined) return Promise.resolve({ ok: false, status: 401, challenges: ['Basic realm="rtspkit"'] })
        return Promise.resolve({ ok: false, status: 403, challenges: [] })
      },
    })
    base = `http://127.0.0.1:${await pb.listen()}`
  })
  after(() => pb.close())

  it('asks for read access to the path over playback', async () => {
    const res = await fetch(`${base}/list?path=open`)
    assert.equal(res.status, 404) // allowed, and nothing recorded
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://example.com')
    assert.deepEqual(
      { action: asked[0]!.action, path: asked[0]!.path, protocol: asked[0]!.protocol },
      { action: 'read', path: 'open', protocol: 'playback' },
    )
  })

  it('401 with the challenge, 403 for a refused user', async () => {
    const r401 = await fetch(`${base}/get?path=cam&start=2026-01-01T00:00:00Z&duration=1`)
    assert.equal(r401.status, 401)
    assert.equal(r401.headers.get('www-authenticate'), 'Basic realm="rtspkit"')
    assert.equal(r401.headers.get('access-control-allow-origin'), 'https://example.com')
    const r403 = await fetch(`${base}/list?path=cam`, { headers: { Authorization: 'Basic eDp5' } })
    assert.equal(r403.status, 403)
  })

  it('unknown routes and methods', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404)
    assert.equal((await fetch(`${base}/list?path=open`, { method: 'POST' })).status, 405)
  })
})
