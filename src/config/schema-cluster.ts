/**
 * The `cluster` section of rtspkit.yml: nodes coordinated through Redis (src/cluster). Empty `redis`
 * (the default) means no cluster, and nothing of it is loaded. Pure data, as schema.ts.
 */
import type { SectionSpec } from './schema.js'

export const CLUSTER_REDIRECTS = ['off', 'leastLoaded'] as const
export type ClusterRedirect = (typeof CLUSTER_REDIRECTS)[number]

export interface ClusterConfig {
  /** redis://[USER:PASS@]HOST[:PORT][/DB] (or rediss://); '' = no cluster. */
  redis: string
  /** This node's name in the cluster; '' = the host name. */
  node: string
  /** How other nodes and redirected players reach this node's RTSP port: rtsp://HOST:PORT; '' = server.publicHost and rtspPort. */
  advertise: string
  /** Seconds a node's lease (and its paths) outlive its last refresh; refreshed every third of it. */
  lease: number
  /** Prefix of every Redis key and channel, so clusters can share a Redis. */
  prefix: string
  /** A publisher on another node takes a path over from the current one (as `publish:takeover`, cluster-wide). */
  takeover: boolean
  /** leastLoaded: DESCRIBE is answered 302 towards the node with the fewest readers when that is not this one. */
  redirect: ClusterRedirect
  /** Readers this node is sized for (its capacity); 0 = unlimited. */
  maxReaders: number
  /** Share of maxReaders (percent) past which this node takes no more readers (it redirects, or 503). */
  fullPercent: number
  /** Edges that pull a path from its origin; later edges pull from those edges (a fan-out tree). 0 = all from the origin. */
  maxEdgesPerOrigin: number
}

export function defaultClusterConfig(): ClusterConfig {
  return {
    redis: '',
    node: '',
    advertise: '',
    lease: 6,
    prefix: 'rtspkit:',
    takeover: false,
    redirect: 'off',
    maxReaders: 0,
    fullPercent: 90,
    maxEdgesPerOrigin: 0,
  }
}

/** Error text for a bad redis URL, or undefined. */
export function checkRedisUrl(v: string): string | undefined {
  if (v === '') return undefined
  let url: URL
  try {
    url = new URL(v)
  } catch {
    return 'must be a redis://HOST[:PORT][/DB] URL (or "" for no cluster)'
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return 'must start with redis:// or rediss://'
  if (!url.hostname) return 'must name a host: redis://HOST[:PORT][/DB]'
  if (!/^\/?(\d{1,2})?$/.test(url.pathname)) return 'may only end with a database number: redis://HOST:PORT/0'
  return undefined
}

/** Error text for a bad node name, or undefined. */
export function checkNodeName(v: string): string | undefined {
  return v === '' || /^[A-Za-z0-9._-]{1,64}$/.test(v)
    ? undefined
    : 'must be 1-64 letters, digits, ".", "_" or "-" (or "" for the host name)'
}

/** Error text for a bad advertised URL, or undefined. */
export function checkAdvertise(v: string): string | undefined {
  if (v === '') return undefined
  const m = /^rtsps?:\/\/([^/:@\s]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})\/?$/.exec(v)
  return m && Number(m[2]) >= 1 && Number(m[2]) <= 65535
    ? undefined
    : 'must be rtsp://HOST:PORT (or rtsps://HOST:PORT), how other nodes reach this one'
}

export const CLUSTER_SECTION: SectionSpec = {
  type: 'section',
  fields: {
    redis: { type: 'string', check: checkRedisUrl, apply: 'restart-rtsp' },
    node: { type: 'string', check: checkNodeName, apply: 'restart-rtsp' },
    advertise: { type: 'string', check: checkAdvertise, apply: 'restart-rtsp' },
    lease: { type: 'seconds', min: 0.5, max: 600, apply: 'restart-rtsp' },
    prefix: { type: 'string', apply: 'restart-rtsp' },
    takeover: { type: 'bool', apply: 'restart-rtsp' },
    redirect: { type: 'enum', values: CLUSTER_REDIRECTS, apply: 'restart-rtsp' },
    maxReaders: { type: 'int', min: 0, max: 10_000_000, apply: 'restart-rtsp' },
    fullPercent: { type: 'int', min: 1, max: 100, apply: 'restart-rtsp' },
    maxEdgesPerOrigin: { type: 'int', min: 0, max: 10_000, apply: 'restart-rtsp' },
  },
}
