/**
 * What the server asks of a cluster (src/cluster) it belongs to, set with RtspServer.setClusterHooks:
 * whether a publisher may start on a path (one publisher per path cluster-wide), that a local
 * publisher is gone, and where a reader should go instead of here. The server knows nothing else
 * of the cluster: edges' relays are ordinary on-demand paths added through the path provider.
 */
import type { RtspRequest } from '../rtsp/message.js'

/** A refusal: the RTSP status and reason phrase the publisher or reader gets. */
export interface ClusterRefusal {
  status: number
  reason: string
}

export interface ClusterHooks {
  /** Before ANNOUNCE is accepted: undefined lets the publisher go on, else it is refused with this. */
  acquirePublish(path: string): Promise<ClusterRefusal | undefined>
  /** The local publisher of `path` ended, or an ANNOUNCE let through by acquirePublish was refused. */
  releasePublish(path: string): void
  /** A reader's DESCRIBE: a URL to send it to (302), a refusal (a full node), or undefined to serve it here. */
  redirectReader?(path: string, req: RtspRequest): string | ClusterRefusal | undefined
}
