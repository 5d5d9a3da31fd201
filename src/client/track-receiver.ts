/**
 * The receive pipeline of one played track: RTP through RtpReceiver (reordering, loss, jitter) and the
 * codec's depacketizer to frames; RTCP sender reports to map RTP time to the sender's wall clock; and
 * receiver reports (RFC 3550 section 6.4.2) built on demand. Owns one timer, for the reorder buffer's
 * deadline. Bytes in, callbacks out; the transport is not its business.
 */
import { ParseError, RtspkitError } from '../errors.js'
import { parseRtcp, serializeRtcp, type RtcpPacket } from '../rtcp/compound.js'
import { RtcpGoodbye } from '../rtcp/goodbye.js'
import { RtcpReceiverReport } from '../rtcp/receiver-report.js'
import { RtcpSourceDescription } from '../rtcp/source-description.js'
import { RtpReceiver, type RtpFrame } from '../rtp/receiver.js'
import { ReleaseTimer } from '../rtp/release-timer.js'
import { RtpPacket } from '../rtp/rtp-packet.js'
import type { Clock } from '../util/clock.js'
import type { ClientTrack } from './description.js'
import type { TrackSink } from './client-transport.js'

export interface ClientFrame {
  track: number
  /** The codec's unit (see Codec.frameFormat): an Annex-B access unit, an image… */
  data: Buffer
  /** RTP timestamp. */
  timestamp: number
  /** Milliseconds since the track's first frame. */
  ptsMs: number
  /** The sender's wall clock (Unix ms), once an RTCP sender report arrived. */
  ntpMs?: number
  keyframe: boolean
}

export interface ClientTrackStats {
  packets: number
  bytes: number
  lost: number
  /** Interarrival jitter, ms. */
  jitter: number
  frames: number
}

export interface TrackReceiverEvents {
  onFrame(frame: ClientFrame): void
  onRtp(track: number, packet: RtpPacket): void
  onRtcp(track: number, packets: RtcpPacket[]): void
  /** A packet or report that could not be parsed; receiving goes on. */
  onWarning(err: RtspkitError): void
}

export interface TrackReceiverOptions {
  track: ClientTrack
  clock: Clock
  /** Our SSRC and CNAME for receiver reports. */
  ssrc: number
  cname: string
  /** Drop video frames until the first keyframe (decoders cannot start elsewhere). */
  waitForKeyframe: boolean
  events: TrackReceiverEvents
}

export class TrackReceiver implements TrackSink {
  readonly receiver: RtpReceiver
  /** Monotonic time of the last RTP packet, for the UDP and read timeouts. */
  lastPacketMs: number | undefined
  private readonly opts: TrackReceiverOptions
  private readonly release: ReleaseTimer
  private seenKeyframe = false
  /** Added to ptsMs after a reset, so the timeline goes on by the real time the gap took. */
  private ptsOffsetMs = 0
  private lastFrameMono: number | undefined
  private gapPending = false
  private closed = false

  constructor(opts: TrackReceiverOptions) {
    this.opts = opts
    const { track, events } = opts
    this.receiver = new RtpReceiver({
      clockRate: track.format.clockRate,
      depacketizer: track.codec.createDepacketizer(track.format),
      payloadType: track.format.payloadType,
      clock: opts.clock,
      onPacket: (p) => events.onRtp(track.index, p),
      onDepacketizerError: (err) => events.onWarning(err),
    })
    this.release = new ReleaseTimer(this.receiver, opts.clock, (frames) => this.deliver(frames))
    this.gateKeyframes()
  }

  onRtp(data: Buffer): void {
    if (this.closed) return
    let packet: RtpPacket
    try {
      packet = RtpPacket.parse(data)
    } catch (err) {
      if (!(err instanceof ParseError)) throw err
      this.opts.events.onWarning(err)
      return
    }
    this.lastPacketMs = this.opts.clock.monoMs()
    this.deliver(this.receiver.push(packet, this.lastPacketMs))
    this.release.update()
  }

  onRtcp(data: Buffer): void {
    if (this.closed) return
    let packets: RtcpPacket[]
    try {
      packets = parseRtcp(data)
    } catch (err) {
      if (!(err instanceof ParseError)) throw err
      this.opts.events.onWarning(err)
      return
    }
    for (const p of packets) if (p.kind === 'sr') this.receiver.handleSenderReport(p)
    this.opts.events.onRtcp(this.opts.track.index, packets)
  }

  stats(): ClientTrackStats {
    const s = this.receiver.stats
    return { packets: s.packets, bytes: s.bytes, lost: s.lost, jitter: s.jitterMs, frames: s.frames }
  }

  /** RR + SDES (+ BYE), or undefined before the first packet (nobody to report on). */
  report(bye = false): Buffer | undefined {
    const block = this.receiver.receptionReport()
    if (!block && !bye) return undefined
    const packets: RtcpPacket[] = [
      new RtcpReceiverReport({ ssrc: this.opts.ssrc, reports: block ? [block] : [] }),
      RtcpSourceDescription.cname(this.opts.ssrc, this.opts.cname),
    ]
    if (bye) packets.push(new RtcpGoodbye({ sources: [this.opts.ssrc] }))
    return serializeRtcp(packets)
  }

  /** After a reconnect: the server's new stream starts over. */
  reset(): void {
    this.receiver.reset()
    this.lastPacketMs = undefined
    this.gapPending = this.lastFrameMono !== undefined
    this.gateKeyframes()
  }

  /** Idempotent: clears the timer; later bytes are ignored. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.release.stop()
    this.receiver.close()
  }

  private gateKeyframes(): void {
    this.seenKeyframe = !this.opts.waitForKeyframe || this.opts.track.codec.frameFormat !== 'annexb'
  }

  private deliver(frames: RtpFrame[]): void {
    for (const f of frames) {
      if (!this.seenKeyframe) {
        if (!f.keyframe) continue
        this.seenKeyframe = true
      }
      const now = this.opts.clock.monoMs()
      if (this.gapPending) {
        // RtpReceiver resumes at the last ptsMs; move on by the time the outage lasted.
        this.ptsOffsetMs += now - this.lastFrameMono!
        this.gapPending = false
      }
      this.lastFrameMono = now
      const frame: ClientFrame = {
        track: this.opts.track.index,
        data: f.data,
        timestamp: f.timestamp,
        ptsMs: f.ptsMs + this.ptsOffsetMs,
        keyframe: f.keyframe,
      }
      if (f.ntpMs !== undefined) frame.ntpMs = f.ntpMs
      this.opts.events.onFrame(frame)
    }
  }
}
