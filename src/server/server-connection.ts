import type { ConnectionSocket } from '../transport/tunnel-socket.js'
import { LimitError, RtspkitError } from '../errors.js'
import { RtspHeaders } from '../rtsp/headers.js'
import { STATUS_REASONS, serializeResponse, type RtspRequest, type RtspResponse } from '../rtsp/message.js'
import { INTERLEAVED_HEADER_SIZE, INTERLEAVED_MAGIC } from '../rtsp/interleaved.js'
import { RtspReader, UNTERMINATED_QUIET_MS, type RtspReadEvent, type RtspReaderLimits } from '../rtsp/reader.js'
import type { InterleavedSink } from './server-session.js'
import type { ConnectionWatch } from './connection-guard.js'

/** How a request was framed, so that the answer can be framed alike. */
export interface RequestFraming {
  /** Every line ended in a bare LF: the answer does too. */
  lfOnly: boolean
  /** No empty line ended it (taken as complete after UNTERMINATED_QUIET_MS of quiet). */
  unterminated: boolean
}

export interface ConnectionHandler {
  handleRequest(conn: ServerConnection, req: RtspRequest, framing: RequestFraming): Promise<RtspResponse>
  handleInterleaved(conn: ServerConnection, channel: number, payload: Buffer): void
  connectionClosed(conn: ServerConnection): void
  /** Sees each request as it arrives and each response as it is sent (for logs). */
  onDialogue?(conn: ServerConnection, direction: 'recv' | 'send', message: RtspRequest | RtspResponse): void
}

export function makeResponse(statusCode: number, headers?: Record<string, string>, body?: Buffer): RtspResponse {
  return {
    version: 'RTSP/1.0',
    statusCode,
    reason: STATUS_REASONS[statusCode] ?? 'Unknown',
    headers: new RtspHeaders(headers ?? {}),
    body: body ?? Buffer.alloc(0),
  }
}

/** Without a guard: no budget, the system's monotonic clock. */
const UNWATCHED: ConnectionWatch = { now: () => performance.now(), charge: () => true }

/** One client TCP connection: reads RTSP requests and interleaved frames, answers in order. */
export class ServerConnection implements InterleavedSink {
  readonly reader: RtspReader
  readonly remoteAddress: string
  readonly remotePort: number
  readonly localAddress: string
  /** Requests are answered one at a time, in order, even when handling one is asynchronous. */
  private chain: Promise<void> = Promise.resolve()
  private ended = false
  private quietTimer: NodeJS.Timeout | undefined
  /** Accepted beyond the server's connection limit: every request is answered 503, then the connection closes. */
  overLimit = false
  /** Extra lines the server adds to every response (Server header). */
  serverName = 'rtspkit'
  // What the connection guard (connection-guard.ts) times; monotonic ms from the watch's clock.
  readonly openedAt: number
  lastReadAt: number
  /** Requests received complete. */
  requests = 0
  /** Requests received and not answered yet. */
  inFlight = 0
  /** Since when a request's start line and headers are arriving; undefined when none is under way. */
  headSince: number | undefined
  /** Since when a request's body is arriving. */
  bodySince: number | undefined
  /** Bytes handed to the socket so far (what the socket still holds tells how much went out). */
  bytesQueued = 0
  /** When the server ended this connection's last session (stream ended, kicked…): it closes after a grace. */
  orphanedAt: number | undefined
  /** Bytes of unfinished requests charged to the server's budget. */
  private charged = 0
  /** Answering a refusal: the rest of what the client sends is ignored. */
  private refusing = false

  constructor(
    readonly id: number,
    readonly socket: ConnectionSocket,
    limits: Partial<RtspReaderLimits>,
    private readonly handler: ConnectionHandler,
    private readonly watch: ConnectionWatch = UNWATCHED,
  ) {
    this.openedAt = watch.now()
    this.lastReadAt = this.openedAt
    this.reader = new RtspReader(limits)
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? '')
    this.remotePort = socket.remotePort ?? 0
    this.localAddress = normalizeAddress(socket.localAddress ?? '')
    socket.setNoDelay(true)
    socket.on('data', (chunk) => this.onData(chunk))
    socket.on('error', () => this.destroy())
    socket.on('close', () => this.onClose())
  }

  get closed(): boolean {
    return this.ended || this.socket.destroyed
  }

  get queuedBytes(): number {
    return this.socket.writableLength
  }

  private onData(chunk: Buffer): void {
    if (this.ended || this.refusing) return
    this.clearQuietTimer()
    const now = this.watch.now()
    this.lastReadAt = now
    this.orphanedAt = undefined
    try {
      // feed() hands over every complete message before throwing on bad bytes after them.
      this.reader.feed(chunk, (ev) => this.onEvent(ev, false))
    } catch (err) {
      this.recharge()
      this.failParse(err)
      return
    }
    const pending = this.reader.pending
    if (pending === 'head') this.headSince ??= now
    else if (pending === 'body') this.bodySince ??= now
    if (!this.recharge()) {
      this.refuse(503)
      return
    }
    if (this.reader.canFlushUnterminated) {
      this.quietTimer = setTimeout(() => this.flushUnterminated(), UNTERMINATED_QUIET_MS)
      this.quietTimer.unref()
    }
  }

  private flushUnterminated(): void {
    this.quietTimer = undefined
    if (this.ended) return
    try {
      const ev = this.reader.flushUnterminated()
      if (ev) this.onEvent(ev, true)
    } catch (err) {
      this.failParse(err)
    }
  }

  private clearQuietTimer(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer)
    this.quietTimer = undefined
  }

  /** Charges the reader's buffered bytes to the budget; false when that overdraws it. */
  private recharge(): boolean {
    const held = this.reader.bufferedBytes
    const delta = held - this.charged
    this.charged = held
    return delta === 0 || this.watch.charge(delta)
  }

  /** Returns the charge and drops what the reader holds. */
  private release(): void {
    this.reader.discard()
    if (this.charged !== 0) this.watch.charge(-this.charged)
    this.charged = 0
  }

  /**
   * Answers `status` with `Connection: close` once, then closes: a request too slow to arrive (408) or
   * one the server has no memory for (503). What the client sends meanwhile is dropped unread.
   */
  refuse(status: number): void {
    if (this.ended || this.refusing) return
    this.refusing = true
    this.clearQuietTimer()
    this.release()
    const res = makeResponse(status, { Connection: 'close' })
    this.chain = this.chain.then(() => {
      this.send(res, undefined)
      this.end()
    })
  }

  private onEvent(ev: RtspReadEvent, unterminated: boolean): void {
    // A message ended: the next one's clock starts with its first byte.
    this.headSince = undefined
    this.bodySince = undefined
    if (ev.kind === 'request') {
      const req = ev.request
      const framing: RequestFraming = { lfOnly: this.reader.lastMessageLfOnly, unterminated }
      this.requests++
      this.inFlight++
      this.chain = this.chain.then(() => this.answer(req, framing))
    } else if (ev.kind === 'interleaved') {
      this.handler.handleInterleaved(this, ev.channel, ev.payload)
    }
    // Responses from a client are not expected; ignore them.
  }

  private async answer(req: RtspRequest, framing: RequestFraming): Promise<void> {
    if (this.ended) {
      this.inFlight--
      return
    }
    let res: RtspResponse
    this.handler.onDialogue?.(this, 'recv', req)
    // A TEARDOWN's RTCP BYE and its answer leave in one write. Uncorked on the next tick, not after the
    // answer: a handler that waits on I/O (an external auth check) must not hold back the media of other
    // sessions on this connection meanwhile.
    if (req.method === 'TEARDOWN') {
      this.socket.cork()
      process.nextTick(() => this.socket.uncork())
    }
    try {
      res = await this.handler.handleRequest(this, req, framing)
    } catch (err) {
      res = makeResponse(err instanceof RtspkitError ? 400 : 500)
    }
    this.inFlight--
    this.send(res, req.headers.get('CSeq'), framing.lfOnly)
    if (res.headers.get('Connection')?.toLowerCase() === 'close') this.end()
  }

  /** Writes a response; `lfOnly` answers an LF-only request with LF-only line ends (the body is left as it is). */
  send(res: RtspResponse, cseq: string | undefined, lfOnly = false): void {
    if (this.closed) return
    if (cseq !== undefined && !res.headers.has('CSeq')) res.headers.set('CSeq', cseq)
    if (!res.headers.has('Server')) res.headers.set('Server', this.serverName)
    this.handler.onDialogue?.(this, 'send', res)
    const bytes = serializeResponse(res)
    const out = lfOnly ? lfOnlyHead(bytes, res.body.length) : bytes
    this.bytesQueued += out.length
    this.socket.write(out)
  }

  /** Malformed input: answer 400 (413 for an oversized body) once, then close — the byte stream is no longer trustworthy. */
  private failParse(err: unknown): void {
    const code = err instanceof RtspkitError ? err.code : ''
    const status = code === 'ERR_RTSP_BODY_TOO_LARGE' ? 413 : 400
    const cseq = err instanceof RtspkitError && typeof err.details.cseq === 'string' ? err.details.cseq : undefined
    const res = makeResponse(status)
    if (!(err instanceof LimitError) || status === 413) res.headers.set('Connection', 'close')
    this.chain = this.chain.then(() => {
      this.send(res, cseq)
      this.end()
    })
  }

  writeInterleaved(channel: number, packets: readonly Buffer[]): void {
    if (this.closed) return
    // One allocation for every packet's framing; payloads are written as they are.
    const headers = Buffer.allocUnsafe(INTERLEAVED_HEADER_SIZE * packets.length)
    this.socket.cork()
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!
      const at = i * INTERLEAVED_HEADER_SIZE
      headers[at] = INTERLEAVED_MAGIC
      headers[at + 1] = channel
      headers.writeUInt16BE(p.length, at + 2)
      this.socket.write(headers.subarray(at, at + INTERLEAVED_HEADER_SIZE))
      this.socket.write(p)
      this.bytesQueued += INTERLEAVED_HEADER_SIZE + p.length
    }
    this.socket.uncork()
  }

  writeFramed(frames: Buffer): void {
    if (this.closed) return
    this.socket.write(frames)
    this.bytesQueued += frames.length
  }

  batch(fn: () => void): void {
    this.socket.cork()
    try {
      fn()
    } finally {
      this.socket.uncork()
    }
  }

  onceDrained(cb: () => void): void {
    if (this.closed || this.socket.writableLength === 0) queueMicrotask(cb)
    else this.socket.once('drain', cb)
  }

  /** Graceful close after pending writes. */
  end(): void {
    if (this.ended) return
    this.ended = true
    this.clearQuietTimer()
    this.socket.end()
    // A peer that never reads must not keep the socket forever.
    setTimeout(() => this.socket.destroy(), 2000).unref()
  }

  destroy(): void {
    this.ended = true
    this.clearQuietTimer()
    this.socket.destroy()
  }

  private onClose(): void {
    this.ended = true
    this.clearQuietTimer()
    // The reader may hold most of a request: give the memory back now, not when the object goes.
    this.release()
    this.handler.connectionClosed(this)
  }
}

/** The message with CRLF → LF in its start line and headers; the last `bodyLength` bytes are kept. */
function lfOnlyHead(message: Buffer, bodyLength: number): Buffer {
  const head = message
    .subarray(0, message.length - bodyLength)
    .toString('latin1')
    .replaceAll('\r\n', '\n')
  return Buffer.concat([Buffer.from(head, 'latin1'), message.subarray(message.length - bodyLength)])
}

/** '::ffff:127.0.0.1' → '127.0.0.1', so UDP sockets of the right family are used. */
export function normalizeAddress(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr
}
