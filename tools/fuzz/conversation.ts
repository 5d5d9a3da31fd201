/**
 * One fuzzing connection (TCP or TLS): writes whatever it is given and reads the server's answers
 * with rtspkit's own RtspReader, which also takes HTTP/1.x status lines. Replies are tallied by
 * class ("RTSP 4xx", "HTTP 2xx"); a connection the server closes is remembered, so an attack can tell
 * "answered", "closed on us" and "still waiting for more bytes" apart.
 */
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { RtspResponse } from '../../src/rtsp/message.js'
import { RtspReader } from '../../src/rtsp/reader.js'

const CONNECT_TIMEOUT_MS = 3000
const WAIT_STEP_MS = 20

export type Tally = (cls: string, n?: number) => void

/** "RTSP 2xx", "HTTP 4xx"…; server errors keep their exact code ("RTSP 500"), since each one is worth a look. */
export function replyClass(r: RtspResponse): string {
  return statusClass(r.version.split('/')[0] ?? '?', r.statusCode)
}

export function statusClass(proto: string, status: number): string {
  return status >= 500 ? `${proto} ${status}` : `${proto} ${Math.floor(status / 100)}xx`
}

export class Conversation {
  readonly responses: RtspResponse[] = []
  /** Interleaved frames the server sent (count only: the fuzzer does not read media). */
  frames = 0
  /** Bytes that were not RTSP/HTTP (the reader failed on them; e.g. a TLS alert). */
  unreadable = false
  closed = false
  private readonly reader = new RtspReader()
  private waiters: (() => void)[] = []

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.unreadable) return
      try {
        for (const ev of this.reader.push(chunk)) {
          if (ev.kind === 'response') this.responses.push(ev.response)
          else if (ev.kind === 'interleaved') this.frames++
        }
      } catch {
        this.unreadable = true
      }
      this.wake()
    })
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
    socket.on('error', () => {})
  }

  static open(port: number, host: string, tls = false): Promise<Conversation> {
    return new Promise((resolve, reject) => {
      const socket = tls ? tlsConnect({ port, host, rejectUnauthorized: false }) : netConnect({ port, host, noDelay: true })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`connect to ${host}:${port} timed out`))
      }, CONNECT_TIMEOUT_MS)
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.off('error', onError)
        resolve(new Conversation(socket))
      })
      const onError = (err: Error) => {
        clearTimeout(timer)
        reject(err)
      }
      socket.once('error', onError)
    })
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data)
  }

  /** Waits until `n` responses in all, the connection closes, or `timeoutMs` passes; true when `n` arrived. */
  async waitResponses(n: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs
    while (this.responses.length < n && !this.closed && !this.unreadable && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, WAIT_STEP_MS)
      })
    }
    return this.responses.length >= n
  }

  /** Counts every reply so far by class, and how the conversation ended when fewer replies than messages came. */
  tally(tally: Tally, sent: number): void {
    for (const r of this.responses) tally(replyClass(r))
    const missing = sent - this.responses.length
    if (missing <= 0) return
    if (this.unreadable) tally('non-RTSP bytes back', missing)
    else if (this.closed) tally('closed by server', missing)
    else tally('no reply (server waits)', missing)
  }

  close(): void {
    this.socket.destroy()
  }
}
