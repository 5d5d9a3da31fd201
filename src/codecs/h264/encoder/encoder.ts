/**
 * A small H.264 encoder for mostly still pictures (ITU-T H.264, Constrained Baseline, CAVLC, 4:2:0,
 * one slice per picture, deblocking off). A keyframe is an IDR picture of Intra_16x16 macroblocks; any
 * other picture is a P slice in which macroblocks whose source did not change since the previous
 * picture are P_Skip (mb_skip_run) and the changed ones are coded intra. Every motion vector is then
 * zero (8.4.1.1: P_Skip next to intra or zero-vector neighbours predicts (0, 0)), so P_Skip copies the
 * co-located macroblock of the previous reconstruction, which we keep bit-exact with the decoder's.
 */
import { ConfigError } from '../../../errors.js'
import { IntraMacroblockCoder, P_SLICE_INTRA_MB_TYPE_OFFSET, type MacroblockPlanes } from './macroblock.js'
import { LOG2_MAX_FRAME_NUM, parameterSetNals } from './parameter-sets.js'
import { RbspWriter } from './rbsp-writer.js'
import { NAL_IDR_SLICE, NAL_P_SLICE, writeSliceHeader } from './slice-header.js'
import { MAX_QP, QuantParams, chromaQp } from './transform.js'

export const DEFAULT_H264_QP = 28
export const H264_ENCODER_MIN_SIZE = 16
/** Even sizes only: 4:2:0 cropping works in 2-sample units. */
export const H264_ENCODER_MAX_SIZE = 4096
const MB = 16
const CMB = 8
const MAX_FRAME_NUM = 1 << LOG2_MAX_FRAME_NUM
const IDR_PIC_ID_MODULO = 65536

/** A 4:2:0 picture: Y at `yStride` bytes a row, Cb and Cr at half width and height, `uvStride` a row. */
export interface YuvPicture {
  y: Uint8Array
  u: Uint8Array
  v: Uint8Array
  yStride: number
  uvStride: number
}

export interface H264EncoderOptions {
  width: number
  height: number
  /** Written into the SPS timing information and used for the level. */
  fps: number
  /** Quantisation parameter 0..51 (default 28). */
  qp?: number
}

export interface EncodedPicture {
  /** NAL units without start codes: SPS, PPS and the IDR slice for a keyframe; one P slice otherwise. */
  nalus: Buffer[]
  keyframe: boolean
  /** Macroblocks coded (the rest were skipped). */
  codedMacroblocks: number
}

export class H264Encoder {
  readonly width: number
  readonly height: number
  readonly mbWidth: number
  readonly mbHeight: number
  readonly qp: number
  /** SPS and PPS NAL units, also sent in front of every IDR. */
  readonly sps: Buffer
  readonly pps: Buffer
  private readonly planes: MacroblockPlanes
  private readonly coder: IntraMacroblockCoder
  private readonly writer = new RbspWriter()
  private readonly lumaQuant: QuantParams
  private readonly chromaQuant: QuantParams
  private readonly changed: Uint8Array
  private hasReference = false
  private frameNum = 0
  private idrCount = 0

  constructor(opts: H264EncoderOptions) {
    const { width, height, fps } = opts
    const qp = opts.qp ?? DEFAULT_H264_QP
    for (const [key, v] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (!Number.isInteger(v) || v < H264_ENCODER_MIN_SIZE || v > H264_ENCODER_MAX_SIZE || v % 2 !== 0) {
        throw new ConfigError('ERR_H264_ENCODER_SIZE', `H.264 encoder ${key} ${v} is out of range`, {
          key,
          observed: v,
          allowed: `even, ${H264_ENCODER_MIN_SIZE}..${H264_ENCODER_MAX_SIZE}`,
        })
      }
    }
    if (!Number.isInteger(qp) || qp < 0 || qp > MAX_QP) {
      throw new ConfigError('ERR_H264_ENCODER_QP', `H.264 encoder QP ${qp} is out of range`, { observed: qp, allowed: `0..${MAX_QP}` })
    }
    if (!(fps > 0)) throw new ConfigError('ERR_H264_ENCODER_FPS', `H.264 encoder fps ${fps} must be positive`, { observed: fps })
    this.width = width
    this.height = height
    this.qp = qp
    this.mbWidth = Math.ceil(width / MB)
    this.mbHeight = Math.ceil(height / MB)
    const lumaSize = this.mbWidth * MB * this.mbHeight * MB
    const chromaSize = lumaSize / 4
    this.planes = {
      mbWidth: this.mbWidth,
      mbHeight: this.mbHeight,
      srcY: new Uint8Array(lumaSize),
      srcU: new Uint8Array(chromaSize),
      srcV: new Uint8Array(chromaSize),
      recY: new Uint8Array(lumaSize),
      recU: new Uint8Array(chromaSize),
      recV: new Uint8Array(chromaSize),
    }
    this.coder = new IntraMacroblockCoder(this.planes)
    this.changed = new Uint8Array(this.mbWidth * this.mbHeight)
    this.lumaQuant = new QuantParams(qp)
    this.chromaQuant = new QuantParams(chromaQp(qp))
    const ps = parameterSetNals({ width, height, fps, qp })
    this.sps = ps.sps
    this.pps = ps.pps
  }

  /** The reconstruction (what a decoder shows), padded to whole macroblocks; for tests. */
  get reconstruction(): YuvPicture {
    return { y: this.planes.recY, u: this.planes.recU, v: this.planes.recV, yStride: this.mbWidth * MB, uvStride: this.mbWidth * CMB }
  }

  /**
   * Encodes `picture` (width x height, 4:2:0, BT.601 limited range). A keyframe when asked, or when there
   * is no previous picture to predict from.
   */
  encode(picture: YuvPicture, opts: { keyframe?: boolean } = {}): EncodedPicture {
    const idr = opts.keyframe === true || !this.hasReference
    this.loadSource(picture, idr)
    const w = this.writer
    w.reset()
    if (idr) this.frameNum = 0
    writeSliceHeader(w, { idr, frameNum: this.frameNum, idrPicId: this.idrCount % IDR_PIC_ID_MODULO })
    let skipRun = 0
    let coded = 0
    const ql = this.lumaQuant
    const qc = this.chromaQuant
    for (let mbY = 0, mbAddr = 0; mbY < this.mbHeight; mbY++) {
      for (let mbX = 0; mbX < this.mbWidth; mbX++, mbAddr++) {
        if (idr) {
          this.coder.encode(w, mbX, mbY, ql, qc, 0)
          coded++
        } else if (this.changed[mbAddr]) {
          w.writeUe(skipRun)
          skipRun = 0
          this.coder.encode(w, mbX, mbY, ql, qc, P_SLICE_INTRA_MB_TYPE_OFFSET)
          coded++
        } else {
          skipRun++
          this.coder.markSkipped(mbAddr)
        }
      }
    }
    if (skipRun > 0) w.writeUe(skipRun)
    w.writeTrailingBits()
    const slice = w.toNal(idr ? NAL_IDR_SLICE : NAL_P_SLICE)
    if (idr) this.idrCount++
    this.frameNum = (this.frameNum + 1) % MAX_FRAME_NUM
    this.hasReference = true
    return { nalus: idr ? [this.sps, this.pps, slice] : [slice], keyframe: idr, codedMacroblocks: coded }
  }

  /**
   * Copies `picture` into the padded source planes and marks the macroblocks whose samples changed.
   * One pass compares and copies; edges are replicated into the padding so edge macroblocks stay smooth.
   */
  private loadSource(picture: YuvPicture, all: boolean): void {
    const { width, height } = this
    const changed = this.changed
    if (all) changed.fill(1)
    else changed.fill(0)
    const ls = this.mbWidth * MB
    copyPlane(picture.y, picture.yStride, this.planes.srcY, ls, width, height, MB, this.mbWidth, changed)
    const cw = width >> 1
    const ch = height >> 1
    const cs = this.mbWidth * CMB
    copyPlane(picture.u, picture.uvStride, this.planes.srcU, cs, cw, ch, CMB, this.mbWidth, changed)
    copyPlane(picture.v, picture.uvStride, this.planes.srcV, cs, cw, ch, CMB, this.mbWidth, changed)
  }
}

/**
 * Copies a w x h plane into a padded one (stride `ds`, height a whole number of `block` rows), setting
 * changed[mb] for each macroblock (block x block samples) with a differing sample. Rows are compared
 * four samples at a time where both planes allow 32-bit views, since most of a still picture is equal.
 */
function copyPlane(
  src: Uint8Array,
  ss: number,
  dst: Uint8Array,
  ds: number,
  w: number,
  h: number,
  block: number,
  mbWidth: number,
  changed: Uint8Array,
): void {
  const shift = block === MB ? 4 : 3
  const words = src.byteOffset % 4 === 0 && ss % 4 === 0 && ds % 4 === 0 && w % 4 === 0
  const src32 = words ? new Uint32Array(src.buffer, src.byteOffset, src.length >> 2) : undefined
  const dst32 = words ? new Uint32Array(dst.buffer, dst.byteOffset, dst.length >> 2) : undefined
  const wordShift = shift - 2
  for (let y = 0; y < h; y++) {
    const so = y * ss
    const d = y * ds
    const rowMb = (y >> shift) * mbWidth
    if (src32 && dst32) {
      const so4 = so >> 2
      const d4 = d >> 2
      const n = w >> 2
      for (let x = 0; x < n; x++) {
        const v = src32[so4 + x]!
        if (dst32[d4 + x] !== v) {
          dst32[d4 + x] = v
          changed[rowMb + (x >> wordShift)] = 1
        }
      }
    } else {
      for (let x = 0; x < w; x++) {
        const v = src[so + x]!
        if (dst[d + x] !== v) {
          dst[d + x] = v
          changed[rowMb + (x >> shift)] = 1
        }
      }
    }
    if (w < ds) dst.fill(dst[d + w - 1]!, d + w, d + ds)
  }
  const rows = dst.length / ds
  for (let y = h; y < rows; y++) dst.copyWithin(y * ds, (h - 1) * ds, h * ds)
}
