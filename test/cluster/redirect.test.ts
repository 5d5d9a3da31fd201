// Redirects: a node at its share of capacity answers DESCRIBE with 302 towards the least-loaded node
// that can serve the path; ffmpeg, GStreamer and rtspkit's client follow it and decode there.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { collectFrames } from '../client/client-helpers.js'
import { waitUntil } from '../helpers/wait.js'
import { ffmpegDecode, gstDecode } from '../interop/harness.js'
import {
  countingReader,
  listsPath,
  publish,
  startNode,
  startRedis,
  stopProcess,
  waitForNodes,
  type CountingReader,
  type TestNode,
  type TestRedis,
} from './cluster-harness.js'

/** C takes one reader: full (100 % of 1) once it has it. */
const FULL_NODE = '  redirect: leastLoaded\n  maxReaders: 1\n  fullPercent: 100\n'

describe('cluster: redirects', { timeout: 60_000 }, () => {
  let redis: TestRedis
  let a: TestNode, b: TestNode, c: TestNode
  let publisher: ReturnType<typeof publish> | undefined
  let first: CountingReader | undefined

  before(async () => {
    redis = await startRedis()
    ;[a, b, c] = await Promise.all([startNode('a', redis.url), startNode('b', redis.url), startNode('c', redis.url, FULL_NODE)])
    await waitForNodes([a, b, c], 3)
    publisher = publish(a.url('cam'))
    await waitUntil(() => listsPath(c, 'cam', 'a'), 15_000, 'cam on a')
  })

  after(async () => {
    await first?.close()
    await stopProcess(publisher)
    await Promise.all([a, b, c].map((n) => n?.stop()))
    await redis?.kill()
  })

  it('sends readers of a full node elsewhere: ffmpeg, GStreamer and rtspkit’s client follow the 302', async () => {
    first = await countingReader(c.url('cam'))
    await first.more(10)
    const redirects = async (): Promise<number> => Number(/rtspkit_cluster_redirects_total (\d+)/.exec(await c.apiText('/metrics'))?.[1])
    assert.equal(await redirects(), 0)

    const ff = await ffmpegDecode(c.url('cam'), 'tcp', 25)
    assert.equal(ff.frames, 25, ff.stderr)
    assert.equal(await redirects(), 1)

    const gst = await gstDecode(
      `rtspsrc location=${c.url('cam')} protocols=tcp latency=100 ! rtph264depay ! avdec_h264 ! fakesink name=sink`,
      25,
    )
    assert.equal(gst.frames, 25, gst.error ?? '')
    assert.equal(await redirects(), 2)

    const client = new RtspClient(c.url('cam'), { transport: 'tcp' })
    try {
      const frames = collectFrames(client, 25, 15_000)
      await client.play()
      assert.equal((await frames).length, 25)
      assert.doesNotMatch(client.url ?? '', new RegExp(`:${c.served.port}/`), 'the client plays from another node')
    } finally {
      await client.close()
    }
    assert.equal(await redirects(), 3)
    // The reader already on C stayed there.
    assert.equal(first.closed, false)
  })
})
