/**
 * UDP send workers: threads (node:worker_threads) that own a share of the UDP readers' sockets and
 * send their RTP, so sending — one system call per datagram, the main thread's ceiling at a few hundred
 * UDP readers — uses more than one core. The main thread keeps RTSP, the publishers, every reader's
 * queue and keyframe gate; it hands each worker one batch per turn of its event loop (each distinct
 * packet copied once into a transferred buffer, plus who gets which), and the worker sends them from
 * the reader's own RTP socket, which it bound: the server_port of the SETUP reply is the worker's.
 *
 * Why not share the main thread's sockets: a dgram handle cannot move to a worker thread, and Node 20
 * has no `reusePort` for dgram (22.12+), so each reader's pair is bound in the worker that serves it.
 * The shared RTP/RTCP pair (`sharedRtpPort`) stays on the main thread for the same reason.
 *
 * A slow worker never stalls the publisher: what it has not acknowledged is bounded (`maxPendingBytes`);
 * above that its datagrams are dropped and counted, and until then its readers' sends stay "in flight",
 * so each reader's own queue drops whole frames up to the next keyframe as it does for a slow socket.
 * A worker that dies is replaced; the pairs of its readers are bound again on the main thread just long
 * enough to send them an RTCP BYE from the ports they know (`onLost`), and their sessions end.
 */
import { Worker } from 'node:worker_threads'
import { RtspkitError } from '../errors.js'
import type { FromWorker, ToWorker } from './udp-send-protocol.js'
import { ownedLink, type UdpLink, type UdpPeer, type UdpSent } from './udp-link.js'
import { bindUdpPair, type PortRange } from './udp-pair.js'

/** Default bound of the bytes a worker was handed and has not acknowledged (distinct packets, not per reader). */
export const DEFAULT_WORKER_PENDING_BYTES = 8 * 1024 * 1024
const WORKER_URL = new URL('./udp-send-worker.js', import.meta.url)

/** A UDP link served by a worker: `onLost` fires when the worker died (the link then sends from the main thread). */
export interface WorkerUdpLink extends UdpLink {
  readonly worker: number
  onLost(cb: () => void): void
}

export interface UdpSendWorkersOptions {
  count: number
  maxPendingBytes?: number
  /** A worker exited unexpectedly and was replaced; `links`: readers it served. */
  onWorkerExit?: (index: number, code: number, links: number) => void
}

export interface UdpSendWorkerStats {
  index: number
  links: number
  pendingBytes: number
  /** Datagrams dropped because the worker was over its pending bound. */
  dropped: number
  restarts: number
}

interface LinkState {
  id: number
  slot: Slot
  peer: UdpPeer
  family: 'udp4' | 'udp6'
  rtpPort: number
  rtcpPort: number
  rtcp?: (msg: Buffer) => void
  lost: (() => void)[]
  /** After the worker died: the same ports bound on the main thread, for the BYE. */
  fallback?: UdpLink
  /** Its worker died: sends fail until the fallback is bound. */
  gone: boolean
  closed: boolean
}

interface Batch {
  packets: Buffer[]
  index: Map<Buffer, number>
  sends: number[]
  callbacks: (UdpSent | undefined)[]
  bytes: number
}

interface InFlight {
  callbacks: (UdpSent | undefined)[]
  links: number[]
  bytes: number
}

interface Slot {
  index: number
  worker: Worker
  links: Map<number, LinkState>
  batch: Batch | undefined
  inFlight: Map<number, InFlight>
  pendingBytes: number
  dropped: number
  restarts: number
  opening: Map<number, { resolve: (ports: [number, number]) => void; reject: (err: Error) => void }>
}

const workerBusy = (): RtspkitError => new RtspkitError('ERR_WORKER_BUSY', 'UDP send worker over its pending bound: datagram dropped')
const workerGone = (): RtspkitError => new RtspkitError('ERR_WORKER_EXITED', 'UDP send worker exited')

export class UdpSendWorkers {
  private readonly slots: Slot[] = []
  private readonly maxPending: number
  private nextId = 1
  private nextSeq = 1
  private closed = false

  constructor(private readonly opts: UdpSendWorkersOptions) {
    this.maxPending = opts.maxPendingBytes ?? DEFAULT_WORKER_PENDING_BYTES
    for (let i = 0; i < opts.count; i++) this.slots.push(this.spawn(i, 0))
  }

  get count(): number {
    return this.slots.length
  }

  stats(): UdpSendWorkerStats[] {
    return this.slots.map((s) => ({
      index: s.index,
      links: s.links.size,
      pendingBytes: s.pendingBytes,
      dropped: s.dropped,
      restarts: s.restarts,
    }))
  }

  /** The worker thread of slot `index` (tests: terminate it to see a crash handled). */
  thread(index: number): Worker | undefined {
    return this.slots[index]?.worker
  }

  /** Tests: keeps worker `index` busy for `ms`. */
  stall(index: number, ms: number): void {
    this.slots[index]?.worker.postMessage({ t: 'stall', ms } satisfies ToWorker)
  }

  /** A reader's pair bound in the least loaded worker, connected to `peer`. */
  async link(peer: UdpPeer, family: 'udp4' | 'udp6', range: PortRange | undefined, hint: number): Promise<WorkerUdpLink> {
    if (this.closed) throw workerGone()
    let slot = this.slots[0]!
    for (const s of this.slots) if (s.links.size + s.opening.size < slot.links.size + slot.opening.size) slot = s
    const id = this.nextId++
    const ports = await new Promise<[number, number]>((resolve, reject) => {
      slot.opening.set(id, { resolve, reject })
      this.post(slot, { t: 'open', id, family, host: peer.host, rtpPort: peer.rtpPort, rtcpPort: peer.rtcpPort, range, hint })
    })
    const state: LinkState = { id, slot, peer, family, rtpPort: ports[0], rtcpPort: ports[1], lost: [], gone: false, closed: false }
    slot.links.set(id, state)
    return this.facade(state)
  }

  /** Ends every worker; links still open fail their sends from now on. Idempotent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const s of this.slots) {
      this.failInFlight(s)
      void s.worker.terminate()
    }
  }

  private facade(state: LinkState): WorkerUdpLink {
    return {
      worker: state.slot.index,
      rtpPort: state.rtpPort,
      rtcpPort: state.rtcpPort,
      sendRtp: (packet, sent) => {
        if (state.fallback) return state.fallback.sendRtp(packet, sent)
        if (state.closed || state.gone || this.closed) return sent?.(workerGone())
        this.enqueue(state, packet, sent)
      },
      sendRtcp: (packet) => {
        if (state.fallback) return state.fallback.sendRtcp(packet)
        if (state.closed || state.gone || this.closed) return
        // After the RTP already handed over this turn (a BYE follows the last packets).
        this.flush(state.slot)
        this.post(state.slot, { t: 'rtcp', id: state.id, data: packet })
      },
      onRtp: () => {
        // Readers' stray RTP is ignored; workers serve readers only.
      },
      onRtcp: (cb) => {
        state.rtcp = cb
        state.fallback?.onRtcp(cb)
      },
      onLost: (cb) => void state.lost.push(cb),
      close: () => {
        if (state.closed) return
        state.closed = true
        state.fallback?.close()
        if (state.slot.links.delete(state.id) && !this.closed) {
          this.flush(state.slot)
          this.post(state.slot, { t: 'close', id: state.id })
        }
      },
    }
  }

  private enqueue(state: LinkState, packet: Buffer, sent: UdpSent | undefined): void {
    const slot = state.slot
    let batch = slot.batch
    if (!batch) {
      batch = slot.batch = { packets: [], index: new Map(), sends: [], callbacks: [], bytes: 0 }
      queueMicrotask(() => this.flush(slot))
    }
    let i = batch.index.get(packet)
    if (i === undefined) {
      if (slot.pendingBytes + batch.bytes + packet.length > this.maxPending) {
        slot.dropped++
        return sent?.(workerBusy())
      }
      i = batch.packets.length
      batch.packets.push(packet)
      batch.index.set(packet, i)
      batch.bytes += packet.length
    }
    batch.sends.push(state.id, i)
    batch.callbacks.push(sent)
  }

  /** Posts the slot's batch: its distinct packets copied once into a buffer that is transferred. */
  private flush(slot: Slot): void {
    const batch = slot.batch
    if (!batch) return
    slot.batch = undefined
    if (batch.sends.length === 0) return
    const data = new ArrayBuffer(batch.bytes)
    const bytes = new Uint8Array(data)
    const offsets = new Uint32Array(batch.packets.length + 1)
    let off = 0
    batch.packets.forEach((p, i) => {
      offsets[i] = off
      bytes.set(p, off)
      off += p.length
    })
    offsets[batch.packets.length] = off
    const sends = Uint32Array.from(batch.sends)
    const seq = this.nextSeq++
    const links: number[] = []
    for (let j = 0; j < batch.sends.length; j += 2) links.push(batch.sends[j]!)
    slot.inFlight.set(seq, { callbacks: batch.callbacks, links, bytes: batch.bytes })
    slot.pendingBytes += batch.bytes
    slot.worker.postMessage({ t: 'batch', seq, data, offsets, sends } satisfies ToWorker, [data, offsets.buffer, sends.buffer])
  }

  private post(slot: Slot, msg: ToWorker): void {
    slot.worker.postMessage(msg)
  }

  private spawn(index: number, restarts: number): Slot {
    const worker = new Worker(WORKER_URL)
    // A send worker must not keep the process alive on its own.
    worker.unref()
    const slot: Slot = {
      index,
      worker,
      links: new Map(),
      batch: undefined,
      inFlight: new Map(),
      pendingBytes: 0,
      dropped: 0,
      restarts,
      opening: new Map(),
    }
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg))
    worker.on('error', () => {
      // Reported by 'exit' below; an 'error' without a listener would throw in the main thread.
    })
    worker.on('exit', (code) => this.onExit(slot, code))
    return slot
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    switch (msg.t) {
      case 'ack': {
        const f = slot.inFlight.get(msg.seq)
        if (!f) return
        slot.inFlight.delete(msg.seq)
        slot.pendingBytes -= f.bytes
        const failed = msg.errors.length > 0 ? new Set(msg.errors) : undefined
        for (let i = 0; i < f.callbacks.length; i++) {
          const cb = f.callbacks[i]
          if (!cb) continue
          const link = f.links[i]!
          if (failed?.has(link)) {
            failed.delete(link)
            cb(new RtspkitError('ERR_UDP_SEND', 'UDP send failed in a send worker'))
          } else cb(null)
        }
        return
      }
      case 'rtcp':
        return slot.links.get(msg.id)?.rtcp?.(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength))
      case 'opened':
        slot.opening.get(msg.id)?.resolve([msg.rtpPort, msg.rtcpPort])
        slot.opening.delete(msg.id)
        return
      case 'openFailed':
        slot.opening.get(msg.id)?.reject(new RtspkitError('ERR_UDP_PORTS', msg.message))
        slot.opening.delete(msg.id)
    }
  }

  /** Every callback of what was handed over and not acknowledged fails, so readers' in-flight counts unwind. */
  private failInFlight(slot: Slot): void {
    const batch = slot.batch
    slot.batch = undefined
    const all = [...slot.inFlight.values()].map((f) => f.callbacks)
    if (batch) all.push(batch.callbacks)
    slot.inFlight.clear()
    slot.pendingBytes = 0
    const err = workerGone()
    for (const callbacks of all) for (const cb of callbacks) cb?.(err)
  }

  private onExit(slot: Slot, code: number): void {
    this.failInFlight(slot)
    for (const o of slot.opening.values()) o.reject(workerGone())
    slot.opening.clear()
    if (this.closed) return
    const lost = [...slot.links.values()]
    slot.links.clear()
    for (const state of lost) state.gone = true
    // The replacement takes new readers at once; the lost ones are told from the main thread.
    this.slots[slot.index] = this.spawn(slot.index, slot.restarts + 1)
    this.opts.onWorkerExit?.(slot.index, code, lost.length)
    for (const state of lost) void this.rebindAndTell(state)
  }

  /** The dead worker's ports, bound here for a last RTCP BYE (best effort: another socket may have taken them). */
  private async rebindAndTell(state: LinkState): Promise<void> {
    const host = state.family === 'udp6' ? '::' : '0.0.0.0'
    const pair = await bindUdpPair(state.family, host, state.rtpPort).catch(() => undefined)
    if (pair) {
      state.fallback = ownedLink(pair, state.peer, true)
      if (state.rtcp) state.fallback.onRtcp(state.rtcp)
      if (state.closed) state.fallback.close()
    }
    for (const cb of state.lost) cb()
  }
}

/** Whether a link is served by a send worker (it then has `onLost`). */
export function isWorkerLink(link: UdpLink): link is WorkerUdpLink {
  return 'onLost' in link
}
