/**
 * The UDP side of one track of one RTSP session: where its RTP and RTCP go and where the client's
 * come from. Either a socket pair of its own (connected to the client's RTP port), or a view of one
 * pair shared by every session (MediaMTX's rtpAddress/rtcpAddress: two firewall holes in all),
 * where datagrams are told apart by the client's address and port.
 */
import type dgram from 'node:dgram'
import { loadNativeUdp, type NativeUdp } from './native-udp.js'
import { DatagramBatcher } from './udp-batch-send.js'
import type { UdpPair } from './udp-pair.js'

export interface UdpLink {
  /** The server's ports, for the Transport reply. */
  readonly rtpPort: number
  readonly rtcpPort: number
  /** `sent` is called once the datagram left (or failed: then with the error). */
  sendRtp(packet: Buffer, sent?: UdpSent): void
  sendRtcp(packet: Buffer): void
  /** RTP from the client (a publisher's media; stray packets from readers). */
  onRtp(cb: (msg: Buffer) => void): void
  /** RTCP from the client (receiver reports, BYE). */
  onRtcp(cb: (msg: Buffer) => void): void
  /** Idempotent: an own pair is closed; a shared one forgets this client. */
  close(): void
}

export type UdpSent = (err: Error | null) => void

export interface UdpPeer {
  host: string
  rtpPort: number
  rtcpPort: number
}

const unmapped = (a: string): string => a.replace(/^::ffff:/, '')

/**
 * A pair of its own, taking datagrams from the client's host only. `connect` (readers): RTP is
 * connected to the client, so sending needs no address lookup per packet — and only that port's
 * datagrams arrive, which a publisher sending from another port would break. With the native sender
 * (`native`, loaded once per thread by default), a connected link's RTP of one event-loop turn goes out
 * in one sendmmsg call (udp-batch-send.ts).
 */
export function ownedLink(pair: UdpPair, peer: UdpPeer, connect: boolean, native: NativeUdp | undefined = loadNativeUdp()): UdpLink {
  const batch = connect && native ? new DatagramBatcher(pair.rtp, native) : undefined
  if (connect) pair.rtp.connect(peer.rtpPort, peer.host, () => batch?.markConnected())
  const from = (cb: (msg: Buffer) => void) => (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    if (unmapped(rinfo.address) === unmapped(peer.host)) cb(msg)
  }
  return {
    rtpPort: pair.rtpPort,
    rtcpPort: pair.rtcpPort,
    sendRtp: batch
      ? (p, sent) => batch.send(p, sent)
      : connect
        ? (p, sent) => pair.rtp.send(p, sent)
        : (p, sent) => pair.rtp.send(p, peer.rtpPort, peer.host, sent),
    sendRtcp: (p) => {
      batch?.flush()
      pair.rtcp.send(p, peer.rtcpPort, peer.host)
    },
    onRtp: (cb) => void pair.rtp.on('message', from(cb)),
    onRtcp: (cb) => void pair.rtcp.on('message', from(cb)),
    close: () => {
      batch?.flush()
      pair.close()
    },
  }
}

interface Route {
  rtp?: (msg: Buffer) => void
  rtcp?: (msg: Buffer) => void
}

/** One RTP/RTCP pair for every session; each client is a route keyed by its address and port. */
export class SharedUdpPair {
  private readonly routes = new Map<string, Route>()

  constructor(readonly pair: UdpPair) {
    pair.rtp.on('message', (msg, rinfo) => this.routes.get(key(rinfo.address, rinfo.port))?.rtp?.(msg))
    pair.rtcp.on('message', (msg, rinfo) => this.routes.get(key(rinfo.address, rinfo.port))?.rtcp?.(msg))
  }

  get size(): number {
    return this.routes.size
  }

  link(peer: UdpPeer): UdpLink {
    const rtpKey = key(peer.host, peer.rtpPort)
    const rtcpKey = key(peer.host, peer.rtcpPort)
    const route = (k: string): Route => {
      let r = this.routes.get(k)
      if (!r) this.routes.set(k, (r = {}))
      return r
    }
    let closed = false
    return {
      rtpPort: this.pair.rtpPort,
      rtcpPort: this.pair.rtcpPort,
      sendRtp: (p, sent) => this.pair.rtp.send(p, peer.rtpPort, peer.host, sent),
      sendRtcp: (p) => this.pair.rtcp.send(p, peer.rtcpPort, peer.host),
      onRtp: (cb) => void (route(rtpKey).rtp = cb),
      onRtcp: (cb) => void (route(rtcpKey).rtcp = cb),
      close: () => {
        if (closed) return
        closed = true
        this.routes.delete(rtpKey)
        this.routes.delete(rtcpKey)
      },
    }
  }

  close(): void {
    this.routes.clear()
    this.pair.close()
  }
}

function key(address: string, port: number): string {
  return `${unmapped(address)}:${port}`
}
