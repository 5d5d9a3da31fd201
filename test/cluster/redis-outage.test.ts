// Redis unreachable for 10 s: every node keeps serving its readers (edge relays run on RTSP, not on
// Redis) with no frame lost, says so once in its log and in /metrics, and all rejoin when it returns.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { waitUntil } from '../helpers/wait.js'
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

const OUTAGE_MS = 10_000
const FPS = 25

describe('cluster: Redis goes away', { timeout: 60_000 }, () => {
  let redis: TestRedis
  let a: TestNode, b: TestNode, c: TestNode
  let publisher: ReturnType<typeof publish> | undefined
  const readers: CountingReader[] = []

  before(async () => {
    redis = await startRedis()
    ;[a, b, c] = (await Promise.all(['a', 'b', 'c'].map((n) => startNode(n, redis.url)))) as [TestNode, TestNode, TestNode]
    await waitForNodes([a, b, c], 3)
  })

  after(async () => {
    await Promise.all(readers.map((r) => r.close()))
    await stopProcess(publisher)
    await Promise.all([a, b, c].map((n) => n?.stop()))
    await redis?.kill()
  })

  it('keeps every reader playing without loss for 10 s without Redis, then rejoins', async () => {
    publisher = publish(a.url('cam'))
    await waitUntil(() => listsPath(c, 'cam', 'a'), 15_000, 'cam on a')
    const onA = await countingReader(a.url('cam'))
    const onB = await countingReader(b.url('cam'))
    const onC = await countingReader(c.url('cam'))
    readers.push(onA, onB, onC)
    await Promise.all(readers.map((r) => r.more(25)))

    const before = readers.map((r) => r.frames)
    await redis.kill()
    await waitUntil(async () => (await b.apiText('/metrics')).includes('rtspkit_cluster_redis_up 0'), 5_000, 'B notices')
    await new Promise((r) => setTimeout(r, OUTAGE_MS))
    const during = readers.map((r, i) => r.frames - before[i]!)
    await redis.start()

    // 25 fps for 10 s: allow for the moment of the kill itself, nothing more.
    for (const [i, n] of during.entries()) assert.ok(n >= (OUTAGE_MS / 1000) * FPS - 10, `reader ${i} got ${n} frames during the outage`)
    for (const r of readers) {
      assert.equal(r.closed, false)
      for (const t of r.client.stats()) assert.equal(t.lost, 0, 'no RTP packet lost')
    }
    for (const n of [a, b, c]) {
      await waitUntil(async () => (await n.apiText('/metrics')).includes('rtspkit_cluster_redis_up 1'), 10_000, `${n.name} reconnects`)
    }
    await waitForNodes([a, b, c], 3)
    await waitUntil(() => listsPath(c, 'cam', 'a'), 5_000, 'cam registered again')
    for (const n of [a, b, c]) {
      assert.match(await n.apiText('/metrics'), /rtspkit_cluster_redis_outages_total 1/)
      // The log arrives through a pipe: it may trail the metrics a little.
      await waitUntil(() => /reachable again after \d+ ms; rejoining/.test(n.served.out()), 5_000, `${n.name} logs its return`)
      assert.equal(n.served.out().match(/Redis .* unreachable/g)?.length, 1, `${n.name} logs the outage once`)
    }
    await Promise.all(readers.map((r) => r.more(25)))
  })
})
