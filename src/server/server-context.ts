/**
 * What the request handlers (play-handler.ts, record-handler.ts) share with the RtspServer façade:
 * its live options, its tables, the transport negotiator, and the few server actions they trigger.
 */
import type { ServerConnection } from './server-connection.js'
import type { MulticastGroups } from './multicast-groups.js'
import type { PathTable } from './path-table.js'
import type { ResolvedOptions, SessionEvent } from './server-options.js'
import type { ServerStream, StreamSpec } from './server-stream.js'
import type { SessionTable } from './session-table.js'
import type { TransportNegotiator } from './transport-negotiation.js'

export interface ServerContext {
  /** The server's options object itself: settings updates show through. */
  readonly opts: ResolvedOptions
  readonly paths: PathTable
  readonly sessions: SessionTable
  readonly transports: TransportNegotiator
  /** The port the server listens on (the bound one once started). */
  port(): number
  connection(id: number): ServerConnection | undefined
  /** RtspServer.addStream: enters the stream and emits 'stream'. */
  addStream(name: string, spec: StreamSpec): ServerStream
  /** RtspServer.removeStream: its sessions end, the stream closes. */
  removeStream(name: string): boolean
  /** Multicast groups, when the server serves multicast (not under tcpOnly or strict encryption). */
  multicast(): MulticastGroups | undefined
  /** The server's events about a reader's session. */
  emit(event: 'setup' | 'play' | 'pause' | 'record', e: SessionEvent): void
}
