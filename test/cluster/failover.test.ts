// A dead origin: kill -9 the node a publisher feeds; the path is gone cluster-wide within the lease
// (measured); an edge's reader of a `stay` path stays connected and resumes when the publisher comes
// back on another node.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { waitUntil } from '../helpers/wait.js'
import { countingReader, listsPath, publish, stopProcess, threeNodeCluster, waitForNodes } from './cluster-harness.js'

const PATHS = "  all_others: { source: 'publish:stay' }\n"
const LEASE_MS = 1500

describe('cluster: a node dies', { timeout: 60_000 }, () => {
  const cl = threeNodeCluster(PATHS)

  it('kill -9 of the origin: its path is gone within the lease; readers with stay resume with the publisher on B', async () => {
    const { a, b, c, publishers, readers } = cl
    const first = publish(a.url('cam'))
    publishers.push(first)
    await waitUntil(() => listsPath(c, 'cam', 'a'), 15_000, 'cam on a')
    const onC = await countingReader(c.url('cam'))
    readers.push(onC)
    await onC.more(25)

    const killedAt = Date.now()
    await a.kill()
    await waitUntil(async () => !(await listsPath(b, 'cam')) && !(await listsPath(c, 'cam')), 10_000, 'cam gone')
    const goneAfter = Date.now() - killedAt
    console.log(`# path gone cluster-wide ${goneAfter} ms after kill -9 of its origin (lease ${LEASE_MS} ms)`)
    assert.ok(goneAfter <= LEASE_MS + 1000, `gone after ${goneAfter} ms`)
    await waitForNodes([b, c], 2)
    assert.equal(onC.closed, false, 'the reader of a stay path waits')

    await stopProcess(first)
    const again = publish(b.url('cam'))
    publishers.push(again)
    await waitUntil(() => listsPath(c, 'cam', 'b'), 15_000, 'cam on b')
    await onC.more(50, 20_000, 'reader on C after the publisher came back on B')
    assert.equal(onC.closed, false)
  })
})
