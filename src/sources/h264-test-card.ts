/**
 * The built-in live H.264 test card: the picture of test-card-painter.ts in BT.601 limited range,
 * encoded in this process by our own encoder (codecs/h264/encoder, Constrained Baseline). An IDR every
 * two seconds carries SPS and PPS in band; the pictures between are P slices in which only the
 * macroblocks that changed (clock, counter, box) are coded and the rest are P_Skip, so the stream
 * stays small (about 0.2 Mbit/s at 640x480@25) and costs little CPU.
 */
import { H264Encoder, type EncodedPicture, type YuvPicture } from '../codecs/h264/encoder/encoder.js'
import { ConfigError, StateError } from '../errors.js'
import { systemClock, type Clock } from '../util/clock.js'
import { Pacer } from './pacer.js'
import { BT601_LIMITED_COLOURS, TestCardPainter } from './test-card-painter.js'

export interface H264TestCardOptions {
  /** Default 640; even, 16..2040. */
  width?: number
  /** Default 480; even, 16..2040. */
  height?: number
  /** Default 25. */
  fps?: number
  /** Quantisation parameter 0..51; default 28. */
  qp?: number
  /** Seconds between IDR pictures; default 2. */
  keyframeInterval?: number
}

export const H264_TEST_CARD_MAX_SIZE = 2040
const MIN_SIZE = 16
const DEFAULT_WIDTH = 640
const DEFAULT_HEIGHT = 480
const DEFAULT_FPS = 25
const MAX_FPS = 1000
const DEFAULT_KEYFRAME_INTERVAL_S = 2
/** Glyph cells aligned to the 4x4 transform blocks (see TestCardPainter's textAlign). */
const TEXT_ALIGN = 4

export class H264TestCard {
  readonly width: number
  readonly height: number
  readonly fps: number
  /** Frames from one IDR to the next. */
  readonly keyframeFrames: number
  private readonly painter: TestCardPainter
  private readonly encoder: H264Encoder
  private lastKeyframe = -1

  constructor(opts: H264TestCardOptions = {}) {
    const width = opts.width ?? DEFAULT_WIDTH
    const height = opts.height ?? DEFAULT_HEIGHT
    const fps = opts.fps ?? DEFAULT_FPS
    for (const [key, v] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (!Number.isInteger(v) || v < MIN_SIZE || v > H264_TEST_CARD_MAX_SIZE || v % 2 !== 0) {
        throw new ConfigError('ERR_TEST_CARD_SIZE', `H.264 test card ${key} ${v} is out of range`, {
          key,
          observed: v,
          allowed: `even, ${MIN_SIZE}..${H264_TEST_CARD_MAX_SIZE}`,
        })
      }
    }
    if (!(fps > 0 && fps <= MAX_FPS)) {
      throw new ConfigError('ERR_TEST_CARD_FPS', `test card fps ${fps} is out of range`, {
        key: 'fps',
        observed: fps,
        allowed: `(0, ${MAX_FPS}]`,
      })
    }
    const interval = opts.keyframeInterval ?? DEFAULT_KEYFRAME_INTERVAL_S
    if (!(interval > 0)) {
      throw new ConfigError('ERR_TEST_CARD_KEYFRAMES', `keyframe interval ${interval} s must be positive`, { observed: interval })
    }
    this.width = width
    this.height = height
    this.fps = fps
    this.keyframeFrames = Math.max(1, Math.round(interval * fps))
    this.painter = new TestCardPainter({ width, height, fps, colours: BT601_LIMITED_COLOURS, textAlign: TEXT_ALIGN })
    this.encoder = new H264Encoder({ width, height, fps, qp: opts.qp })
    this.painter.drawStatic()
  }

  get sps(): Buffer {
    return this.encoder.sps
  }

  get pps(): Buffer {
    return this.encoder.pps
  }

  get qp(): number {
    return this.encoder.qp
  }

  /** The picture last drawn (width x height, BT.601 limited range): what a decoder should show. */
  get picture(): YuvPicture {
    return this.painter.planes
  }

  /**
   * Draws and encodes frame `frameIndex` at wall-clock `wallMs`. An IDR comes first, then every
   * `keyframeFrames` frames (by index, so frames the pacer skipped count as time passed), and whenever
   * `opts.keyframe` asks for one. A P picture predicts from the previous picture rendered, whatever
   * its index.
   */
  render(frameIndex: number, wallMs: number, opts: { keyframe?: boolean } = {}): EncodedPicture {
    this.painter.drawDynamic(frameIndex, wallMs)
    const keyframe = opts.keyframe === true || this.lastKeyframe < 0 || frameIndex - this.lastKeyframe >= this.keyframeFrames
    const out = this.encoder.encode(this.painter.planes, { keyframe })
    if (out.keyframe) this.lastKeyframe = frameIndex
    return out
  }
}

export interface H264TestCardSourceOptions extends H264TestCardOptions {
  /** Wall clock for the time shown and monotonic clock for pacing; default the system clock. */
  clock?: Clock
}

export type H264CardPush = (nalus: Buffer[], ptsMs: number, keyframe: boolean) => void

/**
 * Paces an H264TestCard. When `wanted()` returns false nothing is drawn or encoded (nobody watches);
 * the next frame rendered is then an IDR, so a reader arriving after the gap need not wait for one.
 */
export class H264TestCardSource {
  readonly width: number
  readonly height: number
  readonly fps: number
  readonly card: H264TestCard
  private readonly clock: Clock
  private readonly pacer: Pacer
  private push: H264CardPush | undefined
  private wanted: (() => boolean) | undefined
  /** Frames went unrendered (or none yet): the next one is an IDR. */
  private gap = true

  constructor(opts: H264TestCardSourceOptions = {}) {
    this.card = new H264TestCard(opts)
    this.width = this.card.width
    this.height = this.card.height
    this.fps = this.card.fps
    this.clock = opts.clock ?? systemClock
    this.pacer = new Pacer(this.fps, (i, pts) => this.tick(i, pts), this.clock)
  }

  get running(): boolean {
    return this.pacer.running
  }

  start(push: H264CardPush, wanted?: () => boolean): void {
    if (this.pacer.running) throw new StateError('ERR_SOURCE_RUNNING', 'test card source is already running', {})
    this.push = push
    this.wanted = wanted
    this.pacer.start()
  }

  /** Idempotent; clears the timer. */
  stop(): void {
    this.pacer.stop()
  }

  close(): void {
    this.stop()
  }

  private tick(frameIndex: number, ptsMs: number): void {
    if (this.wanted && !this.wanted()) {
      this.gap = true
      return
    }
    const out = this.card.render(frameIndex, this.clock.wallMs(), { keyframe: this.gap })
    this.gap = false
    this.push?.(out.nalus, ptsMs, out.keyframe)
  }
}
