/**
 * The bad input of `npm run bench:attack` (bench/under-attack.ts), thrown at a server while its
 * steady readers play: a handshake storm, idle connections and stalled TCP readers. Each is bounded in
 * count and time, counts what happened, and has an idempotent synchronous `close()` that destroys
 * every socket it opened (also on Ctrl+C).
 *
 * Whether the server cut a connection is read from the kernel (/proc/net/tcp, proc(5)) for the
 * stalled reader: a socket that never reads would not see the server's FIN or RST itself.
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { setMaxListeners } from 'node:events'
import { sleep } from './bench-env.js'
import { Conn, handshake, trackControlOf } from './handshakes.js'
import { HOST } from './server-process.js'
import { percentile } from './stats.js'

/** An idle connection not established by then is given up (gst-rtsp-server listens with a backlog of 5). */
const IDLE_CONNECT_TIMEOUT_MS = 5000
/** After the storm's window, handshakes under way get this long to finish before they are aborted. */
const STORM_GRACE_MS = 1000
/** A failed handshake's loop waits this long before the next (as bench/handshakes.ts does). */
const STORM_RETRY_MS = 10
/** How often the stalled readers' connections are looked up in /proc/net/tcp. */
const STALL_POLL_MS = 250
/** /proc/net/tcp states (include/net/tcp_states.h): the server still holds the connection in these. */
const TCP_ESTABLISHED = 0x01
const TCP_CLOSE_WAIT = 0x08
const ERR_PREVIEW = 120

export interface StormResult {
  parallel: number
  done: number
  failed: number
  /** Handshakes still under way when the grace after the window ran out (aborted, not failures). */
  unfinished: number
  perSecond: number
  p50Ms: number
  p99Ms: number
  firstError: string | undefined
}

/** `parallel` clients, each handshaking (tcp, new connection each) in a loop until `endAt` (performance.now()). */
export class HandshakeStorm {
  private readonly abort = new AbortController()
  private readonly samples: number[] = []
  private failed = 0
  private unfinished = 0
  private firstError: string | undefined
  private readonly startedAt = performance.now()
  private readonly loops: Promise<void>

  constructor(
    private readonly port: number,
    private readonly url: string,
    readonly parallel: number,
    private readonly endAt: number,
  ) {
    // Every handshake under way listens on the one signal.
    setMaxListeners(0, this.abort.signal)
    this.loops = Promise.all(Array.from({ length: parallel }, () => this.loop())).then(() => {})
  }

  private async loop(): Promise<void> {
    while (performance.now() < this.endAt && !this.abort.signal.aborted) {
      try {
        this.samples.push(await handshake(this.port, this.url, 'tcp', 0, this.abort.signal))
      } catch (err) {
        if (this.abort.signal.aborted) {
          this.unfinished++
          return
        }
        this.failed++
        this.firstError ??= (err as Error).message.slice(0, ERR_PREVIEW)
        await sleep(STORM_RETRY_MS)
      }
    }
  }

  /** Waits for the loops past `endAt`, aborting what has not finished within the grace. */
  async finish(): Promise<StormResult> {
    const graceUntil = this.endAt + STORM_GRACE_MS
    await Promise.race([this.loops, sleep(Math.max(0, graceUntil - performance.now()))])
    this.close()
    await this.loops
    const seconds = Math.max(1e-3, (this.endAt - this.startedAt) / 1000)
    return {
      parallel: this.parallel,
      done: this.samples.length,
      failed: this.failed,
      unfinished: this.unfinished,
      perSecond: this.samples.length / seconds,
      p50Ms: percentile(this.samples, 50),
      p99Ms: percentile(this.samples, 99),
      firstError: this.firstError,
    }
  }

  close(): void {
    this.abort.abort()
  }
}

export interface IdleResult {
  opened: number
  connected: number
  /** Not established within IDLE_CONNECT_TIMEOUT_MS, or refused. */
  connectFailed: number
  /** Closed by the server (FIN or RST) before the window ended, and before the tail ended. */
  closedInWindow: number
  closedByEnd: number
  /** Seconds from the attack's start to the server's closes (first, median, last); NaN for none. */
  closeFirstS: number
  closeMedianS: number
  closeLastS: number
  /** Connections on which the server sent something (an error answer, say) before closing. */
  answered: number
}

/** `count` TCP connections that never send a byte, opened at once. */
export class IdleConnections {
  private readonly sockets: net.Socket[] = []
  private readonly closedAt: number[] = []
  private connected = 0
  private connectFailed = 0
  private answered = 0
  private closing = false

  constructor(
    port: number,
    readonly count: number,
    private readonly t0: number,
  ) {
    for (let i = 0; i < count; i++) this.open(port)
  }

  private open(port: number): void {
    const s = net.connect({ port, host: HOST })
    this.sockets.push(s)
    let established = false
    let ended = false
    const timer = setTimeout(() => {
      if (!established) s.destroy()
    }, IDLE_CONNECT_TIMEOUT_MS)
    s.once('connect', () => {
      established = true
      this.connected++
      clearTimeout(timer)
    })
    s.once('data', () => this.answered++)
    s.on('data', () => {})
    const closedByServer = () => {
      if (ended || this.closing) return
      ended = true
      clearTimeout(timer)
      if (established) this.closedAt.push((performance.now() - this.t0) / 1000)
      else this.connectFailed++
    }
    s.once('end', closedByServer)
    s.once('close', closedByServer)
    s.on('error', () => {})
  }

  /** True once the server has closed every connection that was established (or none could be). */
  get allClosed(): boolean {
    return this.closedAt.length + this.connectFailed >= this.count
  }

  /** Counts so far; `windowEndS` splits the closes into those in the window and after it. */
  result(windowEndS: number): IdleResult {
    const sorted = [...this.closedAt].sort((a, b) => a - b)
    return {
      opened: this.count,
      connected: this.connected,
      connectFailed: this.connectFailed,
      closedInWindow: sorted.filter((t) => t <= windowEndS).length,
      closedByEnd: sorted.length,
      closeFirstS: sorted[0] ?? NaN,
      closeMedianS: percentile(sorted, 50),
      closeLastS: sorted[sorted.length - 1] ?? NaN,
      answered: this.answered,
    }
  }

  close(): void {
    this.closing = true
    for (const s of this.sockets) s.destroy()
  }
}

export interface StalledResult {
  /** PLAY answered, then the socket was never read again. */
  playing: boolean
  setupError: string | undefined
  /** Seconds from the attack's start to when the server no longer held the connection; NaN if it still did. */
  cutAtS: number
  /** Most bytes seen waiting, unread, in the stalled socket's receive queue (the server did send). */
  maxUnreadBytes: number
}

/** One TCP reader: DESCRIBE, SETUP interleaved, PLAY, then it never reads a byte again. */
export class StalledReader {
  private conn: Conn | undefined
  private readonly abort = new AbortController()
  private playing = false
  private setupError: string | undefined
  private cutAtS = NaN
  private maxUnread = 0
  private serverPort: number
  private readonly started: Promise<void>

  constructor(
    port: number,
    url: string,
    private readonly t0: number,
  ) {
    this.serverPort = port
    this.started = this.start(port, url).catch((err: Error) => {
      this.setupError = err.message.slice(0, ERR_PREVIEW)
    })
  }

  private async start(port: number, url: string): Promise<void> {
    const c = await Conn.open(port, this.abort.signal)
    this.conn = c
    const d = await c.request('DESCRIBE', url, 'Accept: application/sdp\r\n')
    const base = /\r\ncontent-base:\s*(\S+)/i.exec(d.headers)?.[1] ?? `${url}/`
    const s = await c.request('SETUP', `${base}${trackControlOf(url)}`, 'Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n')
    const session = /\r\nsession:\s*([^;\r]+)/i.exec(s.headers)?.[1] ?? ''
    await c.request('PLAY', url, `Session: ${session}\r\nRange: npt=0.000-\r\n`)
    c.stopReading()
    this.playing = true
  }

  /** True once the server has cut it, or it never got to play. */
  get settled(): boolean {
    return this.setupError !== undefined || !Number.isNaN(this.cutAtS)
  }

  /** Called with the kernel's view of every TCP connection, a few times a second. */
  observe(table: TcpEntry[]): void {
    if (!this.playing || !this.conn || !Number.isNaN(this.cutAtS)) return
    const local = this.conn.localPort
    const mine = table.find((e) => e.localPort === local && e.remotePort === this.serverPort)
    if (mine) this.maxUnread = Math.max(this.maxUnread, mine.rxQueue)
    const server = table.find((e) => e.localPort === this.serverPort && e.remotePort === local)
    if (!server || (server.state !== TCP_ESTABLISHED && server.state !== TCP_CLOSE_WAIT)) this.cutAtS = (performance.now() - this.t0) / 1000
  }

  async result(): Promise<StalledResult> {
    await this.started
    return { playing: this.playing, setupError: this.setupError, cutAtS: this.cutAtS, maxUnreadBytes: this.maxUnread }
  }

  close(): void {
    this.abort.abort()
    this.conn?.close()
  }
}

/** Polls /proc/net/tcp for the stalled readers until closed. */
export class StallWatch {
  private readonly timer: NodeJS.Timeout

  constructor(private readonly readers: StalledReader[]) {
    this.timer = setInterval(() => this.poll(), STALL_POLL_MS)
  }

  poll(): void {
    if (this.readers.length === 0) return
    const table = readTcpTable()
    for (const r of this.readers) r.observe(table)
  }

  close(): void {
    clearInterval(this.timer)
  }
}

export interface TcpEntry {
  localPort: number
  remotePort: number
  state: number
  rxQueue: number
}

/**
 * IPv4 TCP sockets of this network namespace, from /proc/net/tcp (proc(5)): "sl local_address
 * rem_address st tx_queue:rx_queue …", addresses as hex IP:port, the state and queues in hex.
 */
export function readTcpTable(): TcpEntry[] {
  const out: TcpEntry[] = []
  const lines = readFileSync('/proc/net/tcp', 'utf8').split('\n')
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/)
    if (f.length < 5) continue
    const queues = f[4]!.split(':')
    out.push({
      localPort: parseInt(f[1]!.split(':')[1]!, 16),
      remotePort: parseInt(f[2]!.split(':')[1]!, 16),
      state: parseInt(f[3]!, 16),
      rxQueue: parseInt(queues[1] ?? '0', 16),
    })
  }
  return out
}
