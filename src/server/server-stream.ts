import { EventEmitter } from 'node:events'
import { ConfigError, StateError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'
import type { MediaTrack, PacketizedUnit } from './tracks/media-track.js'
import { H264Track } from './tracks/h264-track.js'
import { JpegTrack } from './tracks/jpeg-track.js'

export type VideoCodecName = 'h264' | 'jpeg' | 'mjpeg'

export interface VideoTrackSpec {
  codec: VideoCodecName
  /** H.264 parameter sets when known up front (otherwise learned in-band). */
  sps?: Uint8Array
  pps?: Uint8Array
  /** Advertised in SDP where the codec has room for it. */
  width?: number
  height?: number
  fps?: number
  payloadType?: number
}

export interface StreamSpec {
  video?: VideoTrackSpec
}

/** A reader of a stream: a playing session. Receives every unit of every track, shared and unmodified. */
export interface StreamReader {
  deliver(track: ServerTrack, unit: PacketizedUnit): void
}

/** One media track of a stream: the codec part plus the RTP clock mapping used for RTP-Info and sender reports. */
export class ServerTrack {
  /** Stats: units pushed and packetized. */
  unitsIn = 0
  private lastRtp: number
  private lastWallMs: number | undefined

  constructor(
    readonly index: number,
    readonly media: MediaTrack,
    private readonly rtpBase: number,
    private readonly clock: Clock,
  ) {
    this.lastRtp = rtpBase
  }

  get control(): string { return `trackID=${this.index}` }

  rtpTimestampFor(ptsMs: number): number {
    return (this.rtpBase + Math.round((ptsMs * this.media.clockRate) / 1000)) >>> 0
  }

  /** Records the capture instant of a pushed frame: the wall clock when it was pushed. */
  markPushed(rtpTimestamp: number): void {
    this.lastRtp = rtpTimestamp
    this.lastWallMs = this.clock.wallMs()
  }

  /** RTP time corresponding to wall-clock `wallMs`, extrapolated from the last pushed frame. */
  rtpTimeAt(wallMs: number): number {
    if (this.lastWallMs === undefined) return this.lastRtp
    return (this.lastRtp + Math.round(((wallMs - this.lastWallMs) * this.media.clockRate) / 1000)) >>> 0
  }
}

export interface ServerStreamDeps {
  clock: Clock
  random: Random
  maxPacketSize?: number
}

const DEFAULT_VIDEO_PT = 96

/**
 * A named stream (a path). Sources push encoded frames; each frame is packetized once and the same
 * packet buffers are handed to every reader, whose own queue decides what it can take.
 */
export class ServerStream extends EventEmitter {
  readonly tracks: ServerTrack[] = []
  private readonly readers = new Set<StreamReader>()
  private readonly startMono: number
  private closed = false

  constructor(readonly name: string, spec: StreamSpec, private readonly deps: ServerStreamDeps) {
    super()
    this.startMono = deps.clock.monoMs()
    if (!spec.video) {
      throw new ConfigError('ERR_STREAM_NO_TRACKS', `stream "${name}" needs a video track`, { observed: spec })
    }
    this.tracks.push(new ServerTrack(0, this.createVideo(spec.video), deps.random.u32(), deps.clock))
  }

  private createVideo(v: VideoTrackSpec): MediaTrack {
    const common = {
      ssrc: this.deps.random.u32(),
      initialSequence: this.deps.random.u16(),
      maxPacketSize: this.deps.maxPacketSize,
    }
    switch (v.codec) {
      case 'h264':
        return new H264Track({
          ...common,
          payloadType: v.payloadType ?? DEFAULT_VIDEO_PT,
          sps: v.sps ? Buffer.from(v.sps) : undefined,
          pps: v.pps ? Buffer.from(v.pps) : undefined,
        })
      case 'jpeg':
      case 'mjpeg':
        return new JpegTrack({ ...common, width: v.width, height: v.height, fps: v.fps })
      default:
        throw new ConfigError('ERR_STREAM_CODEC', `unsupported video codec "${String((v as VideoTrackSpec).codec)}"`, {
          observed: (v as VideoTrackSpec).codec,
          allowed: ['h264', 'jpeg', 'mjpeg'],
        })
    }
  }

  get video(): ServerTrack | undefined {
    return this.tracks.find((t) => t.media.kind === 'video')
  }

  get readerCount(): number { return this.readers.size }

  /** True when every track can be fully described in SDP. */
  get ready(): boolean { return this.tracks.every((t) => t.media.ready) }

  /**
   * Pushes one encoded video frame. H.264: an access unit as Annex-B bytes or an array of NAL units.
   * JPEG: one complete JPEG image. `ptsMs` is the presentation time in milliseconds on any clock that
   * advances in real time (default: time since the stream was created).
   */
  pushVideo(data: Uint8Array | readonly Uint8Array[], ptsMs?: number): void {
    const track = this.video
    if (!track) throw new StateError('ERR_STREAM_NO_VIDEO', `stream "${this.name}" has no video track`)
    this.pushFrame(track, data, ptsMs)
  }

  pushFrame(track: ServerTrack, data: Uint8Array | readonly Uint8Array[], ptsMs?: number): void {
    if (this.closed) throw new StateError('ERR_STREAM_CLOSED', `stream "${this.name}" was removed`)
    const buf = Buffer.isBuffer(data) ? data : data instanceof Uint8Array ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : data.map((d) => (Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)))
    const wasReady = this.ready
    const rtpTimestamp = track.rtpTimestampFor(ptsMs ?? this.deps.clock.monoMs() - this.startMono)
    track.unitsIn++
    if (this.readers.size === 0) {
      track.media.observe(buf)
      track.markPushed(rtpTimestamp)
    } else {
      const unit = track.media.packetize(buf, rtpTimestamp)
      track.markPushed(rtpTimestamp)
      if (unit.packets.length > 0) for (const r of this.readers) r.deliver(track, unit)
    }
    if (!wasReady && this.ready) this.emit('ready')
  }

  addReader(r: StreamReader): void {
    this.readers.add(r)
    this.emit('readers', this.readers.size)
  }

  removeReader(r: StreamReader): void {
    if (this.readers.delete(r)) this.emit('readers', this.readers.size)
  }

  /** Resolves when the stream is ready or after `timeoutMs`, whichever comes first. */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer)
        this.off('ready', onReady)
        resolve(ok)
      }
      const onReady = () => done(true)
      const timer = setTimeout(() => done(false), timeoutMs)
      this.once('ready', onReady)
    })
  }

  /** @internal called by the server when the stream is removed. */
  close(): void {
    this.closed = true
    this.readers.clear()
    this.emit('close')
    this.removeAllListeners()
  }
}
