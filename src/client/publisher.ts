/**
 * Publishing (RFC 2326 section 10.3 ANNOUNCE, 10.11 RECORD): the tracks a client pushes, their SDP and
 * their RTP and RTCP. Each track is the MediaTrack its codec's entry makes (codecs/<name>/track.ts), so
 * a publisher packetizes and describes a codec exactly as our server does. Each track sends an RTCP sender report with its first
 * packet and every `rtcpIntervalMs` (RFC 3550 section 6.4.1), and a BYE on close.
 */
import { ConfigError, RtspkitError } from '../errors.js'
import { RtcpGoodbye } from '../rtcp/goodbye.js'
import { serializeRtcp, type RtcpPacket } from '../rtcp/compound.js'
import { RtcpSenderReport } from '../rtcp/sender-report.js'
import { RtcpSourceDescription } from '../rtcp/source-description.js'
import { RTP_HEADER_SIZE } from '../rtp/rtp-packet.js'
import { formatSdp, type SdpMedia } from '../sdp/sdp.js'
import { mediaSection, packetizeFrame, type MediaTrack } from '../codecs/media-track.js'
import { createCodecRegistry, DYNAMIC_PAYLOAD_TYPE_MIN } from '../codecs/registry.js'
import type { TrackInfo } from '../stream/media.js'
import type { Clock } from '../util/clock.js'
import { msToNtp } from '../util/ntp.js'
import type { Random } from '../util/random.js'
import type { TrackTransport } from './client-transport.js'

export const DEFAULT_RTCP_INTERVAL_MS = 5000
const MS_PER_SECOND = 1000

export interface PublishTrackStats {
  frames: number
  packets: number
  /** Payload bytes, as the sender report counts them. */
  bytes: number
  senderReports: number
}

export interface ClientPublisher {
  readonly tracks: readonly TrackInfo[]
  /** Packetizes and sends one frame of track `trackIndex` (the codec's unit, see FramePush) at `ptsMs`. */
  /**
   * Packetizes and sends one frame. Returns false, sending nothing, once the session has ended (the
   * server went away, or close()): a source's timer may still fire before the 'close' event is handled.
   */
  pushFrame(trackIndex: number, frame: Buffer | Buffer[], ptsMs: number): boolean
  /** True once the session has ended. */
  readonly closed: boolean
  stats(): PublishTrackStats[]
  /** TEARDOWN and release; the same as RtspClient.close(). Idempotent. */
  close(): Promise<void>
}

interface PublishTrack {
  media: MediaTrack
  /** `trackID=<i>`: what the SDP names it and SETUP asks for. */
  control: string
  timestampBase: number
  transport?: TrackTransport
  lastPtsMs: number
  lastPushMono: number
  stats: PublishTrackStats
}

/** The tracks' MediaTracks, with distinct SSRCs and dynamic payload types 96, 97… where the codec has no static one. */
export function planPublishTracks(infos: readonly TrackInfo[], random: Random, maxPacketSize: number | undefined): PublishTrack[] {
  if (infos.length === 0) throw new ConfigError('ERR_RECORD_NO_TRACKS', 'record() needs at least one track', { observed: 0 })
  const ssrcs = new Set<number>()
  const codecs = createCodecRegistry()
  let nextDynamic = DYNAMIC_PAYLOAD_TYPE_MIN
  return infos.map((info, i) => {
    let ssrc = random.u32() >>> 0
    while (ssrcs.has(ssrc)) ssrc = (ssrc + 1) >>> 0
    ssrcs.add(ssrc)
    const isStatic = codecs.byName(info.codec)?.staticPayloadType !== undefined
    const media = codecs.createTrack(info, {
      ssrc,
      initialSequence: random.u16(),
      maxPacketSize,
      ...(isStatic ? {} : { payloadType: nextDynamic++ }),
    })
    return {
      media,
      control: `trackID=${i}`,
      timestampBase: random.u32() >>> 0,
      lastPtsMs: 0,
      lastPushMono: 0,
      stats: { frames: 0, packets: 0, bytes: 0, senderReports: 0 },
    }
  })
}

/** The SDP an ANNOUNCE carries (RFC 2326 appendix C). */
export function publishSdp(
  tracks: readonly PublishTrack[],
  opts: { origin: string; sessionName: string; tool: string; keyMgmt?: readonly string[] },
): string {
  const addrType = opts.origin.includes(':') ? 'IP6' : 'IP4'
  const media: SdpMedia[] = tracks.map((t, i) => {
    const m = mediaSection(t.media, t.control)
    // SRTP (RFC 4567 §3.1): RTP/SAVP with our MIKEY key per media.
    const km = opts.keyMgmt?.[i]
    return km === undefined ? m : { ...m, protocol: 'RTP/SAVP', attributes: [...m.attributes, { key: 'key-mgmt', value: km }] }
  })
  return formatSdp({
    version: 0,
    origin: { username: '-', sessionId: '0', sessionVersion: '0', netType: 'IN', addrType, address: opts.origin },
    sessionName: opts.sessionName,
    emails: [],
    phones: [],
    connection: `IN ${addrType} ${opts.origin}`,
    bandwidths: [],
    timing: ['0 0'],
    attributes: [{ key: 'tool', value: opts.tool }],
    media,
  })
}

export class RecordSession implements ClientPublisher {
  readonly tracks: readonly TrackInfo[]
  private readonly plan: PublishTrack[]
  private timer: NodeJS.Timeout | undefined
  private ended = false

  constructor(
    infos: readonly TrackInfo[],
    plan: PublishTrack[],
    private readonly clock: Clock,
    private readonly cname: string,
    private readonly rtcpIntervalMs: number,
    private readonly onClose: () => Promise<void>,
  ) {
    this.tracks = infos
    this.plan = plan
  }

  /** After SETUP: the transport of each track. Starts the sender report timer. */
  start(transports: TrackTransport[]): void {
    transports.forEach((t, i) => (this.plan[i]!.transport = t))
    this.timer = setInterval(() => {
      for (const t of this.plan) if (t.stats.packets > 0) this.sendReport(t, false)
    }, this.rtcpIntervalMs)
    this.timer.unref()
  }

  pushFrame(trackIndex: number, frame: Buffer | Buffer[], ptsMs: number): boolean {
    if (this.ended) return false
    const t = this.plan[trackIndex]
    if (!t)
      throw new ConfigError('ERR_RECORD_TRACK', `no track ${trackIndex}`, { observed: trackIndex, allowed: `0..${this.plan.length - 1}` })
    if (!t.transport) return false
    const unit = packetizeFrame(t.media, frame, this.rtpTimestamp(t, ptsMs))
    t.lastPtsMs = ptsMs
    t.lastPushMono = this.clock.monoMs()
    for (const p of unit.packets) {
      t.transport.sendRtp(p)
      t.stats.bytes += p.length - RTP_HEADER_SIZE
    }
    t.stats.packets += unit.packets.length
    t.stats.frames++
    // The first SR goes out with the first packets, so the receiver can map RTP time at once.
    if (t.stats.senderReports === 0 && unit.packets.length > 0) this.sendReport(t, false)
    return true
  }

  get closed(): boolean {
    return this.ended
  }

  stats(): PublishTrackStats[] {
    return this.plan.map((t) => ({ ...t.stats }))
  }

  close(): Promise<void> {
    return this.onClose()
  }

  /** Called by the client on close: BYE on every track that sent, timer cleared. Idempotent. */
  stop(): void {
    if (this.ended) return
    this.ended = true
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    for (const t of this.plan) if (t.stats.packets > 0) this.sendReport(t, true)
  }

  private rtpTimestamp(t: PublishTrack, ptsMs: number): number {
    return (t.timestampBase + Math.round((ptsMs * t.media.clockRate) / MS_PER_SECOND)) >>> 0
  }

  private sendReport(t: PublishTrack, bye: boolean): void {
    if (!t.transport) return
    const ntp = msToNtp(this.clock.wallMs())
    const ptsNow = t.lastPtsMs + (this.clock.monoMs() - t.lastPushMono)
    const packets: RtcpPacket[] = [
      new RtcpSenderReport({
        ssrc: t.media.ssrc,
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp: this.rtpTimestamp(t, ptsNow),
        packetCount: t.stats.packets >>> 0,
        octetCount: t.stats.bytes >>> 0,
      }),
      RtcpSourceDescription.cname(t.media.ssrc, this.cname),
    ]
    if (bye) packets.push(new RtcpGoodbye({ sources: [t.media.ssrc] }))
    try {
      t.transport.sendRtcp(serializeRtcp(packets))
      t.stats.senderReports++
    } catch (err) {
      if (!(err instanceof RtspkitError)) throw err
    }
  }

  /** For SETUP: each track's control. */
  get controls(): string[] {
    return this.plan.map((t) => t.control)
  }
}
