/**
 * The UDP side of one multicast group (RFC 2326 §12.39 `multicast`, `destination`, `port`, `ttl`):
 * RTP goes to GROUP:rtpPort once, whatever the number of readers; RTCP is sent to and read from
 * GROUP:rtcpPort, where every member's receiver reports arrive. The RTCP socket binds the group
 * address itself, so that two groups on the same port do not see each other's reports.
 */
import dgram from 'node:dgram'
import type { UdpLink, UdpSent } from './udp-link.js'

export interface MulticastLinkOptions {
  group: string
  rtpPort: number
  rtcpPort: number
  ttl: number
  /** Local interface address for sending and joining (default: the system's choice). */
  iface?: string | undefined
}

export interface MulticastLink extends UdpLink {
  /** RTCP from the group with its sender's address (a member's receiver reports). */
  onRtcpFrom(cb: (msg: Buffer, address: string) => void): void
}

/** Opens the sockets of a group; rejects when the RTCP port cannot be bound on the group address. */
export async function openMulticastLink(o: MulticastLinkOptions): Promise<MulticastLink> {
  const rtp = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  const rtcp = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  try {
    await bind(rtp, 0, undefined)
    rtp.setMulticastTTL(o.ttl)
    rtp.setMulticastLoopback(true)
    if (o.iface) rtp.setMulticastInterface(o.iface)
    await bind(rtcp, o.rtcpPort, o.group)
    rtcp.addMembership(o.group, o.iface)
    rtcp.setMulticastTTL(o.ttl)
    // Our own sender reports come back on loopback; they are not members' reports.
    rtcp.setMulticastLoopback(false)
  } catch (err) {
    rtp.close()
    rtcp.close()
    throw err
  }
  rtp.on('error', () => {})
  rtcp.on('error', () => {})
  let closed = false
  return {
    rtpPort: o.rtpPort,
    rtcpPort: o.rtcpPort,
    sendRtp: (packet: Buffer, sent?: UdpSent) => rtp.send(packet, o.rtpPort, o.group, sent),
    sendRtcp: (packet: Buffer) => rtcp.send(packet, o.rtcpPort, o.group),
    // Members do not send RTP to a group they read.
    onRtp: () => {},
    onRtcp: (cb) => void rtcp.on('message', (msg) => cb(msg)),
    onRtcpFrom: (cb) => void rtcp.on('message', (msg, rinfo) => cb(msg, rinfo.address)),
    close: () => {
      if (closed) return
      closed = true
      rtp.close()
      rtcp.close()
    },
  }
}

function bind(socket: dgram.Socket, port: number, address: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
}
