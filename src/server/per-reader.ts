/**
 * Per-reader paths: each reader gets its own playback, like gst-rtsp-server's unshared media
 * factories — a file played from its start for every reader (with Range seeking, PAUSE and resume),
 * or a callback that makes each reader's frames (the OpenMV-style `stream(cb)`).
 *
 * The track layout is known up front (DESCRIBE answers from it). When a reader's session is set up
 * the server makes a private stream for it and calls `open`; PLAY, PAUSE and TEARDOWN reach the
 * playback; when the playback ends the reader gets an RTCP BYE and its session closes.
 */
import type { ServerStream, StreamSpec } from './server-stream.js'

export interface ReaderContext {
  /** The path the reader asked for (without slashes around it). */
  path: string
  sessionId: string
  remoteAddress: string
}

export interface ReaderPlayback {
  /**
   * PLAY: start or resume; `fromSeconds` when the request had `Range: npt=S-` (seek first). Frames
   * must be pushed from a later tick, so the PLAY reply goes out before them.
   */
  play(fromSeconds?: number): void
  /** The presentation time (ms, the stream's clock) the next pushed frame will carry: RTP-Info's rtptime. */
  nextPtsMs?(): number
  /** PAUSE: stop pushing, keep the position. */
  pause(): void
  /** TEARDOWN or the session ended: release everything. Idempotent. */
  stop(): void
  /** Where playback is, for the Range header of PLAY replies (seconds). */
  position?(): number
}

export interface PerReaderSource {
  /** The tracks every reader's stream has. */
  readonly spec: StreamSpec
  /** Length in seconds when known (a file): DESCRIBE then says `a=range:npt=0-D`, and PLAY may seek. */
  readonly durationSeconds?: number
  /** One line for logs. */
  readonly description: string
  /**
   * Makes one reader's playback, pushing into `stream` (a private stream with `spec`'s tracks).
   * Call `ended()` when it has nothing more (end of file without looping): the session ends.
   */
  open(stream: ServerStream, ctx: ReaderContext, ended: () => void): ReaderPlayback
}
