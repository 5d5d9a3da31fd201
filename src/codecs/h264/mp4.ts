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
import { readNalAccessUnit, type CodecMp4, type NalAccessUnit, type NalRole } from '../codec-mp4.js'
import { sampleEntryGeometry, videoOf } from '../format-helpers.js'
import { avcDecoderConfigurationRecord, parseAvcC } from './avc-config.js'
import { isKeyframeNal, NalType, nalType } from './nal.js'
import { parseSps } from './sps.js'

export interface H264SampleEntry extends CodecSampleEntry {
  codec: 'h264'
  width: number
  height: number
  lengthSize: number
  sps: Buffer[]
  pps: Buffer[]
}

/** Access unit delimiters are dropped; SPS and PPS are kept for the sample entry. */
function h264NalRole(nal: Buffer): NalRole {
  const type = nalType(nal)
  return type === NalType.AUD ? 'drop' : type === NalType.SPS ? 'sps' : type === NalType.PPS ? 'pps' : undefined
}

/** Splits an access unit given as Annex-B bytes or as NAL units, and finds what the MP4 writer needs. */
export function h264AccessUnit(frame: Uint8Array | readonly Uint8Array[]): NalAccessUnit {
  return readNalAccessUnit(frame, h264NalRole, isKeyframeNal)
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
  // RFC 6381 3.3 / ISO/IEC 14496-15 E.2: avc1 + profile_idc, constraint flags and level_idc, the SPS bytes after its header.
  codecsString: (t) => {
    const sps = videoOf(t)?.sps
    return sps && sps.length >= 4 ? `avc1.${sps.subarray(1, 4).toString('hex')}` : undefined
  },
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
