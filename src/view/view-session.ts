/**
 * The teaching client's state machine over a real RtspClient (RFC 2326 appendix A.1, client side):
 *
 *   INIT --SETUP--> READY --PLAY--> PLAYING --PAUSE--> READY;  TEARDOWN: any state --> INIT
 *
 * SETUP makes a new RtspClient (DESCRIBE, then SETUP of the first video track), TEARDOWN closes it, so
 * each SETUP is a fresh RTSP session. Operations run one at a time in the order asked. A button that
 * does not apply to the state (PLAY in INIT) is a StateError; one that is already done (PLAY while
 * PLAYING) does nothing. When the server ends the session the state falls back to INIT with the reason.
 */
import { EventEmitter } from 'node:events'
import { RtspClient, type RtspClientOptions } from '../client/rtsp-client.js'
import type { ClientTrack } from '../client/description.js'
import type { ClientFrame } from '../client/track-receiver.js'
import { parseH264Fmtp } from '../codecs/h264/format.js'
import { fmtpText } from '../codecs/registry.js'
import { ConfigError, RtspkitError, StateError } from '../errors.js'
import { stripCredentials } from '../rtsp/url.js'
import { systemClock, type Clock } from '../util/clock.js'
import { AvcPacker, WireKind, wireMessage } from './video-wire.js'

export type ViewState = 'INIT' | 'READY' | 'PLAYING'

/** Codecs the page can show without transcoding. */
export type ViewCodec = 'jpeg' | 'h264'

export interface ViewTrack {
  /** The registry's codec name: 'jpeg', 'h264', 'h265'… */
  codec: string
  encodingName: string
  width?: number
  height?: number
  /** The page can show it (JPEG, H.264); otherwise stats only. */
  shown: boolean
}

export interface ViewStats {
  /** Frames received from the RTSP server since SETUP. */
  frames: number
  /** Bytes of those frames. */
  bytes: number
  /** Frames per second over the last second. */
  fps: number
  packets: number
  lost: number
  /** lost / (packets + lost), percent. */
  lossPercent: number
  jitterMs: number
}

export interface ViewStatus {
  state: ViewState
  url: string
  /** The video track, once set up. */
  track?: ViewTrack
  transport?: 'udp' | 'tcp' | 'multicast'
  stats: ViewStats
  /** Why the last operation failed, or why the session ended; cleared by the next success. */
  error?: string
}

/** A picture ready for the page: `message` is a wire message; `config` the H.264 one it needs first. */
export interface ViewFrame {
  codec: ViewCodec
  message: Buffer
  keyframe: boolean
  /** H.264: the configuration message this frame decodes with. */
  config?: Buffer
}

export interface ViewSessionEvents {
  frame: [ViewFrame]
  state: [ViewStatus]
}

export interface ViewSessionOptions {
  client?: RtspClientOptions
  clock?: Clock
}

const SHOWN_CODECS: ReadonlySet<string> = new Set(['jpeg', 'h264'])
const FPS_WINDOW_MS = 1000

interface Playing {
  client: RtspClient
  track: ClientTrack
  frames: number
  bytes: number
  /** Arrival times within the last FPS_WINDOW_MS. */
  recent: number[]
  packer: AvcPacker | undefined
  /** The config message for the packer's current record. */
  configMessage: Buffer | undefined
  configRecord: Buffer | undefined
}

function emptyStats(): ViewStats {
  return { frames: 0, bytes: 0, fps: 0, packets: 0, lost: 0, lossPercent: 0, jitterMs: 0 }
}

export class ViewSession extends EventEmitter<ViewSessionEvents> {
  /** The RTSP URL without credentials (the page shows it). */
  readonly url: string
  private readonly rtspUrl: string
  private readonly opts: ViewSessionOptions
  private readonly clock: Clock
  private state: ViewState = 'INIT'
  private current: Playing | undefined
  private lastError: string | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  constructor(url: string, options: ViewSessionOptions = {}) {
    super()
    this.rtspUrl = url
    this.url = stripCredentials(url)
    this.opts = options
    this.clock = options.clock ?? systemClock
  }

  status(): ViewStatus {
    const s: ViewStatus = { state: this.state, url: this.url, stats: this.stats() }
    const p = this.current
    if (p) {
      const t = p.track
      s.track = {
        codec: t.codec.name,
        encodingName: t.format.encodingName,
        shown: SHOWN_CODECS.has(t.codec.name),
        ...(t.info.width !== undefined ? { width: t.info.width } : {}),
        ...(t.info.height !== undefined ? { height: t.info.height } : {}),
      }
      if (p.client.transport) s.transport = p.client.transport
    }
    if (this.lastError !== undefined) s.error = this.lastError
    return s
  }

  /** INIT → READY: DESCRIBE and SETUP of the first video track. */
  setup(): Promise<ViewStatus> {
    return this.run(async () => {
      if (this.state !== 'INIT') return
      const client = new RtspClient(this.rtspUrl, this.opts.client)
      try {
        const d = await client.describe()
        const track = d.tracks.find((t) => t.kind === 'video')
        if (!track) {
          throw new ConfigError(
            'ERR_VIEW_NO_VIDEO',
            `${d.url} has no video track (${d.tracks.map((t) => `${t.kind} ${t.format.encodingName}`).join(', ') || 'no tracks'})`,
            { observed: d.tracks.map((t) => t.kind), allowed: 'video' },
          )
        }
        await client.setup({ tracks: [track.index] })
        this.current = this.watch(client, track)
        this.state = 'READY'
      } catch (err) {
        await client.close()
        throw err
      }
    })
  }

  /** READY → PLAYING. */
  play(): Promise<ViewStatus> {
    return this.run(async () => {
      if (this.state === 'PLAYING') return
      await this.need('PLAY').client.play()
      this.state = 'PLAYING'
    })
  }

  /** PLAYING → READY. */
  pause(): Promise<ViewStatus> {
    return this.run(async () => {
      if (this.state === 'READY') return
      await this.need('PAUSE').client.pause()
      this.state = 'READY'
    })
  }

  /** Any state → INIT: TEARDOWN and close the client. */
  teardown(): Promise<ViewStatus> {
    return this.run(() => this.end(undefined))
  }

  /** TEARDOWN if set up; later operations are refused. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.teardown()
    this.closed = true
  }

  // ---- internals ----------------------------------------------------------------------------------

  /** Runs `op` after the ones before it; records its failure; resolves with the status after it. */
  private run(op: () => Promise<void>): Promise<ViewStatus> {
    const next = this.queue.then(async () => {
      if (this.closed) throw new StateError('ERR_VIEW_CLOSED', 'the view is closed', { observed: 'closed' })
      this.lastError = undefined
      try {
        await op()
      } catch (err) {
        this.lastError = (err as Error).message
        throw err
      } finally {
        this.emit('state', this.status())
      }
      return this.status()
    })
    this.queue = next.catch(() => undefined)
    return next
  }

  private need(button: string): Playing {
    if (this.state === 'INIT' || !this.current) {
      throw new StateError('ERR_VIEW_STATE', `${button} needs a session: press SETUP first`, {
        observed: this.state,
        allowed: ['READY', 'PLAYING'],
      })
    }
    return this.current
  }

  private async end(reason: string | undefined): Promise<void> {
    const p = this.current
    this.current = undefined
    this.state = 'INIT'
    this.lastError = reason
    await p?.client.close()
  }

  private watch(client: RtspClient, track: ClientTrack): Playing {
    const p: Playing = {
      client,
      track,
      frames: 0,
      bytes: 0,
      recent: [],
      packer: undefined,
      configMessage: undefined,
      configRecord: undefined,
    }
    if (track.codec.name === 'h264') {
      const f = parseH264Fmtp(fmtpText(track.format.fmtp))
      p.packer = new AvcPacker({ sps: f.sps, pps: f.pps })
    }
    client.on('frame', (f) => this.onFrame(p, f))
    client.on('close', (err) => {
      // The server or the network ended the session (our own teardown has already let go of `p`).
      if (this.current !== p) return
      void this.run(() => this.end(err ? `the session ended: ${err.message}` : 'the session ended'))
    })
    return p
  }

  private onFrame(p: Playing, f: ClientFrame): void {
    if (f.track !== p.track.index) return
    p.frames++
    p.bytes += f.data.length
    const now = this.clock.monoMs()
    p.recent.push(now)
    while (p.recent.length > 0 && now - p.recent[0]! > FPS_WINDOW_MS) p.recent.shift()
    if (p.track.codec.name === 'jpeg') {
      this.emit('frame', { codec: 'jpeg', message: wireMessage(WireKind.JPEG, f.data, f.ptsMs, true), keyframe: true })
    } else if (p.packer) {
      let unit
      try {
        unit = p.packer.push(f.data)
      } catch (err) {
        if (!(err instanceof RtspkitError)) throw err
        this.lastError = err.message
        return
      }
      if (!unit.config) return // nothing can decode it before an SPS and a PPS
      if (unit.config !== p.configRecord) {
        p.configRecord = unit.config
        p.configMessage = wireMessage(WireKind.AVC_CONFIG, unit.config)
      }
      this.emit('frame', {
        codec: 'h264',
        message: wireMessage(WireKind.AVC_SAMPLE, unit.sample, f.ptsMs, unit.keyframe),
        keyframe: unit.keyframe,
        config: p.configMessage!,
      })
    }
  }

  private stats(): ViewStats {
    const p = this.current
    if (!p) return emptyStats()
    const now = this.clock.monoMs()
    // Frames within the last second: the frame rate, without dividing by a window the stream may not fill yet.
    const fps = p.recent.filter((t) => now - t <= FPS_WINDOW_MS).length
    const r = p.client.stats().find((s) => s.track === p.track.index)
    const lost = Math.max(0, r?.lost ?? 0)
    const packets = r?.packets ?? 0
    return {
      frames: p.frames,
      bytes: p.bytes,
      fps,
      packets,
      lost,
      lossPercent: packets + lost > 0 ? (100 * lost) / (packets + lost) : 0,
      jitterMs: r?.jitter ?? 0,
    }
  }
}
