/**
 * The client side of the classic RTSP/RTP teaching project's dialect (Kurose & Ross, "Streaming video
 * with RTSP and RTP": Server.py / ServerWorker.py): pure helpers, and TeachingDialect, the strategy
 * (client-dialect.ts) that RtspClient speaks once the dialect is chosen or detected.
 *
 * What its server expects and does (see test/teaching/teaching_server.py for the whole list):
 *  - It knows SETUP, PLAY, PAUSE and TEARDOWN only, and answers nothing else - not OPTIONS, not
 *    DESCRIBE. A server silent to OPTIONS for TEACHING_PROBE_MS is taken to be one.
 *  - Each read of 256 bytes is one request, split on LF and read by position: line 2 must be the
 *    CSeq, and SETUP's line 3 must be `Transport: RTP/UDP; client_port= N` (the port is its 4th word).
 *    So requests are written exactly as the project's Client.py writes them.
 *  - Answers are `RTSP/1.0 200 OK\nCSeq: n\nSession: 123456`, without an empty line (RtspReader's
 *    unterminated-message handling reads them).
 *  - RTP over UDP only: whole JPEGs (whole-frame.ts), sequence number = frame number, timestamp =
 *    Unix seconds, a frame every 50 ms, no RTCP. At the end of the file it just stops sending.
 */
import type { LowerMode } from './rtsp-client-options.js'
import type { CodecRegistry } from '../codecs/registry.js'
import { formatTransport } from '../rtsp/headers/transport.js'
import { RtspHeaders } from '../rtsp/headers.js'
import type { RtspResponse } from '../rtsp/message.js'
import { parseRtspUrl } from '../rtsp/url.js'
import type { ControlMethod, DialectContext, DialectStrategy, SetupTransport } from './client-dialect.js'
import type { TrackSink } from './client-transport.js'
import { describeResponse, type ClientDescription } from './description.js'
import type { RequestChannel } from './request-channel.js'

/** A standard server answers OPTIONS at once; the teaching server never does. */
export const TEACHING_PROBE_MS = 1500
/** The teaching server does not loop: frames stopping for this long, once they came, is the end. */
export const TEACHING_END_SILENCE_MS = 2000
/** Its RTP timestamps tick in seconds; frames are re-stamped from their number at 90 kHz and its 20 fps. */
export const TEACHING_TICKS_PER_FRAME = 4500
const RTP_TIMESTAMP_OFFSET = 4
const RTP_SEQ_OFFSET = 2
const RTP_HEADER_SIZE = 12

export type TeachingMethod = 'SETUP' | 'PLAY' | 'PAUSE' | 'TEARDOWN'

/** The bare file name the project's client puts in its requests: the URL's path without the leading '/'. */
export function teachingFileName(url: string): string {
  return parseRtspUrl(url).path.replace(/^\/+/, '')
}

/**
 * A request as Client.sendRtspRequest writes it: LF line ends, no empty line and no LF after the last
 * line; SETUP names the RTP port with a space after '=', the others carry the session.
 */
export function formatTeachingRequest(
  method: TeachingMethod,
  fileName: string,
  cseq: number,
  last: { rtpPort: number } | { session: string },
): Buffer {
  const third = 'rtpPort' in last ? `Transport: RTP/UDP; client_port= ${last.rtpPort}` : `Session: ${last.session}`
  return Buffer.from(`${method} ${fileName} RTSP/1.0\nCSeq: ${cseq}\n${third}`, 'utf8')
}

/** What DESCRIBE would have said, had the server answered it: one RTP/JPEG video track on the URL itself. */
export function teachingDescription(url: string, registry: CodecRegistry): ClientDescription {
  const sdp = [
    'v=0',
    'o=- 0 0 IN IP4 0.0.0.0',
    `s=${teachingFileName(url) || '-'}`,
    't=0 0',
    'm=video 0 RTP/AVP 26',
    'a=rtpmap:26 JPEG/90000',
    'a=control:*',
    '',
  ].join('\r\n')
  return describeResponse({ url, headers: new RtspHeaders(), body: Buffer.from(sdp), registry })
}

/**
 * Passes the teaching server's RTP on with the timestamp derived from the frame number (its own is
 * whole seconds, shared by 20 frames), so frame times come out 50 ms apart. The input is not modified.
 */
export function teachingSink(sink: TrackSink): TrackSink {
  return {
    onRtp(data: Buffer): void {
      if (data.length < RTP_HEADER_SIZE) {
        sink.onRtp(data) // the receiver reports it
        return
      }
      const copy = Buffer.from(data)
      copy.writeUInt32BE((copy.readUInt16BE(RTP_SEQ_OFFSET) * TEACHING_TICKS_PER_FRAME) >>> 0, RTP_TIMESTAMP_OFFSET)
      sink.onRtp(copy)
    },
    onRtcp(data: Buffer): void {
      sink.onRtcp(data)
    },
  }
}

/**
 * The dialect as a strategy: no OPTIONS and no DESCRIBE (teachingDescription instead), requests written
 * as its Client.py writes them, RTP over UDP only (a 461 or silence is not a reason to try TCP), frames
 * re-stamped (teachingSink), no keep-alive (its server knows no such request and never times a session
 * out), and TEACHING_END_SILENCE_MS without frames, once they came, is the end of the stream: its
 * server does not loop.
 */
export class TeachingDialect implements DialectStrategy {
  readonly name = 'teaching'
  readonly keepsAlive = false
  readonly fallsBackToTcp = false
  readonly endSilenceMs = TEACHING_END_SILENCE_MS

  negotiate(): Promise<undefined> {
    return Promise.resolve(undefined) // nothing else to find out
  }

  describe(ctx: DialectContext): Promise<ClientDescription> {
    return Promise.resolve(teachingDescription(ctx.channel.url, ctx.registry))
  }

  lowerTransport(): LowerMode {
    return 'udp'
  }

  setup(channel: RequestChannel, uri: string, transport: SetupTransport, rtpPort: number | undefined): Promise<RtspResponse> {
    // Only recording (which its server does not know) gets here without a UDP port: asked the standard way.
    if (rtpPort === undefined) return channel.request('SETUP', uri, new RtspHeaders({ Transport: formatTransport(transport) }))
    return channel.requestRaw('SETUP', uri, (cseq) => formatTeachingRequest('SETUP', teachingFileName(channel.url), cseq, { rtpPort }))
  }

  control(channel: RequestChannel, method: ControlMethod, uri: string): Promise<RtspResponse> {
    return channel.requestRaw(method, uri, (cseq) =>
      formatTeachingRequest(method, teachingFileName(channel.url), cseq, { session: channel.sessionId ?? '0' }),
    )
  }

  sink(sink: TrackSink): TrackSink {
    return teachingSink(sink)
  }
}
