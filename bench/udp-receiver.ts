/**
 * Where a UDP load reader's packets are received and counted. Two implementations: this file's
 * UdpPortAllocator reads them in the Node process with `dgram` sockets; bench/udp-sink.ts hands the
 * sockets to a small C program (bench/native/udp-sink.c) so that hundreds of readers do not need a
 * whole core of the load process.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { StateError } from '../src/errors.js'
import { TrackStats } from './track-stats.js'

/**
 * Room for ~4 s of a 4 Mbit/s stream, so a busy event loop does not turn into UDP loss. BENCH_RCVBUF
 * (bytes) changes it; the kernel caps it at net.core.rmem_max (run.ts prints what was granted).
 */
export const UDP_RECV_BUFFER = Number(process.env.BENCH_RCVBUF ?? 2 * 1024 * 1024)
/** Port pairs tried before giving up (each failure skips one pair). */
export const MAX_PORT_ATTEMPTS = 2000
export const MAX_PORT = 0xffff

/** One reader track's client RTP/RTCP port pair, bound and counting. */
export interface UdpPair {
  /** The RTP port (RTCP is the next one). */
  port: number
  /** The RTP socket's receive buffer as the kernel granted it (Linux reports twice what it books). */
  rcvbuf: number
  /** This track's counters: live in the Node receiver, as of the last refresh() with the C sink. */
  stats: TrackStats
  close(): void
}

export interface UdpReceiver {
  /** Binds the next free pair; `onError` hears of socket (or sink process) failures afterwards. */
  bindPair(onError: (message: string) => void): Promise<UdpPair>
  /** Brings every pair's `stats` up to date (a no-op when the counting happens in this process). */
  refresh(): Promise<void>
  /** Process ids that receive the packets besides this one, so their CPU time can be counted. */
  readonly pids: readonly number[]
  /** Releases the receiver (not the pairs: each reader closes its own). Idempotent. */
  close(): Promise<void>
}

/**
 * Hands out client RTP/RTCP port pairs (even RTP port, RTCP on the next, RFC 3550 section 11) from
 * `base` upwards, skipping pairs another program holds; packets are read in this process.
 */
export class UdpPortAllocator implements UdpReceiver {
  readonly pids: readonly number[] = []
  private next: number

  constructor(
    base: number,
    private readonly host: string,
  ) {
    this.next = base + (base % 2)
  }

  async bindPair(onError: (message: string) => void): Promise<UdpPair> {
    for (let attempt = 0; attempt < MAX_PORT_ATTEMPTS; attempt++) {
      const port = this.nextPort()
      if (port === undefined) break
      const rtp = createSocket('udp4')
      const rtcp = createSocket('udp4')
      try {
        await bind(rtp, port, this.host)
        await bind(rtcp, port + 1, this.host)
      } catch {
        rtp.close()
        rtcp.close()
        continue
      }
      const stats = new TrackStats()
      for (const s of [rtp, rtcp]) s.on('error', (err) => onError(`UDP socket error: ${err.message}`))
      rtp.setRecvBufferSize(UDP_RECV_BUFFER)
      rtp.on('message', (msg) => stats.onPacket(msg))
      // Sender reports arrive here; draining them is all a load reader needs.
      rtcp.on('message', () => {})
      return {
        port,
        rcvbuf: rtp.getRecvBufferSize(),
        stats,
        close: () => {
          rtp.close()
          rtcp.close()
        },
      }
    }
    throw noPorts(this.next)
  }

  /** The next even port to try, or undefined past the top of the range. */
  private nextPort(): number | undefined {
    const port = this.next
    this.next += 2
    return port + 1 > MAX_PORT ? undefined : port
  }

  refresh(): Promise<void> {
    return Promise.resolve()
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}

export function noPorts(next: number): StateError {
  return new StateError('ERR_BENCH_NO_PORTS', 'no free UDP port pair for a bench reader', {
    observed: next,
    allowed: `<= ${MAX_PORT}`,
  })
}

export function bind(socket: UdpSocket, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, host, () => {
      socket.off('error', reject)
      resolve()
    })
  })
}
