/**
 * H.264 / H.265 access units as MP4 samples, ISO/IEC 14496-15 sections 5.3.2 and 8.3.2: each NAL unit
 * preceded by its length in 4 bytes (lengthSizeMinusOne = 3 in avcC / hvcC), no start codes.
 *
 * Access unit delimiters are dropped (14496-15 5.3.2 / 8.3.2 allow them but they carry nothing a
 * demuxer needs); parameter sets are kept in-band and also reported so the writer can build the
 * sample entry from the first access unit when the track did not know them.
 */
import { splitAnnexB } from '../../codecs/h264/annexb.js'
import { NalType, isKeyframeNal as isH264Keyframe, nalType as h264NalType } from '../../codecs/h264/nal.js'
import { H265NalType, isKeyframeNal as isH265Keyframe, nalLayerId, nalType as h265NalType } from '../../codecs/h265/nal.js'
import { NAL_LENGTH_SIZE } from './avc-config.js'

export type NalCodec = 'h264' | 'h265'

export interface ParameterSets {
  vps?: Buffer
  sps?: Buffer
  pps?: Buffer
}

export interface NalAccessUnit {
  /** NAL units without start codes or delimiters (views into the input). */
  nalus: Buffer[]
  /** An IDR (H.264) or IRAP (H.265) slice is present. */
  keyframe: boolean
  /** The first base-layer parameter sets of each kind found in the access unit. */
  params: ParameterSets
}

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength))

/** Splits an access unit given as Annex-B bytes or as NAL units, and finds what the writer needs. */
export function readAccessUnit(codec: NalCodec, frame: Uint8Array | readonly Uint8Array[]): NalAccessUnit {
  const all = frame instanceof Uint8Array ? splitAnnexB(frame) : frame.map(asBuffer)
  const nalus: Buffer[] = []
  const params: ParameterSets = {}
  let keyframe = false
  for (const nal of all) {
    if (nal.length === 0) continue
    if (codec === 'h264') {
      const type = h264NalType(nal)
      if (type === NalType.AUD) continue
      if (type === NalType.SPS) params.sps ??= nal
      else if (type === NalType.PPS) params.pps ??= nal
      keyframe ||= isH264Keyframe(nal)
    } else {
      const type = h265NalType(nal)
      if (type === H265NalType.AUD) continue
      if (nalLayerId(nal) === 0) {
        if (type === H265NalType.VPS) params.vps ??= nal
        else if (type === H265NalType.SPS) params.sps ??= nal
        else if (type === H265NalType.PPS) params.pps ??= nal
      }
      keyframe ||= isH265Keyframe(nal)
    }
    nalus.push(nal)
  }
  return { nalus, keyframe, params }
}

/** The NAL units with 4-byte length prefixes, in one buffer allocated once. */
export function lengthPrefixedSample(nalus: readonly Uint8Array[]): Buffer {
  let size = 0
  for (const n of nalus) size += NAL_LENGTH_SIZE + n.byteLength
  const out = Buffer.allocUnsafe(size)
  let off = 0
  for (const n of nalus) {
    off = out.writeUInt32BE(n.byteLength, off)
    out.set(n, off)
    off += n.byteLength
  }
  return out
}
