/**
 * CAVLC residual_block() writer, ITU-T H.264 section 7.3.5.3.2 (syntax) and 9.2 (coeff_token,
 * level_prefix/level_suffix, total_zeros, run_before). The inverse of the parsing process in 9.2.
 */
import { CodecError } from '../../../errors.js'
import {
  CHROMA_DC_COEFF_TOKEN_CODES,
  CHROMA_DC_COEFF_TOKEN_LENGTHS,
  CHROMA_DC_TOTAL_ZEROS_CODES,
  CHROMA_DC_TOTAL_ZEROS_LENGTHS,
  COEFF_TOKEN_CODES,
  COEFF_TOKEN_LENGTHS,
  RUN_BEFORE_CODES,
  RUN_BEFORE_LENGTHS,
  TOTAL_ZEROS_CODES,
  TOTAL_ZEROS_LENGTHS,
} from './cavlc-tables.js'
import type { RbspWriter } from './rbsp-writer.js'

/** nC of the 4:2:0 chroma DC block (9.2.1). */
export const NC_CHROMA_DC = -1
const MAX_TRAILING_ONES = 3
/** Baseline, Main and Extended limit level_prefix to 15 (9.2.2.1), which bounds |level| to about 2063. */
export const MAX_CAVLC_LEVEL = 2047
const LEVEL_PREFIX_ESCAPE = 15
const LEVEL_ESCAPE_SUFFIX_BITS = 12
const MAX_SUFFIX_LENGTH = 6
const PREFIX_14_SUFFIX_BITS = 4
const MAX_BLOCK_COEFFS = 16

/** The coeff_token table for nC (9.2.1, Table 9-5 columns). */
function coeffTokenTable(nC: number): number {
  if (nC < 2) return 0
  if (nC < 4) return 1
  if (nC < 8) return 2
  return 3
}

/** Writes residual blocks; holds its scratch arrays so a block costs no allocation. */
export class ResidualWriter {
  private readonly levels = new Int32Array(MAX_BLOCK_COEFFS)
  private readonly runs = new Int32Array(MAX_BLOCK_COEFFS)

  /**
   * Writes residual_block(coeffLevel, 0, maxNumCoeff - 1, maxNumCoeff) for the `maxNumCoeff` levels at
   * `coeffs[offset..]` in scan order; `nC` is the predicted count (NC_CHROMA_DC for chroma DC).
   * Returns TotalCoeff(coeff_token), which neighbouring blocks use for their nC.
   */
  write(w: RbspWriter, coeffs: Int32Array, offset: number, maxNumCoeff: number, nC: number): number {
    // Non-zero levels from the highest frequency down, with the zeros run before each.
    let total = 0
    let run = 0
    let seen = false
    let totalZeros = 0
    for (let i = maxNumCoeff - 1; i >= 0; i--) {
      const c = coeffs[offset + i]!
      if (c === 0) {
        if (seen) run++
        continue
      }
      if (c > MAX_CAVLC_LEVEL || c < -MAX_CAVLC_LEVEL) {
        throw new CodecError('ERR_H264_LEVEL', `coefficient level ${c} is too large for CAVLC`, {
          observed: c,
          allowed: `-${MAX_CAVLC_LEVEL}..${MAX_CAVLC_LEVEL}`,
        })
      }
      if (seen) {
        this.runs[total - 1] = run
        totalZeros += run
      }
      this.levels[total++] = c
      run = 0
      seen = true
    }
    // Zeros below the lowest coefficient count in total_zeros; their run_before is implied.
    if (total > 0) {
      this.runs[total - 1] = run
      totalZeros += run
    }
    let trailingOnes = 0
    while (trailingOnes < total && trailingOnes < MAX_TRAILING_ONES) {
      const l = this.levels[trailingOnes]!
      if (l !== 1 && l !== -1) break
      trailingOnes++
    }

    const token = total * 4 + trailingOnes
    if (nC === NC_CHROMA_DC) w.writeBits(CHROMA_DC_COEFF_TOKEN_LENGTHS[token]!, CHROMA_DC_COEFF_TOKEN_CODES[token]!)
    else {
      const t = coeffTokenTable(nC)
      w.writeBits(COEFF_TOKEN_LENGTHS[t]![token]!, COEFF_TOKEN_CODES[t]![token]!)
    }
    if (total === 0) return 0

    for (let i = 0; i < trailingOnes; i++) w.writeBits(1, this.levels[i]! < 0 ? 1 : 0)
    let suffixLength = total > 10 && trailingOnes < MAX_TRAILING_ONES ? 1 : 0
    for (let i = trailingOnes; i < total; i++) {
      const level = this.levels[i]!
      let levelCode = level > 0 ? 2 * level - 2 : -2 * level - 1
      // The first level after fewer than three trailing ones cannot be +-1, so its code is shifted down.
      if (i === trailingOnes && trailingOnes < MAX_TRAILING_ONES) levelCode -= 2
      writeLevel(w, levelCode, suffixLength)
      if (suffixLength === 0) suffixLength = 1
      const abs = level < 0 ? -level : level
      if (abs > 3 << (suffixLength - 1) && suffixLength < MAX_SUFFIX_LENGTH) suffixLength++
    }

    if (total < maxNumCoeff) {
      if (nC === NC_CHROMA_DC)
        w.writeBits(CHROMA_DC_TOTAL_ZEROS_LENGTHS[total - 1]![totalZeros]!, CHROMA_DC_TOTAL_ZEROS_CODES[total - 1]![totalZeros]!)
      else w.writeBits(TOTAL_ZEROS_LENGTHS[total - 1]![totalZeros]!, TOTAL_ZEROS_CODES[total - 1]![totalZeros]!)
    }
    let zerosLeft = totalZeros
    for (let i = 0; i < total - 1 && zerosLeft > 0; i++) {
      const r = this.runs[i]!
      const row = (zerosLeft < 7 ? zerosLeft : 7) - 1
      w.writeBits(RUN_BEFORE_LENGTHS[row]![r]!, RUN_BEFORE_CODES[row]![r]!)
      zerosLeft -= r
    }
    return total
  }
}

/** level_prefix (zeros then a one) and level_suffix for `levelCode` (9.2.2.1, inverted). */
function writeLevel(w: RbspWriter, levelCode: number, suffixLength: number): void {
  let prefix: number
  let suffixBits: number
  let suffix: number
  if (suffixLength === 0) {
    if (levelCode < 14) {
      prefix = levelCode
      suffixBits = 0
      suffix = 0
    } else if (levelCode < 30) {
      prefix = 14
      suffixBits = PREFIX_14_SUFFIX_BITS
      suffix = levelCode - 14
    } else {
      prefix = LEVEL_PREFIX_ESCAPE
      suffixBits = LEVEL_ESCAPE_SUFFIX_BITS
      suffix = levelCode - 30
    }
  } else if (levelCode < LEVEL_PREFIX_ESCAPE << suffixLength) {
    prefix = levelCode >> suffixLength
    suffixBits = suffixLength
    suffix = levelCode & ((1 << suffixLength) - 1)
  } else {
    prefix = LEVEL_PREFIX_ESCAPE
    suffixBits = LEVEL_ESCAPE_SUFFIX_BITS
    suffix = levelCode - (LEVEL_PREFIX_ESCAPE << suffixLength)
  }
  w.writeZeros(prefix)
  w.writeBits(1, 1)
  w.writeBits(suffixBits, suffix)
}
