import assert from 'node:assert/strict'
import { it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { startServer } from '../interop/harness.js'
import { collectFrames, nextEvent } from './client-helpers.js'

it('reconnect: the server stops and comes back on the same port; frames flow again', async () => {
  let srv = await startServer({ cam: 'test:160x120@25' })
  const port = srv.server.port
  const client = new RtspClient(srv.url('cam'), { transport: 'tcp', reconnect: { initialDelayMs: 100, maxDelayMs: 400 } })
  const attempts: number[] = []
  client.on('reconnecting', (e) => attempts.push(e.attempt))
  try {
    const first = collectFrames(client, 3)
    await client.play()
    const before = await first
    const reconnecting = nextEvent(client, 'reconnecting', 5000)
    await srv.stop()
    await reconnecting
    await new Promise((r) => setTimeout(r, 300)) // at least one attempt fails while nobody listens
    srv = await startServer({ cam: 'test:160x120@25' }, { port })
    const reconnected = nextEvent(client, 'reconnected', 10_000)
    const after = collectFrames(client, 3, 10_000)
    await reconnected
    const frames = await after
    assert.ok(attempts.length >= 2, `attempts ${attempts.join(',')}`)
    assert.ok(frames[0]!.ptsMs > before.at(-1)!.ptsMs, 'ptsMs keeps increasing across the reconnect')
  } finally {
    await client.close()
    await srv.stop()
  }
})
