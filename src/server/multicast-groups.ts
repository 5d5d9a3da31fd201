/**
 * UDP multicast delivery (RFC 2326 §12.39): each track of a path that multicast readers set up gets a
 * group address from the configured range (MediaMTX's defaults: 224.1.0.0/16, RTP 8002, RTCP 8003).
 * The group is one internal reader of the stream — a ServerSession whose only transport is the group —
 * so every packet leaves once whatever the number of members; sender reports and the final BYE go to
 * the group too. Members hold the group from SETUP to their session's end; it sends while at least
 * one of them plays, and is released when the last one leaves or times out.
 */
import { ConfigError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import type { ServerTrack } from '../stream/stream.js'
import { openMulticastLink, type MulticastLink } from '../transport/multicast-link.js'
import { RequestError } from './request-error.js'
import { ServerSession, TrackSetup, type SessionOptions } from './server-session.js'
import type { ServerStream } from './server-stream.js'

export interface MulticastOptions {
  /** IPv4 range the groups come from, in CIDR notation (default '224.1.0.0/16'). */
  range?: string
  /** Default 8002. */
  rtpPort?: number
  /** Default 8003. */
  rtcpPort?: number
  /** Time to live of the datagrams (default 16). */
  ttl?: number
}

export const DEFAULT_MULTICAST = { range: '224.1.0.0/16', rtpPort: 8002, rtcpPort: 8003, ttl: 16 } as const

/** A member: a reader's session (only its identity and keep-alive matter here). */
export interface MulticastMember {
  readonly id: string
  readonly remoteAddress: string
  touch(): void
}

export class MulticastGroup {
  private readonly holders = new Set<MulticastMember>()
  private readonly playing = new Set<MulticastMember>()

  constructor(
    readonly address: string,
    readonly track: ServerTrack,
    readonly ttl: number,
    private readonly link: MulticastLink,
    private readonly sender: ServerSession,
    private readonly release: (g: MulticastGroup) => void,
  ) {
    // A member's receiver report keeps its session alive, as unicast RTCP does.
    link.onRtcpFrom((_msg, address) => {
      for (const m of this.holders) if (m.remoteAddress === address) m.touch()
    })
  }

  get rtpPort(): number {
    return this.link.rtpPort
  }

  get rtcpPort(): number {
    return this.link.rtcpPort
  }

  /** Readers holding the group now. */
  get members(): number {
    return this.holders.size
  }

  /** The Transport reply for a member (RFC 2326 §12.39). */
  reply(): string {
    return `RTP/AVP;multicast;destination=${this.address};port=${this.rtpPort}-${this.rtcpPort};ttl=${this.ttl};ssrc=${(this.track.media.ssrc >>> 0).toString(16).toUpperCase().padStart(8, '0')}`
  }

  hold(m: MulticastMember): void {
    this.holders.add(m)
  }

  play(m: MulticastMember): void {
    if (!this.holders.has(m)) return
    this.playing.add(m)
    if (this.sender.state !== 'playing') this.sender.play()
  }

  pause(m: MulticastMember): void {
    this.playing.delete(m)
    if (this.playing.size === 0) this.sender.pause()
  }

  /** The member's session ended: the group goes with its last member. */
  leave(m: MulticastMember): void {
    this.pause(m)
    this.holders.delete(m)
    if (this.holders.size > 0) return
    this.sender.close()
    // Let the BYE leave before the sockets close.
    setImmediate(() => this.link.close())
    this.release(this)
  }

  /** Bytes sent to the group so far. */
  get bytesSent(): number {
    return this.sender.stats().tracks.reduce((n, t) => n + t.bytesSent, 0)
  }
}

export class MulticastGroups {
  private readonly byTrack = new Map<ServerTrack, Promise<MulticastGroup>>()
  private readonly used = new Set<number>()
  private readonly first: number
  private readonly size: number
  private readonly o: Required<MulticastOptions>

  constructor(
    options: MulticastOptions,
    private readonly deps: { sessionOptions: () => SessionOptions; newId: () => string; logger: Logger },
  ) {
    this.o = { ...DEFAULT_MULTICAST, ...options }
    const { first, size } = parseMulticastRange(this.o.range)
    this.first = first
    this.size = size
  }

  /** Whether `address` (a client's `destination`) lies in the range. */
  inRange(address: string): boolean {
    const n = ipv4ToInt(address)
    return n !== undefined && n >= this.first && n < this.first + this.size
  }

  /** The group of a track, opened at its first member. RequestError 453 when the range is exhausted. */
  acquire(stream: ServerStream, track: ServerTrack): Promise<MulticastGroup> {
    let g = this.byTrack.get(track)
    if (!g) {
      g = this.open(stream, track)
      this.byTrack.set(track, g)
      g.catch(() => this.byTrack.delete(track))
    }
    return g
  }

  /** Groups open now. */
  async list(): Promise<MulticastGroup[]> {
    return Promise.all(this.byTrack.values())
  }

  private async open(stream: ServerStream, track: ServerTrack): Promise<MulticastGroup> {
    let index = -1
    // The range's first address names the range; groups start after it.
    for (let i = this.size > 1 ? 1 : 0; i < this.size; i++) {
      if (!this.used.has(i)) {
        index = i
        break
      }
    }
    if (index < 0) throw new RequestError(453, `no free multicast address in ${this.o.range}`)
    this.used.add(index)
    const address = intToIpv4(this.first + index)
    let link: MulticastLink
    try {
      link = await openMulticastLink({ group: address, rtpPort: this.o.rtpPort, rtcpPort: this.o.rtcpPort, ttl: this.o.ttl })
    } catch (err) {
      this.used.delete(index)
      this.deps.logger.warn(`multicast group ${address} cannot open: ${(err as Error).message}`, { path: stream.name })
      throw new RequestError(461, 'multicast unavailable')
    }
    const sender = new ServerSession(this.deps.newId(), stream, -1, { ...this.deps.sessionOptions(), remoteAddress: address })
    sender.addSetup(
      new TrackSetup(track, { kind: 'udp', link, host: address, clientRtpPort: this.o.rtpPort, clientRtcpPort: this.o.rtcpPort }),
    )
    sender.state = 'ready'
    this.deps.logger.info(`multicast group ${address}:${this.o.rtpPort} opened for track ${track.index}`, { path: stream.name })
    return new MulticastGroup(address, track, this.o.ttl, link, sender, (g) => {
      this.byTrack.delete(track)
      this.used.delete(index)
      this.deps.logger.info(`multicast group ${g.address} closed`, { path: stream.name })
    })
  }
}

/** First address and count of usable group addresses in a CIDR range of 224.0.0.0/4. */
export function parseMulticastRange(range: string): { first: number; size: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(range)
  const base = m ? ipv4ToInt(m[1]!) : undefined
  const bits = m ? Number(m[2]) : NaN
  if (base === undefined || !(bits >= 4 && bits <= 32) || base >>> 28 !== 0xe) {
    throw new ConfigError(
      'ERR_CONFIG_MULTICAST',
      `multicast range must be an IPv4 CIDR inside 224.0.0.0/4, e.g. 224.1.0.0/16; got "${range}"`,
      {
        observed: range,
      },
    )
  }
  const size = 2 ** (32 - bits)
  const first = (base & (bits === 32 ? 0xffffffff : ~(size - 1))) >>> 0
  return { first, size }
}

function ipv4ToInt(a: string): number | undefined {
  const parts = a.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined
    n = n * 256 + Number(p)
  }
  return n
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}
