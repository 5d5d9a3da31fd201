/**
 * Grouping NAL units of an H.265 byte stream into access units, ITU-T H.265 section 7.4.2.4.4
 * (order of NAL units and coded pictures and their association to access units).
 *
 * After the last VCL NAL unit of a coded picture, the first of these starts a new access unit: an access
 * unit delimiter; a VPS, SPS or PPS; a prefix SEI; NAL unit types 41..44 (RSV_NVCL41..44) or 48..55
 * (UNSPEC48..55); or the first VCL NAL unit of the next coded picture, which is the slice segment with
 * first_slice_segment_in_pic_flag set (7.4.7.1). An end of sequence or end of bitstream NAL unit closes
 * the access unit it is in. Suffix SEI and filler data stay with the picture they follow.
 *
 * Only the base layer (nuh_layer_id 0) decides boundaries: NAL units of other layers join the access
 * unit in progress.
 */
import { LimitError } from '../../errors.js'
import { MAX_ACCESS_UNIT_SIZE, MAX_NALUS_PER_ACCESS_UNIT } from './limits.js'
import { H265NalType, firstSliceSegmentInPic, isIrapType, isParameterSetType, isVclType, nalLayerId, nalType } from './nal.js'

const FIRST_RSV_NVCL_PREFIX = 41
const LAST_RSV_NVCL_PREFIX = 44
const FIRST_UNSPEC_PREFIX = 48
const LAST_UNSPEC_PREFIX = 55
/** Slice segment types with a defined syntax: 0..9 (trailing, TSA, STSA, RADL, RASL) and 16..21 (IRAP). */
const LAST_NON_IRAP_SLICE_TYPE = H265NalType.RASL_R
const LAST_DEFINED_IRAP_TYPE = H265NalType.CRA_NUT

function startsNewAuAfterVcl(type: number): boolean {
  return (
    type === H265NalType.AUD ||
    isParameterSetType(type) ||
    type === H265NalType.PREFIX_SEI ||
    (type >= FIRST_RSV_NVCL_PREFIX && type <= LAST_RSV_NVCL_PREFIX) ||
    (type >= FIRST_UNSPEC_PREFIX && type <= LAST_UNSPEC_PREFIX)
  )
}

function hasSliceHeader(type: number): boolean {
  return type <= LAST_NON_IRAP_SLICE_TYPE || (isIrapType(type) && type <= LAST_DEFINED_IRAP_TYPE)
}

export interface H265AccessUnitSplitterOptions {
  /** Cap on the NAL-unit bytes of one access unit. Default MAX_ACCESS_UNIT_SIZE. */
  maxAccessUnitSize?: number
  /** Cap on the NAL units of one access unit. Default MAX_NALUS_PER_ACCESS_UNIT. */
  maxNalusPerAccessUnit?: number
}

/** Streaming grouper: push NAL units in decoding order, get back each access unit as it completes. */
export class H265AccessUnitSplitter {
  private readonly maxSize: number
  private readonly maxNalus: number
  private current: Buffer[] = []
  private size = 0
  private hasVcl = false
  private ended = false

  constructor(opts: H265AccessUnitSplitterOptions = {}) {
    this.maxSize = opts.maxAccessUnitSize ?? MAX_ACCESS_UNIT_SIZE
    this.maxNalus = opts.maxNalusPerAccessUnit ?? MAX_NALUS_PER_ACCESS_UNIT
  }

  /**
   * Returns the previous access unit when `nal` starts a new one. Throws ParseError for a slice segment
   * too short to hold its first header bit, LimitError past the caps (the access unit in progress is
   * dropped in both cases).
   */
  push(nal: Buffer): Buffer[] | undefined {
    if (nal.length === 0) return undefined
    const type = nalType(nal)
    const baseLayer = nalLayerId(nal) === 0
    let done: Buffer[] | undefined
    try {
      if (this.current.length > 0 && baseLayer) {
        const newPicture = hasSliceHeader(type) && firstSliceSegmentInPic(nal)
        if (this.ended || type === H265NalType.AUD || (this.hasVcl && (startsNewAuAfterVcl(type) || newPicture))) done = this.take()
      }
    } catch (err) {
      this.take()
      throw err
    }
    if (this.current.length + 1 > this.maxNalus || this.size + nal.length > this.maxSize) {
      const observed = { nalus: this.current.length + 1, bytes: this.size + nal.length }
      this.take()
      throw new LimitError('ERR_H265_AU_SIZE', 'access unit exceeds the size or NAL-unit-count limit', {
        observed,
        allowed: { nalus: this.maxNalus, bytes: this.maxSize },
      })
    }
    this.current.push(nal)
    this.size += nal.length
    if (isVclType(type)) this.hasVcl = true
    if (type === H265NalType.EOS || type === H265NalType.EOB) this.ended = true
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
export function splitH265AccessUnits(nalus: readonly Buffer[], opts: H265AccessUnitSplitterOptions = {}): Buffer[][] {
  const splitter = new H265AccessUnitSplitter(opts)
  const out: Buffer[][] = []
  for (const nal of nalus) {
    const au = splitter.push(nal)
    if (au) out.push(au)
  }
  const last = splitter.flush()
  if (last) out.push(last)
  return out
}
