/**
 * H.264 in MP4, ISO/IEC 14496-15 section 5: the `avc1` sample entry with its `avcC` record (written
 * from the track's SPS and PPS; `avc3` read too), samples of length-prefixed NAL units without access
 * unit delimiters (5.3.2 allows them; they carry nothing a demuxer needs). Parameter sets stay in-band
 * as well, which every player tolerates.
 */
import { box } from '../../formats/mp4/box.js'
import { missingConfig, visualSampleEntry } from '../../formats/mp4/sample-entry-box.js'
import { requireConfig, type CodecSampleEntry } from '../../formats/mp4/sample-entry-fields.js'
import type { VideoTrackInfo } from '../../stream/media.js'
import type { CodecMp4, NalAccessUnit, ParameterSets } from '../codec-mp4.js'
import { sampleEntryGeometry, videoOf } from '../format-helpers.js'
import { splitAnnexB } from './annexb.js'
import { avcDecoderConfigurationRecord, parseAvcC } from './avc-config.js'
import { asBuffer, isKeyframeNal, NalType, nalType } from './nal.js'
import { parseSps } from './sps.js'

export interface H264SampleEntry extends CodecSampleEntry {
  codec: 'h264'
  width: number
  height: number
  lengthSize: number
  sps: Buffer[]
  pps: Buffer[]
}

/** Splits an access unit given as Annex-B bytes or as NAL units, and finds what the MP4 writer needs. */
export function h264AccessUnit(frame: Uint8Array | readonly Uint8Array[]): NalAccessUnit {
  const all = frame instanceof Uint8Array ? splitAnnexB(frame) : frame.map(asBuffer)
  const nalus: Buffer[] = []
  const params: ParameterSets = {}
  let keyframe = false
  for (const nal of all) {
    if (nal.length === 0) continue
    const type = nalType(nal)
    if (type === NalType.AUD) continue
    if (type === NalType.SPS) params.sps ??= nal
    else if (type === NalType.PPS) params.pps ??= nal
    keyframe ||= isKeyframeNal(nal)
    nalus.push(nal)
  }
  return { nalus, keyframe, params }
}

export const H264_MP4: CodecMp4<H264SampleEntry> = {
  isConfigured: (t) => !!(videoOf(t)?.sps && videoOf(t)?.pps),
  geometry: (t) => {
    const sps = videoOf(t)?.sps
    return sps ? parseSps(sps) : undefined
  },
  sampleEntry(track) {
    const t = videoOf(track)
    if (!t?.sps || !t.pps) throw missingConfig(track, 'SPS/PPS')
    const size = parseSps(t.sps)
    return visualSampleEntry('avc1', size, box('avcC', avcDecoderConfigurationRecord(t.sps, t.pps)))
  },
  accessUnit: h264AccessUnit,
  reader: {
    entryTypes: ['avc1', 'avc3'],
    readEntry(entry, f) {
      const c = parseAvcC(requireConfig(f.boxes, 'avcC', entry.type).body)
      return { codec: 'h264', fourcc: entry.type, width: f.width, height: f.height, lengthSize: c.lengthSize, sps: c.sps, pps: c.pps }
    },
    trackInfo(e) {
      const info: VideoTrackInfo = { kind: 'video', codec: 'h264', width: e.width, height: e.height }
      const [sps, pps] = [e.sps[0], e.pps[0]]
      if (sps) Object.assign(info, { sps }, sampleEntryGeometry('H.264', parseSps, sps))
      if (pps) info.pps = pps
      return info
    },
  },
}
