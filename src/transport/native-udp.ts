/**
 * The optional native UDP sender: native/udp-sendmmsg.c, built by node-gyp at `npm install`
 * (scripts/build-native.mjs) into build/Release/rtspkit_udp.node. It sends many datagrams on one
 * connected socket in one sendmmsg(2) system call. When it is absent (not Linux, no compiler or headers
 * at install, a failed build) or disabled with RTSPKIT_NATIVE_UDP=0, `loadNativeUdp()` answers undefined
 * and every send goes through node:dgram as before (udp-batch-send.ts decides per batch).
 *
 * On top, UDP GSO (UDP_SEGMENT, Linux >= 4.18): a run's equal-size neighbours (an RTP unit's FU-A
 * fragments and its shorter last one) go as one message the kernel cuts back into those datagrams.
 * On whenever the kernel takes it; RTSPKIT_UDP_GSO=0 turns it off alone (native/udp-sendmmsg.c says
 * how a kernel that refuses it is found out, process-wide).
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export interface NativeUdp {
  /**
   * Sends packets[start, start + count) on the bound, connected UDP socket `fd`, at most `maxBatch` of
   * them, without blocking: the number sent (possibly fewer, 0 when the socket buffer is full), or a
   * negative errno (-EAGAIN, -ECONNREFUSED…) when the first of them failed. With `gso`, runs of
   * equal-size datagrams go as one GSO message each when the kernel takes it; the count is still of
   * datagrams, and when the first message was a GSO message of k datagrams and failed, all k failed:
   * the value is -(errno + ERRNO_SPAN × (k - 1)) (see `failedDatagrams`).
   */
  sendmmsg(fd: number, packets: readonly Buffer[], start: number, count: number, gso?: boolean): number
  /**
   * Whether `fd`'s send buffer has room now. After a short sendmmsg it tells a full buffer (no room:
   * hand the rest to dgram) from an error the kernel did not return (room: that datagram failed).
   */
  writable(fd: number): boolean
  readonly maxBatch: number
  /** Whether to ask for GSO (RTSPKIT_UDP_GSO is not 0 and this kernel has it); absent: no. */
  readonly gso?: boolean
}

/** errno < 4096 (Linux's MAX_ERRNO): a failed GSO message's size rides above it in sendmmsg's result. */
export const ERRNO_SPAN = 4096

/** A negative sendmmsg result: the (negative) errno and how many datagrams failed with it. */
export function failedDatagrams(result: number): { errno: number; count: number } {
  return { errno: -(-result % ERRNO_SPAN), count: Math.floor(-result / ERRNO_SPAN) + 1 }
}

/** Whether the native sender loaded, and whether it sends with UDP GSO (`gsoReason` when it does not). */
export type NativeUdpStatus =
  { loaded: true; path: string; gso: boolean; gsoReason?: string } | { loaded: false; reason: string; gso: false }

/** What the addon exports (the GSO probe stays behind the status). */
interface Addon extends Omit<NativeUdp, 'gso'> {
  /** Whether GSO is in use in this process: the kernel has it and has not refused it. */
  gso(): boolean
}

/** From dist/src/transport/ (where this file runs) to the package root. */
const ADDON_URL = new URL('../../../build/Release/rtspkit_udp.node', import.meta.url)

interface Loaded {
  binding: NativeUdp | undefined
  status: NativeUdpStatus
  /** The addon's process-wide answer, asked again at each status (the kernel may refuse GSO later). */
  gsoInUse?: () => boolean
}

const off = (reason: string): Loaded => ({ binding: undefined, status: { loaded: false, reason, gso: false } })

/**
 * The one piece of module state: whether this thread loaded the addon. A fact of the installation, not
 * of any server, and set once: a failed require is not cached by Node, so without this every new socket
 * would search the file system again. Each worker thread loads (and caches) its own copy; the addon is
 * context-aware (NAPI_MODULE_INIT), so it loads in several threads.
 */
let loaded: Loaded | undefined

function load(): Loaded {
  if (process.env.RTSPKIT_NATIVE_UDP === '0') return off('disabled by RTSPKIT_NATIVE_UDP=0')
  if (process.platform !== 'linux') return off(`not Linux (${process.platform})`)
  const path = fileURLToPath(ADDON_URL)
  try {
    const addon = createRequire(import.meta.url)(path) as Partial<Addon>
    if (typeof addon.sendmmsg !== 'function' || typeof addon.writable !== 'function' || typeof addon.maxBatch !== 'number')
      return off(`${path} is not rtspkit's native UDP sender`)
    // An addon built before GSO has no probe: it sends without.
    const gsoInUse = typeof addon.gso === 'function' ? addon.gso : () => false
    const gsoReason =
      process.env.RTSPKIT_UDP_GSO === '0'
        ? 'disabled by RTSPKIT_UDP_GSO=0'
        : gsoInUse()
          ? undefined
          : 'the kernel has no UDP GSO (UDP_SEGMENT, Linux 4.18) or the addon was built without it'
    const gso = gsoReason === undefined
    // The addon's functions themselves (no wrapper: one call per run, not two).
    const binding: NativeUdp = { sendmmsg: addon.sendmmsg, writable: addon.writable, maxBatch: addon.maxBatch, gso }
    return { binding, status: gso ? { loaded: true, path, gso } : { loaded: true, path, gso, gsoReason }, gsoInUse }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return off(code === 'MODULE_NOT_FOUND' ? 'not built (see scripts/build-native.mjs)' : (err as Error).message)
  }
}

/** The native sender of this thread, or undefined: send through dgram. */
export function loadNativeUdp(): NativeUdp | undefined {
  return (loaded ??= load()).binding
}

/**
 * Whether the native sender loaded in this thread, and if not why; whether it sends with GSO now, and
 * if not why (logs, `/metrics`).
 */
export function nativeUdpStatus(): NativeUdpStatus {
  const { status, gsoInUse } = (loaded ??= load())
  // Asked each time: a kernel that refuses a GSO send later turns it off for the process.
  if (status.loaded && status.gso && gsoInUse?.() !== true) return { ...status, gso: false, gsoReason: 'the kernel refused a GSO send' }
  return status
}
