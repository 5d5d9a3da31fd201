/**
 * A live H.264 byte stream (ITU-T H.264 Annex B) — ffmpeg's `-f h264` on a pipe, say — turned into
 * access units (7.4.1.2.3) as the bytes arrive, with the latest parameter sets and the SPS's picture
 * size. Pure: bytes in, access units out; chunks may be cut anywhere.
 *
 * An access unit is complete once the first NAL unit of the next one has arrived, so output lags the
 * input by one picture. "Need more bytes" is the normal outcome of a push: an empty array.
 */
import { AccessUnitSplitter } from './access-unit.js'
import { AnnexBSplitter } from './annexb.js'
import { NalType, isKeyframeNal, isVclType, nalType } from './nal.js'
import { parseSps, type SpsInfo } from './sps.js'

export interface H264AccessUnit {
  /** NAL units in decoding order, views into the parser's buffer that are never written again. */
  nalus: Buffer[]
  /** Holds an IDR picture. */
  keyframe: boolean
}

export interface H264ByteStreamParserOptions {
  /** Cap on one NAL unit while waiting for the next start code (default: DEFAULT_MAX_ANNEXB_NAL_SIZE). */
  maxNalSize?: number
}

export class H264ByteStreamParser {
  /** The latest SPS / PPS seen (raw NAL units), and the SPS parsed. */
  sps: Buffer | undefined
  pps: Buffer | undefined
  spsInfo: SpsInfo | undefined
  private readonly nals: AnnexBSplitter
  private aus = new AccessUnitSplitter()

  constructor(opts: H264ByteStreamParserOptions = {}) {
    this.nals = new AnnexBSplitter(opts.maxNalSize !== undefined ? { maxNalSize: opts.maxNalSize } : {})
  }

  /**
   * Returns the access units holding a picture that `chunk` completed. Throws the splitters' ParseError /
   * LimitError, or the SPS parser's, after resetting: the next push starts afresh at a start code.
   */
  push(chunk: Uint8Array): H264AccessUnit[] {
    return this.guard(() => this.group(this.nals.push(chunk), false))
  }

  /** End of stream: the last access unit, then the parser is reset. */
  flush(): H264AccessUnit[] {
    return this.guard(() => this.group(this.nals.flush(), true))
  }

  reset(): void {
    this.nals.reset()
    this.aus = new AccessUnitSplitter()
  }

  private group(nalus: Buffer[], end: boolean): H264AccessUnit[] {
    const out: H264AccessUnit[] = []
    const emit = (au: Buffer[] | undefined): void => {
      if (au && au.some((n) => isVclType(nalType(n)))) out.push({ nalus: au, keyframe: au.some(isKeyframeNal) })
    }
    for (const nal of nalus) {
      const type = nalType(nal)
      if (type === NalType.SPS) {
        this.spsInfo = parseSps(nal)
        this.sps = nal
      } else if (type === NalType.PPS) this.pps = nal
      emit(this.aus.push(nal))
    }
    if (end) {
      emit(this.aus.flush())
      this.reset()
    }
    return out
  }

  private guard<T>(step: () => T): T {
    try {
      return step()
    } catch (err) {
      this.reset()
      throw err
    }
  }
}
