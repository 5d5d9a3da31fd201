/**
 * The timers that keep a client session alive and notice when it is not:
 *  - keep-alive at half the session timeout (RFC 2326 section 12.37): GET_PARAMETER when the server
 *    lists it in Public, else OPTIONS (section 10.8); the answers do not matter;
 *  - RTCP reports every rtcpIntervalMs (RFC 3550 section 6.2);
 *  - while playing, the watchdog: no RTP on any track for readTimeoutMs is a lost connection, and in a
 *    dialect whose servers do not loop, silence once frames came is the end of the stream;
 *  - transport 'auto': one check udpTimeoutMs after PLAY that RTP arrives over UDP at all.
 * Every timer is unref'd: a playing client does not keep the process alive by itself.
 */
import { ProtocolError, type RtspkitError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import { isOk } from './client-errors.js'
import { DEFAULT_RTCP_INTERVAL_MS } from './publisher.js'
import type { RequestChannel } from './request-channel.js'
import { DEFAULT_READ_TIMEOUT_MS, DEFAULT_UDP_TIMEOUT_MS, type RtspClientOptions } from './rtsp-client-options.js'

const MIN_KEEPALIVE_MS = 1000
const WATCHDOG_PERIOD_MS = 500
const MS_PER_SECOND = 1000

export interface LivenessOptions {
  clock: Clock
  channel: RequestChannel
  /** Where GET_PARAMETER goes: the aggregate control URL. */
  aggregateUrl: () => string
  /** What the server's Session header said (s). */
  sessionTimeoutS: () => number
  /** Whether the dialect in use keeps sessions alive at all. */
  keepsAlive: () => boolean
  /** Each has its default (DEFAULT_READ_TIMEOUT_MS, DEFAULT_UDP_TIMEOUT_MS, DEFAULT_RTCP_INTERVAL_MS). */
  limits: Pick<RtspClientOptions, 'readTimeoutMs' | 'udpTimeoutMs' | 'rtcpIntervalMs'>
}

/** What the watchdog watches. */
export interface PlayWatch {
  /** False while paused, reconnecting or closing: nothing to check then. */
  active(): boolean
  /** The newest RTP arrival on any track (monoMs), 0 before the first. */
  lastPacketMs(): number
  /** Once RTP came, this long without any is the end (undefined: never). */
  endSilenceMs: number | undefined
  onEnd(): void
  onReadTimeout(err: RtspkitError): void
}

export class Liveness {
  private readonly opts: LivenessOptions
  private readonly readTimeoutMs: number
  private readonly udpTimeoutMs: number
  private readonly rtcpIntervalMs: number
  private keepAliveTimer: NodeJS.Timeout | undefined
  private reportTimer: NodeJS.Timeout | undefined
  private watchdogTimer: NodeJS.Timeout | undefined
  /** One-shot timers of the play session (the UDP check). */
  private oneShots: NodeJS.Timeout[] = []

  constructor(opts: LivenessOptions) {
    this.opts = opts
    this.readTimeoutMs = opts.limits.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS
    this.udpTimeoutMs = opts.limits.udpTimeoutMs ?? DEFAULT_UDP_TIMEOUT_MS
    this.rtcpIntervalMs = opts.limits.rtcpIntervalMs ?? DEFAULT_RTCP_INTERVAL_MS
  }

  /** (Re)starts keep-alive, at half the session timeout. */
  startKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer)
    this.keepAliveTimer = undefined
    if (!this.opts.keepsAlive()) return
    const period = Math.max(MIN_KEEPALIVE_MS, (this.opts.sessionTimeoutS() * MS_PER_SECOND) / 2)
    this.keepAliveTimer = setInterval(() => void this.keepAlive(), period)
    this.keepAliveTimer.unref()
  }

  startReports(send: () => void): void {
    if (this.reportTimer) clearInterval(this.reportTimer)
    this.reportTimer = setInterval(send, this.rtcpIntervalMs)
    this.reportTimer.unref()
  }

  /** While playing, from now on. */
  startWatchdog(watch: PlayWatch): void {
    this.stopWatchdog()
    const { clock, channel } = this.opts
    const limit = this.readTimeoutMs
    const startedMs = clock.monoMs()
    this.watchdogTimer = setInterval(
      () => {
        if (!watch.active()) return
        const now = clock.monoMs()
        const last = Math.max(startedMs, watch.lastPacketMs())
        if (watch.endSilenceMs !== undefined && last > startedMs && now - last > watch.endSilenceMs) {
          watch.onEnd()
          return
        }
        if (now - last > limit) {
          watch.onReadTimeout(
            new ProtocolError('ERR_RTSP_READ_TIMEOUT', `no RTP for ${limit} ms from ${channel.url}`, {
              observed: now - last,
              allowed: limit,
            }),
          )
        }
      },
      Math.min(WATCHDOG_PERIOD_MS, limit),
    )
    this.watchdogTimer.unref()
  }

  /** After udpTimeoutMs, once: `check` (it decides whether UDP brought anything). Stopped with the watchdog. */
  armUdpCheck(check: () => void): void {
    const timer = setTimeout(check, this.udpTimeoutMs)
    timer.unref()
    this.oneShots.push(timer)
  }

  /** The watchdog and the one-shot checks (on pause). */
  stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer)
    this.watchdogTimer = undefined
    for (const t of this.oneShots) clearTimeout(t)
    this.oneShots = []
  }

  /** Every timer. Idempotent. */
  stop(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer)
    if (this.reportTimer) clearInterval(this.reportTimer)
    this.keepAliveTimer = undefined
    this.reportTimer = undefined
    this.stopWatchdog()
  }

  private async keepAlive(): Promise<void> {
    const { channel } = this.opts
    const useGet = channel.publicMethods?.has('GET_PARAMETER') ?? false
    const method = useGet ? 'GET_PARAMETER' : 'OPTIONS'
    try {
      const res = await channel.request(method, method === 'OPTIONS' ? channel.url : this.opts.aggregateUrl())
      if (!isOk(res) && useGet) channel.publicMethods?.delete('GET_PARAMETER')
    } catch {
      // A dead connection shows as its close or the read timeout, not here.
    }
  }
}
