/**
 * What an RtspClient can be told (its options) and what it tells (its events), with the defaults the
 * rooms of the client share. RtspClient re-exports all of it: this file only keeps the types out of the
 * façade so that its rooms can name them without importing the façade.
 */
import type { CodecRegistry } from '../codecs/registry.js'
import type { RtspkitError } from '../errors.js'
import type { RtcpPacket } from '../rtcp/compound.js'
import type { RtpPacket } from '../rtp/rtp-packet.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'
import type { DialogueHook } from './client-connection.js'
import type { ClientTlsOptions } from '../transport/client-socket.js'
import type { ClientTrack } from './description.js'
import type { ClientFrame } from './track-receiver.js'

export const DEFAULT_USER_AGENT = 'rtspkit/0.1.0'
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const DEFAULT_UDP_TIMEOUT_MS = 3000
export const DEFAULT_READ_TIMEOUT_MS = 10_000
export const DEFAULT_MAX_REDIRECTS = 5

/**
 * 'http': RTSP and interleaved RTP tunnelled through HTTP (the QuickTime scheme; rtsps:// tunnels inside TLS).
 * 'multicast': the server's group for the path (RTP/AVP;multicast), joined for the session.
 */
export type ClientTransportMode = 'udp' | 'tcp' | 'http' | 'multicast' | 'auto'
/** How a session's media travels: to our UDP ports, interleaved on the RTSP connection, or from a multicast group. */
export type LowerMode = 'udp' | 'tcp' | 'multicast'
/** 'rtsp': RFC 2326. 'teaching': the RTSP/RTP teaching project's server. 'auto': find out (see rtsp-client.ts). */
export type ClientDialect = 'rtsp' | 'teaching' | 'auto'

export interface RtspClientOptions {
  /**
   * Default 'auto': UDP first, TCP after a 461 to SETUP or no RTP within udpTimeoutMs, and RTSP over
   * HTTP tunnelling (same host and port) when the RTSP connection is cut before its first answer
   * ('tunnelled' event).
   */
  transport?: ClientTransportMode
  udpTimeoutMs?: number
  /** rtsps:// certificate checks: `ca` to trust (PEM), `insecure` to skip them. Default: verify against the system's CAs. */
  tls?: ClientTlsOptions
  /**
   * record(): publish as SRTP (RTP/SAVP, AES_CM_128_HMAC_SHA1_80), our keys in MIKEY (a=key-mgmt and
   * KeyMgmt, RFC 4567); meant for rtsps:// (keys travel inside TLS). Playing needs no option: SAVP is
   * used whenever the server offers it.
   */
  srtp?: boolean
  /** Else from rtsp://user:pass@host/ (percent-decoded). */
  username?: string
  password?: string
  requestTimeoutMs?: number
  /** While playing, no RTP for this long counts as a lost connection (default 10 s). */
  readTimeoutMs?: number
  maxRedirects?: number
  /** Play only: reconnect with exponential backoff after a lost connection or read timeout. */
  reconnect?: boolean | { initialDelayMs?: number; maxDelayMs?: number }
  userAgent?: string
  /** Drop video frames before the first keyframe of each track (default true). */
  waitForKeyframe?: boolean
  /** Largest RTP packet we send when recording (default 1400). */
  maxPacketSize?: number
  rtcpIntervalMs?: number
  registry?: CodecRegistry
  clock?: Clock
  random?: Random
  /** Local address for the RTSP connection and the UDP sockets. */
  localAddress?: string
  /** Every request and response as text (`probe --verbose`). */
  onDialogue?: DialogueHook
  /** Default 'auto'. */
  dialect?: ClientDialect
  /** auto: how long OPTIONS may go unanswered before the server is taken for the teaching one (ms). */
  dialectProbeMs?: number
}

export interface ReconnectingEvent {
  attempt: number
  delayMs: number
  error: RtspkitError
}

export interface RtspClientEvents {
  frame: [ClientFrame]
  rtp: [number, RtpPacket]
  rtcp: [number, RtcpPacket[]]
  tracks: [ClientTrack[]]
  /** The transport in use changed (auto: UDP → TCP). */
  transport: [LowerMode]
  /** auto: plain RTSP got no answer, so the client moved to RTSP over HTTP tunnelling (media interleaved). */
  tunnelled: []
  /** The server turned out to speak the teaching project's dialect. */
  dialect: ['teaching']
  /** Something was wrong but receiving goes on (malformed packet, refused payload). */
  warning: [RtspkitError]
  reconnecting: [ReconnectingEvent]
  reconnected: []
  error: [RtspkitError]
  close: [RtspkitError | undefined]
}
