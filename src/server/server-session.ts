import type { Clock } from '../util/clock.js'
import type { StreamOutput } from '../stream/output.js'
import { ReaderQueue } from '../stream/reader-queue.js'
import type { ServerStream } from '../stream/stream.js'
import type { Unit } from '../stream/unit.js'
import { RTP_TIMESTAMP_OFFSET, withTimestamp, withTimestamps } from '../rtp/rtp-packet.js'
import type { UdpLink } from '../transport/udp-link.js'
import { senderReport, sendTrackRtcp, takeReceiverReports } from './session-rtcp.js'
import { TrackSetup, type InterleavedSink, type TrackStats } from './track-setup.js'

export type SessionState = 'init' | 'ready' | 'playing'

export type { InterleavedSink, TrackStats, TrackTransport } from './track-setup.js'
export { TrackSetup } from './track-setup.js'

export interface SessionOptions {
  timeoutMs: number
  rtcpIntervalMs: number
  /** Per-reader queue bound, TCP and UDP: above it whole frames are dropped up to the next keyframe. */
  maxQueueBytes: number
  cname: string
  clock: Clock
  /** The reader's address, for stats (default ''). */
  remoteAddress?: string
  /** Called once per slow episode: the first drop after the reader had kept up. */
  onDrop?: (session: ServerSession, setup: TrackSetup, reason: string) => void
}

/** One unit on its way to one reader: the stream's shared packets, and for an instant start the timestamp they go out with. */
interface Outgoing {
  setup: TrackSetup
  unit: Unit
  packets: readonly Buffer[]
  bytes: number
  /** Instant start: every packet leaves with this RTP timestamp instead of its own (a header copy at send time). */
  rtptime?: number
}

/** Where instant start begins a track, for RTP-Info. */
export interface StartPoint {
  seq: number
  rtptime: number
}

/** Over UDP a reader's backlog (an instant-start GOP) leaves at most this fast, so receive buffers keep up. */
export const UDP_BACKLOG_BYTES_PER_MS = 25 * 1024
/** How often a backlog is pumped. */
const PUMP_INTERVAL_MS = 2
/** The most of the pacing budget a late pump may use at once. */
const MAX_PUMP_CATCH_UP_MS = 8
/** How often a backlog waiting for a full TCP socket looks again. */
const TCP_RETRY_MS = 20
/** The most of a TCP backlog written in one turn of the event loop (see pump). */
const TCP_BYTES_PER_TURN = 128 * 1024
/**
 * A TCP backlog waits while the socket holds more than this in user space. Whatever the kernel does
 * not take stays in Node with a request, a buffer descriptor and, for a restamped GOP, a header per
 * packet: at hundreds of readers starting at once that was most of the server's memory per reader.
 */
const TCP_PENDING_BYTES = 64 * 1024
/** Unit.derivedAt key of a unit's packets restamped for instant start (UDP readers share them). */
const RESTAMPED_KEY = 'rtp-restamped'
/** An instant start is skipped when the GOP would take more than this share of the reader's queue. */
const MAX_START_SHARE = 0.75
const RTP_SEQUENCE_OFFSET = 2

/**
 * Whether units come in presentation order (no B-frames). Moving the timestamps of a GOP with B-frames
 * close together would leave no room for the live B-frames that follow it, so such a GOP is not used:
 * its reader waits for the next keyframe.
 */
function inPresentationOrder(units: readonly Unit[]): boolean {
  for (let i = 1; i < units.length; i++) if (((units[i]!.rtpTimestamp - units[i - 1]!.rtpTimestamp) | 0) <= 0) return false
  return true
}

/**
 * One RTSP session: the tracks a client set up on one stream, their transports, and — while
 * playing — an output of the stream. A reader starts each video track with the stream's current GOP
 * (instant start) or at the next keyframe; it has its own queue bounded in bytes, and a reader that
 * cannot keep up loses whole frames up to the next keyframe, never the publisher's or other readers' time.
 */
export class ServerSession implements StreamOutput {
  readonly rtp = true
  state: SessionState = 'init'
  readonly setups = new Map<number, TrackSetup>()
  lastActivityMono: number
  /** Wall-clock ms (the injected clock) when the session was created. */
  readonly createdAt: number
  private rtcpTimer: NodeJS.Timeout | undefined
  private closed = false
  private readonly queue: ReaderQueue<Outgoing>
  /** UDP bytes handed to the kernel whose send has not completed. */
  private udpInFlight = 0
  /** Between PLAY and its response: nothing leaves yet, so media never precedes the reply. */
  private holding = false
  /** The next pump is the first after PLAY: it sends only the GOP's first unit over TCP (see pump). */
  private firstSlice = false
  private pumpTimer: NodeJS.Timeout | undefined
  /** A pump on the next turn of the loop (a TCP backlog going out in slices). */
  private pumpImmediate: NodeJS.Immediate | undefined
  /** A TCP backlog waits for its socket to drain (whenDrained). */
  private drainWait = false
  private lastPumpMono = 0
  /** In a slow episode (logged once): from a drop until every track takes units again. */
  private slow = false
  private readonly startPoints = new Map<number, StartPoint>()

  constructor(
    readonly id: string,
    readonly stream: ServerStream,
    /** The connection that created the session; TCP-interleaved sessions end with it. */
    readonly ownerId: number,
    private readonly opts: SessionOptions,
  ) {
    this.lastActivityMono = opts.clock.monoMs()
    this.createdAt = opts.clock.wallMs()
    this.queue = new ReaderQueue(opts.maxQueueBytes)
  }

  get path(): string {
    return this.stream.name
  }

  /** The reader's address ('' when unknown). */
  get remoteAddress(): string {
    return this.opts.remoteAddress ?? ''
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

  /** Bytes waiting for this reader: its queue plus what its transport holds (socket buffer, UDP sends in flight). */
  get queuedBytes(): number {
    return this.queue.bytes + this.outsideBytes()
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
    if (setup.transport.kind === 'multicast') setup.transport.group.hold(this)
    // Clients punch holes or send stray packets to the RTP port: those are ignored.
    if (setup.transport.kind === 'udp') setup.transport.link.onRtcp((msg) => this.onRtcp(setup, msg))
  }

  /** RTCP from the client (UDP or interleaved): counts receiver reports and keeps the session alive. */
  onRtcp(setup: TrackSetup, msg: Buffer): void {
    // Malformed RTCP from a client is not worth a session, nor a sign of life.
    if (takeReceiverReports(setup, msg)) this.touch()
  }

  /**
   * Starts (or resumes) delivery. Video starts with the stream's current GOP (instant start) or waits
   * for a keyframe, since what was missed while paused is gone — unless `continuous`: a per-reader
   * playback resumes exactly where it paused. Media leaves after the PLAY response (next turn of the loop).
   */
  play(continuous = false): void {
    if (this.state === 'playing') return
    this.state = 'playing'
    for (const s of this.setups.values()) {
      if (!continuous || !s.srSent) s.gate.restart()
    }
    for (const s of this.setups.values()) if (s.transport.kind === 'multicast') s.transport.group.play(this)
    this.holding = true
    this.stream.addOutput(this)
    this.startPoints.clear()
    if (!continuous && this.stream.instantStart) this.queueStartUnits()
    this.firstSlice = this.queue.length > 0
    setImmediate(() => {
      this.holding = false
      if (this.state === 'playing') this.pump()
    })
    this.rtcpTimer = setInterval(() => this.sendSenderReports(), this.opts.rtcpIntervalMs)
    this.rtcpTimer.unref()
  }

  /** Where each instant-started track begins (first packet's sequence number and timestamp), for RTP-Info. */
  startPoint(trackIndex: number): StartPoint | undefined {
    return this.startPoints.get(trackIndex)
  }

  /**
   * Instant start: every video track's GOP so far goes first. Its timestamps are moved to just before
   * the newest one (one tick apart, in order), so players show its pictures at once and then play the
   * live units at their own times — the reader is not left a GOP behind.
   */
  private queueStartUnits(): void {
    for (const setup of this.setups.values()) {
      if (setup.transport.kind === 'multicast') continue
      const units = this.stream.startUnits(setup.track)
      if (units.length === 0 || !inPresentationOrder(units)) continue
      let bytes = 0
      for (const u of units) bytes += u.bytes
      if (bytes > this.opts.maxQueueBytes * MAX_START_SHARE) continue // too large: wait for a keyframe
      const newest = units[units.length - 1]!.rtpTimestamp
      // The queue holds the stream's own packets; only the timestamp differs, and it is written into a
      // copy of the 12-byte header when each packet leaves (send). Copying the GOP for every
      // reader was the largest cost of a PLAY and most of a reader's memory (bench/handshakes.ts, bench/run.ts).
      units.forEach((unit, i) => {
        const rtptime = (newest - (units.length - 1 - i)) >>> 0
        const first = unit.packets[0]
        if (i === 0 && first) this.startPoints.set(setup.track.index, { seq: first.readUInt16BE(RTP_SEQUENCE_OFFSET), rtptime })
        this.queue.push({ setup, unit, packets: unit.packets, bytes: unit.bytes, rtptime }, unit.bytes)
      })
      setup.gate.started()
    }
  }

  /** A new source feeds the stream (another publisher): video tracks wait for its first keyframe. */
  restartAtKeyframe(): void {
    for (const s of this.setups.values()) s.gate.restart()
  }

  pause(): void {
    if (this.state !== 'playing') return
    this.state = 'ready'
    for (const s of this.setups.values()) if (s.transport.kind === 'multicast') s.transport.group.pause(this)
    this.stream.removeOutput(this)
    if (this.rtcpTimer) clearInterval(this.rtcpTimer)
    this.rtcpTimer = undefined
    this.stopPump()
  }

  writeUnit(unit: Unit): void {
    const setup = this.setups.get(unit.trackIndex)
    // A multicast member's packets are its group's to send.
    if (!setup || this.state !== 'playing' || setup.transport.kind === 'multicast') return
    if (!setup.gate.admit(unit)) return
    if (this.slow && unit.keyframe) this.endSlowEpisode()
    const packets = unit.packets
    if (packets.length === 0 && !setup.wholeJpeg) return
    const item: Outgoing = { setup, unit, packets, bytes: unit.bytes }
    const outside = this.outsideBytes()
    if (this.holding || this.queue.length > 0) {
      if (this.queue.push(item, item.bytes, outside)) this.schedulePump()
      else this.overflow(setup, item.bytes)
      return
    }
    if (outside + item.bytes > this.opts.maxQueueBytes) this.overflow(setup, item.bytes)
    else this.send(item)
  }

  /** Units of a track waiting in this reader's queue (not yet handed to the transport). */
  private framesQueued(setup: TrackSetup): { frames: number; bytes: number } {
    let frames = 0
    let bytes = 0
    for (const item of this.queue) {
      if (item.setup !== setup) continue
      frames++
      bytes += item.bytes
    }
    return { frames, bytes }
  }

  private outsideBytes(): number {
    let tcp = 0
    for (const s of this.setups.values()) {
      if (s.transport.kind === 'tcp') {
        tcp = s.transport.sink.queuedBytes
        break
      }
    }
    return tcp + this.udpInFlight
  }

  private overflow(setup: TrackSetup, bytes: number): void {
    setup.gate.overflow(bytes)
    if (this.slow) return
    this.slow = true
    this.opts.onDrop?.(this, setup, `queue over ${this.opts.maxQueueBytes} bytes`)
  }

  private endSlowEpisode(): void {
    for (const s of this.setups.values()) if (s.gate.inEpisode) return
    this.slow = false
  }

  private whenDrained(sink: InterleavedSink): void {
    if (!sink.onceDrained) return this.schedulePump(TCP_RETRY_MS)
    if (this.drainWait) return
    this.drainWait = true
    sink.onceDrained(() => {
      this.drainWait = false
      if (!this.closed && this.queue.length > 0) this.schedulePump(0)
    })
  }

  /** `delayMs` 0: on the next turn of the loop, after the I/O that is waiting (a TEARDOWN may be). */
  private schedulePump(delayMs = PUMP_INTERVAL_MS): void {
    if (this.pumpTimer || this.pumpImmediate || this.holding) return
    if (delayMs === 0) this.pumpImmediate = setImmediate(() => this.pump())
    else this.pumpTimer = setTimeout(() => this.pump(), delayMs)
  }

  private stopPump(): void {
    clearTimeout(this.pumpTimer)
    clearImmediate(this.pumpImmediate)
    this.pumpTimer = this.pumpImmediate = undefined
    this.queue.clear()
    this.holding = false
  }

  /** Sends the backlog: over TCP as the socket takes it, over UDP at most UDP_BACKLOG_BYTES_PER_MS. */
  private pump(): void {
    this.pumpTimer = this.pumpImmediate = undefined
    const now = this.opts.clock.monoMs()
    // A late timer does not buy a bigger burst: the receiver's buffer is what the pacing protects.
    const elapsed = this.lastPumpMono === 0 ? PUMP_INTERVAL_MS : Math.min(Math.max(now - this.lastPumpMono, 0), MAX_PUMP_CATCH_UP_MS)
    let budget = Math.max(elapsed, PUMP_INTERVAL_MS) * UDP_BACKLOG_BYTES_PER_MS
    // Right after PLAY only the keyframe goes (a player shows it at once); the rest of the GOP follows
    // from the next turn, after the loop has read what came in meanwhile: a client that tears down at
    // once (a handshake storm) costs one unit's write, not a slice of the GOP.
    let tcpBudget = this.firstSlice ? 1 : TCP_BYTES_PER_TURN
    this.firstSlice = false
    this.lastPumpMono = now
    for (let item = this.queue.peek(); item; item = this.queue.peek()) {
      const t = item.setup.transport
      if (t.kind === 'tcp') {
        if (t.sink.closed) return this.queue.clear()
        // A backlog (instant start's GOP) goes out in slices, one per turn of the loop: a reader that
        // tears down at once (or a handshake storm) does not cost the whole GOP's writes.
        if (tcpBudget <= 0) return this.schedulePump(0)
        tcpBudget -= item.bytes
        if (t.sink.queuedBytes > TCP_PENDING_BYTES) {
          // The socket is full: go on when it drains rather than spin; new units meanwhile are bounded by the queue.
          return this.whenDrained(t.sink)
        }
      } else {
        if (budget <= 0) break
        budget -= item.bytes
      }
      this.queue.shift(item.bytes)
      this.send(item)
    }
    if (this.queue.length > 0) this.schedulePump()
    else this.lastPumpMono = 0
  }

  private send(item: Outgoing): void {
    const t = item.setup.transport
    // Over TCP a track's first unit and its first sender report leave in one write.
    if (!item.setup.srSent && t.kind === 'tcp' && t.sink.batch) t.sink.batch(() => this.sendNow(item))
    else this.sendNow(item)
  }

  private sendNow(item: Outgoing): void {
    const { setup, rtptime } = item
    // SRTP: each reader's own copy, under its own key and ROC; the shared packets stay untouched.
    const srtp = setup.srtp?.out
    let packets = item.packets
    if (srtp) packets = packets.map((p) => srtp.protectRtp(rtptime === undefined ? p : withTimestamp(p, rtptime)))
    const restamp = srtp ? undefined : rtptime
    const t = setup.transport
    if (setup.wholeJpeg && t.kind === 'udp') {
      this.deliverWholeJpeg(setup, t.link, item.unit)
      return
    }
    if (t.kind === 'multicast') return
    if (t.kind === 'tcp') {
      if (t.sink.closed) return
      // The stream's packets framed once per channel and shared by every TCP reader; instant start's
      // restamped GOP is shared too, by every reader that starts between the same two units.
      const framing = setup.framing
      const unit = item.unit
      // SRTP tracks have no shared framing: their packets are their own copies, already restamped.
      if (framing)
        t.sink.writeFramed(
          restamp === undefined ? unit.derived(framing.key, framing.frame) : unit.derivedAt(framing.key, restamp, framing.frameAt(restamp)),
        )
      else t.sink.writeInterleaved(t.rtpChannel, packets)
    } else {
      const last = packets.length - 1
      const bytes = item.bytes
      const out = restamp === undefined ? packets : item.unit.derivedAt(RESTAMPED_KEY, restamp, (ps) => withTimestamps(ps, restamp))
      this.udpInFlight += bytes
      // Only the unit's last datagram is sent with a callback (one per packet cost a JS call each at
      // hundreds of thousands a second); a closed client port shows in it all the same.
      for (let i = 0; i < last; i++) t.link.sendRtp(out[i]!)
      t.link.sendRtp(out[last]!, (err) => {
        this.udpInFlight -= bytes
        setup.onDatagramSent(err)
      })
    }
    setup.stats.packetsSent += packets.length
    setup.stats.bytesSent += item.bytes
    setup.stats.octetsSent += item.bytes - packets.length * 12
    setup.stats.framesSent++
    setup.track.bytesOut += item.bytes
    setup.lastRtpSent = rtptime ?? packets[0]!.readUInt32BE(RTP_TIMESTAMP_OFFSET)
    if (!setup.srSent) this.sendSenderReport(setup)
  }

  private deliverWholeJpeg(setup: TrackSetup, link: UdpLink, unit: Unit): void {
    const jpeg = unit.payload
    const packet = Buffer.isBuffer(jpeg) ? setup.wholeJpeg!.packet(jpeg) : undefined
    if (!packet) {
      setup.gate.dropped++
      setup.gate.bytesDropped += unit.bytes
      return
    }
    link.sendRtp(packet, setup.onDatagramSent)
    setup.stats.packetsSent++
    setup.stats.octetsSent += jpeg.length
    setup.stats.framesSent++
  }

  private sendSenderReports(): void {
    for (const s of this.setups.values()) if (s.stats.packetsSent > 0 && !s.wholeJpeg) this.sendSenderReport(s)
  }

  private sendSenderReport(setup: TrackSetup): void {
    setup.srSent = true
    sendTrackRtcp(setup, senderReport(setup, this.opts.clock.wallMs(), this.opts.cname))
  }

  private closeTransport(setup: TrackSetup): void {
    if (setup.transport.kind === 'udp') setup.transport.link.close()
    else if (setup.transport.kind === 'multicast') setup.transport.group.leave(this)
  }

  /**
   * Ends the session: BYE on every track that sent media or is playing, transports released. Idempotent.
   * A playing reader that got nothing yet (an empty publish:stay path) is told too, not left to time out.
   */
  close(sendBye = true): void {
    if (this.closed) return
    this.closed = true
    const playing = this.state === 'playing'
    this.pause()
    for (const s of this.setups.values()) {
      if (sendBye && (s.stats.packetsSent > 0 || playing) && !s.wholeJpeg) {
        try {
          sendTrackRtcp(s, senderReport(s, this.opts.clock.wallMs(), this.opts.cname, 'teardown'))
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
    tracks: (TrackStats & { track: number; transport: string; framesQueued?: number; bytesQueued?: number })[]
    queuedBytes?: number
  } {
    return {
      id: this.id,
      path: this.path,
      state: this.state,
      remoteAddress: this.opts.remoteAddress ?? '',
      createdAt: this.createdAt,
      tracks: [...this.setups.values()].map((s) => ({
        track: s.track.index,
        transport: s.transport.kind,
        ...s.stats,
        framesQueued: this.framesQueued(s).frames,
        bytesQueued: this.framesQueued(s).bytes,
      })),
      queuedBytes: this.queuedBytes,
    }
  }
}
