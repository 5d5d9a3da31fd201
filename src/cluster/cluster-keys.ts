/**
 * Where the cluster keeps its state in Redis, all under one prefix (cluster.prefix):
 *
 *   PREFIXnode:NAME     string, PX lease: the node's record (URLs, load, version) — its lease
 *   PREFIXpath:NAME     string, PX lease: the node originating the path now, its URL, `stay`
 *   PREFIXlock:NAME     string, PX lease: the node whose publisher holds the path (SET NX)
 *   PREFIXedges:NAME    sorted set: edges pulling the path straight from its origin, scored by expiry
 *   PREFIXevents        pub/sub channel: path up, down and takeover
 *
 * Every key carries a TTL refreshed with the lease, so a node that dies takes its state with it
 * without anyone polling for it.
 */

export class ClusterKeys {
  constructor(readonly prefix: string) {}

  node(name: string): string {
    return `${this.prefix}node:${name}`
  }
  nodePattern(): string {
    return `${escapeGlob(this.prefix)}node:*`
  }
  path(name: string): string {
    return `${this.prefix}path:${name}`
  }
  pathPattern(): string {
    return `${escapeGlob(this.prefix)}path:*`
  }
  /** The path a path key names, or undefined for another key. */
  pathOfKey(key: string): string | undefined {
    const head = `${this.prefix}path:`
    return key.startsWith(head) ? key.slice(head.length) : undefined
  }
  lock(name: string): string {
    return `${this.prefix}lock:${name}`
  }
  edges(name: string): string {
    return `${this.prefix}edges:${name}`
  }
  get events(): string {
    return `${this.prefix}events`
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&')
}

/** KEYS[1] a key, ARGV[1] the owner, ARGV[2] the lease (ms): extends the key while the owner holds it; 1 when it did. */
export const REFRESH_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`

/** KEYS[1] a key, ARGV[1] the owner: deletes the key while the owner holds it; 1 when it did. */
export const DELETE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

/** KEYS[1] a path key, ARGV[1] the node: deletes it while its JSON names the node; 1 when it did. */
export const DELETE_PATH_IF_NODE = `
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).node == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

/**
 * KEYS[1] the edges set, ARGV[1] now (ms), ARGV[2] expiry (ms), ARGV[3] this node, ARGV[4] the limit:
 * drops expired entries, then gives this node a slot among the edges pulling from the origin when it
 * has one or one is free (1), else 0 — atomically, so two edges cannot take the last slot together.
 */
export const TAKE_EDGE_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) - tonumber(ARGV[1]) then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
  return 1
end
return 0`
