/**
 * The vocabulary of media every input and output shares: codec names, what a track is, and what a
 * stream is made of. Protocol-neutral: nothing here knows RTSP, SDP or sockets.
 */
import type { SdpAttribute } from '../sdp/sdp.js'

export type VideoCodec = 'h264' | 'h265' | 'jpeg'
export type AudioCodec = 'aac' | 'pcmu' | 'pcma' | 'l16' | 'opus'

export interface VideoTrackInfo {
  kind: 'video'
  codec: VideoCodec
  width?: number
  height?: number
  fps?: number
  /** H.264/H.265 parameter sets when known up front. */
  vps?: Buffer
  sps?: Buffer
  pps?: Buffer
}

export interface AudioTrackInfo {
  kind: 'audio'
  codec: AudioCodec
  sampleRate: number
  channels: number
  /** AAC: the AudioSpecificConfig. */
  config?: Buffer
}

export type TrackInfo = VideoTrackInfo | AudioTrackInfo

/** Codec names a stream's video track accepts (`mjpeg` is an alias of `jpeg`). */
export type VideoCodecName = VideoCodec | 'mjpeg'
export type AudioCodecName = AudioCodec

/**
 * Video codecs whose every picture stands alone: a reader can start at any of them, so a GOP cache
 * has nothing to add (the next picture is at most a frame period away).
 */
export const INTRA_ONLY_VIDEO: ReadonlySet<string> = new Set<VideoCodecName>(['jpeg', 'mjpeg'])

export interface VideoTrackSpec {
  codec: VideoCodecName
  /** H.264/H.265 parameter sets when known up front (otherwise learned in-band). */
  vps?: Uint8Array
  sps?: Uint8Array
  pps?: Uint8Array
  /** Advertised in SDP where the codec has room for it. */
  width?: number
  height?: number
  fps?: number
  payloadType?: number
}

export interface AudioTrackSpec {
  codec: AudioCodecName
  /** Samples per second (default: 8000 for G.711, 48000 for Opus, required for AAC and L16). */
  sampleRate?: number
  channels?: number
  /** AAC: the AudioSpecificConfig (e.g. from an ADTS header or an MP4 esds box). */
  config?: Uint8Array
  payloadType?: number
}

/**
 * A track in a payload format rtspkit does not parse (a publisher's or an upstream camera's), relayed
 * packet by packet: frames pushed into it are whole RTP packets.
 */
export interface RtpTrackSpec {
  codec: 'rtp'
  encodingName: string
  payloadType: number
  clockRate: number
  /** The SDP media attributes to advertise (rtpmap, fmtp…); `control` is ours. */
  attributes: readonly SdpAttribute[]
}

export interface StreamSpec {
  video?: VideoTrackSpec | RtpTrackSpec
  audio?: AudioTrackSpec | RtpTrackSpec
}
