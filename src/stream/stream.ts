import { EventEmitter } from 'node:events'
import { ConfigError, StateError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'
import { sumBytes, type MediaTrack } from '../codecs/media-track.js'
import { RtpRelayTrack } from '../codecs/passthrough/relay-track.js'
import { createCodecRegistry, type CodecRegistry } from '../codecs/registry.js'
import { DEFAULT_GOP_CACHE_LIMITS, GopCache, type GopCacheLimits } from './gop-cache.js'
import type { AudioCodec, AudioTrackSpec, StreamSpec, TrackInfo, VideoCodec, VideoTrackSpec } from './media.js'
import type { StreamOutput } from './output.js'
import { Unit } from './unit.js'

export type { AudioCodecName, AudioTrackSpec, RtpTrackSpec, StreamSpec, VideoCodecName, VideoTrackSpec } from './media.js'

/** Sees every frame pushed into a stream, as pushed (a recorder). */
export type FrameTap = (track: StreamTrack, data: Buffer | readonly Buffer[], ptsMs: number, keyframe: boolean) => void

/** One media track of a stream: the codec part plus the RTP clock mapping used for RTP-Info and sender reports. */
export class StreamTrack {
  /** Stats: units pushed and packetized. */
  unitsIn = 0
  /** Stats: payload bytes pushed (what the source fed, before packetization). */
  bytesIn = 0
  /** Stats: RTP bytes sent to readers, every reader counted (headers included). */
  bytesOut = 0
  /** Video tracks of a stream with instant start: the units since the last keyframe. */
  readonly gop: GopCache | undefined
  private lastRtp: number
  private lastWallMs: number | undefined

  constructor(
    readonly index: number,
    readonly media: MediaTrack,
    private readonly rtpBase: number,
    private readonly clock: Clock,
    /** Instant start for this track: the bounds of its GOP cache (only for video with inter-coded pictures). */
    gopLimits?: GopCacheLimits,
  ) {
    this.lastRtp = rtpBase
    this.gop = gopLimits ? new GopCache(gopLimits) : undefined
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

export interface StreamDeps {
  clock: Clock
  random: Random
  maxPacketSize?: number
  /**
   * Instant start (default on): video tracks keep the units since their last keyframe, and a new reader
   * gets them at once. `false`: readers wait for the next keyframe.
   */
  instantStart?: boolean
  /** Bounds of the instant-start cache per video track. */
  gopCache?: Partial<GopCacheLimits>
  /** Where track codecs are looked up (default: the built-in codecs). */
  codecs?: CodecRegistry
}

/** Instant start gives a new reader at least this much video when the cache has it (see GopCache.startUnits). */
const START_MIN_SPAN_MS = 1000

const toBuffer = (u: Uint8Array | undefined): Buffer | undefined => (u ? Buffer.from(u) : undefined)

/**
 * The TrackInfo a track spec stands for (codec name made canonical, defaults filled in), as sources
 * and the MP4 writer use it. Throws ConfigError('ERR_STREAM_AUDIO') for audio without a sampling rate
 * whose codec has no fixed one.
 */
export function trackInfoOf(
  kind: 'video' | 'audio',
  t: VideoTrackSpec | AudioTrackSpec,
  codecs: CodecRegistry = createCodecRegistry(),
): TrackInfo {
  const codec = codecs.byName(t.codec)
  if (kind === 'video') {
    const v = t as VideoTrackSpec
    return {
      ...v,
      kind: 'video',
      codec: (codec?.name ?? v.codec) as VideoCodec,
      vps: toBuffer(v.vps),
      sps: toBuffer(v.sps),
      pps: toBuffer(v.pps),
    }
  }
  const a = t as AudioTrackSpec
  const sampleRate = a.sampleRate ?? codec?.defaultSampleRate
  if (sampleRate === undefined)
    throw new ConfigError('ERR_STREAM_AUDIO', `audio codec ${a.codec} needs a sampleRate`, { observed: a.codec })
  return {
    ...a,
    kind: 'audio',
    codec: (codec?.name ?? a.codec) as AudioCodec,
    sampleRate,
    channels: a.channels ?? 1,
    config: toBuffer(a.config),
  }
}

const asBuffers = (data: Uint8Array | readonly Uint8Array[]): Buffer | Buffer[] =>
  Buffer.isBuffer(data)
    ? data
    : data instanceof Uint8Array
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : data.map((d) => (Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)))

/**
 * A named stream (a path) of tracks. Inputs push encoded frames; each becomes a Unit, whose RTP
 * packets are made once and shared by every output. Outputs (RTSP sessions and others, see output.ts)
 * each keep their own bounded queue, so a slow one never holds up the input or the others.
 */
export class Stream extends EventEmitter {
  readonly tracks: StreamTrack[] = []
  /** Whether new readers get the current GOP at once (see StreamDeps.instantStart). */
  readonly instantStart: boolean
  private readonly outputs = new Set<StreamOutput>()
  private rtpOutputs = 0
  private readers = 0
  private readonly startMono: number
  private closed = false

  constructor(
    readonly name: string,
    readonly spec: StreamSpec,
    private readonly deps: StreamDeps,
  ) {
    super()
    // Every reader of every protocol listens for 'close' and stops listening when it leaves: many
    // listeners are the normal case, not a leak.
    this.setMaxListeners(0)
    this.startMono = deps.clock.monoMs()
    this.instantStart = deps.instantStart ?? true
    if (!spec.video && !spec.audio) {
      throw new ConfigError('ERR_STREAM_NO_TRACKS', `stream "${name}" needs a video or an audio track`, { observed: spec })
    }
    const gopLimits = this.instantStart ? { ...DEFAULT_GOP_CACHE_LIMITS, ...deps.gopCache } : undefined
    const codecs = deps.codecs ?? createCodecRegistry()
    const media: MediaTrack[] = []
    const common = () => ({ ssrc: deps.random.u32(), initialSequence: deps.random.u16(), maxPacketSize: deps.maxPacketSize })
    for (const [kind, t] of [
      ['video', spec.video],
      ['audio', spec.audio],
    ] as const) {
      if (!t) continue
      if (t.codec === 'rtp') media.push(new RtpRelayTrack({ ...t, kind, ...common() }))
      else media.push(codecs.createTrack(trackInfoOf(kind, t, codecs), { ...common(), payloadType: t.payloadType }))
    }
    for (const m of media) {
      // Pictures that reference others are what a GOP cache is for; intra-only ones and opaque relayed packets are not.
      const spec = m.kind === 'video' ? this.spec.video : undefined
      const cached = spec !== undefined && spec.codec !== 'rtp' && codecs.byName(spec.codec)?.intraOnly !== true
      this.tracks.push(new StreamTrack(this.tracks.length, m, deps.random.u32(), deps.clock, cached ? gopLimits : undefined))
    }
  }

  get video(): StreamTrack | undefined {
    return this.tracks.find((t) => t.media.kind === 'video')
  }

  get audio(): StreamTrack | undefined {
    return this.tracks.find((t) => t.media.kind === 'audio')
  }

  /** Outputs reading the stream (RTSP sessions playing it, …). */
  get readerCount(): number {
    return this.readers
  }

  /**
   * Whether anyone consumes the frames (readers or taps): sources may skip work otherwise. A stream that
   * keeps a GOP for instant start always wants them, or the GOP would go stale while nobody watches.
   */
  get wanted(): boolean {
    return this.outputs.size > 0 || this.tracks.some((t) => t.gop !== undefined)
  }

  /** Adds a tap that sees every pushed frame; returns the function that removes it. */
  tapFrames(tap: FrameTap): () => void {
    const output = new FrameTapOutput(this, tap)
    this.addOutput(output)
    return () => this.removeOutput(output)
  }

  /** True when every track can be fully described in SDP. */
  get ready(): boolean {
    return this.tracks.every((t) => t.media.ready)
  }

  /**
   * Pushes one encoded video frame in its codec's frame format (`Codec.frameFormat`): an access unit as
   * Annex-B bytes or an array of NAL units, or one complete image. `ptsMs` is the presentation time in milliseconds on any clock that
   * advances in real time (default: time since the stream was created).
   */
  pushVideo(data: Uint8Array | readonly Uint8Array[], ptsMs?: number): void {
    const track = this.video
    if (!track) throw new StateError('ERR_STREAM_NO_VIDEO', `stream "${this.name}" has no video track`)
    this.pushFrame(track, data, ptsMs)
  }

  /**
   * Pushes one encoded audio frame in its codec's frame format (`Codec.frameFormat`): one access unit
   * or packet of a compressed format (raw, without a transport header), or a block of whole samples.
   * `ptsMs` as for pushVideo.
   */
  pushAudio(data: Uint8Array | readonly Uint8Array[], ptsMs?: number): void {
    const track = this.audio
    if (!track) throw new StateError('ERR_STREAM_NO_AUDIO', `stream "${this.name}" has no audio track`)
    this.pushFrame(track, data, ptsMs)
  }

  pushFrame(track: StreamTrack, data: Uint8Array | readonly Uint8Array[], ptsMs?: number): void {
    if (this.closed) throw new StateError('ERR_STREAM_CLOSED', `stream "${this.name}" was removed`)
    const input = asBuffers(data)
    const wasReady = this.ready
    const pts = ptsMs ?? this.elapsedMs()
    const rtpTimestamp = track.rtpTimestampFor(pts)
    const prepared = track.media.prepare(input)
    const unit = new Unit(track.index, pts, rtpTimestamp, prepared.keyframe, prepared.payload, input, this.deps.clock.monoMs(), track.media)
    track.unitsIn++
    track.bytesIn += Buffer.isBuffer(input) ? input.length : sumBytes(input)
    track.markPushed(rtpTimestamp)
    track.gop?.add(unit)
    // Packets are made in push order while anyone sends RTP, so sequence numbers follow the units.
    // A unit that makes no packets (an access unit of nothing but delimiters) is nothing to RTP readers.
    const nothingToSend = this.rtpOutputs > 0 && unit.packets.length === 0
    if (!wasReady && this.ready) this.emit('ready')
    for (const o of this.outputs) if (!(nothingToSend && o.rtp)) o.writeUnit(unit)
  }

  /** Milliseconds since the stream was created: the default presentation clock of pushed frames. */
  elapsedMs(): number {
    return this.deps.clock.monoMs() - this.startMono
  }

  /** Tells every output that another feeder continues the stream (see StreamOutput.restartAtKeyframe). */
  restartReaders(): void {
    for (const t of this.tracks) t.gop?.clear()
    for (const o of this.outputs) o.restartAtKeyframe()
  }

  /**
   * The units a new reader of `track` may start with at once (instant start): from the last keyframe on
   * (from the one before when the current GOP is short; see GopCache.startUnits), oldest first; empty
   * when there is no cache or no keyframe yet.
   */
  startUnits(track: StreamTrack): Unit[] {
    return track.gop?.startUnits(START_MIN_SPAN_MS) ?? []
  }

  addReader(o: StreamOutput): void {
    this.addOutput(o)
  }

  removeReader(o: StreamOutput): void {
    this.removeOutput(o)
  }

  addOutput(o: StreamOutput): void {
    if (this.outputs.has(o)) return
    if (o.rtp && this.rtpOutputs++ === 0) {
      // Cached units made while nobody sent RTP get their packets now, in order, before any new unit.
      for (const t of this.tracks) for (const u of this.startUnits(t)) void u.packets
    }
    this.outputs.add(o)
    if (o.reader === false) return
    this.readers++
    this.emit('readers', this.readers)
  }

  removeOutput(o: StreamOutput): void {
    if (!this.outputs.delete(o)) return
    if (o.rtp) this.rtpOutputs--
    if (o.reader === false) return
    this.readers--
    this.emit('readers', this.readers)
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
    this.outputs.clear()
    this.rtpOutputs = 0
    this.readers = 0
    for (const t of this.tracks) t.gop?.clear()
    this.emit('close')
    this.removeAllListeners()
  }
}

/** A frame tap as an output: sees every unit as its input pushed it, and is no reader. */
class FrameTapOutput implements StreamOutput {
  readonly rtp = false
  readonly reader = false

  constructor(
    private readonly stream: Stream,
    private readonly tap: FrameTap,
  ) {}

  writeUnit(unit: Unit): void {
    this.tap(this.stream.tracks[unit.trackIndex]!, unit.input, unit.ptsMs, unit.keyframe)
  }

  restartAtKeyframe(): void {
    // Taps see every frame as pushed; they choose their own starting points.
  }
}

/** The names this class had before the stream core moved out of the server. */
export { Stream as ServerStream, StreamTrack as ServerTrack }
export type ServerStreamDeps = StreamDeps
