// One publisher per path cluster-wide, with `takeover`: a publisher on C takes the path from A's
// publisher, which is closed; readers on A (the former origin, `stay`) and on B (an edge) resume.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { waitUntil } from '../helpers/wait.js'
import { countingReader, listsPath, publish, threeNodeCluster } from './cluster-harness.js'

const PATHS = "  all_others: { source: 'publish:stay,takeover' }\n"

describe('cluster: takeover', { timeout: 60_000 }, () => {
  const cl = threeNodeCluster(PATHS)

  it('a publisher on C takes the path over; readers on A and B resume', async () => {
    const { a, b, c, publishers, readers } = cl
    const first = publish(a.url('cam'))
    publishers.push(first)
    await waitUntil(() => listsPath(b, 'cam', 'a'), 15_000, 'cam on a')
    const onA = await countingReader(a.url('cam'))
    const onB = await countingReader(b.url('cam'))
    readers.push(onA, onB)
    await Promise.all([onA.more(25), onB.more(25)])

    const second = publish(c.url('cam'))
    publishers.push(second)
    await waitUntil(() => listsPath(b, 'cam', 'c'), 15_000, 'cam moved to c')
    await waitUntil(() => first.exitCode !== null || first.signalCode !== null, 10_000, 'the publisher on A closed')
    // Every frame from now on comes from C's publisher.
    await Promise.all([onA.more(50, 20_000, 'reader on A'), onB.more(50, 20_000, 'reader on B')])
    assert.equal(onA.closed, false)
    assert.equal(onB.closed, false)
    assert.match(await c.apiText('/metrics'), /rtspkit_cluster_takeovers_total 1/)
    const onAPath = await a.api<{ items: { name: string; origin: string }[] }>('/v1/cluster/paths')
    assert.deepEqual(
      onAPath.items.filter((p) => p.name === 'cam').map((p) => p.origin),
      ['c'],
    )
  })
})
