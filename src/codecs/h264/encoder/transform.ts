/**
 * The 4x4 integer transform and quantisation of ITU-T H.264: the forward core transform and quantiser
 * an encoder is free to choose (here the usual ones, with multipliers matched to the standard's
 * scaling), and the decoder's scaling and inverse transform exactly as section 8.5 specifies them
 * (8.5.10 Intra16x16 DC, 8.5.11 chroma DC, 8.5.12 residual 4x4 blocks), so that our reconstruction
 * equals every decoder's and P_Skip macroblocks copy exactly what the decoder holds.
 *
 * Blocks are 16 numbers in raster order (row * 4 + column).
 */

/** Zig-zag scan (Table 8-13, frame macroblocks): scan index -> raster position. */
export const ZIGZAG_4X4: readonly number[] = [0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15]

/** normAdjust4x4 (8.5.9, Table 8-14 v): columns for positions with both, neither, or one odd index. */
const NORM_ADJUST: readonly (readonly [number, number, number])[] = [
  [10, 16, 13],
  [11, 18, 14],
  [13, 20, 16],
  [14, 23, 18],
  [16, 25, 20],
  [18, 29, 23],
]
/** Forward multipliers matching NORM_ADJUST (2^15 scale), same three position classes. */
const QUANT_MF: readonly (readonly [number, number, number])[] = [
  [13107, 5243, 8066],
  [11916, 4660, 7490],
  [10082, 4194, 6554],
  [9362, 3647, 5825],
  [8192, 3355, 5243],
  [7282, 2893, 4559],
]
/** Flat weight scale (Flat_4x4_16): LevelScale4x4 = 16 * normAdjust4x4. */
const FLAT_WEIGHT = 16
const QP_PER = 6
const QBITS_BASE = 15

/** Position class of raster index i: 0 both even, 1 both odd, 2 mixed. */
function positionClass(i: number): number {
  const r = i >> 2
  const c = i & 3
  if ((r & 1) === 0 && (c & 1) === 0) return 0
  if ((r & 1) === 1 && (c & 1) === 1) return 1
  return 2
}

/** QPc for QPY + chroma_qp_index_offset (Table 8-15). */
const CHROMA_QP: readonly number[] = [29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36, 36, 37, 37, 37, 38, 38, 38, 39, 39, 39, 39]
const CHROMA_QP_TABLE_START = 30
export const MAX_QP = 51

export function chromaQp(qpY: number, offset = 0): number {
  const qpi = Math.min(MAX_QP, Math.max(0, qpY + offset))
  return qpi < CHROMA_QP_TABLE_START ? qpi : CHROMA_QP[qpi - CHROMA_QP_TABLE_START]!
}

/** Per-QP scaling for one plane: forward multipliers, decoder scale factors and shifts. */
export class QuantParams {
  readonly qp: number
  /** Forward multiplier per raster position. */
  readonly mf = new Int32Array(16)
  /** LevelScale4x4 per raster position (16 * normAdjust). */
  readonly levelScale = new Int32Array(16)
  readonly qbits: number
  /** Rounding offset of intra blocks: a third of a step. */
  readonly deadzone: number
  readonly qpDiv6: number

  constructor(qp: number) {
    this.qp = qp
    const rem = qp % QP_PER
    this.qpDiv6 = Math.floor(qp / QP_PER)
    this.qbits = QBITS_BASE + this.qpDiv6
    this.deadzone = Math.floor((1 << this.qbits) / 3)
    for (let i = 0; i < 16; i++) {
      const cls = positionClass(i)
      this.mf[i] = QUANT_MF[rem]![cls]!
      this.levelScale[i] = FLAT_WEIGHT * NORM_ADJUST[rem]![cls]!
    }
  }
}

/** Forward core transform Cf · X · Cf^T of `src[so..so+16]` into `dst[do..do+16]`. */
export function forward4x4(src: Int32Array, so: number, dst: Int32Array, d: number): void {
  for (let r = 0; r < 4; r++) {
    const o = so + r * 4
    const s0 = src[o]!
    const s1 = src[o + 1]!
    const s2 = src[o + 2]!
    const s3 = src[o + 3]!
    const a = s0 + s3
    const b = s1 + s2
    const c = s1 - s2
    const e = s0 - s3
    dst[d + r * 4] = a + b
    dst[d + r * 4 + 1] = 2 * e + c
    dst[d + r * 4 + 2] = a - b
    dst[d + r * 4 + 3] = e - 2 * c
  }
  for (let c4 = 0; c4 < 4; c4++) {
    const o = d + c4
    const s0 = dst[o]!
    const s1 = dst[o + 4]!
    const s2 = dst[o + 8]!
    const s3 = dst[o + 12]!
    const a = s0 + s3
    const b = s1 + s2
    const c = s1 - s2
    const e = s0 - s3
    dst[o] = a + b
    dst[o + 4] = 2 * e + c
    dst[o + 8] = a - b
    dst[o + 12] = e - 2 * c
  }
}

/** Quantises one coefficient with multiplier `mf`, `qbits` and rounding `f`; clamps to `limit`. */
export function quantise(w: number, mf: number, qbits: number, f: number, limit: number): number {
  const q = w < 0 ? -((-w * mf + f) >> qbits) : (w * mf + f) >> qbits
  return q > limit ? limit : q < -limit ? -limit : q
}

/**
 * Quantises the 15 AC coefficients of a transformed block (raster `coef[o..o+16]`) into `levels[lo..]`
 * in zig-zag order (scan positions 1..15 stored at lo + 0..14). Returns the number of non-zero levels.
 */
export function quantiseAc(coef: Int32Array, o: number, q: QuantParams, levels: Int32Array, lo: number, limit: number): number {
  let nz = 0
  for (let k = 1; k < 16; k++) {
    const pos = ZIGZAG_4X4[k]!
    const v = quantise(coef[o + pos]!, q.mf[pos]!, q.qbits, q.deadzone, limit)
    levels[lo + k - 1] = v
    if (v !== 0) nz++
  }
  return nz
}

/** Scales AC levels (scan order, 15 at levels[lo..]) into raster `d[o+1..o+16]` (8.5.12.1, flat matrices). */
export function scaleAc(levels: Int32Array, lo: number, q: QuantParams, d: Int32Array, o: number): void {
  // With flat weights, (c * LevelScale) << (qP/6 - 4) and the rounded shift for qP < 24 both equal
  // c * normAdjust << (qP/6): LevelScale is a multiple of 16.
  for (let k = 1; k < 16; k++) {
    const pos = ZIGZAG_4X4[k]!
    d[o + pos] = ((levels[lo + k - 1]! * q.levelScale[pos]!) << q.qpDiv6) >> 4
  }
}

/** Inverse transform (8.5.12.2) of raster `d[o..o+16]` in place, into residual samples; `tmp` is scratch of 16. */
export function inverse4x4(d: Int32Array, o: number, tmp: Int32Array): void {
  for (let r = 0; r < 4; r++) {
    const i = o + r * 4
    const d0 = d[i]!
    const d1 = d[i + 1]!
    const d2 = d[i + 2]!
    const d3 = d[i + 3]!
    const e0 = d0 + d2
    const e1 = d0 - d2
    const e2 = (d1 >> 1) - d3
    const e3 = d1 + (d3 >> 1)
    tmp[r * 4] = e0 + e3
    tmp[r * 4 + 1] = e1 + e2
    tmp[r * 4 + 2] = e1 - e2
    tmp[r * 4 + 3] = e0 - e3
  }
  for (let c = 0; c < 4; c++) {
    const f0 = tmp[c]!
    const f1 = tmp[c + 4]!
    const f2 = tmp[c + 8]!
    const f3 = tmp[c + 12]!
    const g0 = f0 + f2
    const g1 = f0 - f2
    const g2 = (f1 >> 1) - f3
    const g3 = f1 + (f3 >> 1)
    d[o + c] = (g0 + g3 + 32) >> 6
    d[o + c + 4] = (g1 + g2 + 32) >> 6
    d[o + c + 8] = (g1 - g2 + 32) >> 6
    d[o + c + 12] = (g0 - g3 + 32) >> 6
  }
}

/** 4x4 Hadamard H · X · H of raster `x` in place (H symmetric, rows 1 1 1 1 / 1 1 -1 -1 / 1 -1 -1 1 / 1 -1 1 -1). */
export function hadamard4x4(x: Int32Array): void {
  for (let r = 0; r < 4; r++) {
    const i = r * 4
    const a = x[i]! + x[i + 1]!
    const b = x[i + 2]! + x[i + 3]!
    const c = x[i]! - x[i + 1]!
    const e = x[i + 2]! - x[i + 3]!
    x[i] = a + b
    x[i + 1] = a - b
    x[i + 2] = c - e
    x[i + 3] = c + e
  }
  for (let c4 = 0; c4 < 4; c4++) {
    const a = x[c4]! + x[c4 + 4]!
    const b = x[c4 + 8]! + x[c4 + 12]!
    const c = x[c4]! - x[c4 + 4]!
    const e = x[c4 + 8]! - x[c4 + 12]!
    x[c4] = a + b
    x[c4 + 4] = a - b
    x[c4 + 8] = c - e
    x[c4 + 12] = c + e
  }
}

/**
 * Luma DC of an Intra16x16 macroblock: `dc` holds the 16 blocks' DC coefficients in raster order of
 * the blocks; writes the levels in zig-zag order to `levels[lo..lo+16]` and then, in `dc`, the scaled
 * values the decoder derives from them (8.5.10). Returns the number of non-zero levels.
 */
export function lumaDc(dc: Int32Array, q: QuantParams, levels: Int32Array, lo: number, limit: number): number {
  hadamard4x4(dc)
  let nz = 0
  const f = 2 * q.deadzone
  const mf = q.mf[0]!
  for (let k = 0; k < 16; k++) {
    const v = quantise(dc[ZIGZAG_4X4[k]!]! >> 1, mf, q.qbits + 1, f, limit)
    levels[lo + k] = v
    if (v !== 0) nz++
  }
  // Decoder side: c from the levels, f = H c H, then scaled.
  for (let k = 0; k < 16; k++) dc[ZIGZAG_4X4[k]!] = levels[lo + k]!
  hadamard4x4(dc)
  const ls = q.levelScale[0]!
  if (q.qp >= 36) for (let i = 0; i < 16; i++) dc[i] = (dc[i]! * ls) << (q.qpDiv6 - 6)
  else {
    const shift = 6 - q.qpDiv6
    const round = 1 << (5 - q.qpDiv6)
    for (let i = 0; i < 16; i++) dc[i] = (dc[i]! * ls + round) >> shift
  }
  return nz
}

/**
 * Chroma DC (4:2:0) of one component: `dc` holds the 4 blocks' DC coefficients (raster 2x2); writes
 * 4 levels to `levels[lo..]` (raster order, which is the chroma DC scan) and then the decoder's
 * scaled values into `dc` (8.5.11). Returns the number of non-zero levels.
 */
export function chromaDc(dc: Int32Array, q: QuantParams, levels: Int32Array, lo: number, limit: number): number {
  hadamard2x2(dc)
  let nz = 0
  const f = 2 * q.deadzone
  const mf = q.mf[0]!
  for (let k = 0; k < 4; k++) {
    const v = quantise(dc[k]!, mf, q.qbits + 1, f, limit)
    levels[lo + k] = v
    dc[k] = v
    if (v !== 0) nz++
  }
  hadamard2x2(dc)
  const ls = q.levelScale[0]!
  for (let k = 0; k < 4; k++) dc[k] = ((dc[k]! * ls) << q.qpDiv6) >> 5
  return nz
}

function hadamard2x2(x: Int32Array): void {
  const a = x[0]!
  const b = x[1]!
  const c = x[2]!
  const d = x[3]!
  x[0] = a + b + c + d
  x[1] = a - b + c - d
  x[2] = a + b - c - d
  x[3] = a - b - c + d
}
