/**
 * Grouping NAL units of an H.264 byte stream into access units, ITU-T H.264 section 7.4.1.2.3
 * (order of NAL units and coded pictures, and association to access units).
 *
 * After the last VCL NAL unit of a primary coded picture, the first of these starts a new access unit:
 * an access unit delimiter; an SPS, PPS or SEI; NAL unit types 14 to 18; or the first VCL NAL unit of
 * the next primary coded picture. 7.4.1.2.4 detects that first VCL NAL unit by comparing slice-header
 * fields; encoders write slices of a picture in order, so first_mb_in_slice == 0 is used instead
 * (arbitrary slice order, Baseline-only, is not supported). End of sequence / end of stream close the
 * access unit they are in.
 */
import { LimitError } from '../../errors.js'
import { MAX_ACCESS_UNIT_SIZE, MAX_NALUS_PER_ACCESS_UNIT } from './limits.js'
import { NalType, firstMbInSlice, isVclType, nalType } from './nal.js'

const FIRST_RESERVED_PREFIX_TYPE = 14
const LAST_RESERVED_PREFIX_TYPE = 18

function startsNewAuAfterVcl(type: number): boolean {
  return (
    type === NalType.AUD ||
    type === NalType.SPS ||
    type === NalType.PPS ||
    type === NalType.SEI ||
    (type >= FIRST_RESERVED_PREFIX_TYPE && type <= LAST_RESERVED_PREFIX_TYPE)
  )
}

/** Streaming grouper: push NAL units in decoding order, get back each access unit as it completes. */
export class AccessUnitSplitter {
  private current: Buffer[] = []
  private size = 0
  private hasVcl = false
  private ended = false

  /** Returns the previous access unit when `nal` starts a new one. */
  push(nal: Buffer): Buffer[] | undefined {
    if (nal.length === 0) return undefined
    const type = nalType(nal)
    let done: Buffer[] | undefined
    if (this.current.length > 0) {
      const newPicture = isVclType(type) && type !== NalType.SLICE_DPB && type !== NalType.SLICE_DPC && firstMbInSlice(nal) === 0
      if (this.ended || type === NalType.AUD || (this.hasVcl && (startsNewAuAfterVcl(type) || newPicture))) done = this.take()
    }
    if (this.current.length + 1 > MAX_NALUS_PER_ACCESS_UNIT || this.size + nal.length > MAX_ACCESS_UNIT_SIZE) {
      const observed = { nalus: this.current.length + 1, bytes: this.size + nal.length }
      this.take()
      throw new LimitError('ERR_H264_AU_SIZE', 'access unit exceeds the size or NAL-unit-count limit', {
        observed,
        allowed: { nalus: MAX_NALUS_PER_ACCESS_UNIT, bytes: MAX_ACCESS_UNIT_SIZE },
      })
    }
    this.current.push(nal)
    this.size += nal.length
    if (isVclType(type)) this.hasVcl = true
    if (type === NalType.END_OF_SEQUENCE || type === NalType.END_OF_STREAM) this.ended = true
    return done
  }

  /** Returns the last access unit at the end of the stream. */
  flush(): Buffer[] | undefined {
    return this.current.length > 0 ? this.take() : undefined
  }

  private take(): Buffer[] {
    const au = this.current
    this.current = []
    this.size = 0
    this.hasVcl = false
    this.ended = false
    return au
  }
}

/** Groups a complete NAL unit sequence into access units. */
export function splitAccessUnits(nalus: readonly Buffer[]): Buffer[][] {
  const splitter = new AccessUnitSplitter()
  const out: Buffer[][] = []
  for (const nal of nalus) {
    const au = splitter.push(nal)
    if (au) out.push(au)
  }
  const last = splitter.flush()
  if (last) out.push(last)
  return out
}
