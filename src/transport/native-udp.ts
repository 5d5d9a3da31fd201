/**
 * The optional native UDP sender: native/udp-sendmmsg.c, built by node-gyp at `npm install`
 * (scripts/build-native.mjs) into build/Release/rtspkit_udp.node. It sends many datagrams on one
 * connected socket in one sendmmsg(2) system call. When it is absent (not Linux, no compiler or headers
 * at install, a failed build) or disabled with RTSPKIT_NATIVE_UDP=0, `loadNativeUdp()` answers undefined
 * and every send goes through node:dgram as before (udp-batch-send.ts decides per batch).
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export interface NativeUdp {
  /**
   * Sends packets[start, start + count) on the bound, connected UDP socket `fd`, at most `maxBatch` of
   * them, without blocking: the number sent (possibly fewer, 0 when the socket buffer is full), or a
   * negative errno (-EAGAIN, -ECONNREFUSED…) when the first of them failed.
   */
  sendmmsg(fd: number, packets: readonly Buffer[], start: number, count: number): number
  /**
   * Whether `fd`'s send buffer has room now. After a short sendmmsg it tells a full buffer (no room:
   * hand the rest to dgram) from an error the kernel did not return (room: that datagram failed).
   */
  writable(fd: number): boolean
  readonly maxBatch: number
}

export type NativeUdpStatus = { loaded: true; path: string } | { loaded: false; reason: string }

/** From dist/src/transport/ (where this file runs) to the package root. */
const ADDON_URL = new URL('../../../build/Release/rtspkit_udp.node', import.meta.url)

interface Loaded {
  binding: NativeUdp | undefined
  status: NativeUdpStatus
}

/**
 * The one piece of module state: whether this thread loaded the addon. A fact of the installation, not
 * of any server, and set once: a failed require is not cached by Node, so without this every new socket
 * would search the file system again. Each worker thread loads (and caches) its own copy; the addon is
 * context-aware (NAPI_MODULE_INIT), so it loads in several threads.
 */
let loaded: Loaded | undefined

function load(): Loaded {
  if (process.env.RTSPKIT_NATIVE_UDP === '0')
    return { binding: undefined, status: { loaded: false, reason: 'disabled by RTSPKIT_NATIVE_UDP=0' } }
  if (process.platform !== 'linux') return { binding: undefined, status: { loaded: false, reason: `not Linux (${process.platform})` } }
  const path = fileURLToPath(ADDON_URL)
  try {
    const binding = createRequire(import.meta.url)(path) as Partial<NativeUdp>
    if (typeof binding.sendmmsg !== 'function' || typeof binding.writable !== 'function' || typeof binding.maxBatch !== 'number')
      return { binding: undefined, status: { loaded: false, reason: `${path} is not rtspkit's native UDP sender` } }
    return { binding: binding as NativeUdp, status: { loaded: true, path } }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason = code === 'MODULE_NOT_FOUND' ? 'not built (see scripts/build-native.mjs)' : (err as Error).message
    return { binding: undefined, status: { loaded: false, reason } }
  }
}

/** The native sender of this thread, or undefined: send through dgram. */
export function loadNativeUdp(): NativeUdp | undefined {
  return (loaded ??= load()).binding
}

/** Whether the native sender loaded in this thread, and if not why (logs, `/metrics`). */
export function nativeUdpStatus(): NativeUdpStatus {
  return (loaded ??= load()).status
}
