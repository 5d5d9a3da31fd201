/**
 * One RTSP-over-HTTP tunnel seen as one socket (see src/rtsp/http-tunnel.ts): what the client
 * writes comes from the POST connection, base64-decoded; what the server writes goes out on the GET
 * connection as it is. The POST may close and a new one with the same cookie take its place (QuickTime
 * clients post each request on its own connection); the tunnel lives as long as its GET does.
 */
import { EventEmitter } from 'node:events'
import type net from 'node:net'
import { Base64StreamDecoder } from '../rtsp/http-tunnel.js'

/** What an RTSP connection needs of its socket: a net.Socket, a TLSSocket, or a tunnel. */
export interface ConnectionSocket {
  readonly remoteAddress?: string | undefined
  readonly remotePort?: number | undefined
  readonly localAddress?: string | undefined
  readonly destroyed: boolean
  readonly writableLength: number
  setNoDelay(noDelay?: boolean): unknown
  on(event: 'data', listener: (chunk: Buffer) => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  on(event: 'close', listener: () => void): unknown
  once(event: 'drain', listener: () => void): unknown
  write(chunk: Buffer): boolean
  cork(): void
  uncork(): void
  end(): unknown
  destroy(): unknown
}

export class TunnelSocket extends EventEmitter implements ConnectionSocket {
  private post: net.Socket | undefined
  private decoder = new Base64StreamDecoder()
  private isClosed = false

  constructor(
    readonly cookie: string,
    private readonly get: net.Socket,
  ) {
    super()
    get.on('error', () => this.destroy())
    get.on('close', () => this.closed())
    // What is written goes out on the GET: its drain is this socket's.
    get.on('drain', () => this.emit('drain'))
    // Anything a client writes on the GET after its head is not part of the scheme.
    get.on('data', () => {})
  }

  get remoteAddress(): string | undefined {
    return this.get.remoteAddress
  }
  get remotePort(): number | undefined {
    return this.get.remotePort
  }
  get localAddress(): string | undefined {
    return this.get.localAddress
  }
  get destroyed(): boolean {
    return this.isClosed || this.get.destroyed
  }
  get writableLength(): number {
    return this.get.writableLength
  }

  /** Whether a POST carries the client's requests now. */
  get hasPost(): boolean {
    return this.post !== undefined
  }

  /**
   * A POST of this tunnel, with `body` the bytes after its head. A second POST while one is open
   * replaces it. Base64 garbage closes this tunnel only.
   */
  attachPost(post: net.Socket, body: Buffer): void {
    if (this.isClosed) {
      post.destroy()
      return
    }
    if (this.post && this.post !== post) this.post.destroy()
    this.post = post
    // Each POST starts a new base64 run.
    this.decoder = new Base64StreamDecoder()
    post.on('data', (chunk: Buffer) => this.onPostData(chunk))
    post.on('error', () => post.destroy())
    post.on('close', () => {
      if (this.post === post) this.post = undefined
    })
    if (body.length > 0) this.onPostData(body)
  }

  private onPostData(chunk: Buffer): void {
    if (this.isClosed) return
    let bytes: Buffer
    try {
      bytes = this.decoder.decode(chunk)
    } catch (err) {
      this.emit('error', err)
      this.destroy()
      return
    }
    if (bytes.length > 0) this.emit('data', bytes)
  }

  setNoDelay(noDelay = true): this {
    this.get.setNoDelay(noDelay)
    return this
  }

  write(chunk: Buffer): boolean {
    return this.get.write(chunk)
  }

  cork(): void {
    this.get.cork()
  }

  uncork(): void {
    this.get.uncork()
  }

  end(): this {
    this.get.end()
    this.post?.end()
    return this
  }

  destroy(): this {
    this.get.destroy()
    this.post?.destroy()
    this.closed()
    return this
  }

  private closed(): void {
    if (this.isClosed) return
    this.isClosed = true
    this.post?.destroy()
    this.emit('close')
  }
}
