/**
 * One WHIP publisher (RFC 9725): the browser's tracks arrive through werift and go into the path as
 * an RTSP publisher's packets do, with the payload type the announced SDP gave them. Browsers send
 * keyframes only when asked, so video is asked for one (PLI) every few seconds: readers that join
 * later, over RTSP or WebRTC, then start soon.
 */
import { RtpHeader, RtpPacket, type MediaStreamTrack, type RTCPeerConnection, type RTCRtpReceiver } from 'werift'
import type { Clock } from '../util/clock.js'
import type { ExternalPublisher } from '../server/external-sessions.js'
import { PeerLifetime, type LifetimeLimits } from './lifetime.js'

/** How often a publisher's video is asked for a keyframe (MediaMTX asks as often). */
export const KEYFRAME_REQUEST_INTERVAL_MS = 2000

export interface WhipTrack {
  /** Index of the track in the announced SDP (pushRtp's trackIndex). */
  trackIndex: number
  kind: 'video' | 'audio'
  payloadType: number
  receiver: RTCRtpReceiver
  track: MediaStreamTrack
}

export interface WhipSessionOptions {
  lifetime: LifetimeLimits
  clock: Clock
  onClosed: (s: WhipSession, reason: string) => void
}

export class WhipSession {
  packetsReceived = 0
  private readonly unsubscribers: (() => void)[] = []
  private readonly lifetime: PeerLifetime
  private readonly pliTimer: NodeJS.Timeout
  private readonly videoSsrcs = new Map<RTCRtpReceiver, number>()
  private closed = false

  constructor(
    readonly id: string,
    readonly session: ExternalPublisher,
    readonly pc: RTCPeerConnection,
    tracks: readonly WhipTrack[],
    private readonly opts: WhipSessionOptions,
  ) {
    this.lifetime = new PeerLifetime(
      pc,
      opts.lifetime,
      opts.clock,
      (reason) => this.close(reason),
      () => undefined,
    )
    for (const t of tracks) {
      const { unSubscribe } = t.track.onReceiveRtp.subscribe((rtp) => this.onRtp(t, rtp))
      this.unsubscribers.push(unSubscribe)
    }
    this.pliTimer = setInterval(() => {
      for (const [receiver, ssrc] of this.videoSsrcs) void receiver.sendRtcpPLI(ssrc).catch(() => undefined)
    }, KEYFRAME_REQUEST_INTERVAL_MS)
    this.pliTimer.unref()
    session.onClose = (reason) => this.close(reason)
  }

  get isClosed(): boolean {
    return this.closed
  }

  private onRtp(t: WhipTrack, rtp: RtpPacket): void {
    if (this.closed) return
    this.lifetime.heard()
    // Padding-only packets (bandwidth probes) carry no media.
    if (rtp.payload.length === 0) return
    if (t.kind === 'video' && !this.videoSsrcs.has(t.receiver)) {
      this.videoSsrcs.set(t.receiver, rtp.header.ssrc)
      void t.receiver.sendRtcpPLI(rtp.header.ssrc).catch(() => undefined)
    }
    this.packetsReceived++
    // A fresh packet without the WebRTC header extensions, in the announced payload type.
    const h = rtp.header
    const header = new RtpHeader({
      marker: h.marker,
      payloadType: t.payloadType,
      sequenceNumber: h.sequenceNumber,
      timestamp: h.timestamp,
      ssrc: h.ssrc,
    })
    this.session.pushRtp(t.trackIndex, new RtpPacket(header, rtp.payload).serialize())
  }

  /** Idempotent: closes the peer connection and ends the publisher (the path's readers see it go). */
  close(reason = 'closed'): void {
    if (this.closed) return
    this.closed = true
    this.lifetime.stop()
    clearInterval(this.pliTimer)
    for (const u of this.unsubscribers) u()
    void this.pc.close().catch(() => undefined)
    this.session.close(reason)
    this.opts.onClosed(this, reason)
  }
}
