/**
 * Incremental RTSP 1.0 reader, RFC 2326 sections 4, 6, 7 and 10.12 (RFC 7826 sections 5.2, 8, 14).
 *
 * Bytes in, events out, no sockets. An explicit state machine over a ByteQueue, in the manner of
 * ws's Receiver and undici's HTTP parser:
 *
 *   idle ──'$'──▶ interleaved-header ──▶ interleaved-payload ──▶ idle
 *     │  CR/LF between messages are skipped (keep-alive CRLFs, RFC 7826 section 5.2 allows them)
 *     └─token byte──▶ start-line ──▶ headers ──(empty line)──▶ body (Content-Length bytes) ──▶ idle
 *
 * Tolerated beyond the grammar, because real clients send it:
 *  - LF-only line ends (the Columbia/Kurose "movie.Mjpeg" teaching client, some old set-top boxes);
 *  - runs of spaces in the start line and spaces before a header's colon;
 *  - any version token (RTSP/2.0, HTTP/1.1): the request still parses so the server can answer 505;
 *  - no empty line after the headers, and no line end after the last one: the teaching project's
 *    Client.py sends `SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000`
 *    and its Server.py answers `RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456`, each in one write. Such a
 *    message cannot be told from a slow one by its bytes, so the socket's owner decides: when
 *    `canFlushUnterminated` holds and nothing more arrived for a moment, `flushUnterminated()` ends it.
 *
 * Every limit is checked before bytes are buffered past it: a line that will not fit is rejected as
 * soon as more than `maxLineLength` bytes without LF have arrived, not when the line ends.
 * After any error the reader is failed for good: push() throws the same error again.
 */
import { LimitError, ParseError, RtspkitError } from '../errors.js'
import { ByteQueue } from '../util/byte-queue.js'
import { RtspHeaders } from './headers.js'
import { INTERLEAVED_HEADER_SIZE, INTERLEAVED_MAGIC } from './interleaved.js'
import type { RtspRequest, RtspResponse } from './message.js'

export interface RtspReaderLimits {
  /** Longest start line or header line, without its line end. */
  maxLineLength: number
  /** Most header fields in one message. */
  maxHeaderCount: number
  /** Most bytes in start line plus header section, line ends included. */
  maxHeaderBytes: number
  /** Largest Content-Length accepted. */
  maxBodyLength: number
}

export const DEFAULT_READER_LIMITS: RtspReaderLimits = Object.freeze({
  maxLineLength: 8192,
  maxHeaderCount: 64,
  maxHeaderBytes: 16384,
  maxBodyLength: 1024 * 1024,
})

/**
 * How long a message without its empty line may sit unfinished before its reader's owner takes it as
 * complete (the teaching project's peers send each message in one write and then wait).
 */
export const UNTERMINATED_QUIET_MS = 40

export type RtspReadEvent =
  | { kind: 'request'; request: RtspRequest }
  | { kind: 'response'; response: RtspResponse }
  /** `payload` is a view into the pushed chunk when the frame lies in one chunk, else a copy. */
  | { kind: 'interleaved'; channel: number; payload: Buffer }

const CR = 0x0d
const LF = 0x0a
const SP = 0x20
const HTAB = 0x09
const COLON = 0x3a
const DEL = 0x7f
const FIRST_PRINTABLE = 0x21
const CHANNEL_OFFSET = 1
const LENGTH_HI_OFFSET = 2
const LENGTH_LO_OFFSET = 3
/** A line end is at most CRLF: a complete line of maxLineLength content fits in maxLineLength + 2 bytes. */
const MAX_LINE_END = 2

const MALFORMED = 'ERR_RTSP_MALFORMED'
/** RFC 2616 section 2.2 token characters, as a byte lookup. */
const TOKEN_BYTES = (() => {
  const table = new Uint8Array(256)
  for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") table[c.charCodeAt(0)] = 1
  return table
})()
const ABSOLUTE_URI_RE = /^[a-z][a-z0-9+.-]*:/i
const CSEQ_LINE_RE = /^cseq[ \t]*:[ \t]*\d+[ \t]*\r?$/i
const VERSION_RE = /^[A-Za-z][A-Za-z0-9]*\/\d+\.\d+$/
const STATUS_RE = /^\d{3}$/
const CONTENT_LENGTH_RE = /^\d+$/
/** More digits than this cannot be a length we would accept anyway (and would lose precision). */
const MAX_CONTENT_LENGTH_DIGITS = 15

type State = 'idle' | 'interleaved-header' | 'interleaved-payload' | 'start-line' | 'headers' | 'body'

type StartLine =
  | { kind: 'request'; method: string; uri: string; version: string }
  | { kind: 'response'; version: string; statusCode: number; reason: string }

function isCtl(b: number): boolean {
  return (b < SP && b !== HTAB) || b === DEL
}

function describeByte(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`
}

export class RtspReader {
  readonly limits: Readonly<RtspReaderLimits>
  private readonly queue = new ByteQueue()
  private state: State = 'idle'
  private error: RtspkitError | undefined
  private discarded = false
  /** Where the LF search resumes in the current incomplete line, so slow lines are not rescanned. */
  private scanFrom = 0
  private headerBytes = 0
  private startLine: StartLine | undefined
  private headers = new RtspHeaders()
  private cseq: string | undefined
  private bodyLength = 0
  private channel = 0
  private payloadLength = 0
  /** Every line of the message so far ended in a bare LF. */
  private lfOnly = true
  private lastLfOnly = false

  constructor(limits: Partial<RtspReaderLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_READER_LIMITS, ...limits })
  }

  /** True once an error was thrown; every later push() throws it again. */
  get failed(): boolean {
    return this.error !== undefined || this.discarded
  }

  /** Whether every line of the last completed message ended in a bare LF (reply in kind). */
  get lastMessageLfOnly(): boolean {
    return this.lastLfOnly
  }

  /**
   * A message is under way whose start line and CSeq arrived, without a body, in the teaching
   * project's framing: LF-only line ends, or a request for a bare file name (`SETUP movie.Mjpeg`).
   * Standard peers (CRLF, absolute URIs) never qualify, so a slow standard peer is never cut short.
   */
  get canFlushUnterminated(): boolean {
    if (this.failed || this.state !== 'headers' || !this.startLine) return false
    if (this.headers.has('Content-Length')) return false
    const start = this.startLine
    const bareUri = start.kind === 'request' && start.uri !== '*' && !ABSOLUTE_URI_RE.test(start.uri)
    if (!this.lfOnly && !bareUri) return false
    if (this.cseq !== undefined) return true
    return CSEQ_LINE_RE.test(this.pendingText())
  }

  /**
   * Ends the message under way as if the empty line had come: bytes without a line end become its
   * last header line. Returns the event, or undefined when `canFlushUnterminated` does not hold.
   * A bad last line is a ParseError, and the reader is failed as with push().
   */
  flushUnterminated(): RtspReadEvent | undefined {
    if (!this.canFlushUnterminated) return undefined
    try {
      const pending = this.queue.length
      if (pending > 0) {
        const raw = this.queue.consume(pending)
        const end = raw[pending - 1] === CR ? pending - 1 : pending
        if (end > 0) this.addHeader(raw.subarray(0, end))
      }
    } catch (err) {
      this.queue.clear()
      this.error = err instanceof RtspkitError ? err : new ParseError(MALFORMED, 'unexpected failure while reading', {}, { cause: err })
      throw this.error
    }
    this.state = 'idle'
    return this.finish(Buffer.alloc(0))
  }

  private pendingText(): string {
    const n = Math.min(this.queue.length, this.limits.maxLineLength)
    let text = ''
    for (let i = 0; i < n; i++) text += String.fromCharCode(this.queue.peek(i))
    return text
  }

  /** Bytes received but not yet part of an event. */
  get bufferedBytes(): number {
    return this.queue.length
  }

  /**
   * What the bytes buffered now belong to: nothing, a message's start line and headers, its body, or
   * an interleaved frame. The socket's owner times the first two (slow senders hold memory there).
   */
  get pending(): 'none' | 'head' | 'body' | 'interleaved' {
    switch (this.state) {
      case 'idle':
        return this.queue.length > 0 ? 'head' : 'none'
      case 'start-line':
      case 'headers':
        return 'head'
      case 'body':
        return 'body'
      default:
        return 'interleaved'
    }
  }

  /** Drops every buffered byte and fails the reader for good (its connection is gone). */
  discard(): void {
    this.queue.clear()
    // The error is made only if something is fed after all: every closed connection discards its
    // reader, and an Error (with its stack) per connection showed in handshake profiles.
    this.discarded = true
  }

  /**
   * Feeds one chunk and returns the events it completed, in order.
   * If an error follows complete messages in the same chunk, those events are lost with the throw;
   * use feed() to receive them first.
   */
  push(chunk: Uint8Array): RtspReadEvent[] {
    const events: RtspReadEvent[] = []
    this.feed(chunk, (ev) => events.push(ev))
    return events
  }

  /** Like push(), but hands each event to `onEvent` as soon as it is complete, before any later error. */
  feed(chunk: Uint8Array, onEvent: (event: RtspReadEvent) => void): void {
    if (this.discarded) this.error ??= new ParseError(MALFORMED, 'reader discarded', {})
    if (this.error) throw this.error
    this.queue.push(chunk)
    for (;;) {
      let event: RtspReadEvent | undefined | null
      try {
        event = this.step()
      } catch (err) {
        this.queue.clear()
        this.error = err instanceof RtspkitError ? err : new ParseError(MALFORMED, 'unexpected failure while reading', {}, { cause: err })
        throw this.error
      }
      if (event === null) return
      // Outside the try: an exception from the callback is the caller's, not a protocol error.
      if (event !== undefined) onEvent(event)
    }
  }

  /** Advances by one transition: an event, `undefined` (progress, no event) or `null` (need more bytes). */
  private step(): RtspReadEvent | undefined | null {
    const q = this.queue
    switch (this.state) {
      case 'idle': {
        if (q.length === 0) return null
        const b = q.peek(0)
        if (b === CR || b === LF) {
          q.skip(1)
          return undefined
        }
        if (b === INTERLEAVED_MAGIC) {
          this.state = 'interleaved-header'
          return undefined
        }
        if (!TOKEN_BYTES[b]) {
          // Fail on the first byte rather than waiting for a line end that binary junk may never send.
          throw new ParseError(MALFORMED, `message cannot start with byte ${describeByte(b)}`, {
            part: 'start-line',
            observed: describeByte(b),
            allowed: "a method token, a version token or '$'",
          })
        }
        this.state = 'start-line'
        this.scanFrom = 0
        this.headerBytes = 0
        this.headers = new RtspHeaders()
        this.cseq = undefined
        this.startLine = undefined
        this.lfOnly = true
        return undefined
      }
      case 'interleaved-header': {
        if (q.length < INTERLEAVED_HEADER_SIZE) return null
        this.channel = q.peek(CHANNEL_OFFSET)
        this.payloadLength = (q.peek(LENGTH_HI_OFFSET) << 8) | q.peek(LENGTH_LO_OFFSET)
        q.skip(INTERLEAVED_HEADER_SIZE)
        this.state = 'interleaved-payload'
        return undefined
      }
      case 'interleaved-payload': {
        if (q.length < this.payloadLength) return null
        this.state = 'idle'
        return { kind: 'interleaved', channel: this.channel, payload: q.consume(this.payloadLength) }
      }
      case 'start-line': {
        const line = this.takeLine()
        if (line === undefined) return null
        this.startLine = parseStartLine(line)
        this.state = 'headers'
        return undefined
      }
      case 'headers': {
        const line = this.takeLine()
        if (line === undefined) return null
        if (line.length > 0) {
          this.addHeader(line)
          return undefined
        }
        this.bodyLength = this.contentLength()
        this.state = 'body'
        return undefined
      }
      case 'body': {
        if (q.length < this.bodyLength) return null
        const body = this.bodyLength === 0 ? Buffer.alloc(0) : q.consume(this.bodyLength)
        this.state = 'idle'
        return this.finish(body)
      }
    }
  }

  private finish(body: Buffer): RtspReadEvent {
    const start = this.startLine!
    const headers = this.headers
    this.lastLfOnly = this.lfOnly
    this.headers = new RtspHeaders()
    this.startLine = undefined
    if (start.kind === 'request') {
      return { kind: 'request', request: { method: start.method, uri: start.uri, version: start.version, headers, body } }
    }
    const { version, statusCode, reason } = start
    return { kind: 'response', response: { version, statusCode, reason, headers, body } }
  }

  /** Context for errors raised after the start line: the CSeq lets the server echo it in its 400. */
  private context(): Record<string, unknown> {
    return this.cseq === undefined ? {} : { cseq: this.cseq }
  }

  /**
   * The next complete line without its line end, or undefined when it has not fully arrived.
   * Throws as soon as the line or the header section is known to be over its limit.
   */
  private takeLine(): Buffer | undefined {
    const q = this.queue
    const { maxLineLength, maxHeaderBytes } = this.limits
    const searchEnd = Math.min(q.length, maxLineLength + MAX_LINE_END)
    const lf = q.indexOf(LF, this.scanFrom, searchEnd)
    if (lf === -1) {
      this.scanFrom = searchEnd
      // All pending bytes are content, except a last CR that may start the line end.
      const pending = q.length
      const known = pending > 0 && q.peek(pending - 1) === CR ? pending - 1 : pending
      if (known > maxLineLength) throw this.lineTooLong(known)
      if (this.headerBytes + pending > maxHeaderBytes) throw this.headersTooLarge(this.headerBytes + pending)
      return undefined
    }
    this.scanFrom = 0
    const raw = q.consume(lf + 1)
    this.headerBytes += lf + 1
    const end = lf > 0 && raw[lf - 1] === CR ? lf - 1 : lf
    if (end !== lf) this.lfOnly = false
    if (end > maxLineLength) throw this.lineTooLong(end)
    if (this.headerBytes > maxHeaderBytes) throw this.headersTooLarge(this.headerBytes)
    return raw.subarray(0, end)
  }

  private lineTooLong(observed: number): LimitError {
    return new LimitError('ERR_RTSP_LINE_TOO_LONG', `line longer than ${this.limits.maxLineLength} bytes`, {
      ...this.context(),
      observed: `at least ${observed}`,
      allowed: this.limits.maxLineLength,
    })
  }

  private headersTooLarge(observed: number): LimitError {
    return new LimitError('ERR_RTSP_HEADERS_TOO_LARGE', `header section longer than ${this.limits.maxHeaderBytes} bytes`, {
      ...this.context(),
      observed: `at least ${observed}`,
      allowed: this.limits.maxHeaderBytes,
    })
  }

  /** field-name ":" OWS field-value OWS (RFC 2616 section 4.2); folded lines are rejected. */
  private addHeader(line: Buffer): void {
    const malformed = (reason: string): ParseError =>
      new ParseError(MALFORMED, `bad header line: ${reason}`, {
        ...this.context(),
        part: 'header-line',
        observed: line.toString('latin1').slice(0, 80),
        allowed: 'name: value',
      })
    if (line[0] === SP || line[0] === HTAB) throw malformed('folded (continuation) lines are not supported')
    const colon = line.indexOf(COLON)
    if (colon === -1) throw malformed('no colon')
    let nameEnd = colon
    while (nameEnd > 0 && (line[nameEnd - 1] === SP || line[nameEnd - 1] === HTAB)) nameEnd--
    if (nameEnd === 0) throw malformed('empty name')
    for (let i = 0; i < nameEnd; i++) if (!TOKEN_BYTES[line[i]!]) throw malformed(`byte ${describeByte(line[i]!)} in name`)
    let start = colon + 1
    let end = line.length
    while (start < end && (line[start] === SP || line[start] === HTAB)) start++
    while (end > start && (line[end - 1] === SP || line[end - 1] === HTAB)) end--
    for (let i = start; i < end; i++) if (isCtl(line[i]!)) throw malformed(`control byte ${describeByte(line[i]!)} in value`)

    if (this.headers.size >= this.limits.maxHeaderCount) {
      throw new LimitError('ERR_RTSP_TOO_MANY_HEADERS', `more than ${this.limits.maxHeaderCount} header fields`, {
        ...this.context(),
        observed: this.headers.size + 1,
        allowed: this.limits.maxHeaderCount,
      })
    }
    const name = line.toString('latin1', 0, nameEnd)
    const value = line.toString('utf8', start, end)
    this.headers.append(name, value)
    if (this.cseq === undefined && name.toLowerCase() === 'cseq') this.cseq = value
  }

  /** Content-Length, RFC 2326 section 12.14; repeated fields must agree. */
  private contentLength(): number {
    const values = this.headers.getAll('Content-Length')
    if (values.length === 0) return 0
    const malformed = (reason: string): ParseError =>
      new ParseError(MALFORMED, `bad Content-Length: ${reason}`, {
        ...this.context(),
        part: 'content-length',
        observed: values,
        allowed: 'one non-negative decimal integer',
      })
    const first = values[0]!
    if (values.some((v) => v !== first)) throw malformed('conflicting values')
    if (!CONTENT_LENGTH_RE.test(first)) throw malformed('not a decimal integer')
    const length = first.length > MAX_CONTENT_LENGTH_DIGITS ? Infinity : Number(first)
    if (length > this.limits.maxBodyLength) {
      throw new LimitError('ERR_RTSP_BODY_TOO_LARGE', `body of ${first} bytes exceeds ${this.limits.maxBodyLength}`, {
        ...this.context(),
        observed: first,
        allowed: this.limits.maxBodyLength,
      })
    }
    return length
  }
}

/**
 * Request-Line = Method SP Request-URI SP RTSP-Version (section 6.1)
 * Status-Line  = RTSP-Version SP Status-Code SP Reason-Phrase (section 7.1)
 * A first token containing '/' cannot be a method, so it marks a response.
 */
function parseStartLine(line: Buffer): StartLine {
  const text = line.toString('utf8')
  const malformed = (reason: string): ParseError =>
    new ParseError(MALFORMED, `bad start line: ${reason}`, {
      part: 'start-line',
      observed: text.slice(0, 80),
      allowed: 'METHOD SP URI SP RTSP/1.0 or RTSP/1.0 SP code SP reason',
    })
  for (const b of line) if (isCtl(b)) throw malformed(`control byte ${describeByte(b)}`)

  const firstSpace = text.search(/[ \t]/)
  if (firstSpace === -1) throw malformed('no spaces')
  const first = text.slice(0, firstSpace)
  const rest = text.slice(firstSpace).replace(/^[ \t]+/, '')

  if (first.includes('/')) {
    if (!VERSION_RE.test(first)) throw malformed('bad version')
    const m = /^([^ \t]+)(?:[ \t]+([\s\S]*))?$/.exec(rest) // [\s\S]: reasons may hold U+2028
    if (!m || !STATUS_RE.test(m[1]!)) throw malformed('status code is not three digits')
    return { kind: 'response', version: first, statusCode: Number(m[1]), reason: (m[2] ?? '').replace(/[ \t]+$/, '') }
  }

  for (let i = 0; i < first.length; i++) if (!TOKEN_BYTES[first.charCodeAt(i)]) throw malformed('method is not a token')
  const parts = rest.split(/[ \t]+/).filter((p) => p.length > 0)
  if (parts.length !== 2) throw malformed(parts.length < 2 ? 'missing URI or version' : 'spaces in URI')
  const [uri, version] = parts as [string, string]
  if (!VERSION_RE.test(version)) throw malformed('bad version')
  for (let i = 0; i < uri.length; i++) if (uri.charCodeAt(i) < FIRST_PRINTABLE) throw malformed('bad URI')
  return { kind: 'request', method: first, uri, version }
}
