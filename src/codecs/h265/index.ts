/**
 * H.265 (RFC 7798) as one entry of the codec registry: Annex-B access units over RTP, its SDP both
 * ways (sprop-vps/sps/pps), the stream track that learns parameter sets, and MP4 (`hvc1`).
 */
import { H265_MATROSKA } from './matroska.js'
import { ConfigError } from '../../errors.js'
import type { Codec } from '../codec.js'
import {
  DYNAMIC_PAYLOAD_TYPE_MIN,
  fmtpText,
  kindMismatch,
  pictureFromSps,
  rtpmapAttribute,
  tolerant,
  tolerantFmtp,
  VIDEO_CLOCK_RATE,
  videoOf,
} from '../format-helpers.js'
import { H265Depacketizer } from './depacketizer.js'
import { h265Fmtp, parseH265Fmtp } from './format.js'
import { H265_MP4 } from './mp4.js'
import { H265Packetizer } from './packetizer.js'
import { parseH265Sps } from './sps.js'
import { H265Track } from './track.js'

export const H265_CODEC: Codec<'h265', 'video', 'annexb'> = {
  name: 'h265',
  aliases: ['hevc', 'h.265'],
  kind: 'video',
  label: 'H.265',
  encodingName: 'H265',
  defaultClockRate: VIDEO_CLOCK_RATE,
  defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
  // An access unit with 4-byte start codes (H.265 Annex B), or its NAL units as an array.
  frameFormat: 'annexb',
  matroska: H265_MATROSKA,
  fileExtensions: ['.h265', '.265', '.hevc'],
  passthrough: false,
  pictureOf: (fmtp) =>
    pictureFromSps(
      tolerant(() => parseH265Fmtp(fmtp).sps),
      parseH265Sps,
    ),
  clockRateFor: () => VIDEO_CLOCK_RATE,
  createDepacketizer(params) {
    const f = tolerantFmtp(params, parseH265Fmtp)
    if (f && f.maxDonDiff > 0) {
      // RFC 7798 4.4: the payloads then start with DONL fields, which the depacketizer does not read.
      throw new ConfigError('ERR_H265_DONL', `H.265 with sprop-max-don-diff=${f.maxDonDiff} (DONL fields) is not supported`, {
        observed: f.maxDonDiff,
        allowed: 0,
      })
    }
    return new H265Depacketizer({ parameterSets: f?.spropNalus ?? [] })
  },
  createPacketizer: (o) =>
    new H265Packetizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence ?? o.random?.u16(),
      maxPacketSize: o.maxPacketSize,
    }),
  sdpAttributes(f) {
    const t = videoOf(f.track)
    const fmtp = h265Fmtp({ vps: t?.vps, sps: t?.sps, pps: t?.pps })
    const attrs = [rtpmapAttribute(f, 'H265')]
    if (fmtp !== '') attrs.push({ key: 'fmtp', value: `${f.payloadType} ${fmtp}` })
    return attrs
  },
  readSdp(format) {
    const p = parseH265Fmtp(fmtpText(format.fmtp))
    const sets = { ...(p.vps && { vps: p.vps }), ...(p.sps && { sps: p.sps }), ...(p.pps && { pps: p.pps }) }
    return { info: { kind: 'video', codec: 'h265', ...sets }, payloadType: format.payloadType }
  },
  describeFormat(format) {
    const sps = tolerant(() => parseH265Fmtp(fmtpText(format.fmtp)).sps)
    const s = sps && tolerant(() => parseH265Sps(sps))
    return s ? { width: s.width, height: s.height } : {}
  },
  createTrack(info, common) {
    const t = videoOf(info)
    if (!t) throw kindMismatch('h265', info)
    return new H265Track({ ...common, vps: t.vps, sps: t.sps, pps: t.pps })
  },
  mp4: H265_MP4,
}
