/**
 * The body of one UDP send worker thread (see udp-send-workers.ts): it owns the RTP/RTCP pairs of its
 * share of the readers, sends the batches the main thread posts, and passes the readers' RTCP back.
 * Each reader's pair is bound here, so its datagrams leave from the server_port its SETUP reply named.
 * With the native sender (native-udp.ts; the addon loads in each worker thread), each link's datagrams
 * of a batch leave in one sendmmsg call; without it, one dgram send each.
 */
import { parentPort } from 'node:worker_threads'
import type dgram from 'node:dgram'
import { loadNativeUdp, type NativeUdp } from './native-udp.js'
import { UdpRunSender } from './udp-batch-send.js'
import type { BatchMessage, FromWorker, OpenMessage, ToWorker } from './udp-send-protocol.js'
import { allocateUdpPair, type UdpPair } from './udp-pair.js'

interface WorkerLink {
  pair: UdpPair
  rtcpPort: number
  host: string
  /** Native runs, once its RTP socket's connect completed (before that sendmmsg has no destination). */
  runs: UdpRunSender | undefined
  /** One callback per link, so a send allocates no closure; it only notes the failure for the next ack. */
  sent: (err: Error | null) => void
}

const unmapped = (a: string): string => a.replace(/^::ffff:/, '')

class SendWorker {
  private readonly links = new Map<number, WorkerLink>()
  /** Links whose sends failed since the last ack. */
  private readonly failed = new Set<number>()

  constructor(
    private readonly port: NonNullable<typeof parentPort>,
    private readonly native: NativeUdp | undefined,
  ) {}

  onMessage(msg: ToWorker): void {
    switch (msg.t) {
      case 'batch':
        return this.batch(msg)
      case 'open':
        return void this.open(msg)
      case 'close':
        return this.close(msg.id)
      case 'rtcp': {
        const link = this.links.get(msg.id)
        link?.pair.rtcp.send(msg.data, link.rtcpPort, link.host)
        return
      }
      case 'stall': {
        const until = Date.now() + msg.ms
        while (Date.now() < until) {
          // busy on purpose: a starved worker
        }
      }
    }
  }

  private post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(msg, transfer)
  }

  private async open(msg: OpenMessage): Promise<void> {
    let pair: UdpPair
    try {
      pair = await allocateUdpPair(msg.family, msg.family === 'udp6' ? '::' : '0.0.0.0', msg.range, msg.hint)
    } catch (err) {
      return this.post({ t: 'openFailed', id: msg.id, message: (err as Error).message })
    }
    const id = msg.id
    // Connected: no address lookup per packet, and only the reader's RTP port is heard on it.
    pair.rtp.connect(msg.rtpPort, msg.host, () => {
      const link = this.links.get(id)
      if (link) link.runs = new UdpRunSender(pair.rtp, this.native)
    })
    const from = unmapped(msg.host)
    const onRtcp = (data: Buffer, rinfo: dgram.RemoteInfo): void => {
      if (unmapped(rinfo.address) === from) this.post({ t: 'rtcp', id, data })
    }
    pair.rtcp.on('message', onRtcp)
    this.links.set(id, {
      pair,
      rtcpPort: msg.rtcpPort,
      host: msg.host,
      runs: undefined,
      sent: (err) => {
        if (err) this.failed.add(id)
      },
    })
    this.post({ t: 'opened', id, rtpPort: pair.rtpPort, rtcpPort: pair.rtcpPort })
  }

  private close(id: number): void {
    this.links.get(id)?.pair.close()
    this.links.delete(id)
  }

  private batch(msg: BatchMessage): void {
    const { data, offsets, sends } = msg
    const views: Buffer[] = new Array<Buffer>(offsets.length - 1)
    for (let i = 0; i + 1 < offsets.length; i++) views[i] = Buffer.from(data, offsets[i], offsets[i + 1]! - offsets[i]!)
    if (this.native) this.sendRuns(views, sends)
    else this.sendEach(views, sends)
    const errors = this.failed.size > 0 ? [...this.failed] : []
    this.failed.clear()
    this.post({ t: 'ack', seq: msg.seq, errors })
  }

  /** dgram: one send per datagram. */
  private sendEach(views: readonly Buffer[], sends: Uint32Array): void {
    const n = sends.length
    for (let j = 0; j < n; j += 2) {
      const id = sends[j]!
      const link = this.links.get(id)
      if (!link) continue
      // Only a link's last datagram of a run asks how it went: an error (a closed port refusing)
      // shows on every later send, and one callback per run keeps the send path free of callbacks.
      const last = j + 2 >= n || sends[j + 2] !== id
      if (last) link.pair.rtp.send(views[sends[j + 1]!]!, link.sent)
      else link.pair.rtp.send(views[sends[j + 1]!]!)
    }
  }

  /** Native: each link's datagrams of the batch, in order, as one run (one sendmmsg); its last one asks how it went. */
  private sendRuns(views: readonly Buffer[], sends: Uint32Array): void {
    const runs = new Map<WorkerLink, Buffer[]>()
    for (let j = 0; j < sends.length; j += 2) {
      const link = this.links.get(sends[j]!)
      if (!link) continue
      const packet = views[sends[j + 1]!]!
      const run = runs.get(link)
      if (run) run.push(packet)
      else runs.set(link, [packet])
    }
    for (const [link, packets] of runs) {
      const callbacks = new Array<((err: Error | null) => void) | undefined>(packets.length)
      callbacks[packets.length - 1] = link.sent
      if (link.runs) link.runs.send(packets, callbacks)
      else for (let i = 0; i < packets.length; i++) link.pair.rtp.send(packets[i]!, callbacks[i])
    }
  }
}

if (parentPort) {
  const worker = new SendWorker(parentPort, loadNativeUdp())
  parentPort.on('message', (msg: ToWorker) => worker.onMessage(msg))
}
