/**
 * The server's listening sockets: plain RTSP, and RTSPS (RTSP over TLS, RFC 7826 §19.2's `rtsps`
 * scheme as ffmpeg, GStreamer and MediaMTX use it with RTSP 1.0). Both hand their connections to
 * the same intake, so HTTP tunnelling works on either. Certificates can be swapped while running:
 * new handshakes use the new pair, established sessions stay.
 */
import net from 'node:net'
import tls from 'node:tls'
import type { Logger } from '../log/logger.js'
import { StormGate, formatCount } from '../log/storm-gate.js'
import { AcceptErrors } from './accept-errors.js'
import { listenRtsp } from './listen.js'

/** A client that has not finished its TLS handshake by then is dropped (ms). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000

export interface TlsCredentials {
  /** PEM certificate chain. */
  cert: string | Buffer
  /** PEM private key. */
  key: string | Buffer
}

/** 'no': plain RTSP only. 'optional': RTSP and RTSPS side by side. 'strict': RTSPS only. */
export type Encryption = 'no' | 'optional' | 'strict'

export interface ListenerOptions {
  port: number
  host: string | undefined
  rtspsPort: number
  encryption: Encryption
  tls: TlsCredentials | undefined
  /** How long a client may take to finish its TLS handshake (default TLS_HANDSHAKE_TIMEOUT_MS). */
  handshakeTimeoutMs?: number | undefined
  /** A port of its own for RTSP over HTTP (the RTSP port takes tunnels too); undefined: none. */
  httpPort: number | undefined
  logger: Logger
}

export class Listeners {
  private plain: net.Server | undefined
  private secure: tls.Server | undefined
  private http: net.Server | undefined
  private httpBound: number | undefined
  private plainPort: number | undefined
  private securePort: number | undefined
  /** TLS handshakes that failed (bad bytes, timeout, certificate refused by the client). */
  tlsFailures = 0
  /** Set by start(): accept errors, logged once per episode of descriptor exhaustion. */
  acceptErrors: AcceptErrors | undefined
  private readonly onSocket: (socket: net.Socket) => void
  private tlsGate: StormGate | undefined

  constructor(onSocket: (socket: net.Socket) => void) {
    this.onSocket = (socket) => {
      this.acceptErrors?.accepted()
      onSocket(socket)
    }
  }

  get started(): boolean {
    return this.plain !== undefined || this.secure !== undefined || this.http !== undefined
  }

  /** The bound plain port (undefined when plain RTSP is off). */
  get port(): number | undefined {
    return this.plainPort
  }

  /** The bound port of RTSP over HTTP alone (undefined when there is none). */
  get httpPort(): number | undefined {
    return this.httpBound
  }

  /** The bound RTSPS port (undefined when RTSPS is off). */
  get rtspsPort(): number | undefined {
    return this.securePort
  }

  async start(o: ListenerOptions): Promise<void> {
    const errors = new AcceptErrors(o.logger)
    this.acceptErrors = errors
    const onError = (err: NodeJS.ErrnoException): void => errors.onError(err)
    try {
      if (o.encryption !== 'strict') {
        const server = net.createServer(this.onSocket)
        this.plain = server
        await listenRtsp(server, o.port, o.host, o.logger, '--port', onError)
        this.plainPort = (server.address() as net.AddressInfo).port
      }
      if (o.httpPort !== undefined && o.encryption !== 'strict') {
        const server = net.createServer(this.onSocket)
        this.http = server
        await listenRtsp(server, o.httpPort, o.host, o.logger, '--rtsp-http-port', onError)
        this.httpBound = (server.address() as net.AddressInfo).port
      }
      if (o.encryption !== 'no' && o.tls) {
        const server = tls.createServer(
          { cert: o.tls.cert, key: o.tls.key, handshakeTimeout: o.handshakeTimeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS },
          this.onSocket,
        )
        // A scanner or fuzzer fails thousands of handshakes: a few lines, then a count per 10 s.
        const gate = new StormGate({
          windowMs: 10_000,
          burst: 5,
          now: () => performance.now(),
          summary: (counts) => o.logger.warn(`${formatCount(counts.get('tls') ?? 0)} TLS handshakes failed in the last 10 s`),
        })
        this.tlsGate = gate
        server.on('tlsClientError', (err, socket) => {
          this.tlsFailures++
          if (gate.pass('tls')) {
            o.logger.warn(`TLS handshake failed from ${socket.remoteAddress ?? '?'}: ${err.message} (${this.tlsFailures} so far)`)
          }
          socket.destroy()
        })
        this.secure = server
        await listenRtsp(server, o.rtspsPort, o.host, o.logger, '--rtsps-port', onError)
        this.securePort = (server.address() as net.AddressInfo).port
      }
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** New certificates for new handshakes; connections already open keep theirs. */
  setCredentials(creds: TlsCredentials): void {
    this.secure?.setSecureContext({ cert: creds.cert, key: creds.key })
  }

  /** Stops listening; resolves once both servers closed (their connections are the caller's to end). */
  async stop(): Promise<void> {
    this.tlsGate?.close()
    const servers = [this.plain, this.secure, this.http].filter((s): s is net.Server => s !== undefined)
    this.plain = undefined
    this.secure = undefined
    this.http = undefined
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
}
