/**
 * The RTSP 1.0 dialect (RFC 2326): OPTIONS before DESCRIBE (section 10.1; its Public header tells
 * keep-alive whether GET_PARAMETER is there), DESCRIBE with redirects, SETUP with a Transport header,
 * PLAY/PAUSE/TEARDOWN through the request channel, keep-alive, and the move to TCP that transport
 * 'auto' allows.
 *
 * Detection (dialect 'auto'): a standard server answers OPTIONS at once; one silent for `probeMs` is
 * taken for another dialect's. The connection, with the unanswered OPTIONS on it, is dropped, and
 * the client speaks the detected dialect from then on.
 */
import type { LowerMode } from './rtsp-client-options.js'
import { AuthError, RtspkitError } from '../errors.js'
import { formatTransport } from '../rtsp/headers/transport.js'
import { RtspHeaders } from '../rtsp/headers.js'
import type { RtspResponse } from '../rtsp/message.js'
import type { TrackSink } from './client-transport.js'
import type { ControlMethod, DetectedDialect, DialectContext, DialectStrategy, SetupTransport } from './client-dialect.js'
import { describeResponse, type ClientDescription } from './description.js'
import type { RequestChannel } from './request-channel.js'

export interface DialectDetection {
  /** How long OPTIONS may go unanswered (ms). */
  probeMs: number
  /** The dialect of a server silent to OPTIONS. */
  detected: () => DetectedDialect
}

export class RtspDialect implements DialectStrategy {
  readonly name = 'rtsp'
  readonly keepsAlive = true
  readonly fallsBackToTcp = true
  readonly endSilenceMs = undefined

  /** `detection` undefined: the server is known to speak RTSP; OPTIONS is waited for. */
  constructor(private readonly detection: DialectDetection | undefined) {}

  async negotiate(ctx: DialectContext): Promise<DetectedDialect | undefined> {
    if (ctx.channel.publicMethods !== undefined) return undefined
    // An OPTIONS failure before DESCRIBE is not fatal, unless it is about credentials.
    const answered = ctx.channel.options().then(
      () => true,
      (err) => {
        if (err instanceof AuthError || !(err instanceof RtspkitError) || ctx.isClosing()) throw err
        return true
      },
    )
    if (!this.detection) {
      await answered
      return undefined
    }
    let timer: NodeJS.Timeout | undefined
    const silent = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.detection!.probeMs)))
    try {
      if (await Promise.race([answered, silent])) return undefined
    } finally {
      clearTimeout(timer)
    }
    answered.catch(() => undefined) // rejected by the close below
    ctx.channel.closeConnection()
    return this.detection.detected()
  }

  async describe(ctx: DialectContext): Promise<ClientDescription> {
    const { channel } = ctx
    const res = await channel.requestFollowingRedirects('DESCRIBE', new RtspHeaders({ Accept: 'application/sdp' }), ctx.maxRedirects)
    return describeResponse({ url: channel.url, headers: res.headers, body: res.body, registry: ctx.registry })
  }

  lowerTransport(mode: LowerMode): LowerMode {
    return mode
  }

  setup(channel: RequestChannel, uri: string, transport: SetupTransport, _rtpPort?: number, keyMgmt?: string): Promise<RtspResponse> {
    const headers = new RtspHeaders({ Transport: formatTransport(transport) })
    if (keyMgmt !== undefined) headers.set('KeyMgmt', keyMgmt)
    return channel.request('SETUP', uri, headers)
  }

  control(channel: RequestChannel, method: ControlMethod, uri: string, headers?: RtspHeaders): Promise<RtspResponse> {
    return channel.request(method, uri, headers)
  }

  sink(sink: TrackSink): TrackSink {
    return sink
  }
}
