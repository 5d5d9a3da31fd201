/**
 * `cluster.redirect: leastLoaded` and full nodes: where a new reader should go. Pure, over the node
 * records the cluster last read (refreshed with the lease, so a few seconds old) and this node's own
 * live load. Ties stay here, and another node must be strictly less loaded, so two nodes with the
 * same stale view do not bounce a reader between them.
 */
import { isFull, type NodeRecord } from './cluster-info.js'

export type RedirectChoice = { kind: 'here' } | { kind: 'elsewhere'; node: NodeRecord } | { kind: 'full' }

export function chooseNode(self: NodeRecord, others: readonly NodeRecord[], leastLoaded: boolean): RedirectChoice {
  const selfFull = isFull(self)
  if (!leastLoaded && !selfFull) return { kind: 'here' }
  let best: NodeRecord | undefined
  for (const n of others) {
    if (n.name === self.name || isFull(n)) continue
    if (!best || share(n) < share(best) || (share(n) === share(best) && n.load.readers < best.load.readers)) best = n
  }
  if (selfFull) return best ? { kind: 'elsewhere', node: best } : { kind: 'full' }
  return best && share(best) < share(self) ? { kind: 'elsewhere', node: best } : { kind: 'here' }
}

/** Load as a share of capacity; nodes without one compare by readers. */
function share(n: NodeRecord): number {
  return n.maxReaders > 0 ? n.load.readers / n.maxReaders : n.load.readers
}
