/**
 * The built-in live MJPEG test card: the picture of test-card-painter.ts (colour bars, a bouncing box,
 * the wall-clock time, a frame counter, WxH@fps) in full-range JFIF YCbCr, encoded as RFC
 * 2435-compatible baseline JPEG.
 *
 * Every region is laid out on whole 16-pixel MCU rows, and the encoder uses a restart interval of one
 * MCU row, so each row is an independent entropy segment. Static rows (bars, castellations, the size
 * line) are encoded once at construction; each frame re-encodes only the rows of the time line, the
 * counter line and the box band, and assembles the JPEG from cached and fresh segments.
 */
import { ConfigError, StateError } from '../errors.js'
import { JpegEncoder } from '../codecs/jpeg/encoder.js'
import type { I420Planes } from '../codecs/jpeg/i420.js'
import { JPEG_MAX_DIMENSION } from '../codecs/jpeg/limits.js'
import { DEFAULT_QUALITY } from '../codecs/jpeg/tables.js'
import { systemClock, type Clock } from '../util/clock.js'
import { Pacer } from './pacer.js'
import { JFIF_COLOURS, TestCardPainter } from './test-card-painter.js'

export { formatWallClock } from './test-card-painter.js'

export interface TestCardOptions {
  /** Default 640. */
  width?: number
  /** Default 480. */
  height?: number
  /** Frames per second, shown on the card and used by TestCardSource; default 25. */
  fps?: number
  /** JPEG quality 1..100; default 80. */
  quality?: number
}

export const TEST_CARD_MIN_SIZE = 16
const DEFAULT_WIDTH = 640
const DEFAULT_HEIGHT = 480
const DEFAULT_FPS = 25
const MAX_FPS = 1000

export class TestCard {
  readonly width: number
  readonly height: number
  readonly fps: number
  readonly quality: number
  private readonly encoder: JpegEncoder
  private readonly painter: TestCardPainter
  private readonly planes: I420Planes
  /** One entropy segment per MCU row; dynamic rows are replaced every frame. */
  private readonly segments: Buffer[]
  private readonly dynamicRows: number[]

  constructor(opts: TestCardOptions = {}) {
    const width = opts.width ?? DEFAULT_WIDTH
    const height = opts.height ?? DEFAULT_HEIGHT
    const fps = opts.fps ?? DEFAULT_FPS
    for (const [key, v] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (!Number.isInteger(v) || v < TEST_CARD_MIN_SIZE || v > JPEG_MAX_DIMENSION) {
        throw new ConfigError('ERR_TEST_CARD_SIZE', `test card ${key} ${v} is out of range`, {
          key,
          observed: v,
          allowed: `${TEST_CARD_MIN_SIZE}..${JPEG_MAX_DIMENSION}`,
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
    this.width = width
    this.height = height
    this.fps = fps
    this.quality = opts.quality ?? DEFAULT_QUALITY
    this.encoder = JpegEncoder.forRows({ width, height, quality: this.quality })
    this.painter = new TestCardPainter({ width, height, fps, colours: JFIF_COLOURS })
    this.planes = this.painter.planes
    const layout = this.painter.layout
    const rows = this.encoder.mcuRows
    const dyn = new Set<number>()
    for (const b of [layout.timeLine, layout.counterLine, layout.boxBand]) {
      for (let r = Math.max(0, b.row); r < b.row + b.rows; r++) dyn.add(r)
    }
    this.dynamicRows = [...dyn].sort((a, b) => a - b)
    this.painter.drawStatic()
    this.painter.drawDynamic(0, 0)
    this.segments = []
    for (let r = 0; r < rows; r++) this.segments.push(this.encoder.encodeRow(this.planes, r))
  }

  /** MCU rows re-encoded every frame (the others come from the cache). */
  get dynamicRowCount(): number {
    return this.dynamicRows.length
  }

  /** Draws and encodes frame `frameIndex` showing the wall-clock time `wallMs`; returns a JFIF. */
  renderJpeg(frameIndex: number, wallMs: number): Buffer {
    this.painter.drawDynamic(frameIndex, wallMs)
    for (const r of this.dynamicRows) this.segments[r] = this.encoder.encodeRow(this.planes, r)
    return this.encoder.assembleRows(this.segments)
  }
}

export interface TestCardSourceOptions extends TestCardOptions {
  /** Wall clock for the time shown and monotonic clock for pacing; default the system clock. */
  clock?: Clock
}

/**
 * Paces a TestCard with the shared Pacer. When `wanted()` returns false, the frame is not drawn or
 * encoded (nobody is watching) but the frame index and presentation time still advance.
 */
export class TestCardSource {
  readonly width: number
  readonly height: number
  readonly fps: number
  private readonly card: TestCard
  private readonly clock: Clock
  private readonly pacer: Pacer
  private push: ((jpeg: Buffer, ptsMs: number) => void) | undefined
  private wanted: (() => boolean) | undefined

  constructor(opts: TestCardSourceOptions = {}) {
    this.card = new TestCard(opts)
    this.width = this.card.width
    this.height = this.card.height
    this.fps = this.card.fps
    this.clock = opts.clock ?? systemClock
    this.pacer = new Pacer(this.fps, (i, pts) => this.tick(i, pts), this.clock)
  }

  get running(): boolean {
    return this.pacer.running
  }

  /** Starts pushing frames; after `stop`, may be started again and continues the same timeline. */
  start(push: (jpeg: Buffer, ptsMs: number) => void, wanted?: () => boolean): void {
    if (this.pacer.running) throw new StateError('ERR_SOURCE_RUNNING', 'test card source is already running', {})
    this.push = push
    this.wanted = wanted
    this.pacer.start()
  }

  /** Idempotent; clears the timer. */
  stop(): void {
    this.pacer.stop()
  }

  /** Same as stop(). */
  close(): void {
    this.stop()
  }

  private tick(frameIndex: number, ptsMs: number): void {
    if (this.wanted && !this.wanted()) return
    this.push?.(this.card.renderJpeg(frameIndex, this.clock.wallMs()), ptsMs)
  }
}
