/**
 * When a WebRTC session is over without anyone saying so: the offer was answered but ICE/DTLS never
 * connected, the connection failed or stayed disconnected, or the peer went silent (a tab closed
 * without DELETE sends no more RTCP, a publisher no more RTP). Ends it within bounded times.
 */
import type { RTCPeerConnection } from 'werift'
import type { Clock } from '../util/clock.js'

export interface LifetimeLimits {
  /** From the answer to 'connected'. */
  connectMs: number
  /** How long 'disconnected' may last before the session ends. */
  disconnectedMs: number
  /** How long a connected peer may stay silent (no RTCP from a viewer, no RTP from a publisher). */
  silenceMs: number
}

export const DEFAULT_LIFETIME: LifetimeLimits = { connectMs: 10_000, disconnectedMs: 5_000, silenceMs: 8_000 }

const CHECK_INTERVAL_MS = 500

export class PeerLifetime {
  private readonly startMono: number
  private lastHeardMono: number
  private disconnectedSince: number | undefined
  private connectedOnce = false
  private readonly timer: NodeJS.Timeout
  private readonly unsubscribe: () => void
  private ended = false

  constructor(
    pc: RTCPeerConnection,
    private readonly limits: LifetimeLimits,
    private readonly clock: Clock,
    private readonly onEnd: (reason: string) => void,
    onConnected: () => void,
  ) {
    this.startMono = clock.monoMs()
    this.lastHeardMono = this.startMono
    const { unSubscribe } = pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        this.disconnectedSince = undefined
        this.lastHeardMono = clock.monoMs()
        if (!this.connectedOnce) {
          this.connectedOnce = true
          onConnected()
        }
      } else if (state === 'disconnected') {
        this.disconnectedSince ??= clock.monoMs()
      } else if (state === 'failed' || state === 'closed') {
        this.end(`connection ${state}`)
      }
    })
    this.unsubscribe = unSubscribe
    this.timer = setInterval(() => this.check(), Math.min(CHECK_INTERVAL_MS, limits.connectMs, limits.silenceMs))
    this.timer.unref()
  }

  get connected(): boolean {
    return this.connectedOnce
  }

  /** The peer showed it is there (RTCP from a viewer, RTP from a publisher). */
  heard(): void {
    this.lastHeardMono = this.clock.monoMs()
  }

  private check(): void {
    const now = this.clock.monoMs()
    if (!this.connectedOnce) {
      if (now - this.startMono > this.limits.connectMs) this.end('never connected')
      return
    }
    if (this.disconnectedSince !== undefined && now - this.disconnectedSince > this.limits.disconnectedMs) this.end('peer disconnected')
    else if (now - this.lastHeardMono > this.limits.silenceMs) this.end('peer went silent')
  }

  private end(reason: string): void {
    if (this.ended) return
    this.stop()
    this.onEnd(reason)
  }

  /** Idempotent. */
  stop(): void {
    this.ended = true
    clearInterval(this.timer)
    this.unsubscribe()
  }
}
