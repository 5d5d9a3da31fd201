/**
 * Connections that hold a server's resources without using them: idle ones (connect, send nothing)
 * and slowloris ones (a request whose header line grows by one byte every few seconds and never
 * ends). The soak counts how many the server closes and when: today's rtspkit keeps them all, and a
 * server with read timeouts closes them (gst-rtsp-server after about 60 s).
 */
import { connect, type Socket } from 'node:net'

const SLOW_HEAD = 'OPTIONS rtsp://127.0.0.1/bench RTSP/1.0\r\nCSeq: 1\r\nX-Slow: '

interface Held {
  socket: Socket
  kind: 'idle' | 'slowloris'
  openedAt: number
  /** performance.now() when the server closed it, -1 while open. */
  closedAt: number
  failed: boolean
}

export interface HeldStats {
  kind: 'idle' | 'slowloris'
  opened: number
  failedToOpen: number
  closedByServer: number
  /** Median seconds from open to the server's close; NaN when none closed. */
  medianCloseS: number
}

export class IdleConnections {
  private readonly held: Held[] = []
  private timer: NodeJS.Timeout | undefined
  private closing = false

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Opens `idle` silent and `slow` slowloris connections; a slowloris one sends a byte every `everyMs`. */
  async open(idle: number, slow: number, everyMs: number): Promise<void> {
    const opens: Promise<void>[] = []
    for (let i = 0; i < idle + slow; i++) opens.push(this.openOne(i < idle ? 'idle' : 'slowloris'))
    await Promise.all(opens)
    if (slow > 0) {
      this.timer = setInterval(() => {
        for (const h of this.held) if (h.kind === 'slowloris' && h.closedAt < 0 && !h.failed) h.socket.write('a')
      }, everyMs)
      this.timer.unref()
    }
  }

  private openOne(kind: 'idle' | 'slowloris'): Promise<void> {
    return new Promise((resolve) => {
      const socket = connect({ host: this.host, port: this.port })
      const h: Held = { socket, kind, openedAt: performance.now(), closedAt: -1, failed: false }
      this.held.push(h)
      let connected = false
      socket.once('connect', () => {
        connected = true
        if (kind === 'slowloris') socket.write(SLOW_HEAD)
        resolve()
      })
      socket.on('error', () => {
        // After connecting, an error (a reset) is the server closing it: 'close' follows.
        if (connected) return
        h.failed = true
        resolve()
      })
      // Whatever the server answers (a 408 or 400 before closing) is read and dropped.
      socket.on('data', () => {})
      socket.on('close', () => {
        if (!this.closing && !h.failed && h.closedAt < 0) h.closedAt = performance.now()
      })
    })
  }

  /** Connections still open. */
  get stillOpen(): number {
    return this.held.filter((h) => !h.failed && h.closedAt < 0).length
  }

  stats(): HeldStats[] {
    return (['idle', 'slowloris'] as const).map((kind) => {
      const mine = this.held.filter((h) => h.kind === kind)
      const closed = mine
        .filter((h) => h.closedAt >= 0)
        .map((h) => (h.closedAt - h.openedAt) / 1000)
        .sort((a, b) => a - b)
      return {
        kind,
        opened: mine.filter((h) => !h.failed).length,
        failedToOpen: mine.filter((h) => h.failed).length,
        closedByServer: closed.length,
        medianCloseS: closed.length === 0 ? NaN : closed[Math.floor(closed.length / 2)]!,
      }
    })
  }

  close(): void {
    this.closing = true
    clearInterval(this.timer)
    for (const h of this.held) h.socket.destroy()
  }
}
