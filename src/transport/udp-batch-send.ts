/**
 * Sends a run of datagrams on one connected dgram socket: with the native sender (native-udp.ts), up
 * to `maxBatch` of them per sendmmsg(2) call, straight from the Buffers' memory; without it, or for
 * whatever the kernel would not take at once, through dgram one by one, as rtspkit always did.
 *
 * Nothing is lost silently and nothing is reordered. A full socket buffer (EAGAIN, ENOBUFS — what
 * libuv itself treats as "wait until writable") hands the rest to dgram, which queues them; while
 * dgram holds queued datagrams, later runs go through dgram too, behind them. Any other error is that
 * one datagram's, given to its callback as dgram would (its code is the errno's name, e.g.
 * ECONNREFUSED after the peer's port closed), and the datagrams after it are still sent. sendmmsg
 * returns the error of its first datagram only; a later one just stops it short, and then a socket
 * with room in its buffer (`writable`) means that datagram failed (ERR_UDP_SEND: its code is lost),
 * a full one that the rest wait in dgram's queue. So a closed peer port fails the same datagrams as
 * with dgram: each one after an ICMP "port unreachable".
 *
 * With UDP GSO (`native.gso`), equal-size neighbours in a run (an RTP unit's packets) leave as one
 * message, which the kernel sends or refuses whole. The count sendmmsg returns is still datagrams;
 * when a GSO message fails, every datagram in it gets the error (the kernel sent none of them), and
 * the datagrams after it are still sent. So a closed peer port fails whole units, one per pending ICMP
 * error, where dgram fails every other datagram: the unit's last one, whose callback the server counts
 * in sendErrors, fails with the rest. (A GSO message sendmmsg stops short at is sent again at once, see
 * native/udp-sendmmsg.c: its outcome is then known and nothing is guessed.)
 */
import type dgram from 'node:dgram'
import { constants } from 'node:os'
import { getSystemErrorName } from 'node:util'
import { RtspkitError } from '../errors.js'
import { failedDatagrams, type NativeUdp } from './native-udp.js'
import type { UdpSent } from './udp-link.js'

const EAGAIN = -constants.errno.EAGAIN
const EWOULDBLOCK = -constants.errno.EWOULDBLOCK
const ENOBUFS = -constants.errno.ENOBUFS

/** A send error shaped like dgram's (`code` the errno's name, `errno`, `syscall`). */
export class UdpSendError extends RtspkitError {
  readonly errno: number
  readonly syscall = 'sendmmsg'

  constructor(errno: number) {
    const name = getSystemErrorName(errno)
    super(name, `sendmmsg ${name}`, { observed: errno })
    this.errno = errno
  }
}

/**
 * A datagram sendmmsg stopped at with room in the buffer: it failed, and the kernel drops the code of
 * an error after the first message (sendmmsg(2)). Typically ECONNREFUSED from a closed peer port.
 */
const unreportedError = (): RtspkitError =>
  new RtspkitError('ERR_UDP_SEND', 'UDP send failed (sendmmsg stopped at this datagram and does not return the error)')

/** Reads a dgram socket's descriptor: -1 once it is closed (never a stale number another socket may reuse). */
export type FdReader = () => number

/** A reader of `socket`'s descriptor (Linux), cheap to call per run. */
export function fdReader(socket: dgram.Socket): FdReader {
  // dgram keeps its handle in a state object under a symbol: looked up once (that costs ~300 ns, a call
  // ~20). The public `_handle` getter would print a deprecation (DEP0112). The handle is null once closed.
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol')
  const state = key && (socket as unknown as Record<symbol, { handle?: { fd?: unknown } | null } | undefined>)[key]
  return () => {
    const fd = state?.handle?.fd
    return typeof fd === 'number' ? fd : -1
  }
}

/** Sends runs of datagrams on one connected socket: natively when `native` is given, else through dgram. */
export class UdpRunSender {
  private readonly fd: FdReader
  private readonly gso: boolean
  /** Made once per socket: a closed peer port fails a datagram per ICMP error, and an Error's stack costs microseconds. */
  private unreported: RtspkitError | undefined

  constructor(
    readonly socket: dgram.Socket,
    private readonly native: NativeUdp | undefined,
  ) {
    this.fd = fdReader(socket)
    this.gso = native?.gso === true
  }

  /** Sends `packets` in order; `callbacks[i]`, when set, hears how packet i went (null: it left). */
  send(packets: readonly Buffer[], callbacks: readonly (UdpSent | undefined)[] | undefined): void {
    const { socket, native } = this
    const n = packets.length
    let sent = 0
    let errors: Map<number, Error> | undefined
    const fd = native ? this.fd() : -1
    // Datagrams dgram still holds (a full buffer earlier) go first: sending past them would reorder.
    if (native && fd >= 0 && socket.getSendQueueCount() === 0) {
      while (sent < n) {
        const asked = Math.min(n - sent, native.maxBatch)
        const r = native.sendmmsg(fd, packets, sent, asked, this.gso)
        if (r === asked) sent += r
        else if (r > 0) {
          sent += r
          if (!native.writable(fd)) break
          ;(errors ??= new Map()).set(sent++, (this.unreported ??= unreportedError()))
        } else if (r === 0 || r === EAGAIN || r === EWOULDBLOCK || r === ENOBUFS) break
        else {
          // One datagram, or a whole GSO message, failed with this errno. A full buffer is never a
          // failure, however many datagrams the message held: they wait in dgram's queue like the rest.
          const failed = failedDatagrams(r)
          if (failed.errno === EAGAIN || failed.errno === EWOULDBLOCK || failed.errno === ENOBUFS) break
          const error = new UdpSendError(failed.errno)
          for (let k = Math.min(failed.count, n - sent); k > 0; k--) (errors ??= new Map()).set(sent++, error)
        }
      }
    }
    for (let i = sent; i < n; i++) dgramSend(socket, packets[i]!, callbacks?.[i])
    // Callbacks last, so one that sends again (a reader's queue draining) finds this run already out.
    if (callbacks) for (let i = 0; i < sent; i++) callbacks[i]?.(errors?.get(i) ?? null)
  }
}

/** dgram's send; a socket closed under a pending run fails its callback instead of throwing. */
function dgramSend(socket: dgram.Socket, packet: Buffer, sent: UdpSent | undefined): void {
  try {
    socket.send(packet, sent)
  } catch (err) {
    sent?.(err as Error)
  }
}

/**
 * One connected socket's datagrams of one turn of the event loop, sent as one run in a microtask: the
 * packets of a unit (and of every unit of that turn) for one reader become one sendmmsg call instead
 * of one send each. Used only when the native sender loaded; `sent` keeps its contract (called once
 * the datagram left or failed), just from the microtask instead of from dgram's completion.
 */
export class DatagramBatcher {
  private packets: Buffer[] = []
  private callbacks: (UdpSent | undefined)[] = []
  /** Set once the socket's connect completed: sendmmsg has a destination from then on. */
  private runs: UdpRunSender | undefined

  constructor(
    private readonly socket: dgram.Socket,
    private readonly native: NativeUdp,
  ) {}

  /** The socket's connect completed: its datagrams may go out natively from now on. */
  markConnected(): void {
    this.runs ??= new UdpRunSender(this.socket, this.native)
  }

  send(packet: Buffer, sent: UdpSent | undefined): void {
    // Before the connect completes dgram holds the datagram itself (as it always did).
    if (!this.runs) return void this.socket.send(packet, sent)
    if (this.packets.length === 0) queueMicrotask(this.flush)
    this.packets.push(packet)
    this.callbacks.push(sent)
  }

  /** Sends what is pending now (before an RTCP packet or a close, so they follow the RTP already handed over). */
  readonly flush = (): void => {
    const packets = this.packets
    if (packets.length === 0 || !this.runs) return
    const callbacks = this.callbacks
    this.packets = []
    this.callbacks = []
    this.runs.send(packets, callbacks)
  }
}
