/**
 * A live H.264 or H.265 byte stream (ITU-T H.264 / H.265 Annex B) — ffmpeg's `-f h264` or `-f hevc` on
 * a pipe, say — turned into access units as the bytes arrive, with the latest parameter sets and the
 * SPS's picture size. Pure: bytes in, access units out; chunks may be cut anywhere.
 *
 * An access unit is complete once the first NAL unit of the next one has arrived, so output lags the
 * input by one picture. "Need more bytes" is the normal outcome of a push: an empty array.
 */
import { AccessUnitSplitter } from './h264/access-unit.js'
import { AnnexBSplitter } from './annexb.js'
import * as h264 from './h264/nal.js'
import { parseSps } from './h264/sps.js'
import { H265AccessUnitSplitter } from './h265/access-unit.js'
import * as h265 from './h265/nal.js'
import { parseH265Sps } from './h265/sps.js'

export interface StreamAccessUnit {
  /** NAL units in decoding order, views into the parser's buffer that are never written again. */
  nalus: Buffer[]
  /** Holds an IDR (H.264) or IRAP (H.265) picture. */
  keyframe: boolean
}

export interface StreamSpsInfo {
  width: number
  height: number
  fps?: number | undefined
}

/** What the parser needs to know of a codec. */
interface StreamCodec {
  newSplitter(): { push(nal: Buffer): Buffer[] | undefined; flush(): Buffer[] | undefined }
  isVcl(nal: Buffer): boolean
  isKeyframe(nal: Buffer): boolean
  parameterSet(nal: Buffer): 'vps' | 'sps' | 'pps' | undefined
  parseSps(nal: Buffer): StreamSpsInfo
}

const H264: StreamCodec = {
  newSplitter: () => new AccessUnitSplitter(),
  isVcl: (n) => h264.isVclType(h264.nalType(n)),
  isKeyframe: h264.isKeyframeNal,
  parameterSet: (n) => {
    const t = h264.nalType(n)
    return t === h264.NalType.SPS ? 'sps' : t === h264.NalType.PPS ? 'pps' : undefined
  },
  parseSps,
}

const H265: StreamCodec = {
  newSplitter: () => new H265AccessUnitSplitter(),
  isVcl: (n) => h265.isVclType(h265.nalType(n)),
  isKeyframe: h265.isKeyframeNal,
  parameterSet: (n) => {
    if (h265.nalLayerId(n) !== 0) return undefined
    const t = h265.nalType(n)
    return t === h265.H265NalType.VPS ? 'vps' : t === h265.H265NalType.SPS ? 'sps' : t === h265.H265NalType.PPS ? 'pps' : undefined
  },
  parseSps: parseH265Sps,
}

export type StreamVideoCodec = 'h264' | 'h265'

export interface AnnexBStreamParserOptions {
  /** Cap on one NAL unit while waiting for the next start code (default: DEFAULT_MAX_ANNEXB_NAL_SIZE). */
  maxNalSize?: number
}

export class AnnexBStreamParser {
  /** The latest parameter sets seen (raw NAL units), and the SPS parsed. */
  vps: Buffer | undefined
  sps: Buffer | undefined
  pps: Buffer | undefined
  spsInfo: StreamSpsInfo | undefined
  private readonly codec: StreamCodec
  private readonly nals: AnnexBSplitter
  private aus: ReturnType<StreamCodec['newSplitter']>

  constructor(codec: StreamVideoCodec, opts: AnnexBStreamParserOptions = {}) {
    this.codec = codec === 'h264' ? H264 : H265
    this.nals = new AnnexBSplitter(opts.maxNalSize !== undefined ? { maxNalSize: opts.maxNalSize } : {})
    this.aus = this.codec.newSplitter()
  }

  /**
   * Returns the access units holding a picture that `chunk` completed. Throws the splitters' ParseError /
   * LimitError, or the SPS parser's, after resetting: the next push starts afresh at a start code.
   */
  push(chunk: Uint8Array): StreamAccessUnit[] {
    return this.guard(() => this.group(this.nals.push(chunk), false))
  }

  /** End of stream: the last access unit, then the parser is reset. */
  flush(): StreamAccessUnit[] {
    return this.guard(() => this.group(this.nals.flush(), true))
  }

  reset(): void {
    this.nals.reset()
    this.aus = this.codec.newSplitter()
  }

  private group(nalus: Buffer[], end: boolean): StreamAccessUnit[] {
    const out: StreamAccessUnit[] = []
    const emit = (au: Buffer[] | undefined): void => {
      if (au && au.some((n) => this.codec.isVcl(n))) out.push({ nalus: au, keyframe: au.some((n) => this.codec.isKeyframe(n)) })
    }
    for (const nal of nalus) {
      const ps = this.codec.parameterSet(nal)
      if (ps === 'sps') this.spsInfo = this.codec.parseSps(nal)
      if (ps) this[ps] = nal
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
