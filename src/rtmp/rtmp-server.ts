/**
 * The RTMP room: a TCP listener (default port 1935) whose connections publish into and play from the
 * RTSP server's paths. Publishing and reading go through the server's own authorization, session
 * table and limits (authorize/openPublisher/openReader, protocol 'rtmp'), so RTMP sessions are listed
 * and kicked with the others, and an RTMP publisher feeds RTSP, HLS, WebRTC readers and recordings.
 * With `tls` it is an RTMPS listener instead (RTMP inside TLS from the first byte, as ffmpeg's and
 * OBS's rtmps:// speak it); the app runs one of each (rtmp.encryption).
 */
import { randomFillSync } from 'node:crypto'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import type { Logger } from '../log/logger.js'
import { systemClock, type Clock } from '../util/clock.js'
import type { Amf0Limits } from './amf0.js'
import type { ChunkReaderLimits } from './chunk-reader.js'
import { AdobeChallenges } from './adobe-challenges.js'
import { RtmpConnection, type RtmpHost } from './rtmp-connection.js'

export const DEFAULT_RTMP_PORT = 1935
/** MediaMTX's rtmpsAddress (:1936). */
export const DEFAULT_RTMPS_PORT = 1936

export interface RtmpServerOptions {
  server: RtmpHost
  /** TCP port (0 picks one). */
  port: number
  /** Address to listen on; '' or undefined: every interface. */
  host?: string
  logger?: Logger
  clock?: Clock
  /** Bounds of the chunk stream (message size, chunk size, pending bytes). */
  chunkLimits?: Partial<ChunkReaderLimits>
  amfLimits?: Amf0Limits
  /** Per-player bound of bytes waiting to be sent (default 4 MiB); above it whole GOPs are dropped. */
  maxQueueBytes?: number
  /** Chunk size we send with (default 4096). */
  outChunkSize?: number
  /** A connection silent this long is closed (default 10 s). */
  idleTimeoutMs?: number
  /** PEM certificate and key: the listener speaks RTMPS (TLS) instead of RTMP. */
  tls?: { cert: string; key: string }
}

const DEFAULT_QUEUE_BYTES = 4 * 1024 * 1024
const DEFAULT_OUT_CHUNK_SIZE = 4096
const DEFAULT_IDLE_MS = 10_000
const STREAM_READY_MS = 5000

export class RtmpServer {
  private net: Server | undefined
  private readonly connections = new Set<RtmpConnection>()
  private readonly sockets = new Set<Socket>()
  private readonly challenges: AdobeChallenges

  constructor(private readonly opts: RtmpServerOptions) {
    this.challenges = new AdobeChallenges({ clock: opts.clock ?? systemClock, fillRandom: (b) => randomFillSync(b) })
  }

  get port(): number {
    return (this.net?.address() as AddressInfo | null)?.port ?? this.opts.port
  }

  /** rtmp://HOST:PORT (rtmps:// with TLS) of the server (loopback when it listens everywhere). */
  get url(): string {
    const h = this.opts.host
    const host = !h || h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h
    return `${this.opts.tls ? 'rtmps' : 'rtmp'}://${host}:${this.port}`
  }

  /** Open connections (handshaking, publishing, playing or idle). */
  get connectionCount(): number {
    return this.connections.size
  }

  async start(): Promise<void> {
    const tls = this.opts.tls
    const net = tls
      ? createTlsServer({ cert: tls.cert, key: tls.key }, (socket: TLSSocket) => this.accept(socket))
      : createServer((socket) => this.accept(socket))
    // A failed TLS handshake is that client's problem: its socket is destroyed, nothing else to do.
    net.on('tlsClientError', () => undefined)
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject)
      net.listen(this.opts.port, this.opts.host || undefined, () => {
        net.off('error', reject)
        resolve()
      })
    })
    this.net = net
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    const c = new RtmpConnection(socket, {
      host: this.opts.server,
      logger: this.opts.logger,
      clock: this.opts.clock ?? systemClock,
      fillRandom: (b) => randomFillSync(b),
      chunkLimits: this.opts.chunkLimits ?? {},
      amfLimits: this.opts.amfLimits,
      outChunkSize: this.opts.outChunkSize ?? DEFAULT_OUT_CHUNK_SIZE,
      maxQueueBytes: this.opts.maxQueueBytes ?? DEFAULT_QUEUE_BYTES,
      idleTimeoutMs: this.opts.idleTimeoutMs ?? DEFAULT_IDLE_MS,
      readyTimeoutMs: STREAM_READY_MS,
      onClosed: (x) => this.connections.delete(x),
      challenges: this.challenges,
    })
    this.connections.add(c)
    this.opts.logger?.debug(`RTMP connection from ${c.remoteAddress}`)
  }

  /** Idempotent: stops listening and ends every connection. */
  async close(): Promise<void> {
    const net = this.net
    this.net = undefined
    for (const c of [...this.connections]) c.close('server stopped')
    for (const s of this.sockets) s.destroy()
    if (net) await new Promise<void>((resolve) => net.close(() => resolve()))
  }
}
