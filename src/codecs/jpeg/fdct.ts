/**
 * Forward 8x8 DCT with quantization, for the baseline JPEG encoder (ITU-T T.81 A.3.3, "FDCT").
 *
 * Uses the Arai-Agui-Nakajima factorisation (5 multiplies per 1-D pass). Its outputs are the true DCT
 * scaled by a known factor per coefficient; that factor and the 1/8 normalisation are folded into the
 * quantizer divisors once per table (`makeDivisors`), so a block costs two 1-D passes and 64 multiplies.
 */
import { BLOCK_AREA, BLOCK_SIZE, ZIGZAG } from './tables.js'

const LEVEL_SHIFT = 128
const C4 = 0.7071067811865476 // cos(4π/16)
const C6_MINUS = 0.3826834323650898 // cos(6π/16)
const C2_C6 = 0.5411961001461969 // cos(2π/16) - cos(6π/16)
const C2_PLUS = 1.3065629648763766 // cos(2π/16) + cos(6π/16)
/** Baseline coefficient ranges (T.81 F.1.2.1): AC fits 10 bits, DC 11 bits. */
const AC_LIMIT = 1023
const DC_MIN = -1024
const DC_MAX = 1023

/** AAN scale factors: 1 for k = 0, √2·cos(kπ/16) otherwise. */
const AAN_SCALE: Float64Array = Float64Array.from({ length: BLOCK_SIZE }, (_, k) => (k === 0 ? 1 : Math.SQRT2 * Math.cos((k * Math.PI) / 16)))

/**
 * Per-coefficient multipliers (natural order) for a quantization table given in zig-zag order:
 * 1 / (q · s_row · s_col · 8).
 */
export function makeDivisors(zigzagTable: Uint8Array): Float64Array {
  const out = new Float64Array(BLOCK_AREA)
  for (let k = 0; k < BLOCK_AREA; k++) {
    const n = ZIGZAG[k]!
    const row = n >> 3
    const col = n & 7
    out[n] = 1 / (zigzagTable[k]! * AAN_SCALE[row]! * AAN_SCALE[col]! * 8)
  }
  return out
}

/**
 * Transforms the 8x8 samples at `src[off]` (row stride `stride`), quantizes them with `divisors` and
 * writes the 64 coefficients in zig-zag order to `out`. `ws` is a caller-owned 64-entry scratch.
 */
export function fdctQuantize(src: Uint8Array, off: number, stride: number, divisors: Float64Array, ws: Float64Array, out: Int32Array): void {
  // Rows, with the level shift.
  for (let r = 0, p = off, w = 0; r < BLOCK_SIZE; r++, p += stride, w += BLOCK_SIZE) {
    const d0 = src[p]! - LEVEL_SHIFT
    const d1 = src[p + 1]! - LEVEL_SHIFT
    const d2 = src[p + 2]! - LEVEL_SHIFT
    const d3 = src[p + 3]! - LEVEL_SHIFT
    const d4 = src[p + 4]! - LEVEL_SHIFT
    const d5 = src[p + 5]! - LEVEL_SHIFT
    const d6 = src[p + 6]! - LEVEL_SHIFT
    const d7 = src[p + 7]! - LEVEL_SHIFT
    pass(d0, d1, d2, d3, d4, d5, d6, d7, ws, w, 1)
  }
  // Columns.
  for (let c = 0; c < BLOCK_SIZE; c++) {
    pass(ws[c]!, ws[c + 8]!, ws[c + 16]!, ws[c + 24]!, ws[c + 32]!, ws[c + 40]!, ws[c + 48]!, ws[c + 56]!, ws, c, BLOCK_SIZE)
  }
  // Quantize, rounding half away from zero, and reorder.
  for (let k = 0; k < BLOCK_AREA; k++) {
    const n = ZIGZAG[k]!
    const v = ws[n]! * divisors[n]!
    let q = v < 0 ? -((0.5 - v) | 0) : ((v + 0.5) | 0)
    if (k === 0) {
      if (q < DC_MIN) q = DC_MIN
      else if (q > DC_MAX) q = DC_MAX
    } else if (q > AC_LIMIT) q = AC_LIMIT
    else if (q < -AC_LIMIT) q = -AC_LIMIT
    out[k] = q
  }
}

/** One AAN 1-D pass over eight values, writing to ws[o], ws[o + step], … */
function pass(d0: number, d1: number, d2: number, d3: number, d4: number, d5: number, d6: number, d7: number, ws: Float64Array, o: number, step: number): void {
  const t0 = d0 + d7
  const t7 = d0 - d7
  const t1 = d1 + d6
  const t6 = d1 - d6
  const t2 = d2 + d5
  const t5 = d2 - d5
  const t3 = d3 + d4
  const t4 = d3 - d4

  // Even part.
  const t10 = t0 + t3
  const t13 = t0 - t3
  const t11 = t1 + t2
  const t12 = t1 - t2
  ws[o] = t10 + t11
  ws[o + 4 * step] = t10 - t11
  const z1 = (t12 + t13) * C4
  ws[o + 2 * step] = t13 + z1
  ws[o + 6 * step] = t13 - z1

  // Odd part.
  const o10 = t4 + t5
  const o11 = t5 + t6
  const o12 = t6 + t7
  const z5 = (o10 - o12) * C6_MINUS
  const z2 = C2_C6 * o10 + z5
  const z4 = C2_PLUS * o12 + z5
  const z3 = o11 * C4
  const z11 = t7 + z3
  const z13 = t7 - z3
  ws[o + 5 * step] = z13 + z2
  ws[o + 3 * step] = z13 - z2
  ws[o + step] = z11 + z4
  ws[o + 7 * step] = z11 - z4
}
