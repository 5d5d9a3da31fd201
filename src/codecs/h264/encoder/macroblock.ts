/**
 * Intra_16x16 macroblocks (ITU-T H.264 7.3.5 macroblock_layer, 7.3.5.3 residual, CAVLC): mode
 * choice by SAD, transform and quantisation, the decoder's reconstruction (written back into the
 * reconstructed picture that later predictions and P_Skip read), and the bits. All scratch memory
 * is allocated once per coder.
 */
import type { RbspWriter } from './rbsp-writer.js'
import { MAX_CAVLC_LEVEL, NC_CHROMA_DC, ResidualWriter } from './cavlc.js'
import { ChromaMode, Intra16Mode, predictChroma8, predictLuma16, sad, type BlockSite } from './intra-pred.js'
import { chromaDc, forward4x4, inverse4x4, lumaDc, quantiseAc, scaleAc, type QuantParams } from './transform.js'

const MB = 16
const CMB = 8
const AC_COEFFS = 15
const LUMA_BLOCKS = 16
const CHROMA_BLOCKS = 4
/** mb_type of Intra_16x16 in an I slice is 1 + pred mode + 4 * chroma cbp + 12 when luma AC is coded (Table 7-11). */
const I16_MB_TYPE_BASE = 1
const I16_CBP_CHROMA_STEP = 4
const I16_LUMA_AC_FLAG = 12
/** In P slices the intra mb_types follow the five inter ones (Table 7-13). */
export const P_SLICE_INTRA_MB_TYPE_OFFSET = 5
/** Best SAD (a mean error of one level a sample) below which plane prediction is not tried. */
const PLANE_WORTH_TRYING_LUMA = MB * MB
const PLANE_WORTH_TRYING_CHROMA = 2 * CMB * CMB
/** Intra_16x16 codes all four luma 8x8 blocks' AC or none. */
const CBP_LUMA_ALL = 15
const CBP_CHROMA_DC = 1
const CBP_CHROMA_AC = 2

/** Raster position (y * 4 + x) of each luma4x4BlkIdx (6.4.3: 8x8 quadrants, then 4x4 inside). */
const LUMA_BLOCK_RASTER: readonly number[] = Array.from({ length: LUMA_BLOCKS }, (_, b) => {
  const x = ((b >> 2) & 1) * 2 + (b & 1)
  const y = (b >> 3) * 2 + ((b >> 1) & 1)
  return y * 4 + x
})

/** The reconstructed and source pictures the coder works on, padded to whole macroblocks. */
export interface MacroblockPlanes {
  mbWidth: number
  mbHeight: number
  srcY: Uint8Array
  srcU: Uint8Array
  srcV: Uint8Array
  recY: Uint8Array
  recU: Uint8Array
  recV: Uint8Array
}

export class IntraMacroblockCoder {
  private readonly p: MacroblockPlanes
  private readonly lumaStride: number
  private readonly chromaStride: number
  /** TotalCoeff of each 4x4 block in the current picture, for nC (9.2.1): luma 16 and chroma 4 per MB. */
  readonly lumaNz: Uint8Array
  readonly cbNz: Uint8Array
  readonly crNz: Uint8Array
  private readonly residual = new ResidualWriter()
  private readonly site: BlockSite
  private pred = new Int32Array(MB * MB)
  private trial = new Int32Array(MB * MB)
  private predU = new Int32Array(CMB * CMB)
  private predV = new Int32Array(CMB * CMB)
  private trialU = new Int32Array(CMB * CMB)
  private trialV = new Int32Array(CMB * CMB)
  private readonly res = new Int32Array(MB * MB)
  private readonly coef = new Int32Array(MB * MB)
  private readonly tmp = new Int32Array(16)
  private readonly dc = new Int32Array(16)
  private readonly dcLevels = new Int32Array(16)
  private readonly acLevels = new Int32Array(LUMA_BLOCKS * AC_COEFFS)
  private readonly acNz = new Uint8Array(LUMA_BLOCKS)
  /** Blocks whose residual was all zero (no transform or quantisation needed). */
  private readonly zeroBlock = new Uint8Array(LUMA_BLOCKS)
  private readonly cCoef = new Int32Array(2 * CHROMA_BLOCKS * 16)
  private readonly cDc = new Int32Array(2 * CHROMA_BLOCKS)
  private readonly cDcLevels = new Int32Array(2 * CHROMA_BLOCKS)
  private readonly cAcLevels = new Int32Array(2 * CHROMA_BLOCKS * AC_COEFFS)
  private readonly cAcNz = new Uint8Array(2 * CHROMA_BLOCKS)
  private readonly cZeroBlock = new Uint8Array(2 * CHROMA_BLOCKS)
  private bestMode = 0
  private bestCost = 0

  constructor(planes: MacroblockPlanes) {
    this.p = planes
    this.lumaStride = planes.mbWidth * MB
    this.chromaStride = planes.mbWidth * CMB
    const count = planes.mbWidth * planes.mbHeight
    this.lumaNz = new Uint8Array(count * LUMA_BLOCKS)
    this.cbNz = new Uint8Array(count * CHROMA_BLOCKS)
    this.crNz = new Uint8Array(count * CHROMA_BLOCKS)
    this.site = { plane: planes.recY, stride: this.lumaStride, at: 0, left: false, top: false }
  }

  /** A P_Skip macroblock: no coefficients for its neighbours' nC. */
  markSkipped(mbAddr: number): void {
    this.lumaNz.fill(0, mbAddr * LUMA_BLOCKS, (mbAddr + 1) * LUMA_BLOCKS)
    this.cbNz.fill(0, mbAddr * CHROMA_BLOCKS, (mbAddr + 1) * CHROMA_BLOCKS)
    this.crNz.fill(0, mbAddr * CHROMA_BLOCKS, (mbAddr + 1) * CHROMA_BLOCKS)
  }

  /**
   * Codes macroblock (mbX, mbY) as Intra_16x16 with quantisers `qy` (luma) and `qc` (chroma):
   * writes macroblock_layer() after any mb_skip_run, and its reconstruction into the picture.
   * `mbTypeOffset` is 0 in I slices and P_SLICE_INTRA_MB_TYPE_OFFSET in P slices.
   */
  encode(w: RbspWriter, mbX: number, mbY: number, qy: QuantParams, qc: QuantParams, mbTypeOffset: number): void {
    const mbAddr = mbY * this.p.mbWidth + mbX
    const left = mbX > 0
    const top = mbY > 0
    const lumaMode = this.codeLuma(mbX, mbY, left, top, qy)
    let cbpLuma = 0
    for (let r = 0; r < LUMA_BLOCKS; r++) if (this.acNz[r]) cbpLuma = CBP_LUMA_ALL
    for (let r = 0; r < LUMA_BLOCKS; r++) this.lumaNz[mbAddr * LUMA_BLOCKS + r] = cbpLuma ? this.acNz[r]! : 0
    const chromaMode = this.chooseChromaMode(mbX, mbY, left, top)
    const cbpChroma = this.codeChroma(mbX, mbY, qc)
    for (let b = 0; b < CHROMA_BLOCKS; b++) {
      this.cbNz[mbAddr * CHROMA_BLOCKS + b] = cbpChroma === CBP_CHROMA_AC ? this.cAcNz[b]! : 0
      this.crNz[mbAddr * CHROMA_BLOCKS + b] = cbpChroma === CBP_CHROMA_AC ? this.cAcNz[CHROMA_BLOCKS + b]! : 0
    }

    w.writeUe(mbTypeOffset + I16_MB_TYPE_BASE + lumaMode + I16_CBP_CHROMA_STEP * cbpChroma + (cbpLuma ? I16_LUMA_AC_FLAG : 0))
    w.writeUe(chromaMode)
    w.writeSe(0) // mb_qp_delta
    this.residual.write(w, this.dcLevels, 0, LUMA_BLOCKS, this.lumaNc(mbAddr, mbX, mbY, 0))
    if (cbpLuma) {
      for (let b = 0; b < LUMA_BLOCKS; b++) {
        const r = LUMA_BLOCK_RASTER[b]!
        this.residual.write(w, this.acLevels, r * AC_COEFFS, AC_COEFFS, this.lumaNc(mbAddr, mbX, mbY, r))
      }
    }
    if (cbpChroma > 0) {
      for (let c = 0; c < 2; c++) this.residual.write(w, this.cDcLevels, c * CHROMA_BLOCKS, CHROMA_BLOCKS, NC_CHROMA_DC)
    }
    if (cbpChroma === CBP_CHROMA_AC) {
      for (let c = 0; c < 2; c++) {
        const nz = c === 0 ? this.cbNz : this.crNz
        for (let b = 0; b < CHROMA_BLOCKS; b++) {
          this.residual.write(w, this.cAcLevels, (c * CHROMA_BLOCKS + b) * AC_COEFFS, AC_COEFFS, this.chromaNc(nz, mbAddr, mbX, mbY, b))
        }
      }
    }
  }

  /** Chooses the luma mode, transforms, quantises and reconstructs; returns the mode. */
  private codeLuma(mbX: number, mbY: number, left: boolean, top: boolean, q: QuantParams): number {
    const { srcY, recY } = this.p
    const stride = this.lumaStride
    const at = mbY * MB * stride + mbX * MB
    const site = this.site
    site.plane = recY
    site.stride = stride
    site.at = at
    site.left = left
    site.top = top
    predictLuma16(site, Intra16Mode.DC, this.pred)
    this.bestMode = Intra16Mode.DC
    this.bestCost = sad(srcY, stride, at, this.pred, MB)
    if (top) this.tryLumaMode(Intra16Mode.VERTICAL)
    if (left) this.tryLumaMode(Intra16Mode.HORIZONTAL)
    // Plane prediction only pays on gradients; where the others already predict well it is not worth its cost.
    if (top && left && this.bestCost > PLANE_WORTH_TRYING_LUMA) this.tryLumaMode(Intra16Mode.PLANE)
    const best = this.bestMode

    const pred = this.pred
    const { res, coef, dc } = this
    for (let r = 0; r < LUMA_BLOCKS; r++) {
      const bx = (r & 3) * 4
      const by = (r >> 2) * 4
      let any = 0
      for (let y = 0; y < 4; y++) {
        const s = at + (by + y) * stride + bx
        const pi = (by + y) * MB + bx
        for (let x = 0; x < 4; x++) any |= res[r * 16 + y * 4 + x] = srcY[s + x]! - pred[pi + x]!
      }
      this.zeroBlock[r] = any === 0 ? 1 : 0
      if (any === 0)
        coef.fill(0, r * 16, r * 16 + 16) // predicted exactly: the common case on a still card
      else forward4x4(res, r * 16, coef, r * 16)
      dc[r] = coef[r * 16]!
    }
    lumaDc(dc, q, this.dcLevels, 0, MAX_CAVLC_LEVEL)
    for (let r = 0; r < LUMA_BLOCKS; r++) {
      if (this.zeroBlock[r]) {
        this.acLevels.fill(0, r * AC_COEFFS, (r + 1) * AC_COEFFS)
        this.acNz[r] = 0
      } else this.acNz[r] = quantiseAc(coef, r * 16, q, this.acLevels, r * AC_COEFFS, MAX_CAVLC_LEVEL)
    }
    for (let r = 0; r < LUMA_BLOCKS; r++) {
      const bx = (r & 3) * 4
      const by = (r >> 2) * 4
      if (this.acNz[r] === 0) {
        addConstant(recY, at + by * stride + bx, stride, pred, by * MB + bx, MB, dcOnlyResidual(dc[r]!))
        continue
      }
      scaleAc(this.acLevels, r * AC_COEFFS, q, coef, r * 16)
      coef[r * 16] = dc[r]!
      inverse4x4(coef, r * 16, this.tmp)
      for (let y = 0; y < 4; y++) {
        const d = at + (by + y) * stride + bx
        const pi = (by + y) * MB + bx
        for (let x = 0; x < 4; x++) {
          const v = pred[pi + x]! + coef[r * 16 + y * 4 + x]!
          recY[d + x] = v < 0 ? 0 : v > 255 ? 255 : v
        }
      }
    }
    return best
  }

  /** Predicts with `mode` at the current site and keeps it when its SAD is lower than the best so far. */
  private tryLumaMode(mode: number): void {
    if (this.bestCost === 0) return
    const site = this.site
    predictLuma16(site, mode, this.trial)
    const cost = sad(this.p.srcY, site.stride, site.at, this.trial, MB)
    if (cost < this.bestCost) {
      this.bestCost = cost
      this.bestMode = mode
      const t = this.pred
      this.pred = this.trial
      this.trial = t
    }
  }

  /** Picks the chroma mode with the lowest SAD over Cb and Cr, leaving its predictions in predU/predV. */
  private chooseChromaMode(mbX: number, mbY: number, left: boolean, top: boolean): number {
    const { srcU, srcV, recU, recV } = this.p
    const stride = this.chromaStride
    const at = mbY * CMB * stride + mbX * CMB
    const site = this.site
    site.stride = stride
    site.at = at
    site.left = left
    site.top = top
    let best = ChromaMode.DC as number
    let bestCost = Infinity
    for (let mode = ChromaMode.DC as number; mode <= ChromaMode.PLANE; mode++) {
      if ((mode === ChromaMode.HORIZONTAL || mode === ChromaMode.PLANE) && !left) continue
      if ((mode === ChromaMode.VERTICAL || mode === ChromaMode.PLANE) && !top) continue
      if (mode === ChromaMode.PLANE && bestCost <= PLANE_WORTH_TRYING_CHROMA) break
      site.plane = recU
      predictChroma8(site, mode, this.trialU)
      site.plane = recV
      predictChroma8(site, mode, this.trialV)
      const cost = sad(srcU, stride, at, this.trialU, CMB) + sad(srcV, stride, at, this.trialV, CMB)
      if (cost < bestCost) {
        bestCost = cost
        best = mode
        let t = this.predU
        this.predU = this.trialU
        this.trialU = t
        t = this.predV
        this.predV = this.trialV
        this.trialV = t
      }
      if (bestCost === 0) break
    }
    return best
  }

  /** Transforms, quantises and reconstructs both chroma components; returns coded_block_pattern chroma. */
  private codeChroma(mbX: number, mbY: number, q: QuantParams): number {
    const stride = this.chromaStride
    const at = mbY * CMB * stride + mbX * CMB
    const { res, cCoef, cDc } = this
    let anyDc = false
    let anyAc = false
    for (let c = 0; c < 2; c++) {
      const src = c === 0 ? this.p.srcU : this.p.srcV
      const pred = c === 0 ? this.predU : this.predV
      for (let b = 0; b < CHROMA_BLOCKS; b++) {
        const bx = (b & 1) * 4
        const by = (b >> 1) * 4
        let any = 0
        for (let y = 0; y < 4; y++) {
          for (let x = 0; x < 4; x++)
            any |= res[b * 16 + y * 4 + x] = src[at + (by + y) * stride + bx + x]! - pred[(by + y) * CMB + bx + x]!
        }
        const o = (c * CHROMA_BLOCKS + b) * 16
        this.cZeroBlock[c * CHROMA_BLOCKS + b] = any === 0 ? 1 : 0
        if (any === 0) cCoef.fill(0, o, o + 16)
        else forward4x4(res, b * 16, cCoef, o)
        this.dc[b] = cCoef[o]!
      }
      if (chromaDc(this.dc, q, this.cDcLevels, c * CHROMA_BLOCKS, MAX_CAVLC_LEVEL)) anyDc = true
      for (let b = 0; b < CHROMA_BLOCKS; b++) {
        cDc[c * CHROMA_BLOCKS + b] = this.dc[b]!
        const k = c * CHROMA_BLOCKS + b
        if (this.cZeroBlock[k]) {
          this.cAcLevels.fill(0, k * AC_COEFFS, (k + 1) * AC_COEFFS)
          this.cAcNz[k] = 0
          continue
        }
        const n = quantiseAc(cCoef, k * 16, q, this.cAcLevels, k * AC_COEFFS, MAX_CAVLC_LEVEL)
        this.cAcNz[k] = n
        if (n) anyAc = true
      }
    }
    for (let c = 0; c < 2; c++) {
      const rec = c === 0 ? this.p.recU : this.p.recV
      const pred = c === 0 ? this.predU : this.predV
      for (let b = 0; b < CHROMA_BLOCKS; b++) {
        const k = c * CHROMA_BLOCKS + b
        const bx = (b & 1) * 4
        const by = (b >> 1) * 4
        if (!anyAc || this.cAcNz[k] === 0) {
          addConstant(rec, at + by * stride + bx, stride, pred, by * CMB + bx, CMB, dcOnlyResidual(cDc[k]!))
          continue
        }
        scaleAc(this.cAcLevels, k * AC_COEFFS, q, cCoef, k * 16)
        cCoef[k * 16] = cDc[k]!
        inverse4x4(cCoef, k * 16, this.tmp)
        for (let y = 0; y < 4; y++) {
          for (let x = 0; x < 4; x++) {
            const v = pred[(by + y) * CMB + bx + x]! + cCoef[k * 16 + y * 4 + x]!
            rec[at + (by + y) * stride + bx + x] = v < 0 ? 0 : v > 255 ? 255 : v
          }
        }
      }
    }
    return anyAc ? CBP_CHROMA_AC : anyDc ? CBP_CHROMA_DC : 0
  }

  /** nC of the luma block at raster position r (9.2.1): the mean of the left and upper blocks' counts. */
  private lumaNc(mbAddr: number, mbX: number, mbY: number, r: number): number {
    const bx = r & 3
    const by = r >> 2
    const nz = this.lumaNz
    let nA = -1
    let nB = -1
    if (bx > 0) nA = nz[mbAddr * LUMA_BLOCKS + r - 1]!
    else if (mbX > 0) nA = nz[(mbAddr - 1) * LUMA_BLOCKS + by * 4 + 3]!
    if (by > 0) nB = nz[mbAddr * LUMA_BLOCKS + r - 4]!
    else if (mbY > 0) nB = nz[(mbAddr - this.p.mbWidth) * LUMA_BLOCKS + 12 + bx]!
    return combineNc(nA, nB)
  }

  /** nC of chroma AC block b (raster 2x2) of one component. */
  private chromaNc(nz: Uint8Array, mbAddr: number, mbX: number, mbY: number, b: number): number {
    const bx = b & 1
    const by = b >> 1
    let nA = -1
    let nB = -1
    if (bx > 0) nA = nz[mbAddr * CHROMA_BLOCKS + b - 1]!
    else if (mbX > 0) nA = nz[(mbAddr - 1) * CHROMA_BLOCKS + by * 2 + 1]!
    if (by > 0) nB = nz[mbAddr * CHROMA_BLOCKS + b - 2]!
    else if (mbY > 0) nB = nz[(mbAddr - this.p.mbWidth) * CHROMA_BLOCKS + 2 + bx]!
    return combineNc(nA, nB)
  }
}

/** The residual of a block whose only coefficient is its DC `d`: the inverse transform makes it flat. */
function dcOnlyResidual(d: number): number {
  return (d + 32) >> 6
}

/** rec[4x4 at `at`] = clip(pred[4x4 at `pi`, row stride `ps`] + v). */
function addConstant(rec: Uint8Array, at: number, stride: number, pred: Int32Array, pi: number, ps: number, v: number): void {
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      const s = pred[pi + y * ps + x]! + v
      rec[at + y * stride + x] = s < 0 ? 0 : s > 255 ? 255 : s
    }
  }
}

/** 9.2.1: both available -> rounded mean; one -> that one; none -> 0 (-1 marks "not available"). */
function combineNc(nA: number, nB: number): number {
  if (nA >= 0 && nB >= 0) return (nA + nB + 1) >> 1
  if (nA >= 0) return nA
  if (nB >= 0) return nB
  return 0
}
