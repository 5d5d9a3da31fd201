// The Snapshotter with a real ffmpeg against an RTSP "server" that accepts and never answers: requests
// for one URL share one ffmpeg, a limit refuses more, and close() ends what runs.
import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { SnapshotError, Snapshotter } from '../../src/api/snapshot.js'

const isCode = (code: string) => (e: unknown) => e instanceof SnapshotError && e.code === code

describe('Snapshotter', () => {
  let silent: net.Server
  const accepted: net.Socket[] = []
  let url: (name: string) => string
  before(async () => {
    silent = net.createServer((s) => accepted.push(s))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as net.AddressInfo).port
    url = (name) => `rtsp://127.0.0.1:${port}/${name}`
  })
  after(() => {
    for (const s of accepted) s.destroy()
    silent.close()
  })

  it('shares one ffmpeg per URL, refuses more than maxProcesses, and close() fails what runs', async () => {
    const snaps = new Snapshotter({ maxProcesses: 1, timeoutMs: 20_000 })
    const first = snaps.take(url('a'))
    const again = snaps.take(url('a'))
    assert.equal(again, first, 'the same request while it runs')
    await assert.rejects(snaps.take(url('b')), isCode('ERR_SNAPSHOT_BUSY'))
    // Once ffmpeg connected, close() kills it: the request fails now, not after the timeout.
    const deadline = Date.now() + 10_000
    while (accepted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.equal(accepted.length, 1, 'one ffmpeg connected')
    const started = Date.now()
    snaps.close()
    snaps.close()
    await assert.rejects(first, isCode('ERR_SNAPSHOT_CLOSED'))
    assert.ok(Date.now() - started < 5000)
    await assert.rejects(snaps.take(url('a')), isCode('ERR_SNAPSHOT_CLOSED'))
  })

  it('a failing ffmpeg is ERR_SNAPSHOT_FAILED with its last words, credentials removed', async () => {
    const snaps = new Snapshotter({ timeoutMs: 10_000 })
    try {
      // Nothing listens on port 1: ffmpeg cannot connect and says so.
      await assert.rejects(snaps.take('rtsp://viewer:hunter2@127.0.0.1:1/cam'), (e: unknown) => {
        assert.ok(isCode('ERR_SNAPSHOT_FAILED')(e), String(e))
        const message = (e as Error).message
        assert.match(message, /without a picture/)
        assert.ok(!message.includes('hunter2'), message)
        return true
      })
    } finally {
      snaps.close()
    }
  })
})
