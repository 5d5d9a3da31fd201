/**
 * What the built-in test cards show, drawn straight into I420 planes: SMPTE-like colour bars, a
 * castellation strip, large text with the wall-clock time (UTC, HH:MM:SS.mmm), a frame counter and
 * WxH@fps, and a box bouncing over a grey ramp. Every region is laid out on whole 16-pixel rows (JPEG
 * MCU rows, H.264 macroblock rows), so encoders can tell static rows from the few that change.
 *
 * Colours are given as RGB and converted by the card's colour model: full-range JFIF YCbCr for the
 * JPEG card, BT.601 limited range for the H.264 card.
 */
import { allocI420, rgbToYuv, type I420Planes } from '../codecs/jpeg/i420.js'

/** How RGB and grey levels become Y, Cb, Cr samples. */
export interface CardColours {
  rgb(r: number, g: number, b: number): readonly [number, number, number]
  /** Luma of the grey (v, v, v). */
  grey(v: number): number
  /** Cb/Cr of grey. */
  neutralChroma: number
}

/** JFIF full range (what every JPEG decoder assumes). */
export const JFIF_COLOURS: CardColours = { rgb: rgbToYuv, grey: (v) => v, neutralChroma: 128 }

const LIMITED_Y_OFFSET = 16
const LIMITED_Y_RANGE = 219
const LIMITED_C_RANGE = 224
const FULL = 255

/** BT.601 limited ("studio") range: Y 16..235, Cb/Cr 16..240 (Rec. ITU-R BT.601-7, 2.5.3). */
export function rgbToYuvLimited(r: number, g: number, b: number): [number, number, number] {
  const kr = 0.299
  const kb = 0.114
  const y = kr * r + (1 - kr - kb) * g + kb * b
  const clamp = (x: number): number => Math.min(FULL, Math.max(0, Math.round(x)))
  return [
    clamp(LIMITED_Y_OFFSET + (LIMITED_Y_RANGE * y) / FULL),
    clamp(128 + (LIMITED_C_RANGE * (b - y)) / (2 * (1 - kb)) / FULL),
    clamp(128 + (LIMITED_C_RANGE * (r - y)) / (2 * (1 - kr)) / FULL),
  ]
}

export const BT601_LIMITED_COLOURS: CardColours = {
  rgb: rgbToYuvLimited,
  grey: (v) => Math.round(LIMITED_Y_OFFSET + (LIMITED_Y_RANGE * v) / FULL),
  neutralChroma: 128,
}

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
// Grey levels (0..255 before the colour model) of the text panels and their text.
const PANEL_GREY = 16
const TEXT_GREY = 235
const STATIC_TEXT_GREY = 200
const BOX_RGB = [255, 32, 32] as const

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
export interface Band {
  row: number
  rows: number
}

export interface Layout {
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

export interface PainterOptions {
  width: number
  height: number
  fps: number
  colours: CardColours
  /**
   * Text origins are rounded down to multiples of this (default 1). The H.264 card uses 4, so at text
   * scale 4 every glyph cell fills whole 4x4 transform blocks and costs only DC coefficients.
   */
  textAlign?: number
}

/** Draws the card into its own I420 planes (tightly packed, width x height). */
export class TestCardPainter {
  readonly width: number
  readonly height: number
  readonly fps: number
  readonly planes: I420Planes
  readonly layout: Layout
  private readonly colours: CardColours
  private readonly chromaWidth: number
  private readonly chromaHeight: number
  /** One luma row of the black-to-white ramp behind the box. */
  private readonly ramp: Uint8Array
  private readonly panelY: number
  private readonly textY: number
  private readonly staticTextY: number
  private readonly neutralChroma: number
  private readonly boxYuv: readonly number[]
  private readonly textAlign: number

  constructor(opts: PainterOptions) {
    const { width, height, fps, colours } = opts
    this.width = width
    this.height = height
    this.fps = fps
    this.colours = colours
    this.textAlign = Math.max(1, opts.textAlign ?? 1)
    this.planes = allocI420(width, height)
    this.chromaWidth = this.planes.uvStride
    this.chromaHeight = this.planes.u.length / this.planes.uvStride
    this.layout = computeLayout(width, height)
    this.ramp = Uint8Array.from({ length: width }, (_, x) => colours.grey(Math.round((x * 255) / Math.max(1, width - 1))))
    this.panelY = colours.grey(PANEL_GREY)
    this.textY = colours.grey(TEXT_GREY)
    this.staticTextY = colours.grey(STATIC_TEXT_GREY)
    this.neutralChroma = colours.neutralChroma
    this.boxYuv = colours.rgb(...BOX_RGB)
  }

  /** Draws everything that never changes (call once). */
  drawStatic(): void {
    const L = this.layout
    this.fillColumns(L.bars, BARS)
    this.fillColumns(L.strip, CASTELLATIONS)
    for (const b of [L.timeLine, L.counterLine, L.sizeLine]) this.fillBand(b, this.panelY)
    this.drawText(L.sizeLine, `${this.width}x${this.height}@${formatFps(this.fps)}`, this.staticTextY)
  }

  /** Draws the clock, the counter and the box of frame `frameIndex`. */
  drawDynamic(frameIndex: number, wallMs: number): void {
    const L = this.layout
    this.fillBand(L.timeLine, this.panelY)
    this.drawText(L.timeLine, formatWallClock(wallMs), this.textY)
    this.fillBand(L.counterLine, this.panelY)
    this.drawText(L.counterLine, `FRAME ${String(Math.max(0, Math.floor(frameIndex))).padStart(COUNTER_DIGITS, '0')}`, this.textY)
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
      this.fillRect(x0, y0, x1, y1, this.colours.rgb(r, g, bl))
    }
  }

  private fillBand(b: Band, luma: number): void {
    const [y0, y1] = this.bandPixels(b)
    if (y1 > y0) this.fillRect(0, y0, this.width, y1, [luma, this.neutralChroma, this.neutralChroma])
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
    const a = this.textAlign
    const x0 = Math.floor((this.width - textW) / 2 / a) * a
    const y0 = b.row * MCU + Math.floor((b.rows * MCU - GLYPH_H * s) / 2 / a) * a
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
      p.u.fill(this.neutralChroma, cy * p.uvStride, (cy + 1) * p.uvStride)
      p.v.fill(this.neutralChroma, cy * p.uvStride, (cy + 1) * p.uvStride)
    }
    const size = Math.min(y1 - y0, this.width)
    const travel = this.width - size
    const step = Math.max(2, Math.round(travel / (this.fps * BOX_CROSSING_S)))
    let x = 0
    if (travel > 0) {
      const pos = (Math.max(0, Math.floor(frameIndex)) * step) % (2 * travel)
      x = (pos <= travel ? pos : 2 * travel - pos) & ~1
    }
    this.fillRect(x, y0, Math.min(this.width, x + size), y1, this.boxYuv)
  }
}
