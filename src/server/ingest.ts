/**
 * Feeding a stream from RTP that someone else packetized: a publisher's (ANNOUNCE/RECORD) or an
 * upstream server's (a relay). Each announced track gets a receive pipeline (reordering, duplicate
 * removal, depacketizing) and the rebuilt frames are pushed into the stream like any source's, so
 * readers get our own packetization, parameter sets before keyframes, and a start at a keyframe.
 * Formats we do not parse arrive as whole packets and are relayed as such (see RtpReceiver's
 * WholePacketDepacketizer in tracks/rtp-relay-track.ts).
 */
import { RtpPacket } from '../rtp/rtp-packet.js'
import { RtpReceiver } from '../rtp/receiver.js'
import type { Clock } from '../util/clock.js'
import type { AnnouncedTrack, Announcement } from '../stream/announcement.js'
import type { ServerStream, ServerTrack } from './server-stream.js'

const RELEASE_INTERVAL_MS = 20

export interface IngestTrack {
  announced: AnnouncedTrack
  target: ServerTrack
  receiver: RtpReceiver
}

export class StreamIngest {
  readonly tracks: IngestTrack[]
  /** Frames the stream refused (a corrupt parameter set, say). */
  pushErrors = 0
  /** Packets that were not RTP. */
  badPackets = 0
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private ptsOffsetMs: number | undefined

  constructor(
    announcement: Announcement,
    readonly stream: ServerStream,
    private readonly clock: Clock,
  ) {
    this.tracks = announcement.tracks.map((announced, i) => ({
      announced,
      target: stream.tracks[i]!,
      receiver: new RtpReceiver({ clockRate: announced.format.clockRate, depacketizer: announced.createDepacketizer(), clock }),
    }))
  }

  /** Starts releasing frames held for reordering once they are due. */
  start(): void {
    if (this.timer || this.closed) return
    this.timer = setInterval(() => {
      const now = this.clock.monoMs()
      for (const t of this.tracks) this.deliver(t, t.receiver.releaseDue(now))
    }, RELEASE_INTERVAL_MS)
    this.timer.unref()
  }

  /** One RTP packet of track `index` (in announcement order), raw or parsed already. Garbage is counted and dropped. */
  pushRtp(index: number, msg: Buffer | RtpPacket): void {
    const t = this.tracks[index]
    if (!t || this.closed) return
    let packet: RtpPacket
    if (msg instanceof RtpPacket) packet = msg
    else {
      try {
        packet = RtpPacket.parse(msg)
      } catch {
        this.badPackets++
        return // not RTP; a feeder's garbage must not hurt the stream
      }
    }
    this.deliver(t, t.receiver.push(packet))
  }

  /**
   * A whole frame its feeder rebuilt itself (an RTMP publisher's FLV tags), in the codec's frame
   * format, on the feeder's clock (ms): it goes to the stream as a depacketized one would.
   */
  pushFrame(index: number, data: Buffer | readonly Buffer[], ptsMs: number): void {
    const t = this.tracks[index]
    if (!t || this.closed) return
    this.deliver(t, [{ data, ptsMs }])
  }

  private deliver(t: IngestTrack, frames: readonly { data: Buffer | readonly Buffer[]; ptsMs: number }[]): void {
    for (const f of frames) {
      // The feeder's clock starts where the stream is now, so a stream kept across feeders keeps
      // moving forward; one offset for all tracks keeps them in sync.
      this.ptsOffsetMs ??= this.stream.elapsedMs() - f.ptsMs
      try {
        this.stream.pushFrame(t.target, f.data, f.ptsMs + this.ptsOffsetMs)
      } catch {
        this.pushErrors++
      }
    }
  }

  /** Idempotent: stops the timer and the receivers. */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    for (const t of this.tracks) t.receiver.close()
  }
}
