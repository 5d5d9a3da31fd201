/**
 * One WHEP viewer (RFC 9725's egress twin, draft-ietf-wish-whep): an output of the path's stream
 * that sends each unit's shared RTP packets through werift, renumbered for this session. It starts
 * with the cached GOP (instant start) or at the next keyframe, keeps its own queue bounded in bytes,
 * and when the browser cannot keep up drops whole GOPs and counts them — never holding the
 * publisher or the other readers.
 */
import { RtpPacket, type RTCPeerConnection, type RTCRtpSender } from 'werift'
import type { StreamOutput } from '../stream/output.js'
import { KeyframeGate, ReaderQueue } from '../stream/reader-queue.js'
import type { Stream, StreamTrack } from '../stream/stream.js'
import type { Unit } from '../stream/unit.js'
import type { Clock } from '../util/clock.js'
import type { ExternalReader } from '../server/external-sessions.js'
import { PeerLifetime, type LifetimeLimits } from './lifetime.js'
import { inPresentationOrder, SessionSequencer, startTimestamps } from './rtp-rewrite.js'

/** A backlog (the instant-start GOP, a burst) leaves at most this fast, so the browser's socket keeps up. */
const BACKLOG_BYTES_PER_MS = 25 * 1024
const PUMP_INTERVAL_MS = 4
/** Sends handed to werift and not yet on the socket may hold this much before units queue. */
const MAX_IN_FLIGHT_BYTES = 256 * 1024
/** An instant start is skipped when the GOP would take more than this share of the queue. */
const MAX_START_SHARE = 0.75

export interface WhepTrack {
  track: StreamTrack
  sender: RTCRtpSender
}

export interface WhepSessionOptions {
  maxQueueBytes: number
  lifetime: LifetimeLimits
  clock: Clock
  random: () => number
  /** Called once when the session ended, with why. */
  onClosed: (s: WhepSession, reason: string) => void
  onSlow?: (s: WhepSession) => void
}

interface TrackState {
  track: StreamTrack
  sender: RTCRtpSender
  gate: KeyframeGate
  seq: SessionSequencer
}

interface Outgoing {
  t: TrackState
  packets: readonly Buffer[]
  /** The session's RTP timestamp of the unit. */
  timestamp: number
  bytes: number
}

export class WhepSession implements StreamOutput {
  readonly rtp = true
  readonly reader: boolean
  /** Picture loss indications and FIRs from the browser (we cannot make the source send a keyframe: noted only). */
  pictureLossIndications = 0
  /** Slow episodes: overflows that started a run of dropped units. */
  slowEpisodes = 0
  private readonly tracks = new Map<number, TrackState>()
  private readonly queue: ReaderQueue<Outgoing>
  private inFlight = 0
  private pumpTimer: NodeJS.Timeout | undefined
  private lastPumpMono = 0
  private readonly lifetime: PeerLifetime
  private sending = false
  private closed = false
  private readonly unsubscribers: (() => void)[] = []
  readonly createdMono: number
  /** Monotonic ms of the first packet sent, for time-to-first-frame. */
  firstSendMono: number | undefined

  constructor(
    readonly id: string,
    readonly session: ExternalReader,
    readonly pc: RTCPeerConnection,
    tracks: readonly WhepTrack[],
    private readonly opts: WhepSessionOptions,
  ) {
    this.reader = session.counted
    this.queue = new ReaderQueue(opts.maxQueueBytes)
    this.createdMono = opts.clock.monoMs()
    for (const { track, sender } of tracks) {
      const state: TrackState = {
        track,
        sender,
        gate: new KeyframeGate(track.media.kind === 'video'),
        seq: new SessionSequencer(Math.floor(opts.random() * 0x10000)),
      }
      this.tracks.set(track.index, state)
      this.unsubscribers.push(sender.onPictureLossIndication.subscribe(() => this.pictureLossIndications++).unSubscribe)
      this.unsubscribers.push(sender.onRtcp.subscribe(() => this.lifetime.heard()).unSubscribe)
    }
    this.lifetime = new PeerLifetime(
      pc,
      opts.lifetime,
      opts.clock,
      (reason) => this.close(reason),
      () => this.begin(),
    )
    session.onClose = (reason) => this.close(reason)
  }

  get stream(): Stream {
    return this.session.stream
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Units not sent because the browser was too slow, every track. */
  get framesDropped(): number {
    let n = 0
    for (const t of this.tracks.values()) n += t.gate.dropped
    return n
  }

  get packetsSent(): number {
    let n = 0
    for (const t of this.tracks.values()) n += t.seq.sent
    return n
  }

  /** DTLS is up: the session joins the stream, the cached GOP first. */
  private begin(): void {
    if (this.closed) return
    this.sending = true
    this.stream.addOutput(this)
    if (this.stream.instantStart) this.queueStartUnits()
    this.pump()
  }

  private queueStartUnits(): void {
    for (const t of this.tracks.values()) {
      const units = this.stream.startUnits(t.track)
      const times = units.map((u) => u.rtpTimestamp)
      if (units.length === 0 || !inPresentationOrder(times)) continue
      let bytes = 0
      for (const u of units) bytes += u.bytes
      if (bytes > this.opts.maxQueueBytes * MAX_START_SHARE) continue // too large: wait for a keyframe
      const starts = startTimestamps(times)
      units.forEach((u, i) => this.queue.push({ t, packets: u.packets, timestamp: t.seq.timestamp(starts[i]!), bytes: u.bytes }, u.bytes))
      t.gate.started()
    }
  }

  writeUnit(unit: Unit): void {
    const t = this.tracks.get(unit.trackIndex)
    if (!t || !this.sending || this.closed) return
    if (!t.gate.admit(unit)) return
    const packets = unit.packets
    if (packets.length === 0) return
    const item: Outgoing = { t, packets, timestamp: t.seq.timestamp(unit.rtpTimestamp), bytes: unit.bytes }
    if (this.queue.length === 0 && this.inFlight + item.bytes <= MAX_IN_FLIGHT_BYTES) {
      this.send(item)
      return
    }
    if (!this.queue.push(item, item.bytes, this.inFlight)) {
      if (t.gate.overflow()) {
        this.slowEpisodes++
        this.opts.onSlow?.(this)
      }
      return
    }
    this.schedulePump()
  }

  restartAtKeyframe(): void {
    for (const t of this.tracks.values()) t.gate.restart()
  }

  private send(item: Outgoing): void {
    this.firstSendMono ??= this.opts.clock.monoMs()
    for (const p of item.packets) {
      // A new header object over a view of the shared packet: the shared bytes are never written.
      const packet = RtpPacket.deSerialize(p)
      packet.header.sequenceNumber = item.t.seq.nextSequence()
      packet.header.timestamp = item.timestamp
      this.inFlight += p.length
      const done = (): void => {
        this.inFlight -= p.length
        if (this.queue.length > 0) this.schedulePump()
      }
      item.t.sender.sendRtp(packet).then(done, done)
    }
    this.session.bytesSent += item.bytes
  }

  private schedulePump(): void {
    if (this.pumpTimer || this.closed) return
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined
      this.pump()
    }, PUMP_INTERVAL_MS)
  }

  /** Sends the backlog at a bounded rate; comes back while anything is left. */
  private pump(): void {
    if (this.closed) return
    const now = this.opts.clock.monoMs()
    const elapsed = Math.min(Math.max(now - this.lastPumpMono, PUMP_INTERVAL_MS), PUMP_INTERVAL_MS * 2)
    this.lastPumpMono = now
    let budget = elapsed * BACKLOG_BYTES_PER_MS
    for (;;) {
      const next = this.queue.peek()
      if (!next || budget <= 0 || this.inFlight > MAX_IN_FLIGHT_BYTES) break
      this.queue.shift(next.bytes)
      budget -= next.bytes
      this.send(next)
    }
    if (this.queue.length > 0) this.schedulePump()
  }

  /** Idempotent: leaves the stream, closes the peer connection and the server's session. */
  close(reason = 'closed'): void {
    if (this.closed) return
    this.closed = true
    this.sending = false
    this.lifetime.stop()
    if (this.pumpTimer) clearTimeout(this.pumpTimer)
    this.pumpTimer = undefined
    this.queue.clear()
    this.stream.removeOutput(this)
    for (const u of this.unsubscribers) u()
    void this.pc.close().catch(() => undefined)
    this.session.close(reason)
    this.opts.onClosed(this, reason)
  }
}
