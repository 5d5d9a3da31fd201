/**
 * The cluster's part of the HTTP API (a node of a cluster, src/cluster): `/v1/cluster/nodes` (every
 * live node with its URLs and load, this one first), `/v1/cluster/paths` (every path of the cluster
 * and its origin) and the `rtspkit_cluster_*` families of /metrics. Without a cluster both endpoints
 * answer 404 with ERR_API_NO_CLUSTER and /metrics has no cluster families.
 */
import type { ClusterGauges } from '../cluster/cluster-node.js'
import type { MetricFamily } from './prometheus.js'

/** What the API reads of a cluster member (ClusterNode has this shape). */
export interface ClusterView {
  nodeList(): unknown[]
  pathList(): unknown[]
  gauges(): ClusterGauges
}

export interface ClusterReply {
  status: number
  body: unknown
}

/** The routes, for ApiServer's table; `view` is asked at each request (the cluster starts after the API). */
export function clusterRoutes(
  view: (() => ClusterView | undefined) | undefined,
  missing: () => never,
): { pattern: RegExp; methods: Record<string, () => ClusterReply> }[] {
  const get = (): ClusterView => view?.() ?? missing()
  return [
    { pattern: /^\/v1\/cluster\/nodes$/, methods: { GET: () => ({ status: 200, body: { items: get().nodeList() } }) } },
    { pattern: /^\/v1\/cluster\/paths$/, methods: { GET: () => ({ status: 200, body: { items: get().pathList() } }) } },
  ]
}

export function clusterFamilies(view: ClusterView | undefined): MetricFamily[] {
  if (!view) return []
  const g = view.gauges()
  const family = (name: string, help: string, type: 'gauge' | 'counter', value: number): MetricFamily => ({
    name: `rtspkit_cluster_${name}`,
    help,
    type,
    samples: [{ value }],
  })
  return [
    family('redis_up', '1 while this node reaches Redis, 0 during an outage (it keeps serving locally)', 'gauge', g.connected ? 1 : 0),
    family('redis_outages_total', 'Times Redis became unreachable since start', 'counter', g.outages),
    family('nodes', 'Live nodes of the cluster, this one included', 'gauge', g.nodes),
    family('paths_originated', 'Paths this node originates (registered under its lease)', 'gauge', g.originated),
    family('paths_relayed', 'Paths this node relays from other nodes', 'gauge', g.relayed),
    family('publish_locks', 'Publish locks this node holds', 'gauge', g.locks),
    family('redirects_total', 'Readers sent to another node (302)', 'counter', g.redirects),
    family('takeovers_total', 'Paths taken over from another node by a publisher here', 'counter', g.takeovers),
    family('publishers_refused_total', 'Publishers refused because another node publishes the path', 'counter', g.refused),
  ]
}
