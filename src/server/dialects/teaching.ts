/**
 * The server side of the classic RTSP/RTP teaching project's dialect (Kurose & Ross, "Streaming video
 * with RTSP and RTP"), so that its Client.py plays from rtspkit unchanged. Its client:
 *
 *  - sends `SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000` without
 *    DESCRIBE, then PLAY, PAUSE, TEARDOWN with `Session: <id>`: LF-only, no empty line (the
 *    connection reads such requests after a quiet moment and answers LF-only; see RtspReader);
 *  - reads each answer by position: line 2 must be `CSeq: n`, line 3 `Session: <integer>` - an
 *    integer, so no `;timeout=60` (the session lives as long as the RTSP connection instead: the
 *    client sends no keep-alive and no RTCP);
 *  - takes each UDP datagram as a 12-byte RTP header and a whole JPEG (recv(20480): a frame over 20468
 *    bytes reaches it cut), and drops a packet whose sequence number is not above the last one; it
 *    looks at nothing else in the header. So packets are sent as its server sends them: V=2, PT 26,
 *    marker 0, sequence number = the session's frame count from 1, timestamp = Unix seconds, SSRC 0.
 *
 * A SETUP is in this dialect when its Transport is `RTP/UDP` (no standard client sends that: RFC 2326
 * says RTP/AVP[/UDP]), or when it came as the teaching client writes requests: a bare file name as URI,
 * LF-only, without the empty line. Standard clients on the same path are not affected.
 */
import type { TransportSpec } from '../../rtsp/headers/transport.js'
import type { Clock } from '../../util/clock.js'

/** What the teaching client reads per datagram. */
export const TEACHING_CLIENT_RECV_SIZE = 20480
/** The largest UDP payload over IPv4. */
const MAX_UDP_PAYLOAD = 65507
const RTP_HEADER_SIZE = 12
const RTP_VERSION_BYTE = 0x80
const JPEG_PAYLOAD_TYPE = 26
const SEQ_MASK = 0xffff
const MS_PER_SECOND = 1000

/** How a request was framed on the connection (see ServerConnection). */
export interface TeachingFraming {
  lfOnly: boolean
  unterminated: boolean
}

/** True when a SETUP comes from the teaching project's client (see the module comment). */
export function isTeachingSetup(spec: TransportSpec, uri: string, framing: TeachingFraming): boolean {
  if (spec.protocol.toUpperCase() === 'RTP/UDP') return true
  const bareUri = uri !== '*' && !/^[a-z][a-z0-9+.-]*:/i.test(uri)
  return bareUri && framing.lfOnly && framing.unterminated
}

/** Why a frame could not go out, or reaches the teaching client cut. */
export type WholeJpegWarning = { kind: 'cut'; bytes: number } | { kind: 'too-large'; bytes: number }

/**
 * One session's whole-JPEG RTP, as ServerWorker.makeRtp writes it. Frame numbers go on across PAUSE,
 * as the original's file position does.
 */
export class WholeJpegSender {
  private frameNumber = 0
  private warnedCut = false

  constructor(
    private readonly clock: Clock,
    private readonly onWarning: (w: WholeJpegWarning) => void,
  ) {}

  /** The datagram for `jpeg`, or undefined when it cannot fit one (reported through onWarning). */
  packet(jpeg: Buffer): Buffer | undefined {
    const size = RTP_HEADER_SIZE + jpeg.length
    if (size > MAX_UDP_PAYLOAD) {
      this.onWarning({ kind: 'too-large', bytes: jpeg.length })
      return undefined
    }
    if (size > TEACHING_CLIENT_RECV_SIZE && !this.warnedCut) {
      this.warnedCut = true
      this.onWarning({ kind: 'cut', bytes: jpeg.length })
    }
    this.frameNumber++
    const buf = Buffer.allocUnsafe(size)
    buf[0] = RTP_VERSION_BYTE
    buf[1] = JPEG_PAYLOAD_TYPE
    buf.writeUInt16BE(this.frameNumber & SEQ_MASK, 2)
    buf.writeUInt32BE(Math.floor(this.clock.wallMs() / MS_PER_SECOND) >>> 0, 4)
    buf.writeUInt32BE(0, 8)
    jpeg.copy(buf, RTP_HEADER_SIZE)
    return buf
  }
}
