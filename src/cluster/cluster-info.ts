/**
 * What nodes tell each other through Redis: a node's record (its lease value), a path's entry, and
 * the messages on the events channel. JSON both ways; anything unreadable is dropped, as a message
 * from a newer or broken node must not stop this one.
 */

/** The URLs a node is reached at; only `rtsp` is required. */
export interface NodeUrls {
  rtsp: string
  rtsps?: string
  hls?: string
  webrtc?: string
  api?: string
}

export interface NodeLoad {
  /** Sessions reading from this node (RTSP, WebRTC, HLS), edges' relays included. */
  readers: number
  /** Media bytes sent per second, averaged over the last refresh. */
  bytesOutPerSec: number
  /** CPU of this process, percent of one core, over the last refresh. */
  cpuPercent: number
}

export interface NodeRecord {
  name: string
  urls: NodeUrls
  load: NodeLoad
  /** The node's capacity in readers (cluster.maxReaders; 0 = unlimited) and when it counts as full. */
  maxReaders: number
  fullPercent: number
  version: string
  /** Epoch ms of the node's start and of this record. */
  since: number
  updated: number
}

export interface PathEntry {
  /** The node originating the path. */
  node: string
  /** Where to pull it: the origin's RTSP URL of the path. */
  url: string
  /** Readers of edges stay and resume when the publisher comes back (publish:stay). */
  stay: boolean
  /** Epoch ms of registration. */
  since: number
}

export type ClusterMessage =
  | { type: 'up'; path: string; entry: PathEntry }
  | { type: 'down'; path: string; node: string; stay: boolean }
  | { type: 'takeover'; path: string; node: string }

export function parseJson<T>(text: string | null | undefined, valid: (v: Record<string, unknown>) => boolean): T | undefined {
  if (!text) return undefined
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' && valid(v as Record<string, unknown>) ? (v as T) : undefined
  } catch {
    return undefined
  }
}

export const parseNode = (t: string | null | undefined): NodeRecord | undefined =>
  parseJson<NodeRecord>(t, (v) => typeof v.name === 'string' && typeof (v.urls as NodeUrls | undefined)?.rtsp === 'string')
export const parsePathEntry = (t: string | null | undefined): PathEntry | undefined =>
  parseJson<PathEntry>(t, (v) => typeof v.node === 'string' && typeof v.url === 'string')
export const parseMessage = (t: string): ClusterMessage | undefined =>
  parseJson<ClusterMessage>(t, (v) => typeof v.type === 'string' && typeof v.path === 'string')

/** A full node takes no new readers: past fullPercent of maxReaders. */
export function isFull(n: Pick<NodeRecord, 'maxReaders' | 'fullPercent' | 'load'>): boolean {
  return n.maxReaders > 0 && n.load.readers >= (n.maxReaders * n.fullPercent) / 100
}

/** A URL for logs: credentials hidden. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}

/** rtsp://host:port + '/' + path, whatever slashes either has. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}
