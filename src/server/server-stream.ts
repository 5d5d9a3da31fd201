import { EventEmitter } from 'node:events'
import { ConfigError, StateError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'
import { sumBytes, type MediaTrack, type PacketizedUnit } from './tracks/media-track.js'
import { createMediaTrack } from './tracks/factory.js'
import { RtpRelayTrack } from './tracks/rtp-relay-track.js'
import type { SdpAttribute } from '../sdp/sdp.js'
import type { TrackInfo } from '../sources/source.js'

export type VideoCodecName = 'h264' | 'h265' | 'jpeg' | 'mjpeg'
export type AudioCodecName = 'aac' | 'pcmu' | 'pcma' | 'l16' | 'opus'

export interface VideoTrackSpec {
  codec: VideoCodecName
  /** H.264/H.265 parameter sets when known up front (otherwise learned in-band). */
  vps?: Uint8Array
  sps?: Uint8Array
  pps?: Uint8Array
  /** Advertised in SDP where the codec has room for it. */
  width?: number
  height?: number
  fps?: number
  payloadType?: number
}

export interface AudioTrackSpec {
  codec: AudioCodecName
  /** Samples per second (default: 8000 for G.711, 48000 for Opus, required for AAC and L16). */
  sampleRate?: number
  channels?: number
  /** AAC: the AudioSpecificConfig (e.g. from an ADTS header or an MP4 esds box). */
  config?: Uint8Array
  payloadType?: number
}

/**
 * A track in a payload format rtspkit does not parse (a publisher's or an upstream camera's), relayed
 * packet by packet: frames pushed into it are whole RTP packets.
 */
export interface RtpTrackSpec {
  codec: 'rtp'
  encodingName: string
  payloadType: number
  clockRate: number
  /** The SDP media attributes to advertise (rtpmap, fmtp…); `control` is ours. */
  attributes: readonly SdpAttribute[]
}

export interface StreamSpec {
  video?: VideoTrackSpec | RtpTrackSpec
  audio?: AudioTrackSpec | RtpTrackSpec
}

/** A reader of a stream: a playing session. Receives every unit of every track, shared and unmodified. */
export interface StreamReader {
  deliver(track: ServerTrack, unit: PacketizedUnit): void
  /** A new feeder (publisher, upstream) takes over: video waits for its first keyframe. */
  restartAtKeyframe(): void
}

/** Sees every frame pushed into a stream, as pushed (a recorder). */
export type FrameTap = (track: ServerTrack, data: Buffer | readonly Buffer[], ptsMs: number) => void

/** One media track of a stream: the codec part plus the RTP clock mapping used for RTP-Info and sender reports. */
export class ServerTrack {
  /** Stats: units pushed and packetized. */
  unitsIn = 0
  /** Stats: payload bytes pushed (what the source fed, before packetization). */
  bytesIn = 0
  /** Stats: RTP bytes sent to readers, every reader counted (headers included). */
  bytesOut = 0
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

  get control(): string {
    return `trackID=${this.index}`
  }

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

const toBuffer = (u: Uint8Array | undefined): Buffer | undefined => (u ? Buffer.from(u) : undefined)

function defaultSampleRate(codec: AudioCodecName): number {
  switch (codec) {
    case 'pcmu':
    case 'pcma':
      return 8000
    case 'opus':
      return 48000
    default:
      throw new ConfigError('ERR_STREAM_AUDIO', `audio codec ${codec} needs a sampleRate`, { observed: codec })
  }
}

/** The TrackInfo a track spec stands for (defaults filled in), as sources and the MP4 writer use it. */
export function trackInfoOf(kind: 'video' | 'audio', t: VideoTrackSpec | AudioTrackSpec): TrackInfo {
  if (kind === 'video') {
    const v = t as VideoTrackSpec
    return {
      ...v,
      kind: 'video',
      codec: v.codec === 'mjpeg' ? 'jpeg' : v.codec,
      vps: toBuffer(v.vps),
      sps: toBuffer(v.sps),
      pps: toBuffer(v.pps),
    }
  }
  const a = t as AudioTrackSpec
  return {
    ...a,
    kind: 'audio',
    sampleRate: a.sampleRate ?? defaultSampleRate(a.codec),
    channels: a.channels ?? 1,
    config: toBuffer(a.config),
  }
}

/**
 * A named stream (a path). Sources push encoded frames; each frame is packetized once and the same
 * packet buffers are handed to every reader, whose own queue decides what it can take.
 */
export class ServerStream extends EventEmitter {
  readonly tracks: ServerTrack[] = []
  private readonly readers = new Set<StreamReader>()
  private readonly frameTaps = new Set<FrameTap>()
  private readonly startMono: number
  private closed = false

  constructor(
    readonly name: string,
    readonly spec: StreamSpec,
    private readonly deps: ServerStreamDeps,
  ) {
    super()
    this.startMono = deps.clock.monoMs()
    if (!spec.video && !spec.audio) {
      throw new ConfigError('ERR_STREAM_NO_TRACKS', `stream "${name}" needs a video or an audio track`, { observed: spec })
    }
    const media: MediaTrack[] = []
    const common = () => ({ ssrc: deps.random.u32(), initialSequence: deps.random.u16(), maxPacketSize: deps.maxPacketSize })
    for (const [kind, t] of [
      ['video', spec.video],
      ['audio', spec.audio],
    ] as const) {
      if (!t) continue
      if (t.codec === 'rtp') media.push(new RtpRelayTrack({ ...t, kind, ...common() }))
      else media.push(createMediaTrack(trackInfoOf(kind, t), { ...common(), payloadType: t.payloadType }))
    }
    for (const m of media) this.tracks.push(new ServerTrack(this.tracks.length, m, deps.random.u32(), deps.clock))
  }

  get video(): ServerTrack | undefined {
    return this.tracks.find((t) => t.media.kind === 'video')
  }

  get audio(): ServerTrack | undefined {
    return this.tracks.find((t) => t.media.kind === 'audio')
  }

  get readerCount(): number {
    return this.readers.size
  }

  /** Whether anyone consumes the frames (readers or taps): sources may skip work otherwise. */
  get wanted(): boolean {
    return this.readers.size > 0 || this.frameTaps.size > 0
  }

  /** Adds a tap that sees every pushed frame; returns the function that removes it. */
  tapFrames(tap: FrameTap): () => void {
    this.frameTaps.add(tap)
    return () => this.frameTaps.delete(tap)
  }

  /** True when every track can be fully described in SDP. */
  get ready(): boolean {
    return this.tracks.every((t) => t.media.ready)
  }

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

  /**
   * Pushes one encoded audio frame: an AAC access unit (raw, without ADTS header), an Opus packet, or a
   * block of G.711 / L16 samples (whole samples; L16 big-endian). `ptsMs` as for pushVideo.
   */
  pushAudio(data: Uint8Array | readonly Uint8Array[], ptsMs?: number): void {
    const track = this.audio
    if (!track) throw new StateError('ERR_STREAM_NO_AUDIO', `stream "${this.name}" has no audio track`)
    this.pushFrame(track, data, ptsMs)
  }

  pushFrame(track: ServerTrack, data: Uint8Array | readonly Uint8Array[], ptsMs?: number): void {
    if (this.closed) throw new StateError('ERR_STREAM_CLOSED', `stream "${this.name}" was removed`)
    const buf = Buffer.isBuffer(data)
      ? data
      : data instanceof Uint8Array
        ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
        : data.map((d) => (Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)))
    const wasReady = this.ready
    const pts = ptsMs ?? this.elapsedMs()
    const rtpTimestamp = track.rtpTimestampFor(pts)
    track.unitsIn++
    track.bytesIn += Buffer.isBuffer(buf) ? buf.length : sumBytes(buf)
    if (this.readers.size === 0) {
      track.media.observe(buf)
      track.markPushed(rtpTimestamp)
    } else {
      const unit = track.media.packetize(buf, rtpTimestamp)
      track.markPushed(rtpTimestamp)
      if (unit.packets.length > 0) for (const r of this.readers) r.deliver(track, unit)
    }
    if (!wasReady && this.ready) this.emit('ready')
    for (const tap of this.frameTaps) tap(track, buf, pts)
  }

  /** Milliseconds since the stream was created: the default presentation clock of pushed frames. */
  elapsedMs(): number {
    return this.deps.clock.monoMs() - this.startMono
  }

  /** Tells every reader that another feeder continues the stream (see StreamReader.restartAtKeyframe). */
  restartReaders(): void {
    for (const r of this.readers) r.restartAtKeyframe()
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
    this.frameTaps.clear()
    this.emit('close')
    this.removeAllListeners()
  }
}
