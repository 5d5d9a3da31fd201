/**
 * Receiving plain RTP over UDP (no RTSP): the socket glue around RtpReceiver. One stream per port, as
 * `udpsink`, `ffmpeg -f rtp` and `rtspkit rtp send` send it; RTCP on port + 1 (RFC 3550 section 11),
 * or on the RTP port when the sender multiplexes it (RFC 5761 section 4: an RTP "payload type" of
 * 64..95 with the marker bit is the second byte of an RTCP packet of type 192..223).
 *
 * Sender reports feed the receiver (RTP time → sender wall clock, LSR/DLSR); receiver reports go
 * back, every `rtcpIntervalMs`, to the address the sender's RTCP came from (plain RTP has no other
 * way to know it). A BYE from the sender is reported through `onGoodbye`.
 */
import type dgram from 'node:dgram'
import { ParseError, RtspkitError } from '../errors.js'
import type { FormatParams } from '../codecs/codec.js'
import { createCodecRegistry, type CodecDescriptor, type CodecRegistry } from '../codecs/registry.js'
import { isMulticast, parseRtpSdp } from '../codecs/sdp-format.js'
import { parseRtcp, serializeRtcp } from '../rtcp/compound.js'
import { RtcpGoodbye } from '../rtcp/goodbye.js'
import { RtcpReceiverReport } from '../rtcp/receiver-report.js'
import { RtcpSourceDescription } from '../rtcp/source-description.js'
import { RtpReceiver, type RtpFrame, type RtpReceiverStats } from '../rtp/receiver.js'
import { ReleaseTimer } from '../rtp/release-timer.js'
import { RtpPacket } from '../rtp/rtp-packet.js'
import { systemClock, type Clock } from '../util/clock.js'
import { cryptoRandom, type Random } from '../util/random.js'
import { RTP_RECEIVE_BUFFER_SIZE, bindUdp, closeUdp, joinGroup, socketTypeFor } from './udp-socket.js'

/** RFC 3550 6.2: "the recommended minimum [...] interval is 5 seconds". */
export const DEFAULT_RECEIVER_REPORT_INTERVAL_MS = 5000
/** RFC 5761 4: second bytes 192..223 (RTCP types 192..223) are RTCP on a multiplexed port. */
const RTCP_MUX_TYPE_MIN = 192
const RTCP_MUX_TYPE_MAX = 223
const RTCP_TYPE_OFFSET = 1
const MIN_RTCP_SIZE = 2

export interface RtpReceiveStreamSpec {
  port: number
  /** Multicast group to join, or the local address to bind (default: all interfaces). */
  address?: string | undefined
  /** RTCP port (default port + 1); `false` for no RTCP socket. Equal to `port` when multiplexed. */
  rtcpPort?: number | false
  codec: CodecDescriptor
  params: FormatParams
  /** Drop packets of other payload types (default true; false when the payload type is not known). */
  filterPayloadType?: boolean
  kind?: 'video' | 'audio' | 'application'
}

export interface RtpReceiveSessionOptions {
  streams: RtpReceiveStreamSpec[]
  /** Local address to bind for unicast streams (default all interfaces). */
  bindAddress?: string
  /** Packets held for reordering, per stream (default 64). */
  reorderWindow?: number
  /** Longest wait for a missing packet, ms (default 200). */
  maxDelayMs?: number
  rtcpIntervalMs?: number
  /** CNAME of our receiver reports (default rtspkit@<random>). */
  cname?: string
  clock?: Clock
  random?: Random
  onFrame?: (frame: RtpFrame, streamIndex: number) => void
  /** The sender of stream `streamIndex` said BYE. */
  onGoodbye?: (streamIndex: number) => void
  /** Something was wrong but receiving goes on (a malformed packet, a refused payload). */
  onWarning?: (err: RtspkitError, streamIndex: number) => void
}

export interface RtpReceiveStreamStats extends RtpReceiverStats {
  port: number
  encodingName: string
  /** Datagrams that were neither RTP nor RTCP we could parse. */
  malformed: number
  rtcpPackets: number
  receiverReportsSent: number
  goodbye: boolean
}

interface StreamState {
  spec: RtpReceiveStreamSpec
  receiver: RtpReceiver
  rtp?: dgram.Socket
  rtcp?: dgram.Socket
  /** Where the sender's RTCP came from: where our reports go. */
  peerRtcp?: { address: string; port: number }
  release: ReleaseTimer
  malformed: number
  rtcpPackets: number
  receiverReportsSent: number
  goodbye: boolean
}

export class RtpReceiveSession {
  private readonly streams: StreamState[]
  private readonly clock: Clock
  private readonly ssrc: number
  private readonly cname: string
  private readonly opts: RtpReceiveSessionOptions
  private reportTimer: NodeJS.Timeout | undefined
  private started = false
  private closing: Promise<void> | undefined

  constructor(opts: RtpReceiveSessionOptions) {
    this.opts = opts
    this.clock = opts.clock ?? systemClock
    const random = opts.random ?? cryptoRandom
    this.ssrc = random.u32()
    this.cname = opts.cname ?? `rtspkit@${random.u32().toString(16)}`
    this.streams = opts.streams.map((spec, i) => {
      const receiver = new RtpReceiver({
        clockRate: spec.params.clockRate,
        depacketizer: spec.codec.createDepacketizer(spec.params),
        ...(spec.filterPayloadType !== false ? { payloadType: spec.params.payloadType } : {}),
        reorderWindow: opts.reorderWindow,
        maxDelayMs: opts.maxDelayMs,
        clock: this.clock,
        onDepacketizerError: (err) => opts.onWarning?.(err, i),
      })
      return {
        spec,
        receiver,
        release: new ReleaseTimer(receiver, this.clock, (frames) => this.emit(i, frames)),
        malformed: 0,
        rtcpPackets: 0,
        receiverReportsSent: 0,
        goodbye: false,
      }
    })
  }

  /**
   * A session for the streams an SDP describes (as written by `rtspkit rtp send`, ffmpeg `-f rtp`,
   * GStreamer or a camera). `only` picks some of them by index.
   */
  static fromSdp(
    text: string | Uint8Array,
    opts: Omit<RtpReceiveSessionOptions, 'streams'> & { registry?: CodecRegistry; only?: number[] } = {},
  ): RtpReceiveSession {
    const registry = opts.registry ?? createCodecRegistry()
    const described = parseRtpSdp(text, registry)
    const streams = described
      .filter((_, i) => !opts.only || opts.only.includes(i))
      .map((s) => ({
        port: s.port,
        address: s.address !== undefined && isMulticast(s.address) ? s.address : undefined,
        rtcpPort: s.rtcpPort,
        codec: s.codec,
        params: s.params,
        kind: s.kind,
      }))
    return new RtpReceiveSession({ ...opts, streams })
  }

  get streamCount(): number {
    return this.streams.length
  }

  /** The codec and format of each stream. */
  get formats(): { codec: CodecDescriptor; params: FormatParams; port: number }[] {
    return this.streams.map((s) => ({ codec: s.spec.codec, params: s.spec.params, port: s.spec.port }))
  }

  stats(): RtpReceiveStreamStats[] {
    return this.streams.map((s) => ({
      ...s.receiver.stats,
      port: s.spec.port,
      encodingName: s.spec.params.encodingName,
      malformed: s.malformed,
      rtcpPackets: s.rtcpPackets,
      receiverReportsSent: s.receiverReportsSent,
      goodbye: s.goodbye,
    }))
  }

  /** Binds every socket. Throws ConfigError naming a port already in use; then nothing stays bound. */
  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    try {
      for (let i = 0; i < this.streams.length; i++) await this.bindStream(i)
    } catch (err) {
      await this.close()
      throw err
    }
    this.reportTimer = setInterval(() => this.sendReports(), this.opts.rtcpIntervalMs ?? DEFAULT_RECEIVER_REPORT_INTERVAL_MS)
    this.reportTimer.unref()
  }

  /**
   * Idempotent: releases the packets still waiting for gaps (their frames reach `onFrame`), says BYE to
   * senders we know, clears the timers and closes the sockets.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    if (this.reportTimer) clearInterval(this.reportTimer)
    this.reportTimer = undefined
    const sockets: dgram.Socket[] = []
    const sent: Promise<void>[] = []
    for (let i = 0; i < this.streams.length; i++) {
      const s = this.streams[i]!
      s.release.stop()
      this.emit(i, s.receiver.flush())
      sent.push(this.sendReport(i, true))
      s.receiver.close()
      if (s.rtp) sockets.push(s.rtp)
      if (s.rtcp && s.rtcp !== s.rtp) sockets.push(s.rtcp)
    }
    await Promise.all(sent)
    await Promise.all(sockets.map(closeUdp))
  }

  private async bindStream(i: number): Promise<void> {
    const s = this.streams[i]!
    const { port, address } = s.spec
    const multicast = address !== undefined && isMulticast(address)
    const type = socketTypeFor(address ?? this.opts.bindAddress)
    const bindAddress = multicast ? undefined : (address ?? this.opts.bindAddress)
    s.rtp = await bindUdp({
      type,
      port,
      address: bindAddress,
      reuseAddr: multicast,
      receiveBufferSize: RTP_RECEIVE_BUFFER_SIZE,
      purpose: 'RTP',
    })
    if (multicast) joinGroup(s.rtp, address)
    s.rtp.on('message', (msg, rinfo) => this.onDatagram(i, msg, rinfo, false))
    s.rtp.on('error', () => {}) // ICMP errors of our reports must not become unhandled 'error' events
    const rtcpPort = s.spec.rtcpPort ?? port + 1
    if (rtcpPort === false) return
    if (rtcpPort === port) {
      s.rtcp = s.rtp
      return
    }
    try {
      s.rtcp = await bindUdp({ type, port: rtcpPort, address: bindAddress, reuseAddr: multicast, purpose: 'RTCP' })
    } catch (err) {
      // RTP without RTCP still plays; say so and carry on.
      if (err instanceof RtspkitError) this.opts.onWarning?.(err, i)
      return
    }
    if (multicast) joinGroup(s.rtcp, address)
    s.rtcp.on('message', (msg, rinfo) => this.onDatagram(i, msg, rinfo, true))
    s.rtcp.on('error', () => {})
  }

  private onDatagram(i: number, msg: Buffer, rinfo: dgram.RemoteInfo, rtcpSocket: boolean): void {
    if (this.closing) return
    const s = this.streams[i]!
    const type = msg.length >= MIN_RTCP_SIZE ? msg[RTCP_TYPE_OFFSET]! : 0
    if (rtcpSocket || (type >= RTCP_MUX_TYPE_MIN && type <= RTCP_MUX_TYPE_MAX)) {
      this.onRtcp(i, msg, rinfo)
      return
    }
    let packet: RtpPacket
    try {
      packet = RtpPacket.parse(msg)
    } catch (err) {
      if (!(err instanceof ParseError)) throw err
      s.malformed++
      this.opts.onWarning?.(err, i)
      return
    }
    this.emit(i, s.receiver.push(packet))
    s.release.update()
  }

  private onRtcp(i: number, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const s = this.streams[i]!
    let packets
    try {
      packets = parseRtcp(msg)
    } catch (err) {
      if (!(err instanceof ParseError)) throw err
      s.malformed++
      this.opts.onWarning?.(err, i)
      return
    }
    s.rtcpPackets++
    for (const p of packets) {
      if (p.kind === 'sr') {
        if (s.receiver.handleSenderReport(p)) s.peerRtcp = { address: rinfo.address, port: rinfo.port }
      } else if (p.kind === 'bye') {
        const ssrc = s.receiver.ssrc
        if (ssrc !== undefined && p.sources.some((x) => x >>> 0 === ssrc) && !s.goodbye) {
          s.goodbye = true
          // The sender is done: nothing more will fill the gaps.
          this.emit(i, s.receiver.flush())
          this.opts.onGoodbye?.(i)
        }
      }
    }
  }

  private emit(i: number, frames: RtpFrame[]): void {
    if (!this.opts.onFrame) return
    for (const f of frames) this.opts.onFrame(f, i)
  }

  private sendReports(): void {
    for (let i = 0; i < this.streams.length; i++) void this.sendReport(i, false)
  }

  /**
   * RR + SDES (+ BYE when leaving), RFC 3550 6.1, to the sender's RTCP address once we know it.
   * Resolves when the datagram has been handed to the system (or could not be).
   */
  private sendReport(i: number, bye: boolean): Promise<void> {
    const s = this.streams[i]!
    const socket = s.rtcp ?? s.rtp
    const peer = s.peerRtcp
    if (!peer || !socket) return Promise.resolve()
    const block = s.receiver.receptionReport()
    const packets = [
      new RtcpReceiverReport({ ssrc: this.ssrc, reports: block ? [block] : [] }),
      RtcpSourceDescription.cname(this.ssrc, this.cname),
    ]
    const buf = serializeRtcp(bye ? [...packets, new RtcpGoodbye({ sources: [this.ssrc] })] : packets)
    s.receiverReportsSent++
    return new Promise((resolve) => {
      try {
        socket.send(buf, peer.port, peer.address, () => resolve())
      } catch {
        resolve() // the socket is closing; a lost report is harmless
      }
    })
  }
}
