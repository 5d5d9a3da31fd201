/**
 * Per-track H.264 parameter-set state for a server that receives access units.
 *
 * RFC 6184 section 8.4 (out-of-band and in-band parameter sets): a receiver that joins a stream
 * mid-way needs the SPS and PPS before the first IDR it decodes. Many encoders send them only once
 * (or only out of band), so the tracker repeats the last known SPS/PPS in front of every IDR access
 * unit that lacks them. Access unit delimiters (H.264 7.3.2.4) are dropped: RTP marks access-unit
 * boundaries with the marker bit and RFC 6184 carries AUDs to no purpose.
 */
import { NalType, nalType } from './nal.js'
import { parseSps, type SpsInfo } from './sps.js'

export interface ProcessedAccessUnit {
  nalus: Buffer[]
  /** The access unit holds an IDR slice. */
  keyframe: boolean
  /** An SPS or PPS in this access unit differs from the previous one (the SDP needs refreshing). */
  changed: boolean
}

export class H264ParameterTracker {
  private spsNal: Buffer | undefined
  private ppsNal: Buffer | undefined
  private info: SpsInfo | undefined

  /** Initial parameter sets, e.g. from sprop-parameter-sets. Throws ParseError on an invalid SPS. */
  constructor(initial: { sps?: Uint8Array | undefined; pps?: Uint8Array | undefined } = {}) {
    if (initial.sps) this.setSps(Buffer.from(initial.sps))
    if (initial.pps) this.ppsNal = Buffer.from(initial.pps)
  }

  get sps(): Buffer | undefined {
    return this.spsNal
  }

  get pps(): Buffer | undefined {
    return this.ppsNal
  }

  get spsInfo(): SpsInfo | undefined {
    return this.info
  }

  /**
   * Processes one access unit. The returned array holds the input views (not copies) plus, before an
   * IDR without them, the stored SPS/PPS. An SPS that does not parse throws ParseError and leaves the
   * state unchanged.
   */
  process(nalus: readonly Buffer[]): ProcessedAccessUnit {
    const out: Buffer[] = []
    let keyframe = false
    let changed = false
    let spsIndex = -1
    let hasPps = false
    for (const nal of nalus) {
      if (nal.length === 0) continue
      switch (nalType(nal)) {
        case NalType.AUD:
          continue
        case NalType.SPS:
          if (!this.spsNal || !this.spsNal.equals(nal)) {
            this.setSps(Buffer.from(nal)) // copy: the input may be a view into a reused buffer
            changed = true
          }
          if (spsIndex < 0) spsIndex = out.length
          break
        case NalType.PPS:
          if (!this.ppsNal || !this.ppsNal.equals(nal)) {
            this.ppsNal = Buffer.from(nal)
            changed = true
          }
          hasPps = true
          break
        case NalType.IDR:
          keyframe = true
          break
      }
      out.push(nal)
    }
    if (keyframe) {
      if (spsIndex < 0) {
        const front: Buffer[] = []
        if (this.spsNal) front.push(this.spsNal)
        if (!hasPps && this.ppsNal) front.push(this.ppsNal)
        out.unshift(...front)
      } else if (!hasPps && this.ppsNal) {
        // A PPS refers to its SPS (7.4.2.2): put it right after the access unit's own SPS.
        out.splice(spsIndex + 1, 0, this.ppsNal)
      }
    }
    return { nalus: out, keyframe, changed }
  }

  private setSps(nal: Buffer): void {
    const info = parseSps(nal) // first, so a bad SPS leaves the state as it was
    this.spsNal = nal
    this.info = info
  }
}
