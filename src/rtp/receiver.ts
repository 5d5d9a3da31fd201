/**
 * Receiving one RTP stream well, RFC 3550: sequence numbers extended across wraps and checked for
 * jumps (appendix A.1), a small reorder buffer with duplicate removal (reorder-buffer.ts), loss
 * counting and the reception report fields (section 6.4.1, appendix A.3), interarrival jitter
 * (appendix A.8, jitter.ts), and sender reports mapping RTP time to the sender's wall clock
 * (section 6.4.1: "the NTP timestamp [...] corresponds to the same time as the NTP timestamp").
 *
 * Pure logic: time comes from the injected clock or the caller, and no timer is started. The owner of
 * the socket calls `push` for each datagram, `releaseDue` at `nextDeadline()`, and `receptionReport`
 * when it sends RTCP (see RtpReceiveSession).
 *
 * Choices the RFC leaves open:
 * - No probation (A.1's MIN_SEQUENTIAL): the first packet is accepted, since plain RTP on a dedicated
 *   port has one sender and dropping the first packet would drop the SPS of an H.264 stream. It is
 *   also delivered at once (no start-up latency), so a packet older than the first one received is
 *   dropped as late: nothing was waiting for it.
 * - A jump of MAX_DROPOUT ahead or MAX_MISORDER behind is dropped unless the next packet follows it,
 *   in which case the sender restarted: the stream is resynchronised as A.1's `init_seq` does.
 * - Duplicates are recognised and not counted as received, so the cumulative loss only goes negative
 *   for late packets arriving after their loss was reported, never for duplicates.
 * - The receiver locks onto one SSRC (the first seen, or `ssrc`). Packets of another SSRC are dropped,
 *   unless the locked one has been silent for `sourceTimeoutMs`: then the new sender takes over.
 */
import { ConfigError, RtspkitError } from '../errors.js'
import type { RtcpReceptionReport } from '../rtcp/reception-report.js'
import type { RtcpSenderReport } from '../rtcp/sender-report.js'
import { systemClock, type Clock } from '../util/clock.js'
import { msToNtpShort, ntpMiddle32, ntpToMs } from '../util/ntp.js'
import { seqDiff, tsDiff } from '../util/serial.js'
import type { DepacketizedFrame, RtpDepacketizer } from './depacketizer.js'
import { JitterEstimator } from './jitter.js'
import { ReorderBuffer } from './reorder-buffer.js'
import type { RtpPacket } from './rtp-packet.js'

/** A.1: "MAX_DROPOUT = 3000; MAX_MISORDER = 100". */
export const MAX_DROPOUT = 3000
export const MAX_MISORDER = 100
const SEQ_MASK = 0xffff
/** A.3: fraction lost is an 8-bit fixed point number. */
const FRACTION_SHIFT = 8
const MAX_FRACTION = 0xff
const MS_PER_SECOND = 1000
export const DEFAULT_SOURCE_TIMEOUT_MS = 2000
export const MAX_CLOCK_RATE = 10_000_000

/** A frame rebuilt from RTP, with its time on the receiver's and on the sender's clock. */
export interface RtpFrame extends DepacketizedFrame {
  /** Milliseconds from the first frame's RTP timestamp (timestamps unwrapped; may be negative for B-frames). */
  ptsMs: number
  /** The sender's wall clock (Unix milliseconds) for this frame, once a sender report has arrived. */
  ntpMs?: number
  ssrc: number
}

export interface RtpReceiverStats {
  ssrc: number | undefined
  /** Distinct packets received (duplicates excluded, late ones included). */
  packets: number
  /** Payload bytes of those packets. */
  bytes: number
  /** Packets expected from the first to the highest sequence number (A.3). */
  expected: number
  /** Cumulative packets lost (A.3: expected - received; negative when late packets outnumber losses). */
  lost: number
  duplicates: number
  /** Packets that arrived after one with a higher sequence number. */
  reordered: number
  /** Packets that arrived after their gap had been given up; counted as received, not delivered. */
  late: number
  /** Packets dropped: other payload type, other SSRC, or a sequence jump. */
  discarded: number
  /** Frames produced by the depacketizer. */
  frames: number
  /** Packets the depacketizer refused (its state was reset; see its error codes). */
  depacketizerErrors: number
  /** Interarrival jitter in timestamp units (A.8) and in milliseconds. */
  jitter: number
  jitterMs: number
  senderReports: number
  /** Times the stream restarted (sequence resync or a new SSRC). */
  resyncs: number
}

export interface RtpReceiverOptions {
  /** RTP clock rate of the payload format (90000 for video). */
  clockRate: number
  /** Packets held while waiting for a missing one, at most. Default 64. */
  reorderWindow?: number
  /** Longest a packet waits for a missing earlier one, in ms. Default 200. */
  maxDelayMs?: number
  /** Rebuilds frames from the packets released in order. Without one, only `onPacket` sees them. */
  depacketizer?: RtpDepacketizer
  /** Accept only this SSRC (default: the first one seen). */
  ssrc?: number
  /** Accept only this payload type (default: any). */
  payloadType?: number
  /** Silence after which another SSRC may take over the stream, in ms. Default 2000. */
  sourceTimeoutMs?: number
  clock?: Clock
  /** Each packet released in sequence order, before the depacketizer sees it. */
  onPacket?: (packet: RtpPacket) => void
  /** A packet the depacketizer refused (after its state was reset). Default: counted only. */
  onDepacketizerError?: (err: RtspkitError, packet: RtpPacket) => void
}

interface SenderReportInfo {
  ssrc: number
  rtpTimestamp: number
  ntpMs: number
  /** LSR: middle 32 bits of its NTP timestamp. */
  middle32: number
  arrivalMs: number
}

export class RtpReceiver {
  readonly clockRate: number
  private readonly clock: Clock
  private readonly depacketizer: RtpDepacketizer | undefined
  private readonly reorder: ReorderBuffer
  private readonly jitterEstimator: JitterEstimator
  private readonly pinnedSsrc: number | undefined
  private readonly payloadType: number | undefined
  private readonly sourceTimeoutMs: number
  private readonly onPacket: ((packet: RtpPacket) => void) | undefined
  private readonly onDepacketizerError: ((err: RtspkitError, packet: RtpPacket) => void) | undefined
  private closed = false

  // Source and sequence state (A.1, A.3).
  private currentSsrc: number | undefined
  private lastArrivalMs = 0
  private baseExt = 0
  private maxExt = 0
  /** The sequence number after a suspected restart (A.1 `bad_seq`), or -1. */
  private badSeq = -1
  private received = 0
  private expectedPrior = 0
  private receivedPrior = 0

  // Frame timing.
  private firstFrameExtTs: number | undefined
  private lastFrameTs = 0
  private lastFrameExtTs = 0
  private lastPtsMs = 0
  private lastSr: SenderReportInfo | undefined

  private readonly counters = {
    packets: 0,
    bytes: 0,
    duplicates: 0,
    reordered: 0,
    late: 0,
    discarded: 0,
    frames: 0,
    depacketizerErrors: 0,
    senderReports: 0,
    resyncs: 0,
  }
  /** Losses and receipts of earlier sequence epochs (before a resync), for the cumulative stats. */
  private lostBeforeResync = 0
  private expectedBeforeResync = 0

  constructor(opts: RtpReceiverOptions) {
    if (!Number.isInteger(opts.clockRate) || opts.clockRate < 1 || opts.clockRate > MAX_CLOCK_RATE) {
      throw new ConfigError('ERR_RTP_CLOCK_RATE', `clock rate ${opts.clockRate} is not in 1..${MAX_CLOCK_RATE}`, {
        observed: opts.clockRate,
        allowed: `1..${MAX_CLOCK_RATE}`,
      })
    }
    this.clockRate = opts.clockRate
    this.clock = opts.clock ?? systemClock
    this.depacketizer = opts.depacketizer
    this.reorder = new ReorderBuffer({ window: opts.reorderWindow, maxDelayMs: opts.maxDelayMs })
    this.jitterEstimator = new JitterEstimator(opts.clockRate)
    this.pinnedSsrc = opts.ssrc === undefined ? undefined : opts.ssrc >>> 0
    this.payloadType = opts.payloadType
    this.sourceTimeoutMs = opts.sourceTimeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS
    this.onPacket = opts.onPacket
    this.onDepacketizerError = opts.onDepacketizerError
  }

  /** The SSRC being received, once a packet has been accepted. */
  get ssrc(): number | undefined {
    return this.currentSsrc
  }

  /** Extended highest sequence number received (A.3 `cycles + max_seq`), once a packet has been accepted. */
  get highestSequence(): number | undefined {
    return this.currentSsrc === undefined ? undefined : this.maxExt
  }

  get stats(): RtpReceiverStats {
    const expected = this.currentSsrc === undefined ? 0 : this.maxExt - this.baseExt + 1
    return {
      ssrc: this.currentSsrc,
      ...this.counters,
      expected: this.expectedBeforeResync + expected,
      lost: this.lostBeforeResync + (this.currentSsrc === undefined ? 0 : expected - this.received),
      jitter: this.jitterEstimator.value,
      jitterMs: this.jitterEstimator.milliseconds,
    }
  }

  /**
   * Accepts one packet that arrived at `arrivalMs` (monotonic; default now). Returns the frames it
   * completes, in order (often none: a frame spans packets, or the packet waits for a gap to fill).
   */
  push(packet: RtpPacket, arrivalMs: number = this.clock.monoMs()): RtpFrame[] {
    if (this.closed) return []
    if (this.payloadType !== undefined && packet.payloadType !== this.payloadType) {
      this.counters.discarded++
      return []
    }
    const ssrc = packet.ssrc >>> 0
    if (this.pinnedSsrc !== undefined && ssrc !== this.pinnedSsrc) {
      this.counters.discarded++
      return []
    }
    const released: RtpPacket[] = []
    if (this.currentSsrc === undefined) {
      this.startSource(ssrc, packet.sequenceNumber)
    } else if (ssrc !== this.currentSsrc) {
      if (arrivalMs - this.lastArrivalMs < this.sourceTimeoutMs) {
        this.counters.discarded++
        return []
      }
      this.reorder.flush(released)
      this.endEpoch()
      this.counters.resyncs++
      this.lastSr = this.lastSr?.ssrc === ssrc ? this.lastSr : undefined
      const frames = this.deliver(released)
      this.startSource(ssrc, packet.sequenceNumber)
      return frames.concat(this.accept(packet, arrivalMs))
    }
    return this.accept(packet, arrivalMs)
  }

  /** Monotonic time at which `releaseDue` has packets to give up waiting for, if any. */
  nextDeadline(): number | undefined {
    return this.reorder.nextDeadline()
  }

  /** Gives up gaps whose later packets have waited the maximum delay; returns the frames released. */
  releaseDue(nowMs: number = this.clock.monoMs()): RtpFrame[] {
    const out: RtpPacket[] = []
    this.reorder.releaseDue(nowMs, out)
    return this.deliver(out)
  }

  /** End of stream: releases every packet held, giving up all gaps. */
  flush(): RtpFrame[] {
    const out: RtpPacket[] = []
    this.reorder.flush(out)
    return this.deliver(out)
  }

  /**
   * Takes a sender report (section 6.4.1) arriving at `arrivalMs` (monotonic; default now). Reports of
   * another SSRC are ignored until that SSRC is being received. Returns whether it was used.
   */
  handleSenderReport(sr: RtcpSenderReport, arrivalMs: number = this.clock.monoMs()): boolean {
    const ssrc = sr.ssrc >>> 0
    if (this.pinnedSsrc !== undefined && ssrc !== this.pinnedSsrc) return false
    if (this.currentSsrc !== undefined && ssrc !== this.currentSsrc) return false
    this.lastSr = {
      ssrc,
      rtpTimestamp: sr.rtpTimestamp >>> 0,
      ntpMs: ntpToMs(sr.ntpSeconds, sr.ntpFraction),
      middle32: ntpMiddle32(sr.ntpSeconds, sr.ntpFraction),
      arrivalMs,
    }
    this.counters.senderReports++
    return true
  }

  /** The sender's wall-clock time (Unix ms) of RTP timestamp `timestamp`, once a sender report has arrived. */
  ntpMsFor(timestamp: number): number | undefined {
    const sr = this.lastSr
    if (!sr || sr.ssrc !== this.currentSsrc) return undefined
    return sr.ntpMs + (tsDiff(sr.rtpTimestamp, timestamp) * MS_PER_SECOND) / this.clockRate
  }

  /**
   * The reception report block for the stream (section 6.4.1, appendix A.3) at `nowMs` (monotonic;
   * default now), or undefined before the first packet. Starts a new interval for `fractionLost`:
   * call it once per RTCP report sent.
   */
  receptionReport(nowMs: number = this.clock.monoMs()): RtcpReceptionReport | undefined {
    if (this.currentSsrc === undefined) return undefined
    const expected = this.maxExt - this.baseExt + 1
    const lost = expected - this.received
    const expectedInterval = expected - this.expectedPrior
    const receivedInterval = this.received - this.receivedPrior
    this.expectedPrior = expected
    this.receivedPrior = this.received
    const lostInterval = expectedInterval - receivedInterval
    const fraction =
      expectedInterval === 0 || lostInterval <= 0
        ? 0
        : Math.min(MAX_FRACTION, Math.floor((lostInterval << FRACTION_SHIFT) / expectedInterval))
    const sr = this.lastSr?.ssrc === this.currentSsrc ? this.lastSr : undefined
    return {
      ssrc: this.currentSsrc,
      fractionLost: fraction,
      totalLost: lost, // clamped to 24 bits when written (A.3)
      highestSequence: this.maxExt >>> 0,
      jitter: this.jitterEstimator.value,
      lastSenderReport: sr ? sr.middle32 : 0,
      delaySinceLastSenderReport: sr ? msToNtpShort(nowMs - sr.arrivalMs) : 0,
    }
  }

  /** Forgets the stream (source, sequence, reorder buffer, timing, sender report); keeps the counters. */
  reset(): void {
    this.reorder.reset()
    this.depacketizer?.reset()
    this.jitterEstimator.reset()
    if (this.currentSsrc !== undefined) this.endEpoch()
    this.currentSsrc = undefined
    this.lastSr = undefined
    this.firstFrameExtTs = undefined
  }

  /** Idempotent: drops what is held; later pushes are ignored. The receiver owns no timer. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.reorder.reset()
    this.depacketizer?.reset()
  }

  // ---- internals ----------------------------------------------------------------------------------

  /** A.1 `init_seq`. */
  private startSource(ssrc: number, seq: number): void {
    this.currentSsrc = ssrc
    this.baseExt = seq
    this.maxExt = seq
    this.badSeq = -1
    this.received = 0
    this.expectedPrior = 0
    this.receivedPrior = 0
    this.reorder.reset()
    this.depacketizer?.reset()
    this.jitterEstimator.reset()
    this.firstFrameExtTs = undefined
  }

  /** Folds the current sequence epoch into the cumulative stats before a restart. */
  private endEpoch(): void {
    const expected = this.maxExt - this.baseExt + 1
    this.expectedBeforeResync += expected
    this.lostBeforeResync += expected - this.received
  }

  private accept(packet: RtpPacket, arrivalMs: number): RtpFrame[] {
    const seq = packet.sequenceNumber & SEQ_MASK
    const delta = seqDiff(this.maxExt & SEQ_MASK, seq)
    const ext = this.maxExt + delta
    const released: RtpPacket[] = []
    if (delta >= MAX_DROPOUT || delta < -MAX_MISORDER) {
      // A.1: a large jump. Believe it only when the next packet follows it (the sender restarted).
      if (seq !== this.badSeq) {
        this.badSeq = (seq + 1) & SEQ_MASK
        this.counters.discarded++
        return []
      }
      this.reorder.flush(released)
      this.endEpoch()
      this.counters.resyncs++
      const frames = this.deliver(released)
      this.startSource(this.currentSsrc!, seq)
      return frames.concat(this.accept(packet, arrivalMs))
    }
    this.badSeq = -1
    if (ext < this.baseExt) {
      // Older than the first packet: reordered across the start. Nothing expected it; drop it.
      this.counters.late++
      return []
    }
    const outcome = this.reorder.insert(ext, packet, arrivalMs, released)
    if (outcome === 'duplicate') {
      this.counters.duplicates++
      return []
    }
    this.lastArrivalMs = arrivalMs
    this.received++
    this.counters.packets++
    this.counters.bytes += packet.payload.length
    if (delta < 0) this.counters.reordered++
    if (ext > this.maxExt) this.maxExt = ext
    this.jitterEstimator.update(arrivalMs, packet.timestamp)
    if (outcome === 'late') {
      this.counters.late++
      return []
    }
    return this.deliver(released)
  }

  private deliver(packets: readonly RtpPacket[]): RtpFrame[] {
    if (packets.length === 0) return []
    const frames: RtpFrame[] = []
    for (const p of packets) {
      this.onPacket?.(p)
      if (!this.depacketizer || p.payload.length === 0) continue // padding-only packets carry nothing
      let got: DepacketizedFrame[]
      try {
        got = this.depacketizer.push(p)
      } catch (err) {
        if (!(err instanceof RtspkitError)) throw err
        this.counters.depacketizerErrors++
        this.onDepacketizerError?.(err, p)
        continue
      }
      for (const f of got) frames.push(this.timeFrame(f))
    }
    return frames
  }

  private timeFrame(f: DepacketizedFrame): RtpFrame {
    const ts = f.timestamp >>> 0
    if (this.firstFrameExtTs === undefined) {
      // After a restart the new timeline continues where the old one stopped, so ptsMs never jumps back.
      this.firstFrameExtTs = ts - (this.lastPtsMs * this.clockRate) / MS_PER_SECOND
      this.lastFrameExtTs = ts
    } else {
      this.lastFrameExtTs += tsDiff(this.lastFrameTs, ts)
    }
    this.lastFrameTs = ts
    this.counters.frames++
    const ptsMs = ((this.lastFrameExtTs - this.firstFrameExtTs) * MS_PER_SECOND) / this.clockRate
    this.lastPtsMs = ptsMs
    const frame: RtpFrame = { data: f.data, timestamp: ts, keyframe: f.keyframe, ptsMs, ssrc: this.currentSsrc! }
    const ntp = this.ntpMsFor(ts)
    if (ntp !== undefined) frame.ntpMs = ntp
    return frame
  }
}
