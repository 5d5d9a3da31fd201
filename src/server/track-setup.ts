/**
 * One track of one RTSP session: its transport (UDP link or interleaved channels), its counters, and
 * the gate that starts it at a keyframe and skips to the next one after its reader fell behind.
 */
import { RTP_HEADER_SIZE, RTP_TIMESTAMP_OFFSET } from '../rtp/rtp-packet.js'
import { frameInterleaved, INTERLEAVED_HEADER_SIZE } from '../rtsp/interleaved.js'
import { KeyframeGate } from '../stream/reader-queue.js'
import type { ServerTrack } from '../stream/stream.js'
import type { UdpLink } from '../transport/udp-link.js'
import type { WholeJpegSender } from './dialects/teaching.js'
import type { MulticastGroup } from './multicast-groups.js'
import { srtpDropped, type SrtpTrack } from './srtp-session.js'

/** Where a track's packets go: a UDP pair to the client's ports, channels on the RTSP connection, or a multicast group. */
export type TrackTransport =
  | { kind: 'udp'; link: UdpLink; host: string; clientRtpPort: number; clientRtcpPort: number }
  | { kind: 'tcp'; sink: InterleavedSink; rtpChannel: number; rtcpChannel: number }
  /** A member of a multicast group: the group sends, this session only holds it (multicast-groups.ts). */
  | { kind: 'multicast'; group: MulticastGroup }

/** The RTSP connection, seen from a session that sends interleaved frames over it. */
export interface InterleavedSink {
  /** Bytes queued in user space and not yet handed to the kernel. */
  readonly queuedBytes: number
  readonly closed: boolean
  /** Packets framed as they go (a reader's own packets: SRTP, RTCP), one write per packet in one corked batch. */
  writeInterleaved(channel: number, packets: readonly Buffer[]): void
  /** Packets already framed (Unit.derived, Unit.derivedAt: `$`, channel, length, packet, back to back), in one write. */
  writeFramed(frames: Buffer): void
  /** Calls `cb` once, when what is queued in user space has gone to the kernel; a sink without it is polled. */
  onceDrained?(cb: () => void): void
  /** Writes made inside `fn` leave in one system call (a unit and its RTCP sender report). */
  batch?(fn: () => void): void
}

export interface TrackStats {
  packetsSent: number
  /** RTP bytes sent, headers included. */
  bytesSent: number
  octetsSent: number
  framesSent: number
  /** Units the reader did not get because it was too slow: dropped at a full queue, then skipped to the next keyframe. */
  framesDropped: number
  /** RTP bytes of those units. */
  bytesDropped: number
  /** UDP sends the kernel refused (e.g. ECONNREFUSED after the client's port closed), checked on each unit's last datagram. */
  sendErrors: number
  receiverReports: number
  /** From the reader's latest receiver report about this track: fraction lost (0..1) since its previous one; null before any. */
  fractionLost: number | null
  /** From the same report: cumulative packets lost (signed, RFC 3550 §6.4.1); null before any. */
  cumulativeLost: number | null
  /** SRTP sessions: packets from the client dropped for a bad authentication tag or as replays. */
  readonly srtpDropped?: number
}

export class TrackSetup {
  srSent = false
  lastRtpSent = 0
  /** Start at a keyframe; after an overflow skip to the next one, counting what is skipped. */
  readonly gate: KeyframeGate
  readonly stats: TrackStats
  /** Counts datagrams that failed; one function per track, so sending allocates nothing per packet. */
  readonly onDatagramSent = (err: Error | null): void => {
    if (err) this.stats.sendErrors++
  }

  /**
   * Over TCP (without SRTP): how a unit's packets are framed on this track's channel; readers of the
   * same channel share the framed buffer (Unit.derived).
   */
  readonly framing:
    | {
        key: string
        frame: (packets: readonly Buffer[]) => Buffer
        /** The same framing with every packet's RTP timestamp replaced (instant start). */
        frameAt: (rtptime: number) => (packets: readonly Buffer[]) => Buffer
      }
    | undefined

  /**
   * `wholeJpeg`: a teaching-dialect reader (dialects/teaching.ts), sent whole JPEGs and no RTCP.
   * `srtp`: an RTP/SAVP track (srtp-session.ts): what is sent is protected, what comes in is checked.
   */
  constructor(
    readonly track: ServerTrack,
    readonly transport: TrackTransport,
    readonly wholeJpeg?: WholeJpegSender,
    readonly srtp?: SrtpTrack,
  ) {
    if (transport.kind === 'tcp' && !srtp) {
      const channel = transport.rtpChannel
      this.framing = {
        key: `rtsp-interleaved:${channel}`,
        frame: (packets) => frameInterleaved(channel, packets),
        frameAt: (rtptime) => (packets) => restampFramed(frameInterleaved(channel, packets), rtptime),
      }
    }
    const gate = new KeyframeGate(track.media.kind === 'video')
    this.gate = gate
    this.stats = {
      packetsSent: 0,
      bytesSent: 0,
      octetsSent: 0,
      framesSent: 0,
      // The gate counts every unit the reader lost for being slow; the stats read it.
      get framesDropped() {
        return gate.dropped
      },
      get bytesDropped() {
        return gate.bytesDropped
      },
      sendErrors: 0,
      receiverReports: 0,
      fractionLost: null,
      cumulativeLost: null,
      get srtpDropped() {
        return srtpDropped(srtp)
      },
    }
  }

  get waitingKeyframe(): boolean {
    return this.gate.waitingKeyframe
  }
}

/** Writes `rtptime` into every RTP packet of an interleaved run (`$`, channel, length, packet). */
function restampFramed(framed: Buffer, rtptime: number): Buffer {
  for (let at = 0; at + INTERLEAVED_HEADER_SIZE <= framed.length;) {
    const len = framed.readUInt16BE(at + 2)
    if (len >= RTP_HEADER_SIZE) framed.writeUInt32BE(rtptime >>> 0, at + INTERLEAVED_HEADER_SIZE + RTP_TIMESTAMP_OFFSET)
    at += INTERLEAVED_HEADER_SIZE + len
  }
  return framed
}
