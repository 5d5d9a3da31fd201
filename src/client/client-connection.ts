/**
 * One RTSP control connection of a client: a TCP socket, an RtspReader, and requests matched to
 * their responses by CSeq (RFC 2326 section 12.17). Interleaved frames (section 10.12) go to
 * `onInterleaved`. No protocol decisions here: RtspClient decides what to send.
 *
 * Quirks: a response that never ends its header section (the teaching project's Server.py writes
 * `RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456` and nothing more) is taken as complete after
 * UNTERMINATED_QUIET_MS without more bytes (see RtspReader.flushUnterminated); a response without
 * CSeq, or with one we never sent, answers the oldest request still waiting (some cameras echo
 * nothing); requests from the server (ANNOUNCE, GET_PARAMETER, as live555 and Axis send) are
 * answered 501 so the server's own CSeq logic is not left waiting.
 */
import { openClientSocket, type ClientSocket, type ClientSocketOptions } from '../transport/client-socket.js'
import { ProtocolError, RtspkitError } from '../errors.js'
import { RtspHeaders } from '../rtsp/headers.js'
import { interleavedHeader } from '../rtsp/interleaved.js'
import { createResponse, RTSP_VERSION, serializeRequest, serializeResponse, type RtspResponse } from '../rtsp/message.js'
import { RtspReader, UNTERMINATED_QUIET_MS, type RtspReadEvent } from '../rtsp/reader.js'

export type DialogueHook = (direction: 'send' | 'recv', text: string) => void

export interface ClientConnectionOptions extends ClientSocketOptions {
  /** Connect and per-request timeout (ms). */
  timeoutMs: number
  onDialogue?: DialogueHook | undefined
  onInterleaved?: (channel: number, payload: Buffer) => void
  /** The connection ended: by the peer, an error or a protocol violation. Not called after close(). */
  onClose?: (err: RtspkitError) => void
}

interface Pending {
  cseq: number
  method: string
  uri: string
  resolve: (res: RtspResponse) => void
  reject: (err: RtspkitError) => void
  timer: NodeJS.Timeout
}

const MAX_DIALOGUE_BODY = 4096

/** A message's head (and a text body) as text for `onDialogue`. */
function dialogueText(head: Buffer, body: Buffer): string {
  const text = head.toString('utf8')
  if (body.length === 0) return text
  const printable = !body.subarray(0, MAX_DIALOGUE_BODY).some((b) => b < 0x09 || (b > 0x0d && b < 0x20))
  return printable ? text + body.subarray(0, MAX_DIALOGUE_BODY).toString('utf8') : `${text}[${body.length} bytes]`
}

export class ClientConnection {
  private readonly opts: ClientConnectionOptions
  private readonly socket: ClientSocket
  private readonly reader = new RtspReader()
  private readonly pending: Pending[] = []
  private nextCseq = 1
  private closed = false
  private quietTimer: NodeJS.Timeout | undefined

  private constructor(socket: ClientSocket, opts: ClientConnectionOptions) {
    this.socket = socket
    this.opts = opts
    socket.setNoDelay(true)
    socket.on('data', (chunk) => this.onData(chunk))
    socket.on('error', (err) =>
      this.fail(
        new ProtocolError(
          'ERR_RTSP_CONNECTION',
          `connection to ${opts.host}:${opts.port} failed: ${err.message}`,
          { observed: (err as NodeJS.ErrnoException).code },
          { cause: err },
        ),
      ),
    )
    socket.on('close', () =>
      this.fail(new ProtocolError('ERR_RTSP_CONNECTION_CLOSED', `connection to ${opts.host}:${opts.port} closed by the server`, {})),
    )
  }

  static async connect(opts: ClientConnectionOptions): Promise<ClientConnection> {
    const socket = await openClientSocket(opts)
    return new ClientConnection(socket, opts)
  }

  get isClosed(): boolean {
    return this.closed
  }

  get localAddress(): string {
    return this.socket.localAddress ?? ''
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? this.opts.host
  }

  /** Sends a request with the next CSeq; resolves with its response, whatever its status. */
  request(method: string, uri: string, headers: RtspHeaders, body: Buffer = Buffer.alloc(0)): Promise<RtspResponse> {
    if (this.closed)
      return Promise.reject(new ProtocolError('ERR_RTSP_CONNECTION_CLOSED', `cannot send ${method}: the connection is closed`, {}))
    const cseq = this.nextCseq++
    const h = new RtspHeaders([['CSeq', String(cseq)], ...headers.entries()])
    const bytes = serializeRequest({ method, uri, version: RTSP_VERSION, headers: h, body })
    if (this.opts.onDialogue) this.opts.onDialogue('send', dialogueText(bytes.subarray(0, bytes.length - body.length), body))
    return this.send(cseq, method, uri, bytes)
  }

  /**
   * Sends a request already written out by `format` (given the CSeq to use), for dialects whose exact
   * bytes matter (the teaching project's). Resolves with its response like request().
   */
  requestRaw(method: string, uri: string, format: (cseq: number) => Buffer): Promise<RtspResponse> {
    if (this.closed)
      return Promise.reject(new ProtocolError('ERR_RTSP_CONNECTION_CLOSED', `cannot send ${method}: the connection is closed`, {}))
    const cseq = this.nextCseq++
    const bytes = format(cseq)
    if (this.opts.onDialogue) this.opts.onDialogue('send', bytes.toString('utf8'))
    return this.send(cseq, method, uri, bytes)
  }

  private send(cseq: number, method: string, uri: string, bytes: Buffer): Promise<RtspResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.remove(cseq)
        reject(
          new ProtocolError('ERR_RTSP_TIMEOUT', `${method} ${uri} timed out after ${this.opts.timeoutMs} ms`, {
            observed: this.opts.timeoutMs,
            method,
          }),
        )
      }, this.opts.timeoutMs)
      this.pending.push({ cseq, method, uri, resolve, reject, timer })
      this.socket.write(bytes)
    })
  }

  /** Sends one interleaved frame (RTP or RTCP on `channel`); header and payload corked together. */
  writeInterleaved(channel: number, payload: Buffer): void {
    if (this.closed) return
    this.socket.cork()
    this.socket.write(interleavedHeader(channel, payload.length))
    this.socket.write(payload)
    process.nextTick(() => this.socket.uncork())
  }

  /** Idempotent: rejects what is pending and destroys the socket; onClose is not called. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.clearQuietTimer()
    this.rejectAll(new ProtocolError('ERR_RTSP_CONNECTION_CLOSED', 'the connection was closed', {}))
    this.socket.destroy()
  }

  private clearQuietTimer(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer)
    this.quietTimer = undefined
  }

  private remove(cseq: number): void {
    const i = this.pending.findIndex((p) => p.cseq === cseq)
    if (i >= 0) this.pending.splice(i, 1)
  }

  private rejectAll(err: RtspkitError): void {
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer)
      p.reject(err)
    }
  }

  private fail(err: RtspkitError): void {
    if (this.closed) return
    this.closed = true
    this.clearQuietTimer()
    this.rejectAll(err)
    this.socket.destroy()
    this.opts.onClose?.(err)
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return
    this.clearQuietTimer()
    try {
      this.reader.feed(chunk, (ev) => this.onEvent(ev))
    } catch (err) {
      if (!(err instanceof RtspkitError)) throw err
      this.fail(err)
      return
    }
    if (this.reader.canFlushUnterminated) {
      this.quietTimer = setTimeout(() => {
        this.quietTimer = undefined
        if (this.closed) return
        try {
          const ev = this.reader.flushUnterminated()
          if (ev) this.onEvent(ev)
        } catch (err) {
          if (!(err instanceof RtspkitError)) throw err
          this.fail(err)
        }
      }, UNTERMINATED_QUIET_MS)
      this.quietTimer.unref()
    }
  }

  private onEvent(ev: RtspReadEvent): void {
    if (ev.kind === 'interleaved') this.opts.onInterleaved?.(ev.channel, ev.payload)
    else if (ev.kind === 'response') this.onResponse(ev.response)
    else this.answerServerRequest(ev.request.headers.get('CSeq'))
  }

  private onResponse(res: RtspResponse): void {
    if (this.opts.onDialogue) {
      const head = `${res.version} ${res.statusCode} ${res.reason}\r\n${[...res.headers.entries()].map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`
      this.opts.onDialogue('recv', dialogueText(Buffer.from(head), res.body))
    }
    const cseq = Number(res.headers.get('CSeq'))
    let i = this.pending.findIndex((p) => p.cseq === cseq)
    if (i === -1) i = 0
    const p = this.pending[i]
    if (!p) return // unsolicited: nothing waits for it
    this.pending.splice(i, 1)
    clearTimeout(p.timer)
    p.resolve(res)
  }

  private answerServerRequest(cseq: string | undefined): void {
    const res = createResponse(501, cseq !== undefined ? { cseq } : {})
    this.socket.write(serializeResponse(res))
  }
}
