/**
 * H.265 in Matroska: V_MPEGH/ISO/HEVC with the hvcC record as CodecPrivate and blocks of length-prefixed
 * NAL units (ISO/IEC 14496-15); parameter sets learned in-band when the SDP had none.
 */
import { lengthPrefixedSample } from '../../formats/mp4/nal-sample.js'
import type { CodecMatroska } from '../codec-matroska.js'
import { videoOf } from '../format-helpers.js'
import { hevcDecoderConfigurationRecord } from './hevc-config.js'
import { h265AccessUnit } from './mp4.js'

export const H265_MATROSKA: CodecMatroska = {
  codecId: 'V_MPEGH/ISO/HEVC',
  isConfigured: (t) => !!(videoOf(t)?.vps && videoOf(t)?.sps && videoOf(t)?.pps),
  codecPrivate(t) {
    const v = videoOf(t)
    return v?.vps && v.sps && v.pps ? hevcDecoderConfigurationRecord(v.vps, v.sps, v.pps) : undefined
  },
  frame(data) {
    const au = h265AccessUnit(data)
    return { data: lengthPrefixedSample(au.nalus), keyframe: au.keyframe, params: au.params }
  },
}
