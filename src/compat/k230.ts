/**
 * The camera board RTSP module (Canaan K230 CanMV, "RTSP 模块 API 手册" V1.0) with its original names, so
 * code written for the board ports line by line:
 *
 *   multimedia.rtspserver_create()                      → 0 on success, non-zero on failure
 *   multimedia.rtspserver_init(port)
 *   multimedia.rtspserver_createsession(name, 'h264' | 'h265', enable_audio)
 *   multimedia.rtspserver_start()
 *   multimedia.rtspserver_getrtspurl(name?)             → 'rtsp://HOST:PORT/name'
 *   multimedia.rtspserver_sendvideodata(name, data, size, timestamp_us)
 *   multimedia.rtspserver_sendaudiodata(name, data, size, timestamp_us)
 *   multimedia.rtspserver_stop(); rtspserver_destroysession(name); rtspserver_deinit(); rtspserver_destroy()
 *
 *   new RtspServer({ session_name, port, enable_audio }).start() / stop() / get_rtsp_url()   (media.rtspserver)
 *
 * Where the document is silent we chose (and the README says so):
 * - Functions documented with a return value (create, destroy) return 0 or -1; functions without one
 *   throw a typed error (StateError / ConfigError with a stable `code`) when called out of order or
 *   with bad arguments, as a Python binding raises.
 * - start and stop are asynchronous in Node: `rtspserver_start()` returns at once and the server is
 *   listening a moment later; `rtspserver_start_async()` is the same call as a Promise to await (port in
 *   use rejects). A failure of a plain `rtspserver_start()` is thrown by the next call that needs the
 *   server (send…, getrtspurl). The same holds for stop / stop_async.
 * - Timestamps are integer microseconds (number or bigint), checked by TimestampGuard.
 * - Audio is G.711 µ-law 8 kHz mono, as on the board; `{ audio: { codec: 'pcma' } }` or AAC (with its
 *   AudioSpecificConfig) as a fourth argument of rtspserver_createsession.
 * - Data sent before rtspserver_start goes nowhere (no reader can be connected) but is accepted, and
 *   parameter sets in it are remembered for DESCRIBE.
 */
import { existsSync } from 'node:fs'
import { ConfigError, RtspkitError, StateError } from '../errors.js'
import { RtspServer as CoreServer, type Logger } from '../server/rtsp-server.js'
import type { AudioTrackSpec, ServerStream } from '../server/server-stream.js'
import { splitAdts } from '../codecs/aac/adts.js'
import { FfmpegProcessSource, findExecutable } from '../sources/ffmpeg-process-source.js'
import { TestCardSource } from '../sources/test-card.js'
import { ToneSource } from '../sources/tone-source.js'
import type { FramePush, MediaSource } from '../sources/source.js'
import { streamSpecFor } from '../sources/source-spec.js'
import { systemClock, type Clock } from '../util/clock.js'
import { TimestampGuard, type MicroTimestamp } from './timestamp-guard.js'

export type { MicroTimestamp } from './timestamp-guard.js'

/** Return values of the functions the document gives one. */
export const K230_OK = 0
export const K230_FAIL = -1

export type K230VideoType = 'h264' | 'h265'

export interface K230SessionOptions {
  /** The audio track when `enable_audio` is true; default G.711 µ-law 8 kHz mono. AAC needs `sampleRate`, `channels` and `config`. */
  audio?: Pick<AudioTrackSpec, 'sampleRate' | 'channels' | 'config'> & { codec: 'pcmu' | 'pcma' | 'aac' }
}

export interface MultimediaOptions {
  /** Address to listen on (default all interfaces). */
  host?: string
  /** Host name in the URLs getrtspurl returns (default: the first non-internal IPv4 address). */
  publicHost?: string
  clock?: Clock
  logger?: Logger
}

const VIDEO_TYPES: readonly K230VideoType[] = ['h264', 'h265']
const AUDIO_CODECS = ['pcmu', 'pcma', 'aac'] as const

interface Session {
  readonly name: string
  readonly stream: ServerStream
  readonly audioCodec: 'pcmu' | 'pcma' | 'aac' | undefined
  readonly videoTime: TimestampGuard
  readonly audioTime: TimestampGuard
  /** Microseconds of the first timestamp of either track: presentation times count from it, keeping A/V sync. */
  originUs: number | undefined
}

/**
 * The board's start/stop look synchronous; ours are Promises run one after the other, so a stop called
 * right after a start waits for it. A start while started and a stop while stopped are no-ops.
 */
class StartStop {
  private running = false
  private chain: Promise<void> = Promise.resolve()

  start(op: () => Promise<void>): Promise<void> {
    if (this.running) return this.chain
    this.running = true
    const started = this.chain.then(op)
    this.chain = started.catch(() => {
      this.running = false
    })
    return started
  }

  stop(op: () => Promise<void>): Promise<void> {
    if (!this.running) return this.chain
    this.running = false
    this.chain = this.chain.then(op)
    return this.chain
  }

  /** Runs `op` after whatever is in progress; its failure is ignored (a final clean-up). */
  after(op: () => Promise<void>): void {
    this.chain = this.chain.then(op).catch(() => {})
  }
}

/**
 * The board's `multimedia` RTSP functions over one rtspkit server. `multimedia` (exported below) is the
 * process-wide instance the board's code expects; make your own with `new Multimedia()` where several
 * servers or injected clocks are needed (tests do).
 */
export class Multimedia {
  private readonly opts: MultimediaOptions
  private readonly clock: Clock
  private created = false
  private server: CoreServer | undefined
  private readonly sessions = new Map<string, Session>()
  private readonly lifecycle = new StartStop()
  private lifecycleError: RtspkitError | undefined

  constructor(opts: MultimediaOptions = {}) {
    this.opts = opts
    this.clock = opts.clock ?? systemClock
  }

  /** Creates the server object. 0, or -1 when one exists already. */
  rtspserver_create(): number {
    if (this.created) return K230_FAIL
    this.created = true
    return K230_OK
  }

  /** Destroys the server object (stopping and deinitialising it first). 0, or -1 when there is none. */
  rtspserver_destroy(): number {
    if (!this.created) return K230_FAIL
    if (this.server) this.rtspserver_deinit()
    this.created = false
    return K230_OK
  }

  /** Sets the RTSP port (0 picks a free one: await rtspserver_start_async before getrtspurl). */
  rtspserver_init(port: number): void {
    if (!this.created)
      throw new StateError('ERR_K230_NOT_CREATED', 'rtspserver_init before rtspserver_create', {
        observed: 'not created',
        allowed: 'rtspserver_create() first',
      })
    if (this.server)
      throw new StateError('ERR_K230_INITIALIZED', 'rtspserver_init called twice; rtspserver_deinit first', { observed: 'initialized' })
    this.server = new CoreServer({
      port,
      host: this.opts.host,
      publicHost: this.opts.publicHost,
      clock: this.clock,
      logger: this.opts.logger,
    })
  }

  /** Stops the server if it runs and forgets its sessions. */
  rtspserver_deinit(): void {
    const server = this.requireServer('rtspserver_deinit')
    this.rtspserver_stop()
    for (const name of [...this.sessions.keys()]) this.rtspserver_destroysession(name)
    this.lifecycle.after(() => server.stop())
    this.server = undefined
  }

  /** Adds a path `session_name` with an H.264 or H.265 video track and, when `enable_audio`, an audio track. */
  rtspserver_createsession(session_name: string, video_type: K230VideoType, enable_audio: boolean, options: K230SessionOptions = {}): void {
    const server = this.requireServer('rtspserver_createsession')
    if (!VIDEO_TYPES.includes(video_type)) {
      throw new ConfigError('ERR_K230_VIDEO_TYPE', `video_type "${String(video_type)}" is not supported`, {
        observed: video_type,
        allowed: VIDEO_TYPES,
      })
    }
    if (this.sessions.has(session_name))
      throw new ConfigError('ERR_K230_SESSION_EXISTS', `session "${session_name}" already exists`, { observed: session_name })
    const audio = enable_audio ? (options.audio ?? { codec: 'pcmu' as const }) : undefined
    if (audio && !AUDIO_CODECS.includes(audio.codec)) {
      throw new ConfigError('ERR_K230_AUDIO_CODEC', `audio codec "${String(audio.codec)}" is not supported`, {
        observed: audio.codec,
        allowed: AUDIO_CODECS,
      })
    }
    const stream = server.addStream(session_name, { video: { codec: video_type }, audio })
    const clock = this.clock
    this.sessions.set(session_name, {
      name: session_name,
      stream,
      audioCodec: audio?.codec,
      videoTime: new TimestampGuard(clock, `session "${session_name}" video`),
      audioTime: new TimestampGuard(clock, `session "${session_name}" audio`),
      originUs: undefined,
    })
  }

  /** Removes the path; its readers are torn down. */
  rtspserver_destroysession(session_name: string): void {
    const server = this.requireServer('rtspserver_destroysession')
    this.requireSession(session_name)
    this.sessions.delete(session_name)
    server.removeStream(session_name)
  }

  /** The URL of a session (default: the first one created), or of the server root when there is none. */
  rtspserver_getrtspurl(session_name?: string): string {
    const server = this.requireServer('rtspserver_getrtspurl')
    this.throwLifecycleError()
    const name = session_name ?? this.sessions.keys().next().value
    if (session_name !== undefined) this.requireSession(session_name)
    return name === undefined ? server.urlFor('').replace(/\/$/, '') : server.urlFor(name)
  }

  /** Starts listening; returns at once (see rtspserver_start_async). Idempotent while started. */
  rtspserver_start(): void {
    this.rtspserver_start_async().catch((err: unknown) => {
      this.lifecycleError =
        err instanceof RtspkitError ? err : new StateError('ERR_K230_START', `rtspserver_start failed: ${String(err)}`, {}, { cause: err })
      this.opts.logger?.warn(`rtspserver_start failed: ${(err as Error).message}`)
    })
  }

  /** rtspserver_start as a Promise that resolves once the server listens (rejects: port in use, no permission). */
  rtspserver_start_async(): Promise<void> {
    const server = this.requireServer('rtspserver_start')
    this.lifecycleError = undefined
    return this.lifecycle.start(() => server.start())
  }

  /** Stops listening and tears down every reader; returns at once (see rtspserver_stop_async). Idempotent. */
  rtspserver_stop(): void {
    void this.rtspserver_stop_async()
  }

  /** rtspserver_stop as a Promise that resolves once the server has closed. */
  rtspserver_stop_async(): Promise<void> {
    const server = this.requireServer('rtspserver_stop')
    return this.lifecycle.stop(() => server.stop())
  }

  /**
   * Sends one encoded video frame: an access unit as Annex-B bytes (what the board's encoder emits), the
   * first `size` bytes of `data`, with its capture time in microseconds.
   */
  rtspserver_sendvideodata(session_name: string, data: Uint8Array, size: number, timestamp: MicroTimestamp): void {
    const s = this.sendTarget('rtspserver_sendvideodata', session_name)
    const bytes = checkData(data, size, 'rtspserver_sendvideodata')
    s.stream.pushVideo(bytes, this.ptsMs(s, s.videoTime.check(timestamp)))
  }

  /**
   * Sends audio: G.711 bytes (one byte per sample), or one AAC access unit (raw, or ADTS frames whose
   * headers are removed here), the first `size` bytes of `data`, with its capture time in microseconds.
   */
  rtspserver_sendaudiodata(session_name: string, data: Uint8Array, size: number, timestamp: MicroTimestamp): void {
    const s = this.sendTarget('rtspserver_sendaudiodata', session_name)
    if (!s.audioCodec)
      throw new StateError('ERR_K230_NO_AUDIO', `session "${session_name}" was created without audio (enable_audio false)`, {
        observed: session_name,
      })
    const bytes = checkData(data, size, 'rtspserver_sendaudiodata')
    const pts = this.ptsMs(s, s.audioTime.check(timestamp))
    if (s.audioCodec === 'aac' && isAdts(bytes)) {
      for (const f of splitAdts(bytes).frames) s.stream.pushAudio(f.au, pts)
    } else {
      s.stream.pushAudio(bytes, pts)
    }
  }

  private ptsMs(s: Session, us: number): number {
    s.originUs ??= us
    return (us - s.originUs) / 1000
  }

  private sendTarget(fn: string, session_name: string): Session {
    this.requireServer(fn)
    this.throwLifecycleError()
    return this.requireSession(session_name)
  }

  private throwLifecycleError(): void {
    if (this.lifecycleError) throw this.lifecycleError
  }

  private requireServer(fn: string): CoreServer {
    if (!this.server) {
      throw new StateError('ERR_K230_NOT_INITIALIZED', `${fn} before rtspserver_init`, {
        observed: this.created ? 'created' : 'not created',
        allowed: 'rtspserver_create(); rtspserver_init(port) first',
      })
    }
    return this.server
  }

  private requireSession(name: string): Session {
    const s = this.sessions.get(name)
    if (!s)
      throw new StateError('ERR_K230_NO_SESSION', `no session "${name}"; create it with rtspserver_createsession`, {
        observed: name,
        allowed: [...this.sessions.keys()],
      })
    return s
  }
}

function checkData(data: Uint8Array, size: number, fn: string): Uint8Array {
  if (!(data instanceof Uint8Array))
    throw new ConfigError('ERR_K230_DATA', `${fn}: data must be a Uint8Array or Buffer`, { observed: typeof data })
  if (!Number.isInteger(size) || size < 1 || size > data.length) {
    throw new ConfigError('ERR_K230_SIZE', `${fn}: size ${size} does not fit data of ${data.length} bytes`, {
      observed: size,
      allowed: `1..${data.length}`,
    })
  }
  return data.subarray(0, size)
}

const ADTS_SYNC_MASK = 0xf6
const ADTS_SYNC = 0xf0
function isAdts(b: Uint8Array): boolean {
  return b.length > 1 && b[0] === 0xff && (b[1]! & ADTS_SYNC_MASK) === ADTS_SYNC
}

/** The board's process-wide `multimedia` module. Holds nothing until rtspserver_create(). */
export const multimedia = new Multimedia()

// ---- media.rtspserver --------------------------------------------------------------------------

export interface K230RtspServerOptions {
  /** The path (default 'test', as in the document's example). */
  session_name?: string
  /** Default 8554. */
  port?: number
  enable_audio?: boolean
  /** 'h264' (default) or 'h265'. */
  video_type?: K230VideoType
  /**
   * What to stream: 'camera' (V4L2 `device` through ffmpeg), 'testsrc' (ffmpeg's testsrc2 pattern),
   * 'testcard' (our MJPEG test card, no ffmpeg needed — the session is then JPEG, not video_type), or
   * 'auto' (default): camera when `device` exists and ffmpeg is on PATH, else testsrc with ffmpeg, else testcard.
   */
  video?: 'auto' | 'camera' | 'testsrc' | 'testcard'
  /** Default /dev/video0. */
  device?: string
  /** testsrc/testcard size and every source's frame rate; default 640x480 at 30 fps. */
  width?: number
  height?: number
  fps?: number
  /** The tone's G.711 law when enable_audio: 'pcmu' (default, as on the board) or 'pcma'. */
  audio_codec?: 'pcmu' | 'pcma'
  host?: string
  publicHost?: string
  logger?: Logger
  clock?: Clock
  /** ffmpeg executable; default `ffmpeg` found on PATH. */
  ffmpeg?: string
}

export type ResolvedVideo = 'camera' | 'testsrc' | 'testcard'

/**
 * `media.rtspserver`: one path streaming a live source with no further code — the camera, a test
 * pattern, and a test tone when `enable_audio`. start() and stop() return at once; start_async() and
 * stop_async() are the awaitable forms. ffmpeg dying (camera unplugged) is logged as a warning.
 */
export class RtspServer {
  readonly session_name: string
  /** The source chosen for video ('auto' resolved at construction). */
  readonly video: ResolvedVideo
  private readonly server: CoreServer
  private readonly sources: MediaSource[]
  private readonly logger: Logger | undefined
  private stream: ServerStream | undefined
  private readonly lifecycle = new StartStop()

  constructor(opts: K230RtspServerOptions = {}) {
    this.session_name = opts.session_name ?? 'test'
    this.logger = opts.logger
    const fps = opts.fps ?? 30
    const width = opts.width ?? 640
    const height = opts.height ?? 480
    const videoType = opts.video_type ?? 'h264'
    if (!VIDEO_TYPES.includes(videoType))
      throw new ConfigError('ERR_K230_VIDEO_TYPE', `video_type "${String(videoType)}" is not supported`, {
        observed: videoType,
        allowed: VIDEO_TYPES,
      })
    const device = opts.device ?? '/dev/video0'
    const ffmpeg = opts.ffmpeg ?? findExecutable('ffmpeg')
    this.video = resolveVideo(opts.video ?? 'auto', device, ffmpeg)
    if (this.video !== 'testcard' && !ffmpeg)
      throw new ConfigError('ERR_K230_NO_FFMPEG', `video "${this.video}" needs ffmpeg on PATH`, {
        observed: this.video,
        allowed: ['testcard'],
      })
    const clock = opts.clock ?? systemClock
    const onExit = (msg: string): void => this.logger?.warn(msg)
    const video: MediaSource =
      this.video === 'testcard'
        ? testCardMediaSource(new TestCardSource({ width, height, fps, clock }))
        : new FfmpegProcessSource({
            input: this.video === 'camera' ? { kind: 'camera', device } : { kind: 'testsrc', width, height },
            codec: videoType,
            fps,
            ffmpeg,
            clock,
            onExit,
          })
    this.sources = [video]
    if (opts.enable_audio) this.sources.push(new ToneSource({ codec: opts.audio_codec ?? 'pcmu', clock }))
    this.server = new CoreServer({ port: opts.port ?? 8554, host: opts.host, publicHost: opts.publicHost, clock, logger: opts.logger })
  }

  /** Starts serving and the sources; returns at once. A failure to listen is logged (use start_async to catch it). */
  start(): void {
    this.start_async().catch((err: Error) => this.logger?.warn(`rtspserver start failed: ${err.message}`))
  }

  start_async(): Promise<void> {
    return this.lifecycle.start(async () => {
      await this.server.start()
      const stream = this.server.addStream(this.session_name, streamSpecFor(this.sources.flatMap((s) => s.tracks)))
      this.stream = stream
      for (const source of this.sources) source.start(pushInto(stream, source))
    })
  }

  /** Stops the sources (ffmpeg is killed) and the server; returns at once. Idempotent. */
  stop(): void {
    void this.stop_async()
  }

  stop_async(): Promise<void> {
    return this.lifecycle.stop(async () => {
      for (const source of this.sources) source.stop()
      if (this.stream) this.server.removeStream(this.session_name)
      this.stream = undefined
      await this.server.stop()
    })
  }

  /** The URL players use; with port 0, valid once start_async resolved. */
  get_rtsp_url(): string {
    return this.server.urlFor(this.session_name)
  }
}

function resolveVideo(choice: NonNullable<K230RtspServerOptions['video']>, device: string, ffmpeg: string | undefined): ResolvedVideo {
  if (choice !== 'auto') return choice
  if (!ffmpeg) return 'testcard'
  return existsSync(device) ? 'camera' : 'testsrc'
}

function testCardMediaSource(card: TestCardSource): MediaSource {
  return {
    tracks: [{ kind: 'video', codec: 'jpeg', width: card.width, height: card.height, fps: card.fps }],
    description: `test card ${card.width}x${card.height}@${card.fps} (MJPEG)`,
    start: (push: FramePush) => card.start((jpeg, pts) => push(0, jpeg, pts)),
    stop: () => card.stop(),
  }
}

/**
 * Pushes a source's single track into the stream's track of the same kind. Every source counts its
 * presentation times from its own start; offsetting them by the stream time at that start puts video
 * and audio on one timeline. A frame the codec refuses is reported on the stream, never thrown from a timer.
 */
function pushInto(stream: ServerStream, source: MediaSource): FramePush {
  const kind = source.tracks[0]!.kind
  const target = stream.tracks.find((t) => t.media.kind === kind)!
  const base = stream.elapsedMs()
  return (_track, frame, pts) => {
    try {
      stream.pushFrame(target, frame, base + pts)
    } catch (err) {
      stream.emit('warning', err)
    }
  }
}

// Types that the API above names in its signatures.
export type { Clock } from '../util/clock.js'
