/**
 * The one place a SETUP's Transport header becomes a transport (RFC 2326 §12.39), for readers and
 * publishers alike: the first offer we support wins — RTP/AVP unicast over UDP with client_port,
 * interleaved on the RTSP connection (TCP only, with `tcpOnly`), or for readers a multicast group
 * (multicast-groups.ts opens it) — and none means 461. RTP/SAVP(F) (SRTP) is taken on TLS connections
 * only, where its keys travel protected; under `encryption: 'strict'` plain RTP/AVP over UDP is
 * refused (RTP/AVP/TCP stays, inside TLS). UDP goes
 * through the shared RTP/RTCP pair for IPv4 clients when one is configured, else through a pair of
 * the client's own; interleaved channels are the client's choice when free, else the next free pair.
 */
import net from 'node:net'
import { ConfigError } from '../errors.js'
import { formatTransport, parseTransport, type TransportSpec } from '../rtsp/headers/transport.js'
import type { Encryption } from './listeners.js'
import { RequestError } from './request-error.js'
import { workerCount } from './server-options.js'
import type { Logger } from '../log/logger.js'
import { ownedLink, SharedUdpPair, type UdpLink } from '../transport/udp-link.js'
import { allocateUdpPair, bindUdpPair, type PortRange } from '../transport/udp-pair.js'
import { UdpSendWorkers } from '../transport/udp-send-workers.js'
import { nativeUdpStatus } from '../transport/native-udp.js'

/** Interleaved channels are one byte (RFC 2326 §10.12). */
const MAX_CHANNEL = 255

export type NegotiatedTransport =
  /** `reply`: the Transport header of the 200 answer. */
  { kind: 'tcp'; channels: [number, number]; reply: string } | { kind: 'udp'; link: UdpLink; clientPort: [number, number]; reply: string }

export interface TransportRequest {
  /** 'play': a reader (its RTP socket is connected to it; the reply names the SSRC). 'record': a publisher. */
  mode: 'play' | 'record'
  remoteAddress: string
  trackIndex: number
  /** Interleaved channels already taken on the connection (undefined: the client's choice stands). */
  usedChannels?: ReadonlySet<number>
  ssrc?: number
}

export interface NegotiationOptions {
  readonly tcpOnly?: boolean
  /** 'strict': no RTP in clear over UDP. */
  readonly encryption?: Encryption
  readonly rtpPortRange?: PortRange
  readonly sharedRtpPort?: number
  /** The RTSP listen address: the shared pair binds there when it is IPv4. */
  readonly host?: string
  /** UDP send threads (server-options.ts workerCount): above 1, readers' own pairs live in worker threads. */
  readonly workers?: number | 'auto'
  readonly logger?: Logger
}

/** The offers of a Transport header, in the client's order; undefined (461) when missing or unreadable. */
export function readOffers(header: string | undefined): TransportSpec[] | undefined {
  if (!header) return undefined
  try {
    return parseTransport(header)
  } catch {
    return undefined
  }
}

export class TransportNegotiator {
  private shared: SharedUdpPair | undefined
  private portHint = 0
  private workers: UdpSendWorkers | undefined

  constructor(private readonly opts: NegotiationOptions) {}

  /** Binds the shared pair when one is configured (once). */
  async start(): Promise<void> {
    const threads = workerCount(this.opts.workers ?? 1)
    const native = nativeUdpStatus()
    this.opts.logger?.debug(
      native.loaded
        ? `UDP readers: native sendmmsg sender loaded, ${native.gso ? 'with UDP GSO' : `without UDP GSO (${native.gsoReason})`}`
        : `UDP readers: node:dgram (native sender ${native.reason})`,
    )
    if (threads > 1 && !this.workers) {
      this.workers = new UdpSendWorkers({
        count: threads,
        onWorkerExit: (index, code, readers) =>
          this.opts.logger?.warn(
            `UDP send worker ${index} exited (code ${code}) and was restarted; its ${readers} UDP reader(s) get an RTCP BYE`,
          ),
      })
    }
    if (this.opts.sharedRtpPort === undefined || this.shared) return
    const port = this.opts.sharedRtpPort
    const pair = await bindUdpPair('udp4', this.opts.host && net.isIPv4(this.opts.host) ? this.opts.host : '0.0.0.0', port)
    if (!pair)
      throw new ConfigError(
        'ERR_PORT_IN_USE',
        `UDP ports ${port}-${port + 1} for the shared RTP/RTCP pair are taken (or ${port} is odd); choose another even port`,
        { observed: port },
      )
    this.shared = new SharedUdpPair(pair)
  }

  /**
   * The first offer we can serve, or undefined (461). `multicast`: a reader's SETUP, with multicast
   * groups available. `tls`: the request came over RTSPS (SRTP offers are taken only then).
   */
  choose(offers: readonly TransportSpec[], multicast = false, tls = false): TransportSpec | undefined {
    return offers.find((t) => {
      if (this.opts.tcpOnly && t.lowerTransport !== 'TCP') return false
      if (t.delivery === 'multicast') return multicast && t.profile === 'RTP/AVP' && t.lowerTransport === 'UDP'
      if (!isSupportedTransport(t)) return false
      if (t.profile !== 'RTP/AVP') return tls
      return t.lowerTransport === 'TCP' || this.opts.encryption !== 'strict'
    })
  }

  /** Opens the chosen transport: channels on the connection, or a UDP link to the client's ports. */
  async open(chosen: TransportSpec, req: TransportRequest): Promise<NegotiatedTransport> {
    const extra = req.mode === 'record' ? { mode: 'record' } : { ssrc: req.ssrc }
    if (chosen.lowerTransport === 'TCP') {
      const channels = pickChannels(chosen.interleaved, req.trackIndex, req.usedChannels ?? new Set())
      return {
        kind: 'tcp',
        channels,
        reply: formatTransport({ protocol: `${profileOf(chosen)}/TCP`, delivery: 'unicast', interleaved: channels, ...extra }),
      }
    }
    const clientPort = chosen.clientPort!
    const link = await this.udpLink(req.remoteAddress, clientPort, req.mode === 'play')
    const reply = formatTransport({
      protocol: profileOf(chosen),
      delivery: 'unicast',
      clientPort,
      serverPort: [link.rtpPort, link.rtcpPort],
      ...extra,
    })
    return { kind: 'udp', link, clientPort, reply }
  }

  /** The send workers, when `sendThreads` > 1 and started (stats, tests). */
  get sendWorkers(): UdpSendWorkers | undefined {
    return this.workers
  }

  /** Idempotent: releases the send workers and the shared pair. */
  close(): void {
    this.workers?.close()
    this.workers = undefined
    this.shared?.close()
    this.shared = undefined
  }

  /** The shared pair (IPv4 clients, when configured), else a fresh pair of the client's family. */
  private async udpLink(host: string, [rtpPort, rtcpPort]: [number, number], connect: boolean): Promise<UdpLink> {
    const peer = { host, rtpPort, rtcpPort }
    if (this.shared && !net.isIPv6(host)) return this.shared.link(peer)
    const family = net.isIPv6(host) ? 'udp6' : 'udp4'
    // Readers' pairs go to the send workers when there are some (publishers' stay here: they receive).
    if (connect && this.workers) return this.workers.link(peer, family, this.opts.rtpPortRange, this.portHint++)
    const pair = await allocateUdpPair(family, family === 'udp6' ? '::' : '0.0.0.0', this.opts.rtpPortRange, this.portHint++)
    return ownedLink(pair, peer, connect)
  }
}

const PROFILES = new Set(['RTP/AVP', 'RTP/SAVP', 'RTP/SAVPF'])

/** The profile the answer names: the one asked for ('RTP/UDP' of the teaching client answers RTP/AVP). */
function profileOf(t: TransportSpec): string {
  return PROFILES.has(t.profile) ? t.profile : 'RTP/AVP'
}

function isSupportedTransport(t: TransportSpec): boolean {
  if (!PROFILES.has(t.profile)) return false
  if (t.delivery === 'multicast') return false
  if (t.lowerTransport === 'TCP') return true
  return t.clientPort !== undefined
}

/** The client's channels when free on this connection, else the next free pair from the track's own. */
function pickChannels(wanted: [number, number] | undefined, trackIndex: number, used: ReadonlySet<number>): [number, number] {
  if (wanted && !used.has(wanted[0]) && !used.has(wanted[1])) return wanted
  for (let ch = trackIndex * 2; ch < MAX_CHANNEL; ch += 2) if (!used.has(ch) && !used.has(ch + 1)) return [ch, ch + 1]
  throw new RequestError(453, 'no free interleaved channels')
}
