// Fan-out: with maxEdgesPerOrigin 1 the origin feeds one edge; the next edge pulls from that edge.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { waitUntil } from '../helpers/wait.js'
import {
  countingReader,
  listsPath,
  publish,
  readersOn,
  startNode,
  startRedis,
  stopProcess,
  waitForNodes,
  type CountingReader,
  type TestNode,
  type TestRedis,
} from './cluster-harness.js'

describe('cluster: fan-out tree', { timeout: 60_000 }, () => {
  let redis: TestRedis
  let a: TestNode, b: TestNode, c: TestNode
  let publisher: ReturnType<typeof publish> | undefined
  const readers: CountingReader[] = []

  before(async () => {
    redis = await startRedis()
    ;[a, b, c] = (await Promise.all(['a', 'b', 'c'].map((n) => startNode(n, redis.url, '  maxEdgesPerOrigin: 1\n')))) as [
      TestNode,
      TestNode,
      TestNode,
    ]
    await waitForNodes([a, b, c], 3)
  })

  after(async () => {
    await Promise.all(readers.map((r) => r.close()))
    await stopProcess(publisher)
    await Promise.all([a, b, c].map((n) => n?.stop()))
    await redis?.kill()
  })

  it('the second edge pulls from the first, and the origin serves one upstream', async () => {
    publisher = publish(a.url('cam'))
    await waitUntil(() => listsPath(c, 'cam', 'a'), 15_000, 'cam on a')
    const onB = await countingReader(b.url('cam'))
    readers.push(onB)
    await onB.more(10)
    const onC = await countingReader(c.url('cam'))
    readers.push(onC)
    await Promise.all([onB.more(50), onC.more(50)])
    assert.equal((await readersOn(a, 'cam')).length, 1, 'the origin feeds one edge')
    assert.equal((await readersOn(b, 'cam')).length, 2, 'B: its reader and C’s upstream')
    assert.equal((await readersOn(c, 'cam')).length, 1)
  })
})
