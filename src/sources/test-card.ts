/**
 * The built-in live test card: SMPTE-like colour bars, a bouncing box and large text with the wall-clock
 * time (UTC, HH:MM:SS.mmm), a frame counter and WxH@fps, drawn straight into I420 planes and encoded as
 * RFC 2435-compatible baseline JPEG.
 *
 * Every region is laid out on whole 16-pixel MCU rows, and the encoder uses a restart interval of one
 * MCU row, so each row is an independent entropy segment. Static rows (bars, castellations, the size
 * line) are encoded once at construction; each frame re-encodes only the rows of the time line, the
 * counter line and the box band, and assembles the JPEG from cached and fresh segments.
 */
import { ConfigError, StateError } from '../errors.js'
import { JpegEncoder } from '../codecs/jpeg/encoder.js'
import { allocI420, rgbToYuv, type I420Planes } from '../codecs/jpeg/i420.js'
import { JPEG_MAX_DIMENSION } from '../codecs/jpeg/limits.js'
import { DEFAULT_QUALITY } from '../codecs/jpeg/tables.js'
import { systemClock, type Clock } from '../util/clock.js'
import { Pacer } from './pacer.js'

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
const MCU = 16

// Font: 5x7 cells, one advance column; text lines get a 2-pixel margin above and below.
const GLYPH_W = 5
const GLYPH_H = 7
const GLYPH_ADVANCE = GLYPH_W + 1
const LINE_MARGIN = 2
/** Pixels of height per unit of text scale (480 lines → scale 4, 28-pixel glyphs). */
const HEIGHT_PER_SCALE = 120
/** Characters the widest line needs ("HH:MM:SS.mmm", "FRAME 000000"). */
const LINE_CHARS = 12
const COUNTER_DIGITS = 6
/** Bars take at least this share of the MCU rows when choosing the text scale. */
const MIN_BARS_SHARE = 0.4
/** The box crosses the width in about this many seconds. */
const BOX_CROSSING_S = 2

const MS_PER_SECOND = 1000
const MS_PER_MINUTE = 60 * MS_PER_SECOND
const MS_PER_HOUR = 60 * MS_PER_MINUTE
const MS_PER_DAY = 24 * MS_PER_HOUR

// Levels: 75% bars (SMPTE EG 1 style), full-range JFIF YCbCr.
const BAR_LEVEL = 191
const BARS: ReadonlyArray<readonly [number, number, number]> = [
  [BAR_LEVEL, BAR_LEVEL, BAR_LEVEL], // grey
  [BAR_LEVEL, BAR_LEVEL, 0], // yellow
  [0, BAR_LEVEL, BAR_LEVEL], // cyan
  [0, BAR_LEVEL, 0], // green
  [BAR_LEVEL, 0, BAR_LEVEL], // magenta
  [BAR_LEVEL, 0, 0], // red
  [0, 0, BAR_LEVEL], // blue
]
/** The reversed "castellation" strip under the bars: blue, black, magenta, black, cyan, black, grey. */
const CASTELLATIONS: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, BAR_LEVEL],
  [0, 0, 0],
  [BAR_LEVEL, 0, BAR_LEVEL],
  [0, 0, 0],
  [0, BAR_LEVEL, BAR_LEVEL],
  [0, 0, 0],
  [BAR_LEVEL, BAR_LEVEL, BAR_LEVEL],
]
const PANEL_Y = 16
const TEXT_Y = 235
const STATIC_TEXT_Y = 200
const BOX_YUV: readonly number[] = rgbToYuv(255, 32, 32)
const NEUTRAL_CHROMA = 128

/** Our 5x7 bitmap font: '#' is ink. */
const FONT: Readonly<Record<string, readonly string[]>> = {
  '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['#####', '...#.', '..#..', '...#.', '....#', '#...#', '.###.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  '6': ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  '8': ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
  ':': ['.....', '.##..', '.##..', '.....', '.##..', '.##..', '.....'],
  '.': ['.....', '.....', '.....', '.....', '.....', '.##..', '.##..'],
  x: ['.....', '.....', '#...#', '.#.#.', '..#..', '.#.#.', '#...#'],
  '@': ['.###.', '#...#', '#.###', '#.#.#', '#.###', '#....', '.####'],
  '-': ['.....', '.....', '.....', '#####', '.....', '.....', '.....'],
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
  A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  B: ['####.', '#...#', '#...#', '####.', '#...#', '#...#', '####.'],
  C: ['.###.', '#...#', '#....', '#....', '#....', '#...#', '.###.'],
  D: ['###..', '#..#.', '#...#', '#...#', '#...#', '#..#.', '###..'],
  E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
  F: ['#####', '#....', '#....', '####.', '#....', '#....', '#....'],
  G: ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.####'],
  H: ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  J: ['..###', '...#.', '...#.', '...#.', '...#.', '#..#.', '.##..'],
  K: ['#...#', '#..#.', '#.#..', '##...', '#.#..', '#..#.', '#...#'],
  L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
  M: ['#...#', '##.##', '#.#.#', '#.#.#', '#...#', '#...#', '#...#'],
  N: ['#...#', '#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#'],
  O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  Q: ['.###.', '#...#', '#...#', '#...#', '#.#.#', '#..#.', '.##.#'],
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  U: ['#...#', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  V: ['#...#', '#...#', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
  W: ['#...#', '#...#', '#...#', '#.#.#', '#.#.#', '#.#.#', '.#.#.'],
  X: ['#...#', '#...#', '.#.#.', '..#..', '.#.#.', '#...#', '#...#'],
  Y: ['#...#', '#...#', '.#.#.', '..#..', '..#..', '..#..', '..#..'],
  Z: ['#####', '....#', '...#.', '..#..', '.#...', '#....', '#####'],
}

/** Glyph rows as 5-bit masks (bit 4 = leftmost column), computed once. */
const GLYPH_MASKS: ReadonlyMap<string, readonly number[]> = new Map(
  Object.entries(FONT).map(([ch, rows]) => [ch, rows.map((row) => [...row].reduce((m, c) => (m << 1) | (c === '#' ? 1 : 0), 0))]),
)
const BLANK_GLYPH: readonly number[] = new Array<number>(GLYPH_H).fill(0)

/** A band of whole MCU rows [row, row + rows). */
interface Band {
  row: number
  rows: number
}

interface Layout {
  scale: number
  bars: Band
  strip: Band
  timeLine: Band
  counterLine: Band
  sizeLine: Band
  boxBand: Band
}

function computeLayout(width: number, height: number): Layout {
  const rows = Math.ceil(height / MCU)
  const boxRows = rows >= 12 ? 2 : 1
  const stripRows = rows >= 16 ? 1 : 0
  const maxScale = Math.max(1, Math.min(Math.floor(height / HEIGHT_PER_SCALE), Math.floor(width / (LINE_CHARS * GLYPH_ADVANCE))))
  const lineRowsFor = (s: number): number => Math.ceil((GLYPH_H * s + 2 * LINE_MARGIN) / MCU)
  let scale = maxScale
  while (scale > 1 && rows - 3 * lineRowsFor(scale) - boxRows - stripRows < Math.ceil(rows * MIN_BARS_SHARE)) scale--
  const lineRows = lineRowsFor(scale)
  // Bottom up: box band, size line, counter line, time line, strip; bars take the rest (maybe nothing
  // on tiny cards, where lower bands may also overlap the top ones and get clipped).
  const boxBand = { row: rows - boxRows, rows: boxRows }
  const sizeLine = { row: boxBand.row - lineRows, rows: lineRows }
  const counterLine = { row: sizeLine.row - lineRows, rows: lineRows }
  const timeLine = { row: counterLine.row - lineRows, rows: lineRows }
  const strip = { row: timeLine.row - stripRows, rows: stripRows }
  const bars = { row: 0, rows: Math.max(0, strip.row) }
  return { scale, bars, strip, timeLine, counterLine, sizeLine, boxBand }
}

/** HH:MM:SS.mmm of `wallMs` (UTC). */
export function formatWallClock(wallMs: number): string {
  const d = ((Math.floor(wallMs) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${two(Math.floor(d / MS_PER_HOUR))}:${two(Math.floor((d % MS_PER_HOUR) / MS_PER_MINUTE))}:${two(Math.floor((d % MS_PER_MINUTE) / MS_PER_SECOND))}.${String(d % MS_PER_SECOND).padStart(3, '0')}`
}

function formatFps(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : String(Math.round(fps * 100) / 100)
}

export class TestCard {
  readonly width: number
  readonly height: number
  readonly fps: number
  readonly quality: number
  private readonly encoder: JpegEncoder
  private readonly planes: I420Planes
  private readonly layout: Layout
  /** One entropy segment per MCU row; dynamic rows are replaced every frame. */
  private readonly segments: Buffer[]
  private readonly dynamicRows: number[]
  private readonly chromaWidth: number
  private readonly chromaHeight: number
  /** One luma row of the black-to-white ramp behind the box. */
  private readonly ramp: Uint8Array

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
    this.planes = allocI420(width, height)
    this.chromaWidth = this.planes.uvStride
    this.chromaHeight = this.planes.u.length / this.planes.uvStride
    this.layout = computeLayout(width, height)
    this.ramp = Uint8Array.from({ length: width }, (_, x) => Math.round((x * 255) / Math.max(1, width - 1)))
    const rows = this.encoder.mcuRows
    const dyn = new Set<number>()
    for (const b of [this.layout.timeLine, this.layout.counterLine, this.layout.boxBand]) {
      for (let r = Math.max(0, b.row); r < b.row + b.rows; r++) dyn.add(r)
    }
    this.dynamicRows = [...dyn].sort((a, b) => a - b)
    this.drawStatic()
    this.drawDynamic(0, 0)
    this.segments = []
    for (let r = 0; r < rows; r++) this.segments.push(this.encoder.encodeRow(this.planes, r))
  }

  /** MCU rows re-encoded every frame (the others come from the cache). */
  get dynamicRowCount(): number {
    return this.dynamicRows.length
  }

  /** Draws and encodes frame `frameIndex` showing the wall-clock time `wallMs`; returns a JFIF. */
  renderJpeg(frameIndex: number, wallMs: number): Buffer {
    this.drawDynamic(frameIndex, wallMs)
    for (const r of this.dynamicRows) this.segments[r] = this.encoder.encodeRow(this.planes, r)
    return this.encoder.assembleRows(this.segments)
  }

  // ---- drawing ----------------------------------------------------------------------------------

  private drawStatic(): void {
    const L = this.layout
    this.fillColumns(L.bars, BARS)
    this.fillColumns(L.strip, CASTELLATIONS)
    for (const b of [L.timeLine, L.counterLine, L.sizeLine]) this.fillBand(b, PANEL_Y)
    this.drawText(L.sizeLine, `${this.width}x${this.height}@${formatFps(this.fps)}`, STATIC_TEXT_Y)
  }

  private drawDynamic(frameIndex: number, wallMs: number): void {
    const L = this.layout
    this.fillBand(L.timeLine, PANEL_Y)
    this.drawText(L.timeLine, formatWallClock(wallMs), TEXT_Y)
    this.fillBand(L.counterLine, PANEL_Y)
    this.drawText(L.counterLine, `FRAME ${String(Math.max(0, Math.floor(frameIndex))).padStart(COUNTER_DIGITS, '0')}`, TEXT_Y)
    this.drawBoxBand(frameIndex)
  }

  /** Pixel rows [y0, y1) of a band, clipped to the image. */
  private bandPixels(b: Band): [number, number] {
    return [Math.max(0, b.row * MCU), Math.min(this.height, (b.row + b.rows) * MCU)]
  }

  /** Vertical stripes of the given colours across the band, on even columns so chroma stays clean. */
  private fillColumns(b: Band, colours: ReadonlyArray<readonly [number, number, number]>): void {
    const [y0, y1] = this.bandPixels(b)
    if (y1 <= y0) return
    const n = colours.length
    for (let i = 0; i < n; i++) {
      const x0 = Math.round((i * this.width) / n / 2) * 2
      const x1 = i === n - 1 ? this.width : Math.round(((i + 1) * this.width) / n / 2) * 2
      const [r, g, bl] = colours[i]!
      this.fillRect(x0, y0, x1, y1, rgbToYuv(r, g, bl))
    }
  }

  private fillBand(b: Band, luma: number): void {
    const [y0, y1] = this.bandPixels(b)
    if (y1 > y0) this.fillRect(0, y0, this.width, y1, [luma, NEUTRAL_CHROMA, NEUTRAL_CHROMA])
  }

  /** Fills [x0, x1) x [y0, y1) (even x0 and y0 keep chroma aligned). */
  private fillRect(x0: number, y0: number, x1: number, y1: number, [yv, uv, vv]: readonly number[]): void {
    const p = this.planes
    for (let y = y0; y < y1; y++) p.y.fill(yv!, y * p.yStride + x0, y * p.yStride + x1)
    const cx0 = x0 >> 1
    const cx1 = Math.min(this.chromaWidth, (x1 + 1) >> 1)
    const cy1 = Math.min(this.chromaHeight, (y1 + 1) >> 1)
    for (let cy = y0 >> 1; cy < cy1; cy++) {
      p.u.fill(uv!, cy * p.uvStride + cx0, cy * p.uvStride + cx1)
      p.v.fill(vv!, cy * p.uvStride + cx0, cy * p.uvStride + cx1)
    }
  }

  /** Draws `text` centred in the band, luma only (the panel's chroma is neutral). */
  private drawText(b: Band, text: string, luma: number): void {
    const [by0, by1] = this.bandPixels(b)
    const s = this.layout.scale
    const textW = text.length * GLYPH_ADVANCE * s - s
    const x0 = Math.floor((this.width - textW) / 2)
    const y0 = b.row * MCU + Math.floor((b.rows * MCU - GLYPH_H * s) / 2)
    const p = this.planes
    for (let i = 0; i < text.length; i++) {
      const masks = GLYPH_MASKS.get(text[i]!) ?? BLANK_GLYPH // unknown characters draw nothing
      const gx = x0 + i * GLYPH_ADVANCE * s
      for (let r = 0; r < GLYPH_H; r++) {
        const m = masks[r]!
        if (m === 0) continue
        for (let c = 0; c < GLYPH_W; c++) {
          if (!(m & (1 << (GLYPH_W - 1 - c)))) continue
          const px0 = Math.max(0, gx + c * s)
          const px1 = Math.min(this.width, gx + (c + 1) * s)
          const py0 = Math.max(by0, y0 + r * s)
          const py1 = Math.min(by1, y0 + (r + 1) * s)
          for (let y = py0; y < py1; y++) if (px1 > px0) p.y.fill(luma, y * p.yStride + px0, y * p.yStride + px1)
        }
      }
    }
  }

  /** A grey ramp with a red box bouncing left and right. */
  private drawBoxBand(frameIndex: number): void {
    const [y0, y1] = this.bandPixels(this.layout.boxBand)
    if (y1 <= y0) return
    const p = this.planes
    for (let y = y0; y < y1; y++) p.y.set(this.ramp, y * p.yStride)
    for (let cy = y0 >> 1; cy < Math.min(this.chromaHeight, (y1 + 1) >> 1); cy++) {
      p.u.fill(NEUTRAL_CHROMA, cy * p.uvStride, (cy + 1) * p.uvStride)
      p.v.fill(NEUTRAL_CHROMA, cy * p.uvStride, (cy + 1) * p.uvStride)
    }
    const size = Math.min(y1 - y0, this.width)
    const travel = this.width - size
    const step = Math.max(2, Math.round(travel / (this.fps * BOX_CROSSING_S)))
    let x = 0
    if (travel > 0) {
      const pos = (Math.max(0, Math.floor(frameIndex)) * step) % (2 * travel)
      x = (pos <= travel ? pos : 2 * travel - pos) & ~1
    }
    this.fillRect(x, y0, Math.min(this.width, x + size), y1, BOX_YUV)
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
