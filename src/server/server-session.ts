import { RtcpGoodbye } from '../rtcp/goodbye.js'
import { parseRtcp, serializeRtcp } from '../rtcp/compound.js'
import { RtcpReceiverReport } from '../rtcp/receiver-report.js'
import { RtcpSenderReport } from '../rtcp/sender-report.js'
import { RtcpSourceDescription } from '../rtcp/source-description.js'
import type { Clock } from '../util/clock.js'
import { msToNtp } from '../util/ntp.js'
import type { ServerStream, ServerTrack, StreamReader } from './server-stream.js'
import type { PacketizedUnit } from './tracks/media-track.js'
import type { UdpLink } from '../transport/udp-link.js'
import type { WholeJpegSender } from './dialects/teaching.js'

/** RFC 3550 §6.4.1: the fraction lost is a fixed-point number with the binary point at its left edge. */
const FRACTION_LOST_SCALE = 256

export type SessionState = 'init' | 'ready' | 'playing'

/** Where a track's packets go: a UDP pair to the client's ports, or channels on the RTSP connection. */
export type TrackTransport =
  | { kind: 'udp'; link: UdpLink; host: string; clientRtpPort: number; clientRtcpPort: number }
  | { kind: 'tcp'; sink: InterleavedSink; rtpChannel: number; rtcpChannel: number }

/** The RTSP connection, seen from a session that sends interleaved frames over it. */
export interface InterleavedSink {
  /** Bytes queued in user space and not yet handed to the kernel. */
  readonly queuedBytes: number
  readonly closed: boolean
  writeInterleaved(channel: number, packets: readonly Buffer[]): void
}

export interface TrackStats {
  packetsSent: number
  /** RTP bytes sent, headers included. */
  bytesSent: number
  octetsSent: number
  framesSent: number
  framesDropped: number
  receiverReports: number
  /** From the reader's latest receiver report about this track: fraction lost (0..1) since its previous one; null before any. */
  fractionLost: number | null
  /** From the same report: cumulative packets lost (signed, RFC 3550 §6.4.1); null before any. */
  cumulativeLost: number | null
}

export class TrackSetup {
  waitingKeyframe = true
  srSent = false
  lastRtpSent = 0
  readonly stats: TrackStats = {
    packetsSent: 0,
    bytesSent: 0,
    octetsSent: 0,
    framesSent: 0,
    framesDropped: 0,
    receiverReports: 0,
    fractionLost: null,
    cumulativeLost: null,
  }
  /** `wholeJpeg`: a teaching-dialect reader (dialects/teaching.ts), sent whole JPEGs and no RTCP. */
  constructor(
    readonly track: ServerTrack,
    readonly transport: TrackTransport,
    readonly wholeJpeg?: WholeJpegSender,
  ) {}
}

export interface SessionOptions {
  timeoutMs: number
  rtcpIntervalMs: number
  /** Per-reader queue bound for TCP: above it whole frames are dropped up to the next keyframe. */
  maxQueueBytes: number
  cname: string
  clock: Clock
  /** The reader's address, for stats (default ''). */
  remoteAddress?: string
  onDrop?: (session: ServerSession, setup: TrackSetup, reason: string) => void
}

/**
 * One RTSP session: the tracks a client set up on one stream, their transports, and — while
 * playing — a reader of the stream. A reader starts each video track at a keyframe, and a reader
 * that cannot keep up loses whole frames, never the publisher's or other readers' time.
 */
export class ServerSession implements StreamReader {
  state: SessionState = 'init'
  readonly setups = new Map<number, TrackSetup>()
  lastActivityMono: number
  /** Wall-clock ms (the injected clock) when the session was created. */
  readonly createdAt: number
  private rtcpTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    readonly id: string,
    readonly stream: ServerStream,
    /** The connection that created the session; TCP-interleaved sessions end with it. */
    readonly ownerId: number,
    private readonly opts: SessionOptions,
  ) {
    this.lastActivityMono = opts.clock.monoMs()
    this.createdAt = opts.clock.wallMs()
  }

  get path(): string {
    return this.stream.name
  }

  get usesTcp(): boolean {
    for (const s of this.setups.values()) if (s.transport.kind === 'tcp') return true
    return false
  }

  /** A reader in the teaching project's dialect (dialects/teaching.ts). */
  get teaching(): boolean {
    for (const s of this.setups.values()) if (s.wholeJpeg) return true
    return false
  }

  /** Lives as long as its RTSP connection: interleaved, or a teaching-dialect reader (no keep-alive). */
  get boundToConnection(): boolean {
    return this.usesTcp || this.teaching
  }

  touch(): void {
    this.lastActivityMono = this.opts.clock.monoMs()
  }

  expired(nowMono: number): boolean {
    return nowMono - this.lastActivityMono > this.opts.timeoutMs
  }

  addSetup(setup: TrackSetup): void {
    const old = this.setups.get(setup.track.index)
    if (old) this.closeTransport(old)
    this.setups.set(setup.track.index, setup)
    // Clients punch holes or send stray packets to the RTP port: those are ignored.
    if (setup.transport.kind === 'udp') setup.transport.link.onRtcp((msg) => this.onRtcp(setup, msg))
  }

  /** RTCP from the client (UDP or interleaved): counts receiver reports and keeps the session alive. */
  onRtcp(setup: TrackSetup, msg: Buffer): void {
    let packets
    try {
      packets = parseRtcp(msg)
    } catch {
      return // malformed RTCP from a client is not worth a session
    }
    this.touch()
    for (const p of packets) {
      if (!(p instanceof RtcpReceiverReport)) continue
      setup.stats.receiverReports++
      const block = p.reports.find((r) => r.ssrc === setup.track.media.ssrc)
      if (block) {
        setup.stats.fractionLost = block.fractionLost / FRACTION_LOST_SCALE
        setup.stats.cumulativeLost = block.totalLost
      }
    }
  }

  /**
   * Starts (or resumes) delivery. Video waits for a keyframe, since what was missed while paused is
   * gone — unless `continuous`: a per-reader playback resumes exactly where it paused.
   */
  play(continuous = false): void {
    if (this.state === 'playing') return
    this.state = 'playing'
    for (const s of this.setups.values()) {
      if (!continuous || !s.srSent) s.waitingKeyframe = s.track.media.kind === 'video'
    }
    this.stream.addReader(this)
    this.rtcpTimer = setInterval(() => this.sendSenderReports(), this.opts.rtcpIntervalMs)
    this.rtcpTimer.unref()
  }

  /** A new source feeds the stream (another publisher): video tracks wait for its first keyframe. */
  restartAtKeyframe(): void {
    for (const s of this.setups.values()) if (s.track.media.kind === 'video') s.waitingKeyframe = true
  }

  pause(): void {
    if (this.state !== 'playing') return
    this.state = 'ready'
    this.stream.removeReader(this)
    if (this.rtcpTimer) clearInterval(this.rtcpTimer)
    this.rtcpTimer = undefined
  }

  deliver(track: ServerTrack, unit: PacketizedUnit): void {
    const setup = this.setups.get(track.index)
    if (!setup) return
    if (setup.waitingKeyframe) {
      if (!unit.keyframe) return
      setup.waitingKeyframe = false
    }
    const t = setup.transport
    if (setup.wholeJpeg && t.kind === 'udp') {
      this.deliverWholeJpeg(setup, t.link, unit)
      return
    }
    if (t.kind === 'tcp') {
      if (t.sink.closed) return
      if (t.sink.queuedBytes + unit.bytes > this.opts.maxQueueBytes) {
        setup.stats.framesDropped++
        if (track.media.kind === 'video') setup.waitingKeyframe = true
        this.opts.onDrop?.(this, setup, `queue over ${this.opts.maxQueueBytes} bytes`)
        return
      }
      t.sink.writeInterleaved(t.rtpChannel, unit.packets)
    } else {
      for (const p of unit.packets) t.link.sendRtp(p)
    }
    setup.stats.packetsSent += unit.packets.length
    setup.stats.bytesSent += unit.bytes
    setup.stats.octetsSent += unit.bytes - unit.packets.length * 12
    setup.stats.framesSent++
    track.bytesOut += unit.bytes
    setup.lastRtpSent = unit.packets[0]!.readUInt32BE(4)
    if (!setup.srSent) this.sendSenderReport(setup)
  }

  private deliverWholeJpeg(setup: TrackSetup, link: UdpLink, unit: PacketizedUnit): void {
    const packet = unit.frame && setup.wholeJpeg!.packet(unit.frame)
    if (!packet) {
      setup.stats.framesDropped++
      return
    }
    link.sendRtp(packet)
    setup.stats.packetsSent++
    setup.stats.octetsSent += unit.frame!.length
    setup.stats.framesSent++
  }

  private sendSenderReports(): void {
    for (const s of this.setups.values()) if (s.stats.packetsSent > 0 && !s.wholeJpeg) this.sendSenderReport(s)
  }

  /** SR mapping the track's RTP clock to wall-clock capture time, with SDES CNAME (RFC 3550 §6.4.1, §6.5.1). */
  private senderReport(setup: TrackSetup): [RtcpSenderReport, RtcpSourceDescription] {
    const now = this.opts.clock.wallMs()
    const ntp = msToNtp(now)
    const ssrc = setup.track.media.ssrc
    const sr = new RtcpSenderReport({
      ssrc,
      ntpSeconds: ntp.seconds,
      ntpFraction: ntp.fraction,
      rtpTimestamp: setup.track.rtpTimeAt(now),
      packetCount: setup.stats.packetsSent >>> 0,
      octetCount: setup.stats.octetsSent >>> 0,
      reports: [],
    })
    const sdes = new RtcpSourceDescription({ chunks: [{ ssrc, items: [{ type: 1, text: this.opts.cname }] }] })
    return [sr, sdes]
  }

  private sendSenderReport(setup: TrackSetup): void {
    setup.srSent = true
    this.sendRtcp(setup, serializeRtcp(this.senderReport(setup)))
  }

  private sendRtcp(setup: TrackSetup, buf: Buffer): void {
    const t = setup.transport
    if (t.kind === 'tcp') {
      if (!t.sink.closed) t.sink.writeInterleaved(t.rtcpChannel, [buf])
    } else {
      t.link.sendRtcp(buf)
    }
  }

  private closeTransport(setup: TrackSetup): void {
    if (setup.transport.kind === 'udp') setup.transport.link.close()
  }

  /** Ends the session: BYE on every track that sent media, transports released. Idempotent. */
  close(sendBye = true): void {
    if (this.closed) return
    this.closed = true
    this.pause()
    for (const s of this.setups.values()) {
      if (sendBye && s.stats.packetsSent > 0 && !s.wholeJpeg) {
        const ssrc = s.track.media.ssrc
        try {
          this.sendRtcp(s, serializeRtcp([...this.senderReport(s), new RtcpGoodbye({ sources: [ssrc], reason: 'teardown' })]))
        } catch {
          // socket already gone
        }
      }
      // Let the BYE leave before the sockets close.
      const setup = s
      setImmediate(() => this.closeTransport(setup))
    }
  }

  stats(): {
    id: string
    path: string
    state: SessionState
    remoteAddress: string
    createdAt: number
    tracks: (TrackStats & { track: number; transport: string })[]
  } {
    return {
      id: this.id,
      path: this.path,
      state: this.state,
      remoteAddress: this.opts.remoteAddress ?? '',
      createdAt: this.createdAt,
      tracks: [...this.setups.values()].map((s) => ({ track: s.track.index, transport: s.transport.kind, ...s.stats })),
    }
  }
}
