/**
 * Joins a ServeApp to the cluster its config names (cluster.redis): the cluster room and the Redis
 * client are imported only then, so a node without a cluster loads neither. What the server gets is
 * its hooks (publish locks, redirects) and a path provider step; see src/cluster/cluster-node.ts.
 */
import os from 'node:os'
import { rtspClientConnector } from '../client/relay-upstream.js'
import type { ClusterNode } from '../cluster/cluster-node.js'
import type { Config } from '../config/schema.js'
import { matchPath } from '../config/match.js'
import type { Logger } from '../log/logger.js'
import { SERVER_NAME, type RtspServer } from '../server/rtsp-server.js'
import { parseSourceSpec } from '../sources/source-spec.js'

export interface ClusterHost {
  readonly server: RtspServer
  readonly logger: Logger
  readonly effectiveConfig: Config
  readonly hlsUrl: string | undefined
  readonly webrtcUrl: string | undefined
  readonly apiUrl: string | undefined
  /** Drops a path made from a pattern that has no publisher, so the cluster's relay can serve it. */
  yieldPath(path: string): void
}

/** Starts this node's cluster membership, or resolves undefined when the config has no cluster. */
export async function joinCluster(app: ClusterHost): Promise<ClusterNode | undefined> {
  const c = app.effectiveConfig.cluster
  if (c.redis === '') return undefined
  const { ClusterNode, PEER_AGENT } = await import('../cluster/cluster-node.js')
  const node = c.node || os.hostname()
  const server = app.server
  const member = new ClusterNode({
    redis: c.redis,
    node,
    leaseMs: Math.round(c.lease * 1000),
    prefix: c.prefix,
    redirect: c.redirect,
    maxReaders: c.maxReaders,
    fullPercent: c.fullPercent,
    maxEdgesPerOrigin: c.maxEdgesPerOrigin,
    version: SERVER_NAME,
    server,
    logger: app.logger,
    urls: () => {
      const rtsp = (c.advertise || server.urlFor('')).replace(/\/+$/, '')
      const host = new URL(rtsp).hostname
      return {
        rtsp,
        ...(server.tlsEnabled ? { rtsps: `rtsps://${host}:${server.rtspsPort}` } : {}),
        ...(app.hlsUrl ? { hls: app.hlsUrl } : {}),
        ...(app.webrtcUrl ? { webrtc: app.webrtcUrl } : {}),
        ...(app.apiUrl ? { api: app.apiUrl } : {}),
      }
    },
    connect: rtspClientConnector({ transport: 'tcp', userAgent: `${PEER_AGENT}/${node}` }),
    publishOptions: (path) => publishOptions(app.effectiveConfig, path),
    relayCloseAfterMs: () => app.effectiveConfig.relays.closeAfter * 1000,
    originatedElsewhere: (path) => app.yieldPath(path),
  })
  await member.start()
  server.setClusterHooks(member.hooks())
  app.logger.info(`cluster: node ${node} joining through ${c.redis.replace(/\/\/[^@/]*@/, '//***@')}`)
  return member
}

/** A path's publish options in the cluster, or undefined when the config does not make it a publish path. */
function publishOptions(config: Config, path: string): { takeover: boolean; stay: boolean } | undefined {
  const m = matchPath(config, path)
  if (!m) return undefined
  try {
    const spec = parseSourceSpec(m.path.source)
    if (spec.kind !== 'publish') return undefined
    return {
      takeover: config.cluster.takeover || spec.options.onSecondPublisher === 'takeover',
      stay: spec.options.onPublisherLeave === 'stay',
    }
  } catch {
    return undefined
  }
}
