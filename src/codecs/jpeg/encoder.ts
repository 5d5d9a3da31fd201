/**
 * Baseline JPEG encoder (ITU-T T.81, sequential DCT, Huffman coding) producing exactly what RFC 2435
 * can carry: 8-bit samples, three components, Y sampled 2x2 and Cb/Cr 1x1 (4:2:0, RFC 2435 type 1), the
 * Annex K Huffman tables, two quantization tables scaled from Annex K by a 1..100 quality, and DRI + RSTn
 * markers when a restart interval is requested.
 *
 * Besides whole frames (`encode`), a `JpegEncoder` made by `JpegEncoder.forRows` encodes one MCU row at
 * a time into its own byte-aligned entropy segment: with a restart interval of one MCU row, every row
 * starts with fresh DC predictors and ends byte-aligned, so a caller can cache the segments of rows that
 * did not change and `assembleRows` a frame from cached and fresh segments with RSTn in between.
 */
import { CodecError, ConfigError, StateError } from '../../errors.js'
import { JpegEntropyWriter } from './entropy-writer.js'
import { fdctQuantize, makeDivisors } from './fdct.js'
import { jpegHeaderSize, writeJpegHeaders } from './headers.js'
import { chromaSize, toI420, type I420Planes, type RawImage } from './i420.js'
import { JPEG_MAX_DIMENSION, JPEG_MAX_RESTART_INTERVAL } from './limits.js'
import { EOI, RST0, RST_COUNT } from './markers.js'
import {
  AC_CHROMA_CODES,
  AC_LUMA_CODES,
  BLOCK_AREA,
  BLOCK_SIZE,
  DC_CHROMA_CODES,
  DC_LUMA_CODES,
  DEFAULT_QUALITY,
  QUALITY_MAX,
  QUALITY_MIN,
  quantTablesForQuality,
  type HuffmanCodes,
} from './tables.js'

/** 4:2:0 MCU: 16x16 luma pixels, 4 Y blocks + Cb + Cr. */
const MCU_SIZE = 16
const MCU_SHIFT = 4
const CHROMA_BLOCK_SHIFT = 3
/**
 * Worst case bytes for one MCU: per block 22 DC bits + 63 × 26 AC bits ≈ 208 bytes, doubled for 0xFF
 * stuffing, times 6 blocks, rounded up.
 */
const MAX_MCU_BYTES = 4096
const MARKER_BYTES = 2

export interface JpegEncodeOptions {
  /** 1..100, libjpeg scale; default 80. */
  quality?: number
  /** MCUs per restart interval; 0 (default) = no restart markers. */
  restartInterval?: number
}

export interface JpegEncoderOptions extends JpegEncodeOptions {
  width: number
  height: number
}

export class JpegEncoder {
  readonly width: number
  readonly height: number
  readonly quality: number
  readonly restartInterval: number
  /** MCUs per row and MCU rows (4:2:0: 16x16 pixel MCUs). */
  readonly mcuCols: number
  readonly mcuRows: number
  /** Luma and chroma quantization tables in zig-zag order, as written to DQT. */
  readonly quantTables: readonly [Uint8Array, Uint8Array]
  private readonly chromaWidth: number
  private readonly chromaHeight: number
  private readonly header: Buffer
  private readonly lumaDiv: Float64Array
  private readonly chromaDiv: Float64Array
  private readonly writer: JpegEntropyWriter
  // Per-block scratch, reused for every block.
  private readonly ws = new Float64Array(BLOCK_AREA)
  private readonly coeffs = new Int32Array(BLOCK_AREA)
  private readonly edge = new Uint8Array(BLOCK_AREA)
  private predY = 0
  private predCb = 0
  private predCr = 0

  /** An encoder whose restart interval is one MCU row, ready for `encodeRow` / `assembleRows`. */
  static forRows(opts: Omit<JpegEncoderOptions, 'restartInterval'>): JpegEncoder {
    return new JpegEncoder({ ...opts, restartInterval: Math.ceil(opts.width / MCU_SIZE) })
  }

  constructor(opts: JpegEncoderOptions) {
    const { width, height } = opts
    checkDimensions(width, height)
    const quality = opts.quality ?? DEFAULT_QUALITY
    if (!Number.isInteger(quality) || quality < QUALITY_MIN || quality > QUALITY_MAX) {
      throw new ConfigError('ERR_JPEG_QUALITY', `JPEG quality ${quality} is out of range`, {
        observed: quality,
        allowed: `${QUALITY_MIN}..${QUALITY_MAX}`,
      })
    }
    const ri = opts.restartInterval ?? 0
    if (!Number.isInteger(ri) || ri < 0 || ri > JPEG_MAX_RESTART_INTERVAL) {
      throw new ConfigError('ERR_JPEG_RESTART_INTERVAL', `restart interval ${ri} is out of range`, {
        observed: ri,
        allowed: `0..${JPEG_MAX_RESTART_INTERVAL}`,
      })
    }
    this.width = width
    this.height = height
    this.quality = quality
    this.restartInterval = ri
    this.mcuCols = (width + MCU_SIZE - 1) >> MCU_SHIFT
    this.mcuRows = (height + MCU_SIZE - 1) >> MCU_SHIFT
    const c = chromaSize(width, height)
    this.chromaWidth = c.width
    this.chromaHeight = c.height
    this.quantTables = quantTablesForQuality(quality)
    this.lumaDiv = makeDivisors(this.quantTables[0])
    this.chromaDiv = makeDivisors(this.quantTables[1])
    const params = { type: 1 as const, width, height, quantTables: this.quantTables, restartInterval: ri }
    this.header = Buffer.alloc(jpegHeaderSize(params))
    writeJpegHeaders(this.header, 0, params)
    this.writer = new JpegEntropyWriter(Math.max(MAX_MCU_BYTES * 4, (width * height) >> 2))
  }

  /** SOI … SOS for this encoder's parameters (a copy). */
  headers(): Buffer {
    return Buffer.from(this.header)
  }

  /** Encodes a whole frame: headers, scan (with RSTn every `restartInterval` MCUs) and EOI. */
  encode(planes: I420Planes): Buffer {
    this.checkPlanes(planes)
    const w = this.writer
    w.reset()
    w.writeRaw(this.header)
    this.resetPredictors()
    const ri = this.restartInterval
    let mcu = 0
    let rst = 0
    for (let my = 0; my < this.mcuRows; my++) {
      for (let mx = 0; mx < this.mcuCols; mx++, mcu++) {
        if (ri > 0 && mcu > 0 && mcu % ri === 0) {
          w.alignWithOnes()
          w.writeMarker(RST0 + (rst++ % RST_COUNT))
          this.resetPredictors()
        }
        w.ensure(MAX_MCU_BYTES)
        this.encodeMcu(planes, mx, my)
      }
    }
    w.alignWithOnes()
    w.writeMarker(EOI)
    return w.toBuffer()
  }

  /**
   * Encodes MCU row `row` as a standalone restart interval: DC predictors reset at its start, padded
   * to a byte boundary with 1-bits at its end, no marker. The returned buffer is the caller's to keep.
   */
  encodeRow(planes: I420Planes, row: number): Buffer {
    if (!Number.isInteger(row) || row < 0 || row >= this.mcuRows) {
      throw new CodecError('ERR_JPEG_ROW', `MCU row ${row} is out of range`, { observed: row, allowed: `0..${this.mcuRows - 1}` })
    }
    this.checkPlanes(planes)
    const w = this.writer
    w.reset()
    this.resetPredictors()
    for (let mx = 0; mx < this.mcuCols; mx++) {
      w.ensure(MAX_MCU_BYTES)
      this.encodeMcu(planes, mx, row)
    }
    w.alignWithOnes()
    return w.toBuffer()
  }

  /**
   * Builds a frame from one entropy segment per MCU row (from `encodeRow`, cached or fresh): headers,
   * segment 0, RST0, segment 1, RST1, …, RST((n-2) mod 8), segment n-1, EOI. One allocation.
   * Requires an encoder whose restart interval is one MCU row (`forRows`).
   */
  assembleRows(segments: readonly Uint8Array[]): Buffer {
    if (this.restartInterval !== this.mcuCols) {
      throw new StateError('ERR_JPEG_NOT_ROW_ENCODER', 'assembleRows needs a restart interval of one MCU row (use JpegEncoder.forRows)', {
        observed: this.restartInterval,
        allowed: this.mcuCols,
      })
    }
    if (segments.length !== this.mcuRows) {
      throw new CodecError('ERR_JPEG_ROW_COUNT', `expected ${this.mcuRows} row segments, got ${segments.length}`, {
        observed: segments.length,
        allowed: this.mcuRows,
      })
    }
    let size = this.header.length + (this.mcuRows - 1) * MARKER_BYTES + MARKER_BYTES
    for (const s of segments) size += s.length
    const out = Buffer.allocUnsafe(size)
    let o = this.header.copy(out, 0)
    for (let r = 0; r < segments.length; r++) {
      const s = segments[r]!
      out.set(s, o)
      o += s.length
      if (r < segments.length - 1) {
        out[o++] = 0xff
        out[o++] = RST0 + (r % RST_COUNT)
      }
    }
    out[o++] = 0xff
    out[o++] = EOI
    return out
  }

  private resetPredictors(): void {
    this.predY = 0
    this.predCb = 0
    this.predCr = 0
  }

  private checkPlanes(p: I420Planes): void {
    const yNeed = p.yStride * (this.height - 1) + this.width
    const cNeed = p.uvStride * (this.chromaHeight - 1) + this.chromaWidth
    if (p.yStride < this.width || p.uvStride < this.chromaWidth || p.y.length < yNeed || p.u.length < cNeed || p.v.length < cNeed) {
      throw new CodecError('ERR_JPEG_INPUT_SIZE', `I420 planes too small for ${this.width}x${this.height}`, {
        observed: { y: p.y.length, u: p.u.length, v: p.v.length, yStride: p.yStride, uvStride: p.uvStride },
        allowed: { y: yNeed, uv: cNeed },
      })
    }
  }

  private encodeMcu(p: I420Planes, mx: number, my: number): void {
    const x0 = mx << MCU_SHIFT
    const y0 = my << MCU_SHIFT
    const w = this.width
    const h = this.height
    const ld = this.lumaDiv
    // Four Y blocks in raster order (T.81 A.2.3, interleaved MCU).
    this.predY = this.block(p.y, p.yStride, x0, y0, w, h, ld, this.predY, DC_LUMA_CODES, AC_LUMA_CODES)
    this.predY = this.block(p.y, p.yStride, x0 + BLOCK_SIZE, y0, w, h, ld, this.predY, DC_LUMA_CODES, AC_LUMA_CODES)
    this.predY = this.block(p.y, p.yStride, x0, y0 + BLOCK_SIZE, w, h, ld, this.predY, DC_LUMA_CODES, AC_LUMA_CODES)
    this.predY = this.block(p.y, p.yStride, x0 + BLOCK_SIZE, y0 + BLOCK_SIZE, w, h, ld, this.predY, DC_LUMA_CODES, AC_LUMA_CODES)
    const cx = mx << CHROMA_BLOCK_SHIFT
    const cy = my << CHROMA_BLOCK_SHIFT
    const cw = this.chromaWidth
    const ch = this.chromaHeight
    this.predCb = this.block(p.u, p.uvStride, cx, cy, cw, ch, this.chromaDiv, this.predCb, DC_CHROMA_CODES, AC_CHROMA_CODES)
    this.predCr = this.block(p.v, p.uvStride, cx, cy, cw, ch, this.chromaDiv, this.predCr, DC_CHROMA_CODES, AC_CHROMA_CODES)
  }

  /** Transforms, quantizes and entropy-codes one 8x8 block; returns the new DC predictor. */
  private block(
    src: Uint8Array,
    stride: number,
    x0: number,
    y0: number,
    w: number,
    h: number,
    div: Float64Array,
    pred: number,
    dc: HuffmanCodes,
    ac: HuffmanCodes,
  ): number {
    if (x0 + BLOCK_SIZE <= w && y0 + BLOCK_SIZE <= h) {
      fdctQuantize(src, y0 * stride + x0, stride, div, this.ws, this.coeffs)
    } else {
      // Past the right or bottom edge: repeat the last column/row (the usual padding, T.81 A.2.4).
      const e = this.edge
      for (let r = 0; r < BLOCK_SIZE; r++) {
        const row = Math.min(y0 + r, h - 1) * stride
        for (let c = 0; c < BLOCK_SIZE; c++) e[r * BLOCK_SIZE + c] = src[row + Math.min(x0 + c, w - 1)]!
      }
      fdctQuantize(e, 0, BLOCK_SIZE, div, this.ws, this.coeffs)
    }
    return this.writer.encodeBlock(this.coeffs, pred, dc, ac)
  }
}

function checkDimensions(width: number, height: number): void {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width > JPEG_MAX_DIMENSION ||
    height > JPEG_MAX_DIMENSION
  ) {
    throw new CodecError('ERR_JPEG_DIMENSIONS', `JPEG size ${width}x${height} is not supported`, {
      observed: `${width}x${height}`,
      allowed: `1..${JPEG_MAX_DIMENSION} each`,
    })
  }
}

/**
 * Encodes `image` as a baseline 4:2:0 JFIF that RFC 2435 can carry. rgb/rgba/gray are converted to
 * I420 first (gray gets neutral chroma, since RFC 2435 has no single-component type).
 */
export function encodeJpeg(image: RawImage, opts: JpegEncodeOptions = {}): Buffer {
  checkDimensions(image.width, image.height)
  const planes = toI420(image)
  return new JpegEncoder({ width: image.width, height: image.height, ...opts }).encode(planes)
}
