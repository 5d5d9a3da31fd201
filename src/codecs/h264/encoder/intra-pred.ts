/**
 * Intra prediction from reconstructed neighbours: Intra_16x16 luma (ITU-T H.264 8.3.3: vertical,
 * horizontal, DC, plane) and 4:2:0 chroma (8.3.4: DC per 4x4 block, horizontal, vertical, plane).
 * Predictions are written to an Int32Array in raster order; the caller picks the mode with the lowest
 * sum of absolute differences.
 */

export const Intra16Mode = { VERTICAL: 0, HORIZONTAL: 1, DC: 2, PLANE: 3 } as const
export const ChromaMode = { DC: 0, HORIZONTAL: 1, VERTICAL: 2, PLANE: 3 } as const

const MID_GREY = 128
const MAX_SAMPLE = 255

function clip255(v: number): number {
  return v < 0 ? 0 : v > MAX_SAMPLE ? MAX_SAMPLE : v
}

/** Where a block sits in a plane and which neighbours exist (left: x > 0, top: y > 0 within the slice). */
export interface BlockSite {
  plane: Uint8Array
  stride: number
  /** Offset of the block's top-left sample. */
  at: number
  left: boolean
  top: boolean
}

/** Fills `pred` (16x16) for `mode`; the mode must be allowed by the site's neighbours. */
export function predictLuma16(s: BlockSite, mode: number, pred: Int32Array): void {
  const { plane: p, stride, at } = s
  const N = 16
  if (mode === Intra16Mode.VERTICAL) {
    for (let x = 0; x < N; x++) {
      const v = p[at - stride + x]!
      for (let y = 0; y < N; y++) pred[y * N + x] = v
    }
  } else if (mode === Intra16Mode.HORIZONTAL) {
    for (let y = 0; y < N; y++) pred.fill(p[at + y * stride - 1]!, y * N, y * N + N)
  } else if (mode === Intra16Mode.DC) {
    let sum = 0
    let v = MID_GREY
    if (s.top) for (let x = 0; x < N; x++) sum += p[at - stride + x]!
    if (s.left) for (let y = 0; y < N; y++) sum += p[at + y * stride - 1]!
    if (s.top && s.left) v = (sum + 16) >> 5
    else if (s.top || s.left) v = (sum + 8) >> 4
    pred.fill(v, 0, N * N)
  } else {
    let h = 0
    let vv = 0
    for (let i = 0; i < 8; i++) {
      h += (i + 1) * (p[at - stride + 8 + i]! - p[at - stride + 6 - i]!)
      vv += (i + 1) * (p[at + (8 + i) * stride - 1]! - p[at + (6 - i) * stride - 1]!)
    }
    const a = 16 * (p[at + 15 * stride - 1]! + p[at - stride + 15]!)
    const b = (5 * h + 32) >> 6
    const c = (5 * vv + 32) >> 6
    for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) pred[y * N + x] = clip255((a + b * (x - 7) + c * (y - 7) + 16) >> 5)
  }
}

/** Fills `pred` (8x8) for chroma `mode` (8.3.4); the mode must be allowed by the site's neighbours. */
export function predictChroma8(s: BlockSite, mode: number, pred: Int32Array): void {
  const { plane: p, stride, at } = s
  const N = 8
  if (mode === ChromaMode.VERTICAL) {
    for (let x = 0; x < N; x++) {
      const v = p[at - stride + x]!
      for (let y = 0; y < N; y++) pred[y * N + x] = v
    }
  } else if (mode === ChromaMode.HORIZONTAL) {
    for (let y = 0; y < N; y++) pred.fill(p[at + y * stride - 1]!, y * N, y * N + N)
  } else if (mode === ChromaMode.DC) {
    for (let by = 0; by < 2; by++) {
      for (let bx = 0; bx < 2; bx++) {
        let top = 0
        let left = 0
        for (let i = 0; i < 4; i++) {
          if (s.top) top += p[at - stride + bx * 4 + i]!
          if (s.left) left += p[at + (by * 4 + i) * stride - 1]!
        }
        let v = MID_GREY
        // 8.3.4.1-3: the top-right block prefers its top neighbours, the bottom-left its left ones.
        if (bx === by) {
          if (s.top && s.left) v = (top + left + 4) >> 3
          else if (s.left) v = (left + 2) >> 2
          else if (s.top) v = (top + 2) >> 2
        } else if (bx === 1) {
          if (s.top) v = (top + 2) >> 2
          else if (s.left) v = (left + 2) >> 2
        } else if (s.left) v = (left + 2) >> 2
        else if (s.top) v = (top + 2) >> 2
        for (let y = 0; y < 4; y++) pred.fill(v, (by * 4 + y) * N + bx * 4, (by * 4 + y) * N + bx * 4 + 4)
      }
    }
  } else {
    let h = 0
    let vv = 0
    for (let i = 0; i < 4; i++) {
      h += (i + 1) * (p[at - stride + 4 + i]! - p[at - stride + 2 - i]!)
      vv += (i + 1) * (p[at + (4 + i) * stride - 1]! - p[at + (2 - i) * stride - 1]!)
    }
    const a = 16 * (p[at + 7 * stride - 1]! + p[at - stride + 7]!)
    const b = (34 * h + 32) >> 6
    const c = (34 * vv + 32) >> 6
    for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) pred[y * N + x] = clip255((a + b * (x - 3) + c * (y - 3) + 16) >> 5)
  }
}

/** Sum of absolute differences between an n x n source block and `pred`. */
export function sad(src: Uint8Array, stride: number, at: number, pred: Int32Array, n: number): number {
  let s = 0
  for (let y = 0; y < n; y++) {
    const row = at + y * stride
    for (let x = 0; x < n; x++) {
      const d = src[row + x]! - pred[y * n + x]!
      s += d < 0 ? -d : d
    }
  }
  return s
}
