/**
 * A lightweight RTSP reader for load generation (RFC 2326 sections 10.1–10.5, 10.7; RFC 3550
 * appendix A.3 for the loss count). It decodes nothing: it plays a stream over TCP interleaved
 * or UDP and counts, per track, RTP bytes, packets and sequence-number gaps, and notes when the
 * first packet and the first H.264 IDR arrive.
 *
 * Many readers share one Node process and one event loop; the counting is bench/track-stats.ts.
 * Over UDP, a UdpReceiver (bench/udp-receiver.ts) binds each track's port pair and counts its
 * packets: in this process, or in the C sink of bench/udp-sink.ts, which keeps hundreds of UDP
 * readers from costing the load process a whole core (bench/run.ts measures and reports this).
 */
import { randomBytes } from 'node:crypto'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { ProtocolError, StateError } from '../src/errors.js'
import { RtspHeaders } from '../src/rtsp/headers.js'
import { parseSession } from '../src/rtsp/headers/session.js'
import { parseTransport } from '../src/rtsp/headers/transport.js'
import { serializeRequest, type RtspResponse } from '../src/rtsp/message.js'
import { RtspReader } from '../src/rtsp/reader.js'
import { formatKeyMgmtHeader } from '../src/srtp/key-mgmt.js'
import { mikeyOffer, newMasterKey } from '../src/srtp/srtp-keys.js'
import { snapshotTracks, TrackStats, type ReaderSnapshot } from './track-stats.js'
import { bind, UDP_RECV_BUFFER, type UdpPair, type UdpReceiver } from './udp-receiver.js'

// The counters and the Node receiver lived here first; scripts import them from this file.
export { snapshotTracks, startsIdr, TrackStats, type ReaderSnapshot } from './track-stats.js'
export { UDP_RECV_BUFFER, UdpPortAllocator, type UdpPair, type UdpReceiver } from './udp-receiver.js'

/** 'multicast': the server's group for the path (joined, the port shared with the other readers). */
export type BenchTransport = 'tcp' | 'udp' | 'multicast'

/** RFC 2326 section 12.37: the server's session timeout when the Session header names none. */
const DEFAULT_SESSION_TIMEOUT_S = 60
/** Keep-alives go out at half the session timeout, so one lost round trip is survivable. */
const KEEPALIVE_FRACTION = 0.5
const REQUEST_TIMEOUT_MS = 10_000
/** RFC 2326 section 10.12: `$`, channel, 16-bit length, then the packet. */
const INTERLEAVED_MAGIC = 0x24
const INTERLEAVED_HEADER = 4
const TEARDOWN_TIMEOUT_MS = 2_000

export interface SdpControls {
  /** Session-level a=control ('' when absent): the aggregate URL for PLAY. */
  session: string
  /** One per media section, in order ('' when the section has none). */
  tracks: string[]
}

/** The a=control attributes of an SDP (RFC 2326 appendix C.1.1), session level and per m= section. */
export function sdpControls(sdp: string): SdpControls {
  const out: SdpControls = { session: '', tracks: [] }
  const CONTROL = 'a=control:'
  for (const raw of sdp.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('m=')) out.tracks.push('')
    else if (line.startsWith(CONTROL)) {
      const value = line.slice(CONTROL.length).trim()
      if (out.tracks.length === 0) out.session = value
      else out.tracks[out.tracks.length - 1] = value
    }
  }
  return out
}

/**
 * A track's control URL: absolute as is, '*' or empty means the base itself, else relative to the
 * base with a trailing '/' added (RFC 2326 C.1.1; what ffmpeg and GStreamer clients do too).
 */
export function resolveControl(base: string, control: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(control)) return control
  if (control === '' || control === '*') return base
  return (base.endsWith('/') ? base : `${base}/`) + control
}

export interface LoadReaderOptions {
  url: string
  transport: BenchTransport
  /** Needed for UDP: where the client RTP/RTCP port pairs come from and who counts their packets. */
  ports?: UdpReceiver
  /** rtsps:// : RTSP over TLS (the certificate is not checked: a bench talks to its own server). */
  tls?: boolean
  /**
   * SETUP as RTP/SAVP with our MIKEY key in KeyMgmt (RFC 4567). Packets are counted as they come:
   * the RTP header of SRTP is in clear, so sequence numbers and sizes are read without decrypting.
   */
  srtp?: boolean
  /**
   * Multicast: whether this reader joins the group and counts what it gets (default true). The server
   * sends the same whatever the number of members: a bench of hundreds may have only some listen.
   */
  listen?: boolean
}

/** One RTSP session playing every track of `url`. */
export class LoadReader {
  readonly tracks: TrackStats[] = []
  /** First transport or protocol failure, if any (the bench reports it). */
  error: string | undefined
  /** UDP: the receive buffer the kernel granted (Linux reports twice what it books). */
  rcvbufGranted = 0
  private readonly url: string
  private readonly transport: BenchTransport
  private readonly ports: UdpReceiver | undefined
  private readonly tls: boolean
  private readonly srtp: boolean
  private readonly listen: boolean
  private socket: Socket | undefined
  private readonly reader = new RtspReader()
  /** Multicast sockets (joined in this process). */
  private readonly udp: UdpSocket[] = []
  private readonly pairs: UdpPair[] = []
  /** Interleaved channel → track stats (RTP channels only; RTCP channels are ignored). */
  private readonly channels = new Map<number, TrackStats>()
  private readonly pending = new Map<string, { resolve: (r: RtspResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  private cseq = 0
  private session: string | undefined
  private keepAlive: NodeJS.Timeout | undefined
  private closed = false
  private playedAt = -1
  private closing: Promise<void> | undefined

  constructor(options: LoadReaderOptions) {
    this.url = options.url
    this.transport = options.transport
    this.ports = options.ports
    this.tls = options.tls === true
    this.srtp = options.srtp === true
    this.listen = options.listen !== false
  }

  snapshot(): ReaderSnapshot {
    return snapshotTracks(this.tracks)
  }

  /** True once every track has received a packet. */
  get receiving(): boolean {
    return this.tracks.length > 0 && this.tracks.every((t) => t.packets > 0)
  }

  /** Milliseconds from the PLAY response to the first RTP packet of any track, or undefined. */
  get firstPacketMs(): number | undefined {
    return this.sincePlay((t) => t.firstPacketAt)
  }

  /** Milliseconds from the PLAY response to the first H.264 IDR packet of any track, or undefined. */
  get firstIdrMs(): number | undefined {
    return this.sincePlay((t) => t.firstIdrAt)
  }

  private sincePlay(at: (t: TrackStats) => number): number | undefined {
    const first = Math.min(...this.tracks.map((t) => (at(t) < 0 ? Infinity : at(t))))
    return this.playedAt < 0 || first === Infinity ? undefined : Math.max(0, first - this.playedAt)
  }

  /** OPTIONS, DESCRIBE, SETUP each track, PLAY. Rejects (after closing) if any step fails. */
  async start(): Promise<void> {
    try {
      await this.connect()
      await this.request('OPTIONS', this.url)
      const describe = await this.request('DESCRIBE', this.url, { Accept: 'application/sdp' })
      const base = describe.headers.get('Content-Base') ?? describe.headers.get('Content-Location') ?? this.url
      const sdp = sdpControls(describe.body.toString('utf8'))
      if (sdp.tracks.length === 0)
        throw new ProtocolError('ERR_BENCH_NO_TRACKS', 'DESCRIBE returned an SDP without media', {
          observed: describe.body.toString('utf8'),
        })
      for (let i = 0; i < sdp.tracks.length; i++) await this.setup(resolveControl(base, sdp.tracks[i]!), i)
      await this.request('PLAY', resolveControl(base, sdp.session), { Range: 'npt=0.000-' })
      this.playedAt = performance.now()
    } catch (err) {
      await this.close()
      throw err
    }
  }

  private connect(): Promise<void> {
    const u = new URL(this.url)
    const port = u.port === '' ? 554 : Number(u.port)
    return new Promise((resolve, reject) => {
      const socket = this.tls
        ? tlsConnect({ host: u.hostname, port, rejectUnauthorized: false })
        : connect({ host: u.hostname, port, noDelay: true })
      this.socket = socket
      socket.once(this.tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject)
        socket.on('error', (err: Error) => this.fail(`socket error: ${err.message}`))
        resolve()
      })
      socket.once('error', reject)
      socket.on('close', () => this.fail('server closed the connection'))
      socket.on('data', (chunk: Buffer) => this.onData(chunk))
    })
  }

  private onData(chunk: Buffer): void {
    // Media frames that lie whole in the chunk, with the parser between messages, are counted where
    // they are: no event and no slice per packet. That per-packet cost is what limits how many TCP
    // readers one load process carries (1,000 readers: ~400,000 packets a second).
    let at = 0
    if (this.reader.pending === 'none') {
      while (at + INTERLEAVED_HEADER <= chunk.length && chunk[at] === INTERLEAVED_MAGIC) {
        const len = (chunk[at + 2]! << 8) | chunk[at + 3]!
        if (at + INTERLEAVED_HEADER + len > chunk.length) break
        this.channels.get(chunk[at + 1]!)?.onPacketAt(chunk, at + INTERLEAVED_HEADER, len)
        at += INTERLEAVED_HEADER + len
      }
      if (at === chunk.length) return
    }
    this.feedReader(at === 0 ? chunk : chunk.subarray(at))
  }

  private feedReader(chunk: Buffer): void {
    try {
      this.reader.feed(chunk, (ev) => {
        if (ev.kind === 'interleaved') {
          this.channels.get(ev.channel)?.onPacket(ev.payload)
        } else if (ev.kind === 'response') {
          const cseq = ev.response.headers.get('CSeq') ?? ''
          const waiter = this.pending.get(cseq)
          if (!waiter) return
          this.pending.delete(cseq)
          clearTimeout(waiter.timer)
          waiter.resolve(ev.response)
        }
      })
    } catch (err) {
      this.fail(`unreadable data from server: ${(err as Error).message}`)
      this.socket?.destroy()
    }
  }

  private async setup(control: string, index: number): Promise<void> {
    let stats = new TrackStats()
    let transport: string
    const profile = this.srtp ? 'RTP/SAVP' : 'RTP/AVP'
    if (this.transport === 'tcp') {
      transport = `${profile}/TCP;unicast;interleaved=${2 * index}-${2 * index + 1}`
    } else if (this.transport === 'multicast') {
      transport = `${profile};multicast`
    } else {
      if (!this.ports) throw new StateError('ERR_BENCH_NO_PORTS', 'UDP reader needs a port allocator')
      const pair = await this.ports.bindPair((message) => this.fail(message))
      this.pairs.push(pair)
      this.rcvbufGranted = pair.rcvbuf
      stats = pair.stats
      transport = `${profile};unicast;client_port=${pair.port}-${pair.port + 1}`
    }
    const headers: Record<string, string> = { Transport: transport }
    if (this.srtp) {
      const source = { randomBytes: (n: number) => randomBytes(n), nowMs: () => Date.now() }
      headers.KeyMgmt = formatKeyMgmtHeader(control, mikeyOffer(source, newMasterKey(source), [randomBytes(4).readUInt32BE(0)]))
    }
    if (this.session !== undefined) headers.Session = this.session
    const res = await this.request('SETUP', control, headers)
    const sessionValue = res.headers.get('Session')
    if (sessionValue === undefined)
      throw new ProtocolError('ERR_BENCH_NO_SESSION', 'SETUP response has no Session header', { observed: control })
    const session = parseSession(sessionValue)
    if (this.session === undefined) this.armKeepAlive(session.timeout ?? DEFAULT_SESSION_TIMEOUT_S)
    this.session = session.id
    const answer = parseTransport(res.headers.get('Transport') ?? '')[0]
    if (this.transport === 'tcp') {
      // The server may pick other channels than asked (RFC 2326 section 12.39): use its answer.
      const channel = answer?.interleaved?.[0] ?? 2 * index
      this.channels.set(channel, stats)
    } else if (this.transport === 'multicast' && this.listen) {
      await this.joinGroup(answer?.destination, answer?.port?.[0], stats)
    }
    this.tracks.push(stats)
  }

  /** Binds the group's RTP port (shared with the other readers) and joins the group. */
  private async joinGroup(group: string | undefined, port: number | undefined, stats: TrackStats): Promise<void> {
    if (group === undefined || port === undefined)
      throw new ProtocolError('ERR_BENCH_MULTICAST', 'multicast SETUP answer without destination and port', { observed: group })
    const socket = createSocket({ type: 'udp4', reuseAddr: true })
    this.udp.push(socket)
    socket.on('error', (err) => this.fail(`multicast socket error: ${err.message}`))
    await bind(socket, port, '0.0.0.0')
    socket.addMembership(group)
    socket.setRecvBufferSize(UDP_RECV_BUFFER)
    socket.on('message', (msg) => stats.onPacket(msg))
  }

  private armKeepAlive(timeoutS: number): void {
    const everyMs = Math.max(1, timeoutS * KEEPALIVE_FRACTION) * 1000
    this.keepAlive = setInterval(() => {
      this.request('GET_PARAMETER', this.url).catch((err: Error) => this.fail(`keep-alive failed: ${err.message}`))
    }, everyMs)
    this.keepAlive.unref()
  }

  private request(method: string, uri: string, extra: Record<string, string> = {}, timeoutMs = REQUEST_TIMEOUT_MS): Promise<RtspResponse> {
    const socket = this.socket
    if (!socket || socket.destroyed) {
      return Promise.reject(new StateError('ERR_BENCH_CLOSED', `cannot send ${method}: connection closed`))
    }
    const cseq = String(++this.cseq)
    const headers = new RtspHeaders({ CSeq: cseq, 'User-Agent': 'rtspkit-bench', ...extra })
    if (this.session !== undefined && !headers.has('Session')) headers.set('Session', this.session)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cseq)
        reject(new ProtocolError('ERR_BENCH_TIMEOUT', `${method} got no response in ${timeoutMs} ms`, { observed: uri }))
      }, timeoutMs)
      this.pending.set(cseq, {
        timer,
        reject,
        resolve: (res) => {
          if (res.statusCode >= 200 && res.statusCode < 300) resolve(res)
          else
            reject(
              new ProtocolError('ERR_BENCH_STATUS', `${method} ${uri}: ${res.statusCode} ${res.reason}`, {
                observed: res.statusCode,
                allowed: '2xx',
              }),
            )
        },
      })
      socket.write(serializeRequest({ method, uri, version: 'RTSP/1.0', headers, body: Buffer.alloc(0) }))
    })
  }

  private fail(message: string): void {
    if (this.closed) return
    this.error ??= message
    for (const [cseq, waiter] of this.pending) {
      clearTimeout(waiter.timer)
      waiter.reject(new StateError('ERR_BENCH_CLOSED', message, { observed: cseq }))
    }
    this.pending.clear()
  }

  /** TEARDOWN (bounded wait), then closes every socket and timer. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose()
    return this.closing
  }

  private async doClose(): Promise<void> {
    clearInterval(this.keepAlive)
    if (this.session !== undefined && this.socket && !this.socket.destroyed && this.error === undefined) {
      await this.request('TEARDOWN', this.url, {}, TEARDOWN_TIMEOUT_MS).catch(() => {})
    }
    this.closed = true
    for (const waiter of this.pending.values()) clearTimeout(waiter.timer)
    this.pending.clear()
    this.socket?.destroy()
    for (const s of this.udp) s.close()
    this.udp.length = 0
    for (const p of this.pairs) p.close()
    this.pairs.length = 0
  }
}
