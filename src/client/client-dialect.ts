/**
 * A dialect is everything the client says or expects differently for one kind of server, as one
 * strategy object: RtspDialect (RFC 2326, rtsp-dialect.ts) and TeachingDialect (the RTSP/RTP teaching
 * project's server, teaching-dialect.ts). The rest of the client never asks which one it speaks.
 *
 * With dialect 'auto' (the default) the client starts with the RTSP dialect, whose negotiate() may
 * find the server silent to OPTIONS and hand over to the teaching one ('dialect' event).
 */
import type { CodecRegistry } from '../codecs/registry.js'
import { ConfigError } from '../errors.js'
import type { TransportSpec } from '../rtsp/headers/transport.js'
import type { RtspHeaders } from '../rtsp/headers.js'
import type { RtspResponse } from '../rtsp/message.js'
import type { TrackSink } from './client-transport.js'
import type { ClientDescription } from './description.js'
import type { RequestChannel } from './request-channel.js'
import type { ClientDialect, ClientTransportMode, RtspClientEvents, LowerMode } from './rtsp-client-options.js'
import { RtspDialect } from './rtsp-dialect.js'
import { TEACHING_PROBE_MS, TeachingDialect } from './teaching-dialect.js'

/** What a dialect may use to find out and describe. */
export interface DialectContext {
  readonly channel: RequestChannel
  readonly registry: CodecRegistry
  readonly maxRedirects: number
  isClosing(): boolean
}

/** The Transport header of one SETUP (RFC 2326 section 12.39), before formatting. */
export type SetupTransport = Partial<TransportSpec> & { protocol: string }

/** The requests of a set-up session that a dialect may write its own way. */
export type ControlMethod = 'PLAY' | 'PAUSE' | 'TEARDOWN'

/** A dialect that detection can switch to: the ones the 'dialect' event names. */
export type DetectedDialect = DialectStrategy & { readonly name: RtspClientEvents['dialect'][0] }

export interface DialectStrategy {
  readonly name: 'rtsp' | 'teaching'
  /** Whether to keep the session alive at half its timeout (RFC 2326 section 12.37). */
  readonly keepsAlive: boolean
  /** With transport 'auto': whether a 461 to SETUP, or no RTP after PLAY, may move the session to TCP. */
  readonly fallsBackToTcp: boolean
  /** Once RTP came, this long without any ends the stream without an error; undefined: never. */
  readonly endSilenceMs: number | undefined
  /** Before describing: the dialect the server turned out to speak instead of this one, if it did. */
  negotiate(ctx: DialectContext): Promise<DetectedDialect | undefined>
  /** The tracks on offer: DESCRIBE, or what the dialect knows its servers offer. */
  describe(ctx: DialectContext): Promise<ClientDescription>
  /** The lower transport a session actually uses when `mode` is asked for. */
  lowerTransport(mode: LowerMode): LowerMode
  /** One SETUP; `rtpPort` is our RTP port when the transport is UDP; `keyMgmt`: our SRTP key (RFC 4567). */
  setup(
    channel: RequestChannel,
    uri: string,
    transport: SetupTransport,
    rtpPort: number | undefined,
    keyMgmt?: string,
  ): Promise<RtspResponse>
  control(channel: RequestChannel, method: ControlMethod, uri: string, headers?: RtspHeaders): Promise<RtspResponse>
  /** Where a track's transport delivers: `sink` itself, or an adapter in front of it. */
  sink(sink: TrackSink): TrackSink
}

/** The dialect a client starts with. */
export function createDialect(
  dialect: ClientDialect | undefined,
  transport: ClientTransportMode | undefined,
  probeMs?: number,
): DialectStrategy {
  switch (dialect ?? 'auto') {
    case 'teaching':
      if (transport === 'tcp' || transport === 'http') {
        throw new ConfigError('ERR_CLIENT_TRANSPORT', 'the teaching dialect has RTP over UDP only', {
          observed: transport,
          allowed: ['udp', 'auto'],
        })
      }
      return new TeachingDialect()
    case 'rtsp':
      return new RtspDialect(undefined)
    case 'auto':
      return new RtspDialect({ probeMs: probeMs ?? TEACHING_PROBE_MS, detected: () => new TeachingDialect() })
  }
}
