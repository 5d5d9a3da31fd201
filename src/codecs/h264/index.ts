/**
 * H.264 (RFC 6184) as one entry of the codec registry: Annex-B access units over RTP, its SDP both
 * ways (sprop-parameter-sets), the stream track that learns SPS/PPS, and MP4 (`avc1`).
 */
import { H264_MATROSKA } from './matroska.js'
import type { Codec, FormatParams } from '../codec.js'
import {
  DYNAMIC_PAYLOAD_TYPE_MIN,
  fmtpText,
  kindMismatch,
  pictureFromSps,
  rtpmapAttribute,
  tolerant,
  VIDEO_CLOCK_RATE,
  videoOf,
} from '../format-helpers.js'
import { H264RtpDepacketizer, H264RtpPacketizer } from './codec-adapter.js'
import { h264Fmtp, parseH264Fmtp } from './format.js'
import { H264_MP4 } from './mp4.js'
import { parseSps } from './sps.js'
import { H264Track } from './track.js'

/**
 * The SDP's parameter sets, which the depacketizer puts before keyframes that lack them; a malformed
 * value is ignored (in-band sets still work).
 */
function spropParameterSets(params: FormatParams): Buffer[] {
  if (!params.fmtp.has('sprop-parameter-sets')) return []
  return tolerant(() => parseH264Fmtp(fmtpText(params.fmtp)).spropParameterSets) ?? []
}

export const H264_CODEC: Codec<'h264', 'video', 'annexb'> = {
  name: 'h264',
  aliases: ['avc', 'h.264'],
  kind: 'video',
  label: 'H.264',
  encodingName: 'H264',
  defaultClockRate: VIDEO_CLOCK_RATE,
  defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
  // An access unit with 4-byte start codes (H.264 Annex B), or its NAL units as an array.
  frameFormat: 'annexb',
  matroska: H264_MATROSKA,
  fileExtensions: ['.h264', '.264', '.avc'],
  passthrough: false,
  webrtc: true,
  pictureOf: (fmtp) =>
    pictureFromSps(
      tolerant(() => parseH264Fmtp(fmtp).sps),
      parseSps,
    ),
  clockRateFor: () => VIDEO_CLOCK_RATE,
  createDepacketizer: (params) => new H264RtpDepacketizer({ parameterSets: spropParameterSets(params) }),
  createPacketizer: (o) =>
    new H264RtpPacketizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence ?? o.random?.u16(),
      maxPacketSize: o.maxPacketSize,
    }),
  sdpAttributes(f) {
    const t = videoOf(f.track)
    return [rtpmapAttribute(f, 'H264'), { key: 'fmtp', value: `${f.payloadType} ${h264Fmtp({ sps: t?.sps, pps: t?.pps })}` }]
  },
  readSdp(format) {
    const p = parseH264Fmtp(fmtpText(format.fmtp))
    return {
      info: { kind: 'video', codec: 'h264', ...(p.sps && { sps: p.sps }), ...(p.pps && { pps: p.pps }) },
      payloadType: format.payloadType,
    }
  },
  describeFormat(format) {
    const sps = tolerant(() => parseH264Fmtp(fmtpText(format.fmtp)).sps)
    const s = sps && tolerant(() => parseSps(sps))
    return s ? { width: s.width, height: s.height } : {}
  },
  createTrack(info, common) {
    const t = videoOf(info)
    if (!t) throw kindMismatch('h264', info)
    return new H264Track({ ...common, sps: t.sps, pps: t.pps })
  },
  mp4: H264_MP4,
}
