/**
 * A publisher (RFC 2326 §10.3 ANNOUNCE, §10.11 RECORD): an RTSP client pushing RTP into a path.
 * Its packets go through a receive pipeline per track (reordering, duplicate removal, depacketizing)
 * and the rebuilt frames are pushed into the stream like any source's, so readers get our own
 * packetization, parameter sets before keyframes, and a start at a keyframe.
 */
import { RtpPacket } from '../rtp/rtp-packet.js'
import { RtpReceiver } from '../rtp/receiver.js'
import type { Clock } from '../util/clock.js'
import type { AnnouncedTrack, Announcement } from './announce.js'
import type { ServerStream, ServerTrack } from './server-stream.js'
import type { UdpPair } from './udp-pair.js'

const RELEASE_INTERVAL_MS = 20

interface IngestTrack {
  announced: AnnouncedTrack
  target: ServerTrack
  receiver: RtpReceiver
  pair?: UdpPair
  rtpChannel?: number
}

export class Publisher {
  state: 'announced' | 'recording' = 'announced'
  readonly tracks: IngestTrack[]
  sessionId: string | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  /** Frames the stream refused (a corrupt parameter set, say). */
  pushErrors = 0
  private ptsOffsetMs: number | undefined

  constructor(
    readonly path: string,
    readonly connectionId: number,
    readonly remoteAddress: string,
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

  /** The announced track a SETUP URL names, by its control attribute (absolute or relative). */
  trackFor(uri: string): number | undefined {
    const clean = uri.replace(/\/+$/, '')
    const i = this.tracks.findIndex((t) => {
      const c = t.announced.control.replace(/\/+$/, '')
      return clean === c || clean.endsWith(`/${c}`)
    })
    if (i >= 0) return i
    // A single-track publisher may SETUP the aggregate URL itself; a control naming another track is unknown.
    const aggregate = clean === this.path || clean.endsWith(`/${this.path}`)
    return aggregate && this.tracks.length === 1 ? 0 : undefined
  }

  attachUdp(index: number, pair: UdpPair): void {
    const t = this.tracks[index]!
    t.pair?.close()
    t.pair = pair
    pair.rtp.on('message', (msg, rinfo) => {
      if (rinfo.address.replace(/^::ffff:/, '') === this.remoteAddress) this.onRtp(t, msg)
    })
  }

  attachInterleaved(index: number, rtpChannel: number): void {
    this.tracks[index]!.rtpChannel = rtpChannel
  }

  /** An interleaved frame on the publisher's connection. Returns true when it was one of ours. */
  onInterleaved(channel: number, payload: Buffer): boolean {
    const t = this.tracks.find((x) => x.rtpChannel === channel)
    if (t) this.onRtp(t, payload)
    return t !== undefined || this.tracks.some((x) => x.rtpChannel !== undefined && x.rtpChannel + 1 === channel)
  }

  record(): void {
    this.state = 'recording'
    if (!this.timer) {
      this.timer = setInterval(() => {
        const now = this.clock.monoMs()
        for (const t of this.tracks) this.deliver(t, t.receiver.releaseDue(now))
      }, RELEASE_INTERVAL_MS)
      this.timer.unref()
    }
  }

  private onRtp(t: IngestTrack, msg: Buffer): void {
    if (this.state !== 'recording' || this.closed) return
    let packet: RtpPacket
    try {
      packet = RtpPacket.parse(msg)
    } catch {
      return // not RTP; a publisher's garbage must not hurt the stream
    }
    this.deliver(t, t.receiver.push(packet))
  }

  private deliver(t: IngestTrack, frames: ReturnType<RtpReceiver['push']>): void {
    for (const f of frames) {
      // The publisher's clock starts where the stream is now, so a stream kept across publishers
      // keeps moving forward; one offset for all tracks keeps them in sync.
      this.ptsOffsetMs ??= this.stream.elapsedMs() - f.ptsMs
      try {
        this.stream.pushFrame(t.target, f.data, f.ptsMs + this.ptsOffsetMs)
      } catch {
        this.pushErrors++
      }
    }
  }

  /** Idempotent: stops ingest and releases sockets and timers. */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    for (const t of this.tracks) {
      t.pair?.close()
      t.receiver.close()
    }
  }
}
