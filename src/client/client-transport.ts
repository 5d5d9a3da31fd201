/**
 * How a client track's RTP and RTCP travel once SETUP agreed on it (RFC 2326 section 12.39):
 *  - UDP: our RTP/RTCP pair on consecutive ports (RFC 3550 section 11), the server's pair from
 *    `server_port`. Datagrams from other hosts are dropped. When the server leaves `server_port` out
 *    (some cameras do), its ports are learned from the first datagram of each kind.
 *  - TCP: '$' frames on the RTSP connection, on the channels the server chose in its answer (it may
 *    ignore ours).
 * Both give bytes to the same `TrackSink` and send the same way, so the engine never branches on it.
 */
import type { LowerMode } from './rtsp-client-options.js'
import dgram from 'node:dgram'
import { ProtocolError } from '../errors.js'
import net from 'node:net'
import { allocateUdpPair, type UdpPair } from '../transport/udp-pair.js'
import type { ClientConnection } from './client-connection.js'

export interface TrackSink {
  onRtp(data: Buffer): void
  onRtcp(data: Buffer): void
}

export interface TrackTransport {
  readonly kind: LowerMode
  sendRtp(data: Buffer): void
  sendRtcp(data: Buffer): void
  /** Idempotent. */
  close(): void
}

/** IPv4-mapped IPv6 addresses compare equal to their IPv4 form. */
function sameHost(a: string, b: string): boolean {
  return a.replace(/^::ffff:/, '') === b.replace(/^::ffff:/, '')
}

export class UdpTrackTransport implements TrackTransport {
  readonly kind = 'udp'
  private sink: TrackSink | undefined
  private serverRtpPort: number | undefined
  private serverRtcpPort: number | undefined
  private closed = false

  private constructor(
    private readonly pair: UdpPair,
    private readonly serverHost: string,
  ) {
    pair.rtp.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo, false))
    pair.rtcp.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo, true))
  }

  /** Binds a pair of the server's address family (on `localAddress` when given). */
  static async open(serverHost: string, localAddress: string | undefined, hint: number): Promise<UdpTrackTransport> {
    const v6 = net.isIPv6(serverHost)
    const pair = await allocateUdpPair(v6 ? 'udp6' : 'udp4', localAddress ?? (v6 ? '::' : '0.0.0.0'), undefined, hint)
    return new UdpTrackTransport(pair, serverHost)
  }

  get clientPorts(): [number, number] {
    return [this.pair.rtpPort, this.pair.rtcpPort]
  }

  /** After SETUP: where the server sends from (`server_port`), and who receives. */
  connect(serverPorts: [number, number] | undefined, sink: TrackSink): void {
    this.sink = sink
    if (serverPorts) [this.serverRtpPort, this.serverRtcpPort] = serverPorts
  }

  sendRtp(data: Buffer): void {
    this.send(this.pair.rtp, data, this.serverRtpPort)
  }

  sendRtcp(data: Buffer): void {
    this.send(this.pair.rtcp, data, this.serverRtcpPort)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.pair.close()
  }

  private send(socket: dgram.Socket, data: Buffer, port: number | undefined): void {
    if (this.closed || port === undefined) return
    try {
      socket.send(data, port, this.serverHost)
    } catch {
      // The socket is closing; a lost datagram is what UDP promises anyway.
    }
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo, rtcp: boolean): void {
    if (this.closed || !this.sink || !sameHost(rinfo.address, this.serverHost)) return
    if (rtcp) {
      this.serverRtcpPort ??= rinfo.port
      this.sink.onRtcp(msg)
    } else {
      this.serverRtpPort ??= rinfo.port
      this.sink.onRtp(msg)
    }
  }
}

/**
 * A member of the server's multicast group (RFC 2326 §12.39): RTP and RTCP are read from GROUP:port
 * (sockets bound to the group address, so other groups on the same ports stay out), and receiver
 * reports go to the group's RTCP port, where the server reads them. Leaving closes the sockets,
 * which drops the membership.
 */
export class MulticastTrackTransport implements TrackTransport {
  readonly kind = 'multicast'
  private sink: TrackSink | undefined
  private closed = false

  private constructor(
    private readonly rtp: dgram.Socket,
    private readonly rtcp: dgram.Socket,
    private readonly group: string,
    private readonly rtcpPort: number,
  ) {
    rtp.on('message', (msg) => !this.closed && this.sink?.onRtp(msg))
    rtcp.on('message', (msg) => !this.closed && this.sink?.onRtcp(msg))
  }

  static async join(
    group: string,
    [rtpPort, rtcpPort]: [number, number],
    localAddress: string | undefined,
  ): Promise<MulticastTrackTransport> {
    const rtp = dgram.createSocket({ type: net.isIPv6(group) ? 'udp6' : 'udp4', reuseAddr: true })
    const rtcp = dgram.createSocket({ type: net.isIPv6(group) ? 'udp6' : 'udp4', reuseAddr: true })
    try {
      await bindTo(rtp, rtpPort, group)
      await bindTo(rtcp, rtcpPort, group)
      rtp.addMembership(group, localAddress)
      rtcp.addMembership(group, localAddress)
    } catch (err) {
      rtp.close()
      rtcp.close()
      throw new ProtocolError('ERR_RTSP_MULTICAST', `cannot join multicast group ${group}:${rtpPort}: ${(err as Error).message}`, {
        observed: group,
      })
    }
    rtp.on('error', () => {})
    rtcp.on('error', () => {})
    return new MulticastTrackTransport(rtp, rtcp, group, rtcpPort)
  }

  connect(sink: TrackSink): void {
    this.sink = sink
  }

  /** Members send no RTP to the group. */
  sendRtp(): void {}

  /**
   * Receiver reports go to the group. A BYE does not: every member reads the group's RTCP port, and
   * ffmpeg ends its stream on any BYE whatever its SSRC, so one member leaving would stop the others.
   */
  sendRtcp(data: Buffer): void {
    if (this.closed || containsBye(data)) return
    try {
      this.rtcp.send(data, this.rtcpPort, this.group)
    } catch {
      // closing
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.rtp.close()
    this.rtcp.close()
  }
}

/** RFC 3550 §6.1: whether a compound RTCP packet holds a BYE (packet type 203). */
function containsBye(compound: Buffer): boolean {
  for (let at = 0; at + RTCP_HEADER_SIZE <= compound.length; at += (compound.readUInt16BE(at + 2) + 1) * 4) {
    if (compound[at + 1] === RTCP_BYE) return true
  }
  return false
}
const RTCP_HEADER_SIZE = 4
const RTCP_BYE = 203

function bindTo(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
}

export class InterleavedTrackTransport implements TrackTransport {
  readonly kind = 'tcp'

  constructor(
    private readonly conn: ClientConnection,
    readonly rtpChannel: number,
    readonly rtcpChannel: number,
  ) {}

  sendRtp(data: Buffer): void {
    this.conn.writeInterleaved(this.rtpChannel, data)
  }

  sendRtcp(data: Buffer): void {
    this.conn.writeInterleaved(this.rtcpChannel, data)
  }

  close(): void {}
}

/** Routes a connection's interleaved frames to the tracks by channel. */
export class ChannelRouter {
  private readonly routes = new Map<number, { sink: TrackSink; rtcp: boolean }>()

  add(transport: InterleavedTrackTransport, sink: TrackSink): void {
    this.routes.set(transport.rtpChannel, { sink, rtcp: false })
    this.routes.set(transport.rtcpChannel, { sink, rtcp: true })
  }

  clear(): void {
    this.routes.clear()
  }

  dispatch(channel: number, payload: Buffer): void {
    const r = this.routes.get(channel)
    if (!r) return
    if (r.rtcp) r.sink.onRtcp(payload)
    else r.sink.onRtp(payload)
  }
}
