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
const AAN_SCALE: Float64Array = Float64Array.from({ length: BLOCK_SIZE }, (_, k) =>
  k === 0 ? 1 : Math.SQRT2 * Math.cos((k * Math.PI) / 16),
)

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
export function fdctQuantize(
  src: Uint8Array,
  off: number,
  stride: number,
  divisors: Float64Array,
  ws: Float64Array,
  out: Int32Array,
): void {
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
    ws[w] = t10 + t11
    ws[w + 4] = t10 - t11
    const z1 = (t12 + t13) * C4
    ws[w + 2] = t13 + z1
    ws[w + 6] = t13 - z1
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
    ws[w + 5] = z13 + z2
    ws[w + 3] = z13 - z2
    ws[w + 1] = z11 + z4
    ws[w + 7] = z11 - z4
  }
  // Columns.
  for (let c = 0; c < BLOCK_SIZE; c++) {
    const d0 = ws[c]!
    const d1 = ws[c + 8]!
    const d2 = ws[c + 16]!
    const d3 = ws[c + 24]!
    const d4 = ws[c + 32]!
    const d5 = ws[c + 40]!
    const d6 = ws[c + 48]!
    const d7 = ws[c + 56]!
    const t0 = d0 + d7
    const t7 = d0 - d7
    const t1 = d1 + d6
    const t6 = d1 - d6
    const t2 = d2 + d5
    const t5 = d2 - d5
    const t3 = d3 + d4
    const t4 = d3 - d4
    const t10 = t0 + t3
    const t13 = t0 - t3
    const t11 = t1 + t2
    const t12 = t1 - t2
    ws[c] = t10 + t11
    ws[c + 32] = t10 - t11
    const z1 = (t12 + t13) * C4
    ws[c + 16] = t13 + z1
    ws[c + 48] = t13 - z1
    const o10 = t4 + t5
    const o11 = t5 + t6
    const o12 = t6 + t7
    const z5 = (o10 - o12) * C6_MINUS
    const z2 = C2_C6 * o10 + z5
    const z4 = C2_PLUS * o12 + z5
    const z3 = o11 * C4
    const z11 = t7 + z3
    const z13 = t7 - z3
    ws[c + 40] = z13 + z2
    ws[c + 24] = z13 - z2
    ws[c + 8] = z11 + z4
    ws[c + 56] = z11 - z4
  }
  // Quantize (rounding half away from zero) into zig-zag order. DC first, then the clamped ACs.
  let dc = ws[0]! * divisors[0]!
  dc = dc < 0 ? -((0.5 - dc) | 0) : (dc + 0.5) | 0
  out[0] = dc < DC_MIN ? DC_MIN : dc > DC_MAX ? DC_MAX : dc
  for (let k = 1; k < BLOCK_AREA; k++) {
    const n = ZIGZAG[k]!
    const v = ws[n]! * divisors[n]!
    const q = v < 0 ? -((0.5 - v) | 0) : (v + 0.5) | 0
    out[k] = q > AC_LIMIT ? AC_LIMIT : q < -AC_LIMIT ? -AC_LIMIT : q
  }
}
