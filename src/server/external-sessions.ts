/**
 * Sessions that reach a path through another protocol than RTSP: WebRTC viewers (WHEP) and
 * publishers (WHIP), HLS viewers. The protocol's room (src/webrtc, src/hls) owns the network side;
 * the server only lends it the path's stream, counts it, lists it beside RTSP sessions, applies the
 * same limits and lets an operator kick it. A reader is a StreamOutput the room adds to the stream
 * itself; a publisher feeds RTP packets of an announced SDP, as an RTSP publisher does.
 */
import type { Clock } from '../util/clock.js'
import type { Publisher } from './publisher.js'
import type { ServerStream } from './server-stream.js'

/** 'webrtc', 'hls', or another protocol's lower-case name. */
export type SessionProtocol = string

/** What the API and the dashboard show of one external session. */
export interface ExternalSessionStatus {
  id: string
  role: 'reader' | 'publisher'
  protocol: SessionProtocol
  path: string
  remoteAddress: string
  /** Wall-clock ms when it opened. */
  since: number
  /** False for viewers that are not readers (the dashboard's own previews). */
  counted: boolean
  bytesSent: number
  bytesReceived: number
}

abstract class ExternalSession {
  /** Set by the protocol's room: the server ends the session (kicked, path removed, server stopped). */
  onClose: ((reason: string) => void) | undefined
  /** The room adds what it sends or receives here, for the API. */
  bytesSent = 0
  bytesReceived = 0
  readonly since: number
  private closed = false

  constructor(
    readonly id: string,
    readonly protocol: SessionProtocol,
    readonly path: string,
    readonly remoteAddress: string,
    clock: Clock,
    private readonly release: (s: AnyExternalSession, reason: string) => void,
  ) {
    this.since = clock.wallMs()
  }

  abstract readonly role: 'reader' | 'publisher'
  abstract readonly counted: boolean

  get isClosed(): boolean {
    return this.closed
  }

  /** Idempotent. Calls onClose (the room then drops its peer connection) and leaves the server's table. */
  close(reason = 'closed'): void {
    if (this.closed) return
    this.closed = true
    this.release(this as unknown as AnyExternalSession, reason)
    this.onClose?.(reason)
  }

  status(): ExternalSessionStatus {
    return {
      id: this.id,
      role: this.role,
      protocol: this.protocol,
      path: this.path,
      remoteAddress: this.remoteAddress,
      since: this.since,
      counted: this.counted,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
    }
  }
}

/**
 * A viewer over another protocol. The room registers its StreamOutput on `stream` (with
 * `reader: counted`) and removes it when the session closes; the session closes by itself when the
 * stream is removed.
 */
export class ExternalReader extends ExternalSession {
  readonly role = 'reader' as const

  constructor(
    id: string,
    protocol: SessionProtocol,
    path: string,
    remoteAddress: string,
    readonly stream: ServerStream,
    readonly counted: boolean,
    clock: Clock,
    release: (s: AnyExternalSession, reason: string) => void,
  ) {
    super(id, protocol, path, remoteAddress, clock, release)
    const onStreamClose = (): void => this.close('stream removed')
    stream.once('close', onStreamClose)
    this.detach = () => stream.off('close', onStreamClose)
  }

  /** Stops listening to the stream (called on release). */
  readonly detach: () => void
}

/** A publisher over another protocol: its packets go into the path as an RTSP publisher's do. */
export class ExternalPublisher extends ExternalSession {
  readonly role = 'publisher' as const
  readonly counted = true

  constructor(
    id: string,
    protocol: SessionProtocol,
    remoteAddress: string,
    private readonly publisher: Publisher,
    clock: Clock,
    release: (s: AnyExternalSession, reason: string) => void,
  ) {
    super(id, protocol, publisher.path, remoteAddress, clock, release)
  }

  /** The stream the publisher feeds (readers of every protocol read it). */
  get stream(): ServerStream {
    return this.publisher.stream
  }

  /** One RTP packet of announced track `trackIndex` (the order of the m= sections of the SDP given to openPublisher). */
  pushRtp(trackIndex: number, packet: Buffer): void {
    if (this.isClosed) return
    this.bytesReceived += packet.length
    this.publisher.pushRtp(trackIndex, packet)
  }

  /**
   * One whole frame of track `trackIndex` in its codec's frame format (NAL units of an access unit,
   * a raw audio frame), `ptsMs` on the publisher's clock: for protocols that carry frames, not RTP (RTMP).
   */
  pushFrame(trackIndex: number, data: Buffer | readonly Buffer[], ptsMs: number, bytes: number): void {
    if (this.isClosed) return
    this.bytesReceived += bytes
    this.publisher.pushFrame(trackIndex, data, ptsMs)
  }
}

export type AnyExternalSession = ExternalReader | ExternalPublisher

/** The server's table of external sessions. */
export class ExternalSessionTable {
  private readonly sessions = new Map<string, AnyExternalSession>()

  get size(): number {
    return this.sessions.size
  }

  add(s: AnyExternalSession): void {
    this.sessions.set(s.id, s)
  }

  get(id: string): AnyExternalSession | undefined {
    return this.sessions.get(id)
  }

  has(id: string): boolean {
    return this.sessions.has(id)
  }

  delete(id: string): void {
    this.sessions.delete(id)
  }

  list(): AnyExternalSession[] {
    return [...this.sessions.values()]
  }

  /** Counted readers and publishers (the dashboard's previews are neither): what session limits count. */
  get countedSize(): number {
    let n = 0
    for (const s of this.sessions.values()) if (s.counted) n++
    return n
  }

  closeAll(reason: string): void {
    for (const s of this.list()) s.close(reason)
  }
}
