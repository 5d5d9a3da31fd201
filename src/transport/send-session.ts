/**
 * Sending plain RTP over UDP (no RTSP), the `udpsink` case: a MediaSource's tracks packetized and sent
 * to HOST, the first video track to PORT, the next tracks to PORT+2, PORT+4… (RFC 3550 section 11:
 * RTP on an even port, RTCP on the next odd one). Each track sends a sender report (section 6.4.1)
 * with its first packet and every `rtcpIntervalMs`, and a BYE (6.6) on close. `sdp()` is the session
 * description a receiver needs (see codecs/sdp-format.ts).
 *
 * Timestamps: each track starts at a random RTP timestamp (5.1) and advances with the source's
 * presentation time; the sender report maps the RTP clock to the wall clock at the time it is sent.
 */
import dgram from 'node:dgram'
import dns from 'node:dns/promises'
import net from 'node:net'
import { ConfigError, RtspkitError } from '../errors.js'
import type { CodecPacketizer } from '../codecs/codec.js'
import { DYNAMIC_PAYLOAD_TYPE_MIN, createCodecRegistry, type CodecDescriptor, type CodecRegistry } from '../codecs/registry.js'
import { DEFAULT_MULTICAST_TTL, formatRtpSdp, isMulticast, type RtpSdpTrack } from '../codecs/sdp-format.js'
import { parseRtcp, serializeRtcp } from '../rtcp/compound.js'
import { RtcpGoodbye } from '../rtcp/goodbye.js'
import type { RtcpReceptionReport } from '../rtcp/reception-report.js'
import { RtcpSenderReport } from '../rtcp/sender-report.js'
import { RtcpSourceDescription } from '../rtcp/source-description.js'
import { RTP_HEADER_SIZE } from '../rtp/rtp-packet.js'
import type { MediaSource, TrackInfo } from '../sources/source.js'
import { systemClock, type Clock } from '../util/clock.js'
import { msToNtp } from '../util/ntp.js'
import { cryptoRandom, type Random } from '../util/random.js'
import { bindUdp, closeUdp, socketTypeFor } from './udp-socket.js'

/** RFC 3550 6.2: the recommended minimum interval between reports. */
export const DEFAULT_SENDER_REPORT_INTERVAL_MS = 5000
export const DEFAULT_RTP_MAX_PACKET_SIZE = 1400
const PORTS_PER_TRACK = 2
const MAX_PORT = 0xffff
const MS_PER_SECOND = 1000
const TOOL = 'rtspkit'

export interface RtpSendSessionOptions {
  source: MediaSource
  /** Destination: an IP address or a host name (resolved once, at start). */
  host: string
  /** RTP port of the first track; RTCP goes to port + 1, the next track to port + 2. */
  port: number
  registry?: CodecRegistry
  /** Largest RTP packet, header included (default 1400). */
  maxPacketSize?: number
  /** Payload type per track index, overriding the codec's default (static, or 96, 97…). */
  payloadTypes?: readonly (number | undefined)[]
  rtcpIntervalMs?: number
  /** Multicast TTL (default 16). */
  ttl?: number
  /** CNAME of our SDES (default rtspkit@<random>). */
  cname?: string
  clock?: Clock
  random?: Random
  /** A frame the codec refused (it is skipped), or a send error. */
  onWarning?: (err: RtspkitError, trackIndex: number) => void
}

export interface RtpSendTrackStats {
  kind: 'video' | 'audio'
  encodingName: string
  payloadType: number
  clockRate: number
  /** Audio channels (undefined for video). */
  channels: number | undefined
  port: number
  ssrc: number
  frames: number
  packets: number
  /** Payload bytes (RTP headers excluded), as the sender report counts them. */
  bytes: number
  framesRefused: number
  senderReports: number
  /** The last reception report a receiver sent us about this track. */
  lastReceiverReport?: RtcpReceptionReport
}

interface TrackPlan {
  index: number
  info: TrackInfo
  codec: CodecDescriptor
  packetizer: CodecPacketizer
  payloadType: number
  clockRate: number
  channels: number | undefined
  port: number
  timestampBase: number
  rtp?: dgram.Socket
  rtcp?: dgram.Socket
  lastPtsMs: number
  lastPushMono: number
  srSent: boolean
  stats: RtpSendTrackStats
}

/**
 * The payload type of each track when none is given: the codec's static one, else its usual dynamic one
 * (H.264 96, AAC 97, Opus 111…) when free, else the next free dynamic number from 96.
 */
function pickPayloadTypes(codecs: readonly CodecDescriptor[], overrides: readonly (number | undefined)[]): number[] {
  const used = new Set<number>(overrides.filter((o): o is number => o !== undefined))
  let nextDynamic = DYNAMIC_PAYLOAD_TYPE_MIN
  return codecs.map((c, i) => {
    const given = overrides[i] ?? c.staticPayloadType
    if (given !== undefined) {
      used.add(given)
      return given
    }
    if (!used.has(c.defaultPayloadType)) {
      used.add(c.defaultPayloadType)
      return c.defaultPayloadType
    }
    while (used.has(nextDynamic)) nextDynamic++
    used.add(nextDynamic)
    return nextDynamic
  })
}

export class RtpSendSession {
  private readonly opts: RtpSendSessionOptions
  private readonly clock: Clock
  private readonly random: Random
  private readonly ssrcs = new Set<number>()
  private readonly cname: string
  private readonly plans: TrackPlan[]
  private readonly byTrack = new Map<number, TrackPlan>()
  private address: string | undefined
  private timer: NodeJS.Timeout | undefined
  private started = false
  private closing: Promise<void> | undefined

  /** Plans the tracks: codec, payload type and port of each. Throws ConfigError for a codec not implemented. */
  constructor(opts: RtpSendSessionOptions) {
    this.opts = opts
    this.clock = opts.clock ?? systemClock
    this.random = opts.random ?? cryptoRandom
    this.cname = opts.cname ?? `rtspkit@${this.random.u32().toString(16)}`
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > MAX_PORT) {
      throw new ConfigError('ERR_RTP_PORT', `RTP port ${opts.port} is not in 1..${MAX_PORT}`, {
        observed: opts.port,
        allowed: `1..${MAX_PORT}`,
      })
    }
    const registry = opts.registry ?? createCodecRegistry()
    const tracks = opts.source.tracks
    // Video first, then audio: "video to PORT, audio to PORT+2".
    const order = tracks
      .map((_, i) => i)
      .sort((a, b) => (tracks[a]!.kind === tracks[b]!.kind ? a - b : tracks[a]!.kind === 'video' ? -1 : 1))
    const codecs = order.map((i) => {
      const codec = registry.byName(tracks[i]!.codec)
      if (!codec || codec.passthrough) {
        throw new ConfigError('ERR_RTP_CODEC', `cannot send ${tracks[i]!.codec}: no RTP packetizer for it yet`, {
          observed: tracks[i]!.codec,
          allowed: registry.list().map((c) => c.name),
        })
      }
      return codec
    })
    const payloadTypes = pickPayloadTypes(
      codecs,
      order.map((i) => opts.payloadTypes?.[i]),
    )
    this.plans = order.map((index, k) => {
      const info = tracks[index]!
      const codec = codecs[k]!
      const port = opts.port + k * PORTS_PER_TRACK
      if (port + 1 > MAX_PORT) {
        throw new ConfigError('ERR_RTP_PORT', `track ${index} would need ports ${port}-${port + 1}, above ${MAX_PORT}`, {
          observed: port,
          allowed: `<= ${MAX_PORT - 1}`,
        })
      }
      const clockRate = codec.clockRateFor(info)
      const channels = info.kind === 'audio' ? info.channels : undefined
      const ssrc = this.newSsrc()
      const packetizer = codec.createPacketizer({
        payloadType: payloadTypes[k]!,
        ssrc,
        initialSequence: this.random.u16(),
        maxPacketSize: opts.maxPacketSize ?? DEFAULT_RTP_MAX_PACKET_SIZE,
        clockRate,
        ...(channels !== undefined ? { channels } : {}),
        track: info,
        random: this.random,
      })
      const plan: TrackPlan = {
        index,
        info,
        codec,
        packetizer,
        payloadType: payloadTypes[k]!,
        clockRate,
        channels,
        port,
        timestampBase: this.random.u32(),
        lastPtsMs: 0,
        lastPushMono: 0,
        srSent: false,
        stats: {
          kind: info.kind,
          encodingName: codec.encodingName,
          payloadType: payloadTypes[k]!,
          clockRate,
          channels,
          port,
          ssrc,
          frames: 0,
          packets: 0,
          bytes: 0,
          framesRefused: 0,
          senderReports: 0,
        },
      }
      this.byTrack.set(index, plan)
      return plan
    })
  }

  /** Per track, in port order. */
  stats(): RtpSendTrackStats[] {
    return this.plans.map((p) => ({ ...p.stats }))
  }

  /** The session description for receivers (c= is the destination; m= lines carry the ports). */
  sdp(): string {
    const tracks: RtpSdpTrack[] = this.plans.map((p) => ({
      kind: p.info.kind,
      port: p.port,
      payloadType: p.payloadType,
      attributes: p.codec.sdpAttributes({
        payloadType: p.payloadType,
        clockRate: p.clockRate,
        ...(p.channels !== undefined ? { channels: p.channels } : {}),
        track: p.info,
      }),
    }))
    const host = this.address ?? this.opts.host
    return formatRtpSdp(tracks, {
      host,
      origin: net.isIP(host) ? host : '127.0.0.1',
      sessionName: this.opts.source.description,
      sessionId: this.plans[0]?.stats.ssrc ?? 0,
      ttl: this.opts.ttl,
      tool: TOOL,
    })
  }

  /** Resolves the host, binds the sockets and starts the source. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    try {
      this.address = net.isIP(this.opts.host) ? this.opts.host : await lookup(this.opts.host)
      const type = socketTypeFor(this.address)
      for (const p of this.plans) {
        p.rtp = await bindUdp({ type, port: 0, purpose: 'RTP' })
        p.rtcp = await bindUdp({ type, port: 0, purpose: 'RTCP' })
        for (const s of [p.rtp, p.rtcp]) {
          // "Port unreachable" until the receiver is up is normal for plain RTP.
          s.on('error', () => {})
          if (isMulticast(this.address)) s.setMulticastTTL(this.opts.ttl ?? DEFAULT_MULTICAST_TTL)
        }
        p.rtcp.on('message', (msg) => this.onRtcp(p, msg))
      }
    } catch (err) {
      await this.close()
      throw err
    }
    if (this.closing) return
    this.timer = setInterval(() => this.sendSenderReports(), this.opts.rtcpIntervalMs ?? DEFAULT_SENDER_REPORT_INTERVAL_MS)
    this.timer.unref()
    this.opts.source.start((track, frame, ptsMs) => this.push(track, frame, ptsMs))
  }

  /** Idempotent: stops the source, sends SR + BYE on every track, clears the timer, closes the sockets. */
  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.opts.source.stop()
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await Promise.all(this.plans.map((p) => (p.stats.packets > 0 ? this.sendRtcp(p, true) : Promise.resolve())))
    const sockets: dgram.Socket[] = []
    for (const p of this.plans) {
      if (p.rtp) sockets.push(p.rtp)
      if (p.rtcp) sockets.push(p.rtcp)
    }
    await Promise.all(sockets.map(closeUdp))
  }

  private newSsrc(): number {
    let s = this.random.u32() >>> 0
    while (this.ssrcs.has(s)) s = (s + 1) >>> 0
    this.ssrcs.add(s)
    return s
  }

  private rtpTimestamp(p: TrackPlan, ptsMs: number): number {
    return (p.timestampBase + Math.round((ptsMs * p.clockRate) / MS_PER_SECOND)) >>> 0
  }

  private push(track: number, frame: Buffer | Buffer[], ptsMs: number): void {
    const p = this.byTrack.get(track)
    if (!p || !p.rtp || !this.address || this.closing) return
    const ts = this.rtpTimestamp(p, ptsMs)
    let packets: Buffer[]
    try {
      packets = p.packetizer.packetize(frame, ts)
    } catch (err) {
      if (!(err instanceof RtspkitError)) throw err
      p.stats.framesRefused++
      this.opts.onWarning?.(err, track)
      return
    }
    p.lastPtsMs = ptsMs
    p.lastPushMono = this.clock.monoMs()
    // The first SR goes out with the first frame, so receivers can map it to the wall clock at once.
    if (!p.srSent && packets.length > 0) void this.sendRtcp(p, false)
    for (const buf of packets) {
      p.rtp.send(buf, p.port, this.address)
      p.stats.bytes += buf.length - RTP_HEADER_SIZE
    }
    p.stats.packets += packets.length
    p.stats.frames++
  }

  private sendSenderReports(): void {
    for (const p of this.plans) if (p.stats.packets > 0) void this.sendRtcp(p, false)
  }

  /** SR + SDES CNAME (+ BYE), RFC 3550 6.1; the SR's RTP time is the source's clock extrapolated to now. */
  private sendRtcp(p: TrackPlan, bye: boolean): Promise<void> {
    const socket = p.rtcp
    const address = this.address
    if (!socket || !address) return Promise.resolve()
    const ntp = msToNtp(this.clock.wallMs())
    const ptsNow = p.lastPtsMs + (this.clock.monoMs() - p.lastPushMono)
    const ssrc = p.stats.ssrc
    const packets = [
      new RtcpSenderReport({
        ssrc,
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp: this.rtpTimestamp(p, ptsNow),
        packetCount: p.stats.packets >>> 0,
        octetCount: p.stats.bytes >>> 0,
      }),
      RtcpSourceDescription.cname(ssrc, this.cname),
    ]
    const buf = serializeRtcp(bye ? [...packets, new RtcpGoodbye({ sources: [ssrc] })] : packets)
    p.srSent = true
    p.stats.senderReports++
    return new Promise((resolve) => {
      try {
        socket.send(buf, p.port + 1, address, () => resolve())
      } catch {
        resolve() // closing
      }
    })
  }

  private onRtcp(p: TrackPlan, msg: Buffer): void {
    let packets
    try {
      packets = parseRtcp(msg)
    } catch (err) {
      if (err instanceof RtspkitError) this.opts.onWarning?.(err, p.index)
      return
    }
    for (const r of packets) {
      if (r.kind !== 'rr' && r.kind !== 'sr') continue
      const block = r.reports.find((b) => b.ssrc >>> 0 === p.stats.ssrc)
      if (block) p.stats.lastReceiverReport = block
    }
  }
}

async function lookup(host: string): Promise<string> {
  try {
    return (await dns.lookup(host)).address
  } catch (err) {
    throw new ConfigError('ERR_RTP_HOST', `cannot resolve host "${host}"`, { observed: host }, { cause: err })
  }
}
