/**
 * H.264 in Matroska: V_MPEG4/ISO/AVC with the avcC record as CodecPrivate and blocks of length-prefixed
 * NAL units, as in MP4 (ISO/IEC 14496-15); parameter sets learned in-band when the SDP had none.
 */
import { lengthPrefixedSample } from '../../formats/mp4/nal-sample.js'
import type { CodecMatroska } from '../codec-matroska.js'
import { videoOf } from '../format-helpers.js'
import { avcDecoderConfigurationRecord } from './avc-config.js'
import { h264AccessUnit } from './mp4.js'

export const H264_MATROSKA: CodecMatroska = {
  codecId: 'V_MPEG4/ISO/AVC',
  isConfigured: (t) => !!(videoOf(t)?.sps && videoOf(t)?.pps),
  codecPrivate(t) {
    const v = videoOf(t)
    return v?.sps && v.pps ? avcDecoderConfigurationRecord(v.sps, v.pps) : undefined
  },
  frame(data) {
    const au = h264AccessUnit(data)
    return { data: lengthPrefixedSample(au.nalus), keyframe: au.keyframe, params: au.params }
  },
}
