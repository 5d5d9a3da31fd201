/**
 * One HLS viewer: an ExternalReader of the server (listed, counted, kickable) plus a StreamOutput that
 * only marks it as a reader of the stream, so on-demand sources stay up while it watches and the
 * path's reader count includes it. The muxer it reads is shared by every viewer of the path and is no
 * reader itself: a path whose viewers all left is not kept up by the muxer.
 *
 * HLS has no connection to end, so a viewer is a session token the multivariant playlist puts in the
 * media playlist's URI (`?session=…`), and every URI of that playlist carries it too. It expires when
 * no request carried it for `timeoutMs`.
 */
import type { ExternalReader } from '../server/rtsp-server.js'
import type { StreamOutput } from '../stream/output.js'
import type { Unit } from '../stream/unit.js'

export class HlsViewer implements StreamOutput {
  readonly rtp = false
  readonly reader: boolean
  private closed = false

  constructor(
    readonly token: string,
    readonly path: string,
    /** remote address + User-Agent: finds the viewer of a client that dropped the query string. */
    readonly clientKey: string,
    readonly session: ExternalReader,
    public lastSeenMono: number,
  ) {
    this.reader = session.counted
    session.stream.addOutput(this)
  }

  get isClosed(): boolean {
    return this.closed
  }

  writeUnit(_unit: Unit): void {
    // Units reach viewers through the path's muxer; this output only counts the viewer.
  }

  restartAtKeyframe(): void {
    // Nothing to restart: the muxer handles new feeders.
  }

  /** A request of this viewer was answered with `bytes` bytes. */
  served(nowMono: number, bytes: number): void {
    this.lastSeenMono = nowMono
    this.session.bytesSent += bytes
  }

  /** Leaves the stream and ends the server's session. Idempotent. */
  close(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.session.stream.removeOutput(this)
    this.session.close(reason)
  }
}
