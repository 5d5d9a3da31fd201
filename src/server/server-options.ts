import type { Encryption, TlsCredentials } from './listeners.js'
import type { ClusterHooks } from './cluster-hooks.js'
import type { MulticastOptions } from './multicast-groups.js'
import { DEFAULT_GOP_CACHE_LIMITS } from '../stream/gop-cache.js'
/**
 * What an RtspServer is configured with and what it reports: its options (resolved once, with
 * defaults, and checked), the publish-path options, the on-demand contract, path status and events.
 * The façade re-exports all of it; the rooms it delegates to read the same resolved options object,
 * so a settings update reaches them without copying.
 */
import os from 'node:os'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import type { RtspReaderLimits } from '../rtsp/reader.js'
import { systemClock, type Clock } from '../util/clock.js'
import { definedOnly } from '../util/defined.js'
import { PooledCryptoRandom, type Random } from '../util/random.js'
import type { ServerStream, StreamSpec } from './server-stream.js'
import type { PortRange } from '../transport/udp-pair.js'
import type { ConnectionLimits } from './connection-limits.js'

export const SERVER_NAME = 'rtspkit/0.1'

export interface RtspServerOptions {
  /** RTSP TCP port (default 8554; 0 picks a free one). */
  port?: number
  /** Address to listen on (default: all interfaces). */
  host?: string
  /** Host name used in URLs the server prints (default: the first non-internal IPv4 address). */
  publicHost?: string
  /** UDP ports for RTP/RTCP pairs (default: ephemeral ports from the OS). */
  rtpPortRange?: PortRange
  /**
   * One RTP/RTCP pair for every IPv4 session instead of a pair each: RTP on this even port, RTCP on
   * the next (two firewall holes in all). IPv6 clients still get pairs of their own.
   */
  sharedRtpPort?: number
  /** Seconds a session lives without keep-alive (default 60). */
  sessionTimeout?: number
  maxSessions?: number
  /** Most connections at once (undefined or 0: no cap); past it a connection gets 503. */
  maxConnections?: number
  /** Time limits, the per-address cap and the request memory budget (connection-limits.ts); each has a default. */
  connectionLimits?: Partial<ConnectionLimits>
  /** Bytes a reader (TCP or UDP) may have queued before frames are dropped up to the next keyframe (default 2 MiB). */
  maxReaderQueueBytes?: number
  /**
   * Instant start (default true): a new reader gets the frames since the last keyframe at once, so its
   * player shows a picture right away. A function decides per path; addStream's option overrides it.
   */
  instantStart?: boolean | ((path: string) => boolean)
  /** Instant start: payload bytes a video track keeps since its last keyframe (default 4 MiB). */
  gopCacheMaxBytes?: number
  /** Instant start: a GOP spanning more than this many ms is not kept (default 10 000). */
  gopCacheMaxMs?: number
  /** Largest RTP packet (default 1400 bytes, fits a 1500-byte MTU). */
  maxPacketSize?: number
  /** RTCP sender report interval in ms (default 5000). */
  rtcpInterval?: number
  /** Refuse RTP over UDP (461): readers and publishers must use TCP interleaved. */
  tcpOnly?: boolean
  /**
   * UDP multicast for readers that ask for it (`RTP/AVP;multicast`): the group range, ports and TTL
   * (defaults 224.1.0.0/16, 8002, 8003, 16); false turns it off. Off under tcpOnly and strict encryption.
   */
  multicast?: MulticastOptions | false
  /** PEM certificate and key: RTSPS (RTSP over TLS) is served on `rtspsPort` beside plain RTSP. */
  tls?: TlsCredentials
  /**
   * A port of its own for RTSP over HTTP tunnelling (for players told to use an HTTP port); the RTSP
   * and RTSPS ports take tunnels anyway. Default none; 0 picks a free one. Plain, so not under strict.
   */
  httpTunnelPort?: number
  /** A client that has not finished its TLS handshake by then is dropped and counted (ms; default 10 000). */
  tlsHandshakeTimeoutMs?: number
  /** RTSPS port (default 8322; 0 picks a free one). */
  rtspsPort?: number
  /**
   * 'no': plain RTSP only. 'optional' (the default when `tls` is given): RTSP and RTSPS side by side
   * (plain only while there is no `tls`).
   * 'strict': RTSPS only; DESCRIBE offers RTP/SAVP (SRTP keyed by MIKEY), RTP over UDP only as SRTP,
   * RTP/AVP only interleaved inside TLS; needs `tls`.
   */
  encryption?: Encryption
  /** How long DESCRIBE waits for in-band parameter sets of a stream before answering without them (ms). */
  describeWait?: number
  readerLimits?: Partial<RtspReaderLimits>
  /**
   * Threads that send UDP readers' RTP (transport/udp-send-workers.ts): 1 (default) sends from the
   * main thread as always; N > 1 starts N worker threads that share the UDP readers, 'auto' one per core.
   */
  workers?: number | 'auto'
  /** Member of a cluster (src/cluster): publish locks and reader redirects; see cluster-hooks.ts. */
  cluster?: ClusterHooks
  clock?: Clock
  random?: Random
  logger?: Logger
}

/** The options with their defaults filled in; `updateSettings` changes this object in place. */
export type ResolvedOptions = Required<
  Omit<
    RtspServerOptions,
    | 'host'
    | 'publicHost'
    | 'rtpPortRange'
    | 'maxSessions'
    | 'maxConnections'
    | 'readerLimits'
    | 'tcpOnly'
    | 'sharedRtpPort'
    | 'tls'
    | 'multicast'
    | 'httpTunnelPort'
    | 'tlsHandshakeTimeoutMs'
    | 'connectionLimits'
    | 'cluster'
  >
> &
  RtspServerOptions

/** What a publish path does when its publisher leaves, and when a second one arrives. */
export interface PublishPathOptions {
  /**
   * 'close' (default): readers get an RTCP BYE and their sessions end. 'stay': readers stay connected
   * and resume, from the next keyframe, when a publisher of the same format returns (a publisher of
   * another format ends them as with 'close').
   */
  onPublisherLeave?: 'close' | 'stay'
  /** 'refuse' (default): a second publisher gets 503. 'takeover': the new one replaces the old, whose connection is closed. */
  onSecondPublisher?: 'refuse' | 'takeover'
}

/**
 * A path whose stream is made when a reader asks for it: a relay pulled on demand. `demand()`
 * resolves with the stream once it exists (after the upstream answered), or rejects; the server
 * then answers 503.
 */
export interface OnDemandPath {
  demand(): Promise<ServerStream>
  /**
   * A request named the path while its stream is up (DESCRIBE, SETUP of a reader that has not played
   * yet): a release due because nobody plays waits again, so the stream is still there at its PLAY.
   */
  touch?(): void
  /** The server stopped: release everything. */
  close(): void
  /** What the handler is doing, for status reports (a relay: idle, connecting, live, retrying). */
  readonly state?: string
}

/** One path the server answers and what feeds it now: a read-only snapshot for status reports. */
export interface PathStatus {
  name: string
  /** 'stream': added with addStream (a local source); 'publish', 'on-demand' (a relay), 'per-reader'. */
  kind: 'stream' | 'publish' | 'on-demand' | 'per-reader'
  /** The shared stream, when it exists now. */
  stream: ServerStream | undefined
  /** The track layout: the stream's, or a per-reader path's; undefined while unknown (no publisher yet). */
  spec: StreamSpec | undefined
  /** Sessions playing the path now. */
  readers: number
  /**
   * `protocol`: 'rtsp', or 'webrtc' for a WHIP publisher; `sessionId` kicks it (RtspServer.kickSession);
   * `transport`: how an RTSP publisher's media arrives (interleaved: tcp).
   */
  publisher:
    | {
        remoteAddress: string
        since: number
        recording: boolean
        protocol: string
        sessionId: string | undefined
        transport?: 'tcp' | 'udp'
      }
    | undefined
  /** An on-demand path's handler state when it reports one. */
  onDemandState: string | undefined
  /** A per-reader path: the private streams of its sessions. */
  readerStreams: ServerStream[]
}

export interface SessionEvent {
  path: string
  sessionId: string
  remoteAddress: string
  /** SETUP: the transport chosen for the track. */
  transport?: string
  track?: number
  /** TEARDOWN: 'teardown', 'timeout', 'connection closed', 'server stopped', 'stream removed', 'kicked'. */
  reason?: string
  /** PLAY, readerOpened, readerClosed: what the reader came over ('rtsp', 'rtsps', 'webrtc', 'hls'). */
  protocol?: string
}

/** An RTSP connection opened or closed (the hooks' runOnConnect / runOnDisconnect). */
export interface ConnectionEvent {
  id: number
  remoteAddress: string
  /** Over TLS (RTSPS). */
  secure: boolean
}

export interface RtspServerEvents {
  /** A stream was added (by addStream, a publisher or a relay). */
  stream: [ServerStream]
  connection: [ConnectionEvent]
  disconnect: [ConnectionEvent]
  /** A reader of another protocol (WebRTC, HLS; not a dashboard preview) opened or closed. */
  readerOpened: [SessionEvent]
  readerClosed: [SessionEvent]
  /** A publisher (RTSP RECORD, or WHIP) started sending: the path's source is ready (runOnReady). */
  record: [SessionEvent]
  setup: [SessionEvent]
  play: [SessionEvent]
  pause: [SessionEvent]
  teardown: [SessionEvent]
}

const silentLogger: Logger = { info() {}, warn() {}, debug() {} }

/** Fills in the defaults and checks the values, naming the key that is wrong. */
export function resolveOptions(options: RtspServerOptions): ResolvedOptions {
  const opts: ResolvedOptions = {
    port: 8554,
    rtspsPort: 8322,
    encryption: options.tls ? 'optional' : 'no',
    sessionTimeout: 60,
    maxReaderQueueBytes: 2 * 1024 * 1024,
    maxPacketSize: 1400,
    instantStart: true,
    gopCacheMaxBytes: DEFAULT_GOP_CACHE_LIMITS.maxBytes,
    gopCacheMaxMs: DEFAULT_GOP_CACHE_LIMITS.maxMs,
    rtcpInterval: 5000,
    describeWait: 2000,
    workers: 1,
    clock: systemClock,
    random: new PooledCryptoRandom(),
    logger: silentLogger,
    // An option given as undefined means "the default", as callers forwarding optional flags expect.
    ...(definedOnly(options) as RtspServerOptions),
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new ConfigError('ERR_CONFIG_PORT', `port must be an integer 0-65535, got ${opts.port}`, {
      observed: opts.port,
      allowed: '0-65535',
    })
  }
  if (!Number.isInteger(opts.rtspsPort) || opts.rtspsPort < 0 || opts.rtspsPort > 65535) {
    throw new ConfigError('ERR_CONFIG_PORT', `rtspsPort must be an integer 0-65535, got ${opts.rtspsPort}`, { observed: opts.rtspsPort })
  }
  if (opts.encryption === 'strict' && !opts.tls) {
    throw new ConfigError('ERR_CONFIG_TLS', 'encryption "strict" needs a TLS certificate and key (tls)', {
      observed: opts.encryption,
    })
  }
  // Under 'strict' nothing travels in clear: RTP goes inside the TLS connection or as SRTP
  // (transport-negotiation.ts refuses RTP/AVP over UDP).
  for (const key of ['sessionTimeout', 'rtcpInterval', 'maxReaderQueueBytes', 'maxPacketSize'] as const) {
    const v = opts[key]
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      throw new ConfigError('ERR_CONFIG_VALUE', `${key} must be a positive number, got ${String(v)}`, { observed: v, allowed: '> 0' })
    }
  }
  if (opts.workers !== 'auto' && !(Number.isInteger(opts.workers) && opts.workers >= 1)) {
    throw new ConfigError('ERR_CONFIG_VALUE', `workers must be 'auto' or an integer >= 1, got ${String(opts.workers)}`, {
      observed: opts.workers,
      allowed: "'auto' | >= 1",
    })
  }
  return opts
}

/** The number of UDP send threads `workers` asks for ('auto': one per core). */
export function workerCount(workers: number | 'auto'): number {
  return workers === 'auto' ? os.availableParallelism() : workers
}

/** The host printed URLs carry: the listen address when it is one, else the first non-internal IPv4 address. */
export function defaultPublicHost(listenHost: string | undefined): string {
  if (listenHost && listenHost !== '0.0.0.0' && listenHost !== '::') return listenHost
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '127.0.0.1'
}
