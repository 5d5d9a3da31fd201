/**
 * The byte stream under an RTSP client connection: plain TCP, TLS (rtsps://), or an RTSP-over-HTTP
 * tunnel (src/rtsp/http-tunnel.ts), itself plain or inside TLS. A tunnel reads the server's bytes from
 * its GET connection and writes base64 on its POST connection, each write encoded on its own as
 * ffmpeg and VLC do. Errors are ProtocolErrors whose message says what to change.
 */
import { EventEmitter } from 'node:events'
import net from 'node:net'
import tls from 'node:tls'
import { ProtocolError } from '../errors.js'
import { TUNNEL_CONTENT_TYPE, TUNNEL_HEAD_MAX } from '../rtsp/http-tunnel.js'

export interface ClientTlsOptions {
  /** PEM certificates to trust besides the system's (--ca). */
  ca?: string | Buffer | undefined
  /** Skip certificate checks (--insecure). */
  insecure?: boolean | undefined
  /**
   * Trust exactly the certificate with this SHA-256 fingerprint (hex, colons optional), as MediaMTX's
   * sourceFingerprint does for self-signed cameras; the authorities are not asked.
   */
  fingerprint?: string | undefined
}

export interface ClientSocketOptions {
  host: string
  port: number
  localAddress?: string | undefined
  timeoutMs: number
  /** Set for rtsps:// */
  tls?: ClientTlsOptions | undefined
  /** Tunnel through HTTP: the path of the URL, for the GET and POST request lines. */
  tunnelPath?: string | undefined
  /** The tunnel's x-sessioncookie (random, from the caller's Random). */
  tunnelCookie?: string | undefined
}

/** What ClientConnection uses of its socket. */
export interface ClientSocket {
  readonly localAddress?: string | undefined
  readonly remoteAddress?: string | undefined
  setNoDelay(noDelay?: boolean): unknown
  on(event: 'data', listener: (chunk: Buffer) => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  on(event: 'close', listener: () => void): unknown
  write(chunk: Buffer): boolean
  cork(): void
  uncork(): void
  destroy(): unknown
}

/** Opens the socket a client's options ask for; rejects with a ProtocolError saying why. */
export async function openClientSocket(o: ClientSocketOptions): Promise<ClientSocket> {
  if (o.tunnelPath === undefined) return connectOne(o)
  const cookie = o.tunnelCookie ?? Math.random().toString(36).slice(2)
  const get = await connectOne(o)
  try {
    get.write(
      Buffer.from(
        `GET ${o.tunnelPath} HTTP/1.0\r\nx-sessioncookie: ${cookie}\r\nAccept: ${TUNNEL_CONTENT_TYPE}\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n\r\n`,
      ),
    )
    const rest = await readHttpHead(get, o)
    const post = await connectOne(o)
    post.write(
      Buffer.from(
        `POST ${o.tunnelPath} HTTP/1.0\r\nx-sessioncookie: ${cookie}\r\nContent-Type: ${TUNNEL_CONTENT_TYPE}\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nContent-Length: 32767\r\nExpires: Sun, 9 Jan 1972 00:00:00 GMT\r\n\r\n`,
      ),
    )
    return new ClientTunnel(get, post, rest)
  } catch (err) {
    get.destroy()
    throw err
  }
}

function connectOne(o: ClientSocketOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const where = `${o.host}:${o.port}`
    const base = { host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) }
    const socket = o.tls
      ? tls.connect({
          ...base,
          rejectUnauthorized: o.tls.insecure !== true && o.tls.fingerprint === undefined,
          ...(o.tls.ca !== undefined ? { ca: o.tls.ca } : {}),
          ...(net.isIP(o.host) === 0 ? { servername: o.host } : {}),
        })
      : net.connect(base)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        new ProtocolError('ERR_RTSP_CONNECT_TIMEOUT', `connecting to ${where} timed out after ${o.timeoutMs} ms`, {
          observed: o.timeoutMs,
        }),
      )
    }, o.timeoutMs)
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      const code = err.code ?? ''
      const cert = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS/.test(code)
      const hint = cert
        ? ` (the server's certificate is not trusted: give --ca FILE with its certificate, or --insecure to skip the check)`
        : ''
      reject(
        new ProtocolError(
          'ERR_RTSP_CONNECT',
          `cannot connect to ${where}: ${code || err.message}${hint}`,
          { observed: code },
          { cause: err },
        ),
      )
    })
    socket.once(o.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      const want = o.tls?.fingerprint?.replace(/:/g, '').toUpperCase()
      const got = want !== undefined ? (socket as tls.TLSSocket).getPeerCertificate().fingerprint256?.replace(/:/g, '') : undefined
      if (want !== undefined && got !== want) {
        socket.destroy()
        reject(
          new ProtocolError(
            'ERR_RTSP_CONNECT',
            `cannot connect to ${where}: its certificate's SHA-256 fingerprint is ${got ?? 'unknown'}, not the expected ${want}`,
            {
              observed: got,
            },
          ),
        )
        return
      }
      resolve(socket)
    })
  })
}

/** Reads the answer to the tunnel's GET; resolves with the bytes after its head (already RTSP). */
function readHttpHead(socket: net.Socket, o: ClientSocketOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const timer = setTimeout(
      () => done(new ProtocolError('ERR_RTSP_TUNNEL', `no answer to the HTTP tunnel GET from ${o.host}:${o.port}`, {})),
      o.timeoutMs,
    )
    const done = (err: Error | undefined, rest?: Buffer): void => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
      if (err) reject(err)
      else resolve(rest!)
    }
    const onError = (err: Error): void =>
      done(new ProtocolError('ERR_RTSP_TUNNEL', `HTTP tunnel GET failed: ${err.message}`, {}, { cause: err }))
    const onClose = (): void => done(new ProtocolError('ERR_RTSP_TUNNEL', `${o.host}:${o.port} closed the HTTP tunnel GET`, {}))
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk])
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) {
        if (buf.length > TUNNEL_HEAD_MAX) done(new ProtocolError('ERR_RTSP_TUNNEL', 'HTTP tunnel answer head too large', {}))
        return
      }
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, end).toString('latin1'))
      if (status?.[1] !== '200') {
        done(
          new ProtocolError(
            'ERR_RTSP_TUNNEL',
            `the server refused RTSP over HTTP: ${buf.subarray(0, Math.min(end, 80)).toString('latin1').split('\r\n')[0]}`,
            {
              observed: status?.[1],
            },
          ),
        )
        return
      }
      done(undefined, buf.subarray(end + 4))
    }
    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('close', onClose)
  })
}

class ClientTunnel extends EventEmitter implements ClientSocket {
  private closed = false

  constructor(
    private readonly get: net.Socket,
    private readonly post: net.Socket,
    private readonly rest: Buffer,
  ) {
    super()
    get.on('data', (c: Buffer) => this.emit('data', c))
    for (const s of [get, post]) {
      s.on('error', (err) => this.emit('error', err))
      s.on('close', () => this.onClose())
    }
    // Bytes that came with the GET's answer are delivered once someone listens.
    if (rest.length > 0) queueMicrotask(() => this.emit('data', this.rest))
  }

  get localAddress(): string | undefined {
    return this.get.localAddress
  }
  get remoteAddress(): string | undefined {
    return this.get.remoteAddress
  }

  setNoDelay(noDelay = true): this {
    this.get.setNoDelay(noDelay)
    this.post.setNoDelay(noDelay)
    return this
  }

  write(chunk: Buffer): boolean {
    return this.post.write(chunk.toString('base64'))
  }

  cork(): void {
    this.post.cork()
  }

  uncork(): void {
    this.post.uncork()
  }

  destroy(): this {
    this.get.destroy()
    this.post.destroy()
    return this
  }

  private onClose(): void {
    if (this.closed) return
    this.closed = true
    this.get.destroy()
    this.post.destroy()
    this.emit('close')
  }
}
