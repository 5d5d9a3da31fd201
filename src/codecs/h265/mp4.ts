/**
 * H.265 in MP4, ISO/IEC 14496-15 section 8: the `hvc1` sample entry with its `hvcC` record (written from
 * the track's VPS, SPS and PPS; `hev1` read too), samples of length-prefixed NAL units without access
 * unit delimiters. Parameter sets stay in-band as well, which every player tolerates.
 */
import { box } from '../../formats/mp4/box.js'
import { missingConfig, visualSampleEntry } from '../../formats/mp4/sample-entry-box.js'
import { requireConfig, type CodecSampleEntry } from '../../formats/mp4/sample-entry-fields.js'
import type { VideoTrackInfo } from '../../stream/media.js'
import { readNalAccessUnit, type CodecMp4, type NalAccessUnit, type NalRole } from '../codec-mp4.js'
import { sampleEntryGeometry, videoOf } from '../format-helpers.js'
import { hevcCodecsString } from './codecs-string.js'
import { hevcDecoderConfigurationRecord, parseHvcC } from './hevc-config.js'
import { H265NalType, isKeyframeNal, nalLayerId, nalType } from './nal.js'
import { parseH265Sps } from './sps.js'

export interface H265SampleEntry extends CodecSampleEntry {
  codec: 'h265'
  width: number
  height: number
  lengthSize: number
  vps: Buffer[]
  sps: Buffer[]
  pps: Buffer[]
}

/** Access unit delimiters are dropped; VPS, SPS and PPS of the base layer are kept for the sample entry. */
function h265NalRole(nal: Buffer): NalRole {
  const type = nalType(nal)
  if (type === H265NalType.AUD) return 'drop'
  if (nalLayerId(nal) !== 0) return undefined
  return type === H265NalType.VPS ? 'vps' : type === H265NalType.SPS ? 'sps' : type === H265NalType.PPS ? 'pps' : undefined
}

/** Splits an access unit given as Annex-B bytes or as NAL units; parameter sets of the base layer only. */
export function h265AccessUnit(frame: Uint8Array | readonly Uint8Array[]): NalAccessUnit {
  return readNalAccessUnit(frame, h265NalRole, isKeyframeNal)
}

export const H265_MP4: CodecMp4<H265SampleEntry> = {
  isConfigured: (t) => !!(videoOf(t)?.vps && videoOf(t)?.sps && videoOf(t)?.pps),
  geometry: (t) => {
    const sps = videoOf(t)?.sps
    return sps ? parseH265Sps(sps) : undefined
  },
  sampleEntry(track) {
    const t = videoOf(track)
    if (!t?.vps || !t.sps || !t.pps) throw missingConfig(track, 'VPS/SPS/PPS')
    return visualSampleEntry('hvc1', parseH265Sps(t.sps), box('hvcC', hevcDecoderConfigurationRecord(t.vps, t.sps, t.pps)))
  },
  accessUnit: h265AccessUnit,
  codecsString: (t) => {
    const sps = videoOf(t)?.sps
    return sps ? hevcCodecsString(sps) : undefined
  },
  reader: {
    entryTypes: ['hvc1', 'hev1'],
    readEntry(entry, f) {
      const c = parseHvcC(requireConfig(f.boxes, 'hvcC', entry.type).body)
      const e: H265SampleEntry = {
        codec: 'h265',
        fourcc: entry.type,
        width: f.width,
        height: f.height,
        lengthSize: c.lengthSize,
        vps: c.vps,
        sps: c.sps,
        pps: c.pps,
      }
      return e
    },
    trackInfo(e) {
      const info: VideoTrackInfo = { kind: 'video', codec: 'h265', width: e.width, height: e.height }
      const [vps, sps, pps] = [e.vps[0], e.sps[0], e.pps[0]]
      if (sps) Object.assign(info, { sps }, sampleEntryGeometry('H.265', parseH265Sps, sps))
      if (pps) info.pps = pps
      if (vps) info.vps = vps
      return info
    },
  },
}
