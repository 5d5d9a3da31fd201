/**
 * A publisher (RFC 2326 §10.3 ANNOUNCE, §10.11 RECORD): an RTSP client pushing RTP into a path, over
 * UDP or interleaved on its connection. Its packets feed the stream through a StreamIngest.
 */
import type { Clock } from '../util/clock.js'
import type { Announcement } from '../stream/announcement.js'
import { StreamIngest } from './ingest.js'
import type { ServerStream } from './server-stream.js'
import type { UdpLink } from '../transport/udp-link.js'
import type { SrtpContext } from '../srtp/srtp-context.js'

interface PublisherTransport {
  link?: UdpLink
  rtpChannel?: number
  /** RTP/SAVP: the publisher's key; packets failing authentication are dropped (and counted there). */
  srtp?: SrtpContext
}

export class Publisher {
  state: 'announced' | 'recording' = 'announced'
  sessionId: string | undefined
  /** Wall-clock ms (the injected clock) when the publisher announced. */
  readonly since: number
  private readonly ingest: StreamIngest
  private readonly transports: PublisherTransport[]
  private closed = false
  /** Hears why the server ended the publisher (left, kicked, taken over, path removed). */
  onEnded: ((reason: string) => void) | undefined

  constructor(
    readonly path: string,
    readonly connectionId: number,
    readonly remoteAddress: string,
    readonly announcement: Announcement,
    readonly stream: ServerStream,
    clock: Clock,
    /** 'rtsp', or the protocol of an external publisher ('webrtc'). */
    readonly protocol = 'rtsp',
  ) {
    this.since = clock.wallMs()
    this.ingest = new StreamIngest(announcement, stream, clock)
    this.transports = announcement.tracks.map(() => ({}))
  }

  /** How its media arrives: interleaved on its RTSP connection, or over UDP (the API shows it). */
  get transport(): 'tcp' | 'udp' {
    return this.transports.some((t) => t.rtpChannel !== undefined) ? 'tcp' : 'udp'
  }

  /** Frames the stream refused (a corrupt parameter set, say). */
  get pushErrors(): number {
    return this.ingest.pushErrors
  }

  /** The announced track a SETUP URL names, by its control attribute (absolute or relative). */
  trackFor(uri: string): number | undefined {
    const clean = uri.replace(/\/+$/, '')
    const tracks = this.announcement.tracks
    const i = tracks.findIndex((t) => {
      const c = t.control.replace(/\/+$/, '')
      return clean === c || clean.endsWith(`/${c}`)
    })
    if (i >= 0) return i
    // A single-track publisher may SETUP the aggregate URL itself; a control naming another track is unknown.
    const aggregate = clean === this.path || clean.endsWith(`/${this.path}`)
    return aggregate && tracks.length === 1 ? 0 : undefined
  }

  /** SRTP packets dropped for a bad tag or as replays, over all tracks. */
  get srtpDropped(): number {
    return this.transports.reduce((n, t) => n + (t.srtp ? t.srtp.counters.authFailures + t.srtp.counters.replayed : 0), 0)
  }

  attachUdp(index: number, link: UdpLink, srtp?: SrtpContext): void {
    const t = this.transports[index]!
    t.link?.close()
    t.link = link
    t.srtp = srtp
    link.onRtp((msg) => {
      if (this.state === 'recording') this.receive(index, msg)
    })
  }

  attachInterleaved(index: number, rtpChannel: number, srtp?: SrtpContext): void {
    this.transports[index]!.rtpChannel = rtpChannel
    this.transports[index]!.srtp = srtp
  }

  /** Decrypts SRTP (dropping what fails, counted by its context) and feeds the stream. */
  private receive(index: number, packet: Buffer): void {
    const srtp = this.transports[index]!.srtp
    if (srtp === undefined) {
      this.ingest.pushRtp(index, packet)
      return
    }
    let plain: Buffer
    try {
      plain = srtp.unprotectRtp(packet)
    } catch {
      return
    }
    this.ingest.pushRtp(index, plain)
  }

  /** An interleaved frame on the publisher's connection. Returns true when it was one of ours. */
  onInterleaved(channel: number, payload: Buffer): boolean {
    const index = this.transports.findIndex((x) => x.rtpChannel === channel)
    if (index >= 0) {
      if (this.state === 'recording') this.receive(index, payload)
      return true
    }
    return this.transports.some((x) => x.rtpChannel !== undefined && x.rtpChannel + 1 === channel)
  }

  /** A packet of track `index` that came some other way than RTSP (a WHIP publisher's). */
  pushRtp(index: number, packet: Buffer): void {
    if (this.state === 'recording') this.ingest.pushRtp(index, packet)
  }

  /** A whole frame of track `index` rebuilt by the publisher's protocol (RTMP), ms on its clock. */
  pushFrame(index: number, data: Buffer | readonly Buffer[], ptsMs: number): void {
    if (this.state === 'recording') this.ingest.pushFrame(index, data, ptsMs)
  }

  record(): void {
    this.state = 'recording'
    this.ingest.start()
  }

  /** Idempotent: stops ingest and releases sockets and timers. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.ingest.close()
    for (const t of this.transports) t.link?.close()
  }
}
