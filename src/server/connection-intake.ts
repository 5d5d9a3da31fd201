/**
 * What a new connection on the RTSP (or RTSPS) port is: plain RTSP, or one half of an RTSP-over-HTTP
 * tunnel, told apart by its first bytes ('GET ' or 'POST '; no RTSP method starts so). Tunnel halves
 * are paired by their x-sessioncookie; a half whose partner does not come within the pairing time
 * is closed. A paired tunnel becomes one ConnectionSocket for a ServerConnection.
 */
import type net from 'node:net'
import type { Logger } from '../log/logger.js'
import { looksLikeTunnel, parseTunnelHead, tunnelErrorResponse, tunnelGetResponse, type TunnelHead } from '../rtsp/http-tunnel.js'
import { TunnelSocket, type ConnectionSocket } from '../transport/tunnel-socket.js'
import type { Admission } from './connection-guard.js'
import { refuseOverLimit } from './over-limit.js'
import { formatCount, StormGate } from '../log/storm-gate.js'

/** How long one half of a tunnel waits for the other (ms). */
export const TUNNEL_PAIR_TIMEOUT_MS = 10_000
/** Decoded request bytes a POST may send before its GET arrives. */
const EARLY_POST_MAX = 64 * 1024

export interface IntakeDeps {
  /** A connection that speaks RTSP: plain, TLS, or a paired tunnel. */
  accept(socket: ConnectionSocket): void
  logger: Logger
  /** Default TUNNEL_PAIR_TIMEOUT_MS. */
  pairTimeoutMs?: number
  /** Counts tunnels that failed (unpaired, bad head, bad base64). */
  onTunnelFailure?(reason: string): void
  /** Counts a socket against the connection caps; one past a cap is answered 503 and closed. Default: all pass. */
  admit?(socket: net.Socket): Admission
  /** Monotonic ms (default performance.now). */
  now?(): number
}

interface TunnelEntry {
  tunnel: TunnelSocket
  get: net.Socket
  /** Until the first POST: closes the tunnel if none comes. */
  timer: NodeJS.Timeout | undefined
}

interface PendingPost {
  socket: net.Socket
  body: Buffer
  timer: NodeJS.Timeout
}

export class ConnectionIntake {
  /** Tunnels whose GET is open, by cookie. */
  private readonly tunnels = new Map<string, TunnelEntry>()
  /** POSTs that came before their GET. */
  private readonly earlyPosts = new Map<string, PendingPost>()
  /** Sockets whose kind is not known yet, or tunnel halves not yet paired, with when they came: closed by close(). */
  private readonly unsettled = new Map<net.Socket, number>()

  /** A fuzzer or scanner fails tunnels by the thousand: a few lines, then a count per 10 s. */
  private readonly warnings: StormGate

  constructor(private readonly deps: IntakeDeps) {
    this.warnings = new StormGate({
      windowMs: 10_000,
      burst: 5,
      now: () => deps.now?.() ?? performance.now(),
      summary: (counts) => {
        for (const [kind, n] of counts) deps.logger.warn(`${formatCount(n)} ${kind} in the last 10 s`)
      },
    })
  }

  /** A socket just accepted: reads until its kind is known. */
  take(socket: net.Socket): void {
    if ((this.deps.admit?.(socket) ?? 'ok') !== 'ok') {
      refuseOverLimit(socket)
      return
    }
    let first: Buffer = Buffer.alloc(0)
    this.unsettled.set(socket, this.deps.now?.() ?? performance.now())
    socket.on('close', () => this.unsettled.delete(socket))
    const sniff = (chunk: Buffer): void => {
      first = first.length === 0 ? chunk : Buffer.concat([first, chunk])
      const tunnel = looksLikeTunnel(first)
      if (tunnel === undefined) return
      socket.off('data', sniff)
      if (tunnel) {
        this.readHead(socket, first)
      } else {
        this.unsettled.delete(socket)
        socket.pause()
        socket.unshift(first)
        this.deps.accept(socket)
        socket.resume()
      }
    }
    socket.on('data', sniff)
    socket.on('error', () => socket.destroy())
  }

  /** Closes the sockets that came `ms` or more before `now` and are still not RTSP connections (slow or silent clients). */
  expireUnsettled(now: number, ms: number): void {
    for (const [s, since] of this.unsettled) if (now - since >= ms) s.destroy()
  }

  /** Closes every pending half; open tunnels are closed with their connections. */
  close(): void {
    this.warnings.close()
    for (const s of this.unsettled.keys()) s.destroy()
    this.unsettled.clear()
    for (const p of this.earlyPosts.values()) {
      clearTimeout(p.timer)
      p.socket.destroy()
    }
    this.earlyPosts.clear()
    for (const t of this.tunnels.values()) if (t.timer) clearTimeout(t.timer)
  }

  private readHead(socket: net.Socket, first: Buffer): void {
    let buf: Buffer = first
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk])
      tryParse()
    }
    const timer = setTimeout(() => this.refuse(socket, 408, 'Request Timeout', 'no complete HTTP head'), this.pairTimeoutMs)
    timer.unref()
    const tryParse = (): void => {
      let head: TunnelHead | undefined
      try {
        head = parseTunnelHead(buf)
      } catch (err) {
        socket.off('data', onData)
        clearTimeout(timer)
        this.refuse(socket, 400, 'Bad Request', (err as Error).message)
        return
      }
      if (!head) return
      socket.off('data', onData)
      clearTimeout(timer)
      this.onHead(socket, head, buf.subarray(head.length))
    }
    socket.on('data', onData)
    tryParse()
  }

  private get pairTimeoutMs(): number {
    return this.deps.pairTimeoutMs ?? TUNNEL_PAIR_TIMEOUT_MS
  }

  private onHead(socket: net.Socket, head: TunnelHead, rest: Buffer): void {
    const cookie = head.cookie
    if (cookie === undefined) {
      this.refuse(socket, 400, 'Bad Request', `HTTP ${head.method} without x-sessioncookie`)
      return
    }
    if (head.method === 'GET') this.onGet(socket, cookie)
    else this.onPost(socket, cookie, rest)
  }

  private onGet(socket: net.Socket, cookie: string): void {
    if (this.tunnels.has(cookie)) {
      this.refuse(socket, 400, 'Bad Request', 'a tunnel with this x-sessioncookie is open already')
      return
    }
    socket.write(tunnelGetResponse())
    const tunnel = new TunnelSocket(cookie, socket)
    const entry: TunnelEntry = { tunnel, get: socket, timer: undefined }
    this.tunnels.set(cookie, entry)
    tunnel.on('close', () => {
      if (entry.timer) clearTimeout(entry.timer)
      if (this.tunnels.get(cookie) === entry) this.tunnels.delete(cookie)
    })
    tunnel.on('error', (err: Error) => this.fail(`tunnel ${cookie}: ${err.message}`))
    const early = this.earlyPosts.get(cookie)
    if (early) {
      this.earlyPosts.delete(cookie)
      clearTimeout(early.timer)
      early.socket.removeAllListeners('data')
      this.settle(socket, early.socket)
      this.deps.accept(tunnel)
      tunnel.attachPost(early.socket, early.body)
      return
    }
    entry.timer = setTimeout(() => {
      entry.timer = undefined
      if (tunnel.hasPost) return
      this.fail(`tunnel GET from ${socket.remoteAddress ?? '?'} had no POST within ${this.pairTimeoutMs} ms`)
      tunnel.destroy()
    }, this.pairTimeoutMs)
    entry.timer.unref()
  }

  private onPost(socket: net.Socket, cookie: string, body: Buffer): void {
    const entry = this.tunnels.get(cookie)
    if (entry) {
      const first = !entry.tunnel.hasPost && entry.timer !== undefined
      if (entry.timer) clearTimeout(entry.timer)
      entry.timer = undefined
      if (first) {
        this.settle(entry.get)
        this.deps.accept(entry.tunnel)
      }
      this.settle(socket)
      entry.tunnel.attachPost(socket, body)
      return
    }
    if (this.earlyPosts.has(cookie)) {
      this.refuse(socket, 400, 'Bad Request', 'two POSTs wait for the same tunnel')
      return
    }
    // The GET may still come: keep the raw body, bounded.
    const pending: PendingPost = {
      socket,
      body,
      timer: setTimeout(() => {
        this.earlyPosts.delete(cookie)
        this.fail(`tunnel POST from ${socket.remoteAddress ?? '?'} had no GET within ${this.pairTimeoutMs} ms`)
        socket.destroy()
      }, this.pairTimeoutMs),
    }
    pending.timer.unref()
    this.earlyPosts.set(cookie, pending)
    socket.on('data', (chunk: Buffer) => {
      pending.body = Buffer.concat([pending.body, chunk])
      if (pending.body.length > EARLY_POST_MAX) {
        clearTimeout(pending.timer)
        this.earlyPosts.delete(cookie)
        this.refuse(socket, 413, 'Payload Too Large', 'tunnel POST sent too much before its GET')
      }
    })
    socket.on('close', () => {
      if (this.earlyPosts.get(cookie) === pending) {
        clearTimeout(pending.timer)
        this.earlyPosts.delete(cookie)
      }
    })
  }

  /** Sockets now owned by an accepted connection. */
  private settle(...sockets: net.Socket[]): void {
    for (const s of sockets) this.unsettled.delete(s)
  }

  private refuse(socket: net.Socket, status: 400 | 404 | 408 | 413, reason: string, why: string): void {
    this.fail(`HTTP tunnel from ${socket.remoteAddress ?? '?'} refused: ${why}`)
    if (!socket.destroyed) socket.end(tunnelErrorResponse(status, reason))
    setTimeout(() => socket.destroy(), 1000).unref()
  }

  private fail(reason: string): void {
    if (this.warnings.pass('HTTP tunnels failed')) this.deps.logger.warn(reason)
    this.deps.onTunnelFailure?.(reason)
  }
}
