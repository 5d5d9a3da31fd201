import dgram from 'node:dgram'
import { RtspkitError } from '../errors.js'

/** An RTP/RTCP socket pair on consecutive ports, RTP on the even one (RFC 3550 §11). */
export interface UdpPair {
  rtp: dgram.Socket
  rtcp: dgram.Socket
  rtpPort: number
  rtcpPort: number
  close(): void
}

export interface PortRange {
  min: number
  max: number
}

const MAX_EPHEMERAL_TRIES = 32

function bind(type: 'udp4' | 'udp6', port: number, host: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type, reuseAddr: false })
    const onError = (err: Error) => {
      s.close()
      reject(err)
    }
    s.once('error', onError)
    s.bind(port, host, () => {
      s.off('error', onError)
      // A send error on one reader's socket (e.g. ENOBUFS) must never become an unhandled 'error' event.
      s.on('error', () => {})
      resolve(s)
    })
  })
}

function closeQuietly(s: dgram.Socket): void {
  try {
    s.close()
  } catch {
    // already closed
  }
}

/** A pair on `rtpPort` (even; 0 for any) and the port after it, or undefined when either is taken. */
export function bindUdpPair(type: 'udp4' | 'udp6', host: string, rtpPort: number): Promise<UdpPair | undefined> {
  return tryPair(type, host, rtpPort)
}

async function tryPair(type: 'udp4' | 'udp6', host: string, rtpPort: number): Promise<UdpPair | undefined> {
  let first: dgram.Socket
  try {
    first = await bind(type, rtpPort, host)
  } catch {
    return undefined
  }
  const actual = first.address().port
  // An odd ephemeral port is kept as the RTCP half when the even port below it is free: one more
  // bind instead of closing it and asking again (half of all ephemeral ports are odd).
  const firstIsRtp = actual % 2 === 0
  if (!firstIsRtp && (rtpPort !== 0 || actual === 1)) {
    closeQuietly(first)
    return undefined
  }
  try {
    const other = await bind(type, firstIsRtp ? actual + 1 : actual - 1, host)
    return firstIsRtp ? pairOf(first, other, actual) : pairOf(other, first, actual - 1)
  } catch {
    closeQuietly(first)
    return undefined
  }
}

function pairOf(rtp: dgram.Socket, rtcp: dgram.Socket, rtpPort: number): UdpPair {
  let closed = false
  return {
    rtp,
    rtcp,
    rtpPort,
    rtcpPort: rtpPort + 1,
    close() {
      if (closed) return
      closed = true
      closeQuietly(rtp)
      closeQuietly(rtcp)
    },
  }
}

/**
 * Binds a fresh RTP/RTCP pair. With a range, walks its even ports from a rotating start;
 * without one, asks the OS for an ephemeral port and pairs it with its neighbour (the port after an
 * even one, the port before an odd one), asking again when the neighbour is taken.
 */
export async function allocateUdpPair(type: 'udp4' | 'udp6', host: string, range: PortRange | undefined, hint: number): Promise<UdpPair> {
  if (range) {
    const first = range.min + (range.min % 2)
    const count = Math.floor((range.max - first) / 2)
    for (let i = 0; i < count; i++) {
      const port = first + 2 * ((hint + i) % count)
      const pair = await tryPair(type, host, port)
      if (pair) return pair
    }
  } else {
    for (let i = 0; i < MAX_EPHEMERAL_TRIES; i++) {
      const pair = await tryPair(type, host, 0)
      if (pair) return pair
    }
  }
  throw new RtspkitError('ERR_UDP_PORTS', 'no free RTP/RTCP port pair', { allowed: range ?? 'ephemeral' })
}
