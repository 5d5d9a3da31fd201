/**
 * Per-track H.265 parameter-set state for a server that receives access units.
 *
 * RFC 7798 section 7.2.4 (considerations for parameter sets, in band and out of band): a receiver that
 * joins a stream mid-way needs the VPS, SPS and PPS before the first IRAP picture it decodes. Many
 * encoders send them only once (x265 without repeat-headers) or only out of band, so the tracker repeats
 * the last known ones in front of every IRAP access unit that lacks any of them. Access unit delimiters (H.265 7.3.2.5)
 * are dropped: RTP marks access-unit boundaries with the marker bit (RFC 7798 4.1).
 *
 * Only base-layer (nuh_layer_id 0) parameter sets are tracked; others pass through untouched.
 */
import { H265NalType, isIrapType, isParameterSetType, nalLayerId, nalType } from './nal.js'
import { parseH265Sps, type H265SpsInfo } from './sps.js'

export interface H265ProcessedAccessUnit {
  nalus: Buffer[]
  /** The access unit holds a slice segment of an IRAP picture. */
  keyframe: boolean
  /** A VPS, SPS or PPS in this access unit differs from the previous one (the SDP needs refreshing). */
  changed: boolean
}

export interface H265ParameterSets {
  vps?: Uint8Array | undefined
  sps?: Uint8Array | undefined
  pps?: Uint8Array | undefined
}

export class H265ParameterTracker {
  private vpsNal: Buffer | undefined
  private spsNal: Buffer | undefined
  private ppsNal: Buffer | undefined
  private info: H265SpsInfo | undefined

  /** Initial parameter sets, e.g. from sprop-vps/sps/pps. Throws ParseError on an invalid SPS. */
  constructor(initial: H265ParameterSets = {}) {
    if (initial.sps) this.setSps(Buffer.from(initial.sps))
    if (initial.vps) this.vpsNal = Buffer.from(initial.vps)
    if (initial.pps) this.ppsNal = Buffer.from(initial.pps)
  }

  get vps(): Buffer | undefined {
    return this.vpsNal
  }

  get sps(): Buffer | undefined {
    return this.spsNal
  }

  get pps(): Buffer | undefined {
    return this.ppsNal
  }

  get spsInfo(): H265SpsInfo | undefined {
    return this.info
  }

  /**
   * Processes one access unit. The returned array holds the input views (not copies), without AUDs.
   * When an IRAP access unit lacks one of the three parameter sets and it is known, the parameter sets
   * are moved to the front, in VPS, SPS, PPS order, with the stored ones filling the gaps (7.4.2.4.4 allows
   * them anywhere before the first slice segment). An SPS that does not parse throws ParseError and leaves
   * the state unchanged.
   */
  process(nalus: readonly Buffer[]): H265ProcessedAccessUnit {
    const out: Buffer[] = []
    let keyframe = false
    let changed = false
    let hasVps = false
    let hasSps = false
    let hasPps = false
    for (const nal of nalus) {
      if (nal.length === 0) continue
      const type = nalType(nal)
      if (type === H265NalType.AUD) continue
      if (isParameterSetType(type) && nalLayerId(nal) === 0) {
        if (type === H265NalType.VPS) {
          hasVps = true
          if (!this.vpsNal || !this.vpsNal.equals(nal)) {
            this.vpsNal = Buffer.from(nal) // copy: the input may be a view into a reused buffer
            changed = true
          }
        } else if (type === H265NalType.SPS) {
          hasSps = true
          if (!this.spsNal || !this.spsNal.equals(nal)) {
            this.setSps(Buffer.from(nal))
            changed = true
          }
        } else {
          hasPps = true
          if (!this.ppsNal || !this.ppsNal.equals(nal)) {
            this.ppsNal = Buffer.from(nal)
            changed = true
          }
        }
      } else if (isIrapType(type)) {
        keyframe = true
      }
      out.push(nal)
    }
    const missing = (!hasVps && this.vpsNal) || (!hasSps && this.spsNal) || (!hasPps && this.ppsNal)
    if (!keyframe || !missing) return { nalus: out, keyframe, changed }

    const front: Buffer[] = []
    const rest: Buffer[] = []
    const own = (type: number): Buffer[] => out.filter((n) => nalType(n) === type && nalLayerId(n) === 0)
    for (const [type, has, stored] of [
      [H265NalType.VPS, hasVps, this.vpsNal],
      [H265NalType.SPS, hasSps, this.spsNal],
      [H265NalType.PPS, hasPps, this.ppsNal],
    ] as const) {
      if (has) front.push(...own(type))
      else if (stored) front.push(stored)
    }
    for (const n of out) if (!(isParameterSetType(nalType(n)) && nalLayerId(n) === 0)) rest.push(n)
    return { nalus: [...front, ...rest], keyframe, changed }
  }

  private setSps(nal: Buffer): void {
    const info = parseH265Sps(nal) // first, so a bad SPS leaves the state as it was
    this.spsNal = nal
    this.info = info
  }
}
