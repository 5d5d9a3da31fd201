/**
 * UDP socket plumbing for plain RTP sessions: binding with errors as ConfigError (one readable line),
 * closing as a promise that never rejects.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import { ConfigError } from '../errors.js'

/** A keyframe burst of a high-rate stream overflows Linux's default ~200 KB receive buffer. */
export const RTP_RECEIVE_BUFFER_SIZE = 4 * 1024 * 1024

export function socketTypeFor(address: string | undefined): 'udp4' | 'udp6' {
  return address !== undefined && net.isIPv6(address) ? 'udp6' : 'udp4'
}

export interface BindOptions {
  type: 'udp4' | 'udp6'
  port: number
  address?: string | undefined
  /** Let other sockets bind the same port (multicast receivers). */
  reuseAddr?: boolean
  receiveBufferSize?: number
  /** What the socket is for, in error messages ("RTP", "RTCP"). */
  purpose: string
}

/** Binds a UDP socket; EADDRINUSE and EACCES become a ConfigError naming the port. */
export function bindUdp(opts: BindOptions): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: opts.type, reuseAddr: opts.reuseAddr ?? false })
    const onError = (err: NodeJS.ErrnoException): void => {
      s.close()
      const where = `${opts.address ?? (opts.type === 'udp6' ? '::' : '0.0.0.0')}:${opts.port}`
      const reason =
        err.code === 'EADDRINUSE'
          ? 'is already in use'
          : err.code === 'EACCES'
            ? 'needs more privileges'
            : `cannot be bound (${err.message})`
      reject(
        new ConfigError('ERR_UDP_BIND', `${opts.purpose} port ${opts.port} ${reason}`, { observed: where, code: err.code }, { cause: err }),
      )
    }
    s.once('error', onError)
    s.bind(opts.port, opts.address, () => {
      s.off('error', onError)
      if (opts.receiveBufferSize) {
        try {
          s.setRecvBufferSize(opts.receiveBufferSize)
        } catch {
          // Capped by the system (net.core.rmem_max); the default still works at lower rates.
        }
      }
      resolve(s)
    })
  })
}

/** Joins multicast group `group` on `socket`; failure (no multicast route, say) becomes a ConfigError. */
export function joinGroup(socket: dgram.Socket, group: string): void {
  try {
    socket.addMembership(group)
  } catch (err) {
    throw new ConfigError(
      'ERR_UDP_MULTICAST',
      `cannot join multicast group ${group}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { observed: group },
      { cause: err },
    )
  }
}

/** Closes a socket; resolves once closed (or at once if it already was). */
export function closeUdp(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve())
    } catch {
      resolve() // already closed
    }
  })
}
