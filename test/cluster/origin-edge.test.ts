// A cluster of three rtspkit processes around a real redis-server: ffmpeg publishes to A; ffmpeg,
// GStreamer and OpenCV read the path from B and C, which relay it from A with one upstream session
// each; a second publisher of the path on C gets 503.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ffmpegDecode, gstDecode, opencvRead, run } from '../interop/harness.js'
import { waitUntil } from '../helpers/wait.js'
import { checkResponse, loadOpenApi } from '../api/openapi-check.js'
import {
  countingReader,
  LIVE_H264,
  listsPath,
  publish,
  readersOn,
  startNode,
  startRedis,
  stopProcess,
  waitForNodes,
  type TestNode,
  type TestRedis,
} from './cluster-harness.js'

describe('cluster: origin and edges', { timeout: 60_000 }, () => {
  let redis: TestRedis
  let a: TestNode, b: TestNode, c: TestNode
  let publisher: ReturnType<typeof publish> | undefined

  before(async () => {
    redis = await startRedis()
    ;[a, b, c] = await Promise.all([startNode('a', redis.url), startNode('b', redis.url), startNode('c', redis.url)])
    await waitForNodes([a, b, c], 3)
  })

  after(async () => {
    await stopProcess(publisher)
    await Promise.all([a, b, c].map((n) => n?.stop()))
    await redis?.kill()
  })

  it('relays A’s publisher to readers on B and C with one upstream session per edge', async () => {
    publisher = publish(a.url('cam'))
    await waitUntil(async () => (await listsPath(b, 'cam', 'a')) && (await listsPath(c, 'cam', 'a')), 15_000, 'cam registered by a')
    let upstreamsSeen = 0
    let polling = true
    const poll = (async () => {
      while (polling) {
        const sessions = await readersOn(a, 'cam')
        upstreamsSeen = Math.max(upstreamsSeen, sessions.length)
        await new Promise((r) => setTimeout(r, 200))
      }
    })()
    const [ff1, ff2, gst, cv] = await Promise.all([
      ffmpegDecode(b.url('cam'), 'tcp', 75),
      ffmpegDecode(c.url('cam'), 'udp', 75),
      gstDecode(`rtspsrc location=${c.url('cam')} protocols=tcp latency=100 ! rtph264depay ! avdec_h264 ! fakesink name=sink`, 50),
      opencvRead(b.url('cam'), 50),
    ])
    const onB = await readersOn(b, 'cam')
    polling = false
    await poll
    assert.equal(ff1.frames, 75, `ffmpeg via B: ${ff1.stderr}`)
    assert.equal(ff2.frames, 75, `ffmpeg via C: ${ff2.stderr}`)
    assert.equal(gst.frames, 50, `GStreamer via C: ${gst.error ?? ''}`)
    assert.equal(gst.width, 320)
    assert.ok(cv.opened && cv.frames === 50, `OpenCV via B: ${JSON.stringify(cv)}`)
    assert.deepEqual(cv.shape, [240, 320, 3])
    // Readers of B and C never reach A: A serves exactly one session per edge.
    assert.equal(upstreamsSeen, 2, 'one upstream session on A per edge')
    assert.ok(onB.length <= 2)
    const nodes = await b.api<{ items: { name: string; self: boolean; urls: { rtsp: string } }[] }>('/v1/cluster/nodes')
    assert.deepEqual(nodes.items.map((n) => n.name).sort(), ['a', 'b', 'c'])
    assert.equal(nodes.items.find((n) => n.self)?.name, 'b')
    // Both cluster endpoints answer as docs/openapi.json says.
    const doc = loadOpenApi()
    for (const [node, p] of [
      [b, '/v1/cluster/nodes'],
      [a, '/v1/cluster/paths'],
    ] as const) {
      const res = await fetch(`${node.served.apiUrl}${p}`)
      const text = await res.text()
      assert.deepEqual(checkResponse(doc, 'get', p, { status: res.status, headers: res.headers, text }), [], `${p}: ${text}`)
    }
    const metrics = await b.apiText('/metrics')
    assert.match(metrics, /rtspkit_cluster_nodes 3/)
    assert.match(metrics, /rtspkit_cluster_paths_relayed 1/)
  })

  it('refuses a second publisher of the path on another node with 503', async () => {
    const r = await run(
      'ffmpeg',
      ['-hide_banner', '-v', 'error', ...LIVE_H264, '-t', '3', '-f', 'rtsp', '-rtsp_transport', 'tcp', c.url('cam')],
      20_000,
    )
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /503/)
    assert.ok(await listsPath(b, 'cam', 'a'), 'A still originates cam')
    assert.match(await c.apiText('/metrics'), /rtspkit_cluster_publishers_refused_total 1/)
  })

  it('ends edge readers (RTCP BYE) when the origin dies', async () => {
    const reader = await countingReader(b.url('cam'))
    try {
      await reader.more(10)
      const killedAt = Date.now()
      await a.kill()
      await waitUntil(() => reader.closed, 10_000, 'the reader on B ended')
      console.log(`# edge reader ended ${Date.now() - killedAt} ms after kill -9 of the origin`)
      await waitUntil(async () => !(await listsPath(c, 'cam')), 5_000, 'cam gone on C')
    } finally {
      await reader.close()
    }
  })
})
