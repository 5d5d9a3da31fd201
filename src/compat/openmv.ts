/**
 * The OpenMV `rtsp` module's `rtsp_server` with its original names, so code written for the camera
 * ports line by line:
 *
 *   const server = new rtsp_server({ port: 8554 })
 *   server.register_setup_cb((pathname, session) => …)      // also play, pause, teardown
 *   await server.stream((pathname, session) => image, 90)   // image → JPEG → RTP/JPEG (RFC 2435)
 *
 * Where the original and ours differ, or the original is silent (the README says the same):
 * - The Wi-Fi arguments (ssid, key, security, mode, static_ip) have no meaning here and are not taken:
 *   the constructor takes `{ port }` and rtspkit options. The default port is 8554, not 554 (which needs
 *   root on Linux).
 * - Any number of readers, each with its own callback calls: the callback runs once per frame per
 *   reader, with that reader's pathname ('/' for the root, '/cam2'…) and session (the RTSP session id
 *   as a number, different for every session). Every pathname is served.
 * - stream() returns a Promise that resolves when close() has stopped the server (the original never
 *   returns). Frames are pulled at `fps` (default 30) per playing reader; a callback may be async, and
 *   while its Promise is pending that reader's ticks are skipped.
 * - The callback returns `{ width, height, format: 'rgb' | 'rgba' | 'gray', data }` (tightly packed), or a
 *   JPEG (bytes starting FF D8). A baseline JPEG with the standard Huffman tables, 4:2:0 or 4:2:2, is sent
 *   as it is. Any other (optimised Huffman tables, as ffmpeg and most libraries write them; progressive;
 *   4:4:4; grey) cannot travel in RTP/JPEG (RFC 2435) and is decoded and encoded again as baseline 4:2:0 at
 *   the stream's quality, costing a decode per frame; one 'warning' per reader says so and why.
 * - A callback that throws, or returns something else, skips that frame: the reader stays connected,
 *   the next tick calls it again, and the error is emitted as 'warning' (with pathname and session).
 *   The same holds for a register_*_cb callback that throws.
 */
import { EventEmitter } from 'node:events'
import { CodecError, ConfigError, StateError } from '../errors.js'
import { RawImageJpegEncoder } from '../codecs/jpeg/image-encoder.js'
import { QUALITY_MAX, QUALITY_MIN } from '../codecs/jpeg/tables.js'
import { Rfc2435Transcoder } from '../codecs/jpeg/transcode.js'
import type { PerReaderSource, ReaderContext, ReaderPlayback } from '../server/per-reader.js'
import { RtspServer, type Logger } from '../server/rtsp-server.js'
import type { ServerStream } from '../server/server-stream.js'
import { Pacer } from '../sources/pacer.js'
import { systemClock, type Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'

export type ImageFormat = 'rgb' | 'rgba' | 'gray'

/** Raw pixels, tightly packed: 3 (rgb), 4 (rgba) or 1 (gray) bytes per pixel, rows top to bottom. */
export interface Image {
  width: number
  height: number
  format: ImageFormat
  data: Uint8Array
}

/** What a stream callback returns: raw pixels to encode, or an encoded baseline JPEG. */
export type Frame = Image | Uint8Array

export type StreamCallback = (pathname: string, session: number) => Frame | Promise<Frame>
export type SessionCallback = (pathname: string, session: number) => void

export interface RtspServerOptions {
  /** RTSP port; default 8554 (0 picks a free one, see `port` after stream() started). */
  port?: number
  /** Address to listen on (default all interfaces). */
  host?: string
  /** Host name in `url()` (default the first non-internal IPv4 address). */
  publicHost?: string
  /** Frames pulled from the callback per second, per reader; default 30. */
  fps?: number
  logger?: Logger
  clock?: Clock
  random?: Random
}

export interface WarningContext {
  pathname: string
  session: number
}

export interface RtspServerEvents {
  /**
   * A callback threw or returned something that is not an image: the frame (or the event) was skipped.
   * Also, once per reader, ERR_OPENMV_JPEG_REENCODED: its JPEGs are re-encoded (see the top of this file).
   */
  warning: [Error, WarningContext]
  /** stream() has opened the port: `port` and `url()` are final. */
  listening: []
}

const DEFAULT_PORT = 8554
const DEFAULT_FPS = 30
const MAX_FPS = 240
const DEFAULT_QUALITY = 90
const FORMATS: readonly ImageFormat[] = ['rgb', 'rgba', 'gray']
const JPEG_SOI = [0xff, 0xd8]

type CallbackName = 'setup' | 'play' | 'pause' | 'teardown'

// The original's class name, kept so ported code reads the same.

export class rtsp_server extends EventEmitter<RtspServerEvents> {
  private readonly server: RtspServer
  private readonly fps: number
  private readonly clock: Clock
  private readonly callbacks: Partial<Record<CallbackName, SessionCallback>> = {}
  private streaming: { done: Promise<void>; resolve: () => void } | undefined

  constructor(opts: RtspServerOptions = {}) {
    super()
    this.fps = opts.fps ?? DEFAULT_FPS
    if (!(typeof this.fps === 'number' && this.fps > 0 && this.fps <= MAX_FPS)) {
      throw new ConfigError('ERR_OPENMV_FPS', `fps ${String(opts.fps)} is out of range`, { observed: opts.fps, allowed: `(0, ${MAX_FPS}]` })
    }
    this.clock = opts.clock ?? systemClock
    this.server = new RtspServer({
      port: opts.port ?? DEFAULT_PORT,
      host: opts.host,
      publicHost: opts.publicHost,
      logger: opts.logger,
      clock: opts.clock,
      random: opts.random,
    })
  }

  /** Called when a reader sets up its session (RTSP SETUP). */
  register_setup_cb(cb: SessionCallback): void {
    this.callbacks.setup = cb
  }

  /** Called when a reader starts or resumes streaming (RTSP PLAY). */
  register_play_cb(cb: SessionCallback): void {
    this.callbacks.play = cb
  }

  /** Called when a reader pauses (RTSP PAUSE; VLC's pause button does not send one). */
  register_pause_cb(cb: SessionCallback): void {
    this.callbacks.pause = cb
  }

  /** Called when a reader's session ends (RTSP TEARDOWN, its connection closed, a timeout, or close()). */
  register_teardown_cb(cb: SessionCallback): void {
    this.callbacks.teardown = cb
  }

  /**
   * Starts serving every path; `cb` makes each reader's frames, encoded as JPEG at `quality` (1..100).
   * Resolves when close() has stopped the server; rejects when the port cannot be opened.
   */
  async stream(cb: StreamCallback, quality = DEFAULT_QUALITY): Promise<void> {
    if (typeof cb !== 'function')
      throw new ConfigError('ERR_OPENMV_CALLBACK', 'stream() needs a callback returning an image', { observed: typeof cb })
    if (!Number.isInteger(quality) || quality < QUALITY_MIN || quality > QUALITY_MAX) {
      throw new ConfigError('ERR_OPENMV_QUALITY', `JPEG quality ${quality} is out of range`, {
        observed: quality,
        allowed: `${QUALITY_MIN}..${QUALITY_MAX}`,
      })
    }
    if (this.streaming)
      throw new StateError('ERR_OPENMV_STREAMING', 'stream() is already running; close() it first', { observed: 'streaming' })
    let resolve!: () => void
    const done = new Promise<void>((r) => (resolve = r))
    this.streaming = { done, resolve }
    const source = this.readerSource(cb, quality)
    try {
      // '' is the root '/', '*' every other path.
      this.server.addPerReaderPath('', source)
      this.server.addPerReaderPath('*', source)
      await this.server.start()
      this.emit('listening')
    } catch (err) {
      this.streaming = undefined
      throw err
    }
    return done
  }

  /** Stops the server: every reader is torn down (teardown callbacks fire) and stream() resolves. Idempotent. */
  async close(): Promise<void> {
    const s = this.streaming
    await this.server.stop()
    if (s && this.streaming === s) {
      this.streaming = undefined
      s.resolve()
    }
  }

  /** The listening port (the bound one once stream() has started). */
  get port(): number {
    return this.server.port
  }

  /** The URL of a pathname ('/' by default) for players on the network. */
  url(pathname = '/', host?: string): string {
    return this.server.urlFor(pathname, host)
  }

  private readerSource(cb: StreamCallback, quality: number): PerReaderSource {
    return {
      spec: { video: { codec: 'jpeg', fps: this.fps } },
      description: `stream() callback, JPEG quality ${quality} @${this.fps} fps per reader`,
      open: (stream: ServerStream, ctx: ReaderContext): ReaderPlayback => {
        const reader = new CallbackReader(stream, readerContext(ctx), cb, quality, this.fps, this.clock, (err, c) =>
          this.emit('warning', err, c),
        )
        this.notify('setup', reader.ctx)
        let stopped = false
        return {
          play: () => {
            if (stopped) return
            this.notify('play', reader.ctx)
            reader.start()
          },
          pause: () => {
            reader.stop()
            this.notify('pause', reader.ctx)
          },
          stop: () => {
            if (stopped) return
            stopped = true
            reader.stop()
            this.notify('teardown', reader.ctx)
          },
        }
      },
    }
  }

  private notify(name: CallbackName, ctx: WarningContext): void {
    const cb = this.callbacks[name]
    if (!cb) return
    try {
      cb(ctx.pathname, ctx.session)
    } catch (err) {
      this.emit('warning', asError(err), ctx)
    }
  }
}

/** One reader: pulls frames from the callback at the frame rate while playing, encodes and pushes them. */
class CallbackReader {
  private readonly pacer: Pacer
  private readonly encoder: RawImageJpegEncoder
  /** For callback JPEGs RFC 2435 cannot carry; those that fit pass through it unchanged. */
  private readonly transcoder: Rfc2435Transcoder
  private pending = false
  private reencodeReported = false

  constructor(
    private readonly stream: ServerStream,
    readonly ctx: WarningContext,
    private readonly cb: StreamCallback,
    quality: number,
    fps: number,
    clock: Clock,
    private readonly warn: (err: Error, ctx: WarningContext) => void,
  ) {
    this.encoder = new RawImageJpegEncoder(quality)
    this.transcoder = new Rfc2435Transcoder(quality)
    this.pacer = new Pacer(fps, (_i, pts) => this.tick(pts), clock)
  }

  start(): void {
    this.pacer.start()
  }

  stop(): void {
    this.pacer.stop()
  }

  private tick(ptsMs: number): void {
    if (this.pending) return // the previous async callback has not answered yet
    let frame: Frame | Promise<Frame>
    try {
      frame = this.cb(this.ctx.pathname, this.ctx.session)
    } catch (err) {
      this.warn(asError(err), this.ctx)
      return
    }
    if (frame instanceof Promise) {
      this.pending = true
      frame.then(
        (f) => {
          this.pending = false
          if (this.pacer.running) this.push(f, ptsMs)
        },
        (err: unknown) => {
          this.pending = false
          this.warn(asError(err), this.ctx)
        },
      )
      return
    }
    this.push(frame, ptsMs)
  }

  private push(frame: Frame, ptsMs: number): void {
    try {
      this.stream.pushVideo(this.toJpeg(frame), ptsMs)
    } catch (err) {
      this.warn(asError(err), this.ctx)
    }
  }

  private toJpeg(frame: Frame): Uint8Array {
    if (frame instanceof Uint8Array) {
      if (frame[0] !== JPEG_SOI[0] || frame[1] !== JPEG_SOI[1]) {
        throw new ConfigError('ERR_OPENMV_FRAME', 'the stream callback returned bytes that are not a JPEG (no FF D8 start)', {
          observed: frame.subarray(0, 2),
          allowed: 'FF D8 …',
        })
      }
      const r = this.transcoder.transcode(frame)
      if (r.refusal && !this.reencodeReported) {
        // Once per reader: a camera sends the same kind of JPEG every frame.
        this.reencodeReported = true
        this.warn(
          new CodecError(
            'ERR_OPENMV_JPEG_REENCODED',
            `the stream callback's JPEG was decoded and re-encoded as baseline 4:2:0 at quality ${this.transcoder.quality}, as this reader's later ones will be when they need it, because ${r.refusal.message}`,
            { observed: r.refusal.code, allowed: 'baseline, standard Huffman tables, 4:2:0 or 4:2:2' },
            { cause: r.refusal },
          ),
          this.ctx,
        )
      }
      return r.jpeg
    }
    if (!frame || typeof frame !== 'object' || !FORMATS.includes(frame.format) || !(frame.data instanceof Uint8Array)) {
      throw new ConfigError(
        'ERR_OPENMV_FRAME',
        'the stream callback must return { width, height, format: rgb|rgba|gray, data } or a JPEG',
        {
          observed: frame && typeof frame === 'object' ? (frame as Partial<Image>).format : typeof frame,
          allowed: FORMATS,
        },
      )
    }
    return this.encoder.encode(frame)
  }
}

/** The original's callback arguments: a pathname with its leading slash, and the session as a number. */
function readerContext(ctx: ReaderContext): WarningContext {
  return { pathname: `/${ctx.path}`, session: sessionNumber(ctx.sessionId) }
}

/** Our session ids are 9 decimal digits; anything else (a longer or non-numeric id) is hashed to 31 bits. */
function sessionNumber(id: string): number {
  if (/^\d{1,15}$/.test(id)) return Number(id)
  let h = 0
  for (let i = 0; i < id.length; i++) h = (Math.imul(h, 31) + id.charCodeAt(i)) >>> 0
  return h & 0x7fffffff
}

/** What a callback threw, as an Error (a thrown string or number is wrapped in a typed error). */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new ConfigError('ERR_OPENMV_CALLBACK_THREW', `a callback threw ${String(err)}`, { observed: err })
}

// Types that the API above names in its signatures.
export type { Random } from '../util/random.js'
