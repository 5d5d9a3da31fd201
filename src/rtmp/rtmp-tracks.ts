/**
 * What FLV's decoder configurations mean for rtspkit's stream, both ways: an RTMP publisher's
 * AVCDecoderConfigurationRecord / HEVCDecoderConfigurationRecord / AudioSpecificConfig become the
 * SDP of an ANNOUNCE (so the path is fed as any publisher's), and a stream's parameter sets (found in
 * front of its keyframes) and AAC config become the sequence headers an RTMP player needs.
 */
import { parseAudioSpecificConfig } from '../codecs/aac/audio-specific-config.js'
import { aacFmtp, aacRtpmap } from '../codecs/aac/format.js'
import { avcDecoderConfigurationRecord, parseAvcC } from '../codecs/h264/avc-config.js'
import { h264Fmtp } from '../codecs/h264/format.js'
import { NalType as H264NalType, nalType as h264NalType } from '../codecs/h264/nal.js'
import { hevcDecoderConfigurationRecord, parseHvcC } from '../codecs/h265/hevc-config.js'
import { h265Fmtp } from '../codecs/h265/format.js'
import { H265NalType, nalType as h265NalType } from '../codecs/h265/nal.js'
import { ProtocolError } from '../errors.js'
import type { FlvVideoCodec } from './flv-tags.js'

const VIDEO_PAYLOAD_TYPE = 96
const AUDIO_PAYLOAD_TYPE = 97
/** Codec names of the stream's tracks (MediaTrack.codec) that RTMP carries. */
export const RTMP_VIDEO_CODECS: Readonly<Record<string, FlvVideoCodec>> = { H264: 'H264', H265: 'H265' }
export const RTMP_AUDIO_CODEC = 'MPEG4-GENERIC'
/** onMetaData codec ids: FLV's AVC and AAC; Enhanced RTMP's FourCC 'hvc1' as a number. */
export const METADATA_CODEC_ID = { H264: 7, H265: 0x68766331, AAC: 10 } as const

export interface VideoConfig {
  codec: FlvVideoCodec
  /** Bytes of each NAL unit length in the publisher's frames. */
  lengthSize: number
  /** VPS (H.265), SPS, PPS, in that order. */
  parameterSets: Buffer[]
  /** The SDP lines of the video section (rtpmap, fmtp). */
  sdp: string[]
}

export interface AudioConfig {
  config: Buffer
  sampleRate: number
  channels: number
  sdp: string[]
}

function missing(what: string): never {
  throw new ProtocolError('ERR_RTMP_CONFIG', `the decoder configuration has no ${what}`, { observed: what })
}

/** Reads a publisher's video sequence header. Throws ParseError/ProtocolError for a broken one. */
export function readVideoConfig(codec: FlvVideoCodec, record: Buffer): VideoConfig {
  if (codec === 'H264') {
    const c = parseAvcC(record)
    const sps = c.sps[0] ?? missing('SPS')
    const pps = c.pps[0] ?? missing('PPS')
    return {
      codec,
      lengthSize: c.lengthSize,
      parameterSets: [sps, pps],
      sdp: [`a=rtpmap:${VIDEO_PAYLOAD_TYPE} H264/90000`, `a=fmtp:${VIDEO_PAYLOAD_TYPE} ${h264Fmtp({ sps, pps })}`],
    }
  }
  const c = parseHvcC(record)
  const vps = c.vps[0] ?? missing('VPS')
  const sps = c.sps[0] ?? missing('SPS')
  const pps = c.pps[0] ?? missing('PPS')
  return {
    codec,
    lengthSize: c.lengthSize,
    parameterSets: [vps, sps, pps],
    sdp: [`a=rtpmap:${VIDEO_PAYLOAD_TYPE} H265/90000`, `a=fmtp:${VIDEO_PAYLOAD_TYPE} ${h265Fmtp({ vps, sps, pps })}`],
  }
}

/** Reads a publisher's AAC sequence header (an AudioSpecificConfig). */
export function readAudioConfig(config: Buffer): AudioConfig {
  const asc = parseAudioSpecificConfig(config)
  const channels = asc.channels || 2
  return {
    config,
    sampleRate: asc.sampleRate,
    channels,
    sdp: [`a=rtpmap:${aacRtpmap(AUDIO_PAYLOAD_TYPE, asc.sampleRate, channels)}`, `a=fmtp:${AUDIO_PAYLOAD_TYPE} ${aacFmtp(config)}`],
  }
}

/** The ANNOUNCE-style SDP of what an RTMP publisher sends: video first, then audio (the track indexes). */
export function publishSdp(video: VideoConfig | undefined, audio: AudioConfig | undefined): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=RTMP', 'c=IN IP4 0.0.0.0', 't=0 0']
  let i = 0
  if (video) lines.push(`m=video 0 RTP/AVP ${VIDEO_PAYLOAD_TYPE}`, ...video.sdp, `a=control:trackID=${i++}`)
  if (audio) lines.push(`m=audio 0 RTP/AVP ${AUDIO_PAYLOAD_TYPE}`, ...audio.sdp, `a=control:trackID=${i++}`)
  return lines.join('\r\n') + '\r\n'
}

/**
 * The parameter sets among an access unit's NAL units (VPS, SPS, PPS for H.265; SPS, PPS for
 * H.264), or undefined when one is missing; and the record an RTMP player needs for them.
 */
export function parameterSetsOf(codec: FlvVideoCodec, nalus: readonly Buffer[]): Buffer[] | undefined {
  const wanted = codec === 'H264' ? [H264NalType.SPS, H264NalType.PPS] : [H265NalType.VPS, H265NalType.SPS, H265NalType.PPS]
  const typeOf = codec === 'H264' ? h264NalType : h265NalType
  const found: (Buffer | undefined)[] = wanted.map(() => undefined)
  for (const n of nalus) {
    if (n.length === 0) continue
    const at = wanted.indexOf(typeOf(n) as never)
    if (at >= 0) found[at] ??= n
  }
  return found.every((b): b is Buffer => b !== undefined) ? found : undefined
}

export function decoderConfigurationRecord(codec: FlvVideoCodec, sets: readonly Buffer[]): Buffer {
  return codec === 'H264' ? avcDecoderConfigurationRecord(sets[0]!, sets[1]!) : hevcDecoderConfigurationRecord(sets[0]!, sets[1]!, sets[2]!)
}

/** NAL units that have no place in an FLV frame (access unit delimiters). */
export function isDelimiter(codec: FlvVideoCodec, nal: Buffer): boolean {
  return codec === 'H264' ? h264NalType(nal) === H264NalType.AUD : h265NalType(nal) === H265NalType.AUD
}
