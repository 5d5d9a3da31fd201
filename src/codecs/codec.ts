/**
 * The one contract every payload format implements. Each codec folder (codecs/<name>/index.ts) exports
 * one `Codec` entry, and codecs/registry.ts lists them: the server, plain RTP send/receive, the client,
 * the MP4 writer and reader and the HTTP API all reach a format through its entry, never by its name.
 * Each folder keeps its own richer API besides (packetizer options, fmtp parsers, bitstream readers).
 */
import type { CodecMatroska } from './codec-matroska.js'
import type { DepacketizedFrame, RtpDepacketizer } from '../rtp/depacketizer.js'
import type { SdpAttribute } from '../sdp/sdp.js'
import type { TrackInfo } from '../stream/media.js'
import type { Random } from '../util/random.js'
import type { CodecMp4 } from './codec-mp4.js'
import type { MediaTrack, TrackCommon } from './media-track.js'
import type { FrameFormat } from './registry.js'

/** Turns one frame (access unit, image, audio frame…) into serialized RTP packets. Owns SSRC and sequence. */
export interface CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  /** Sequence number the next packet will carry. */
  readonly nextSequence: number
  packetize(frame: Buffer | readonly Buffer[], timestamp: number): Buffer[]
}

/**
 * A frame rebuilt from RTP. `data` is the codec's natural unit (see `Codec.frameFormat`). The shape is
 * rtp/'s, so RtpReceiver can take any codec's depacketizer.
 */
export type ReceivedFrame = DepacketizedFrame

/** Rebuilds frames from packets. "Need more packets" is an empty array, never an error. Never mutates input. */
export type CodecDepacketizer = RtpDepacketizer

/** What an SDP media section says about a format (from rtpmap and fmtp). */
export interface FormatParams {
  payloadType: number
  encodingName: string
  clockRate: number
  channels?: number
  fmtp: Map<string, string>
}

export type MediaKind = 'video' | 'audio' | 'application'

/**
 * What `ReceivedFrame.data` holds for a codec, and what a packetizer takes: each codec names its own
 * (`annexb`: an access unit of NAL units with 4-byte start codes; `pcm-s16be`: interleaved 16-bit
 * big-endian samples…), documented in its folder; `raw` is the RTP payload, unchanged (passthrough).
 */
export type { FrameFormat } from './registry.js'

export interface PacketizerOptions {
  payloadType: number
  ssrc: number
  /** Default: random. */
  initialSequence?: number
  /** Largest serialized RTP packet, header included. */
  maxPacketSize?: number
  clockRate?: number
  channels?: number
  /** What the source says about the track (parameter sets, decoder configuration, sample rate…). */
  track?: TrackInfo
  random?: Random
}

/** How a track is sent: the inputs of its SDP attributes. */
export interface SendFormat {
  payloadType: number
  clockRate: number
  channels?: number
  track?: TrackInfo
}

/** What a media section's format says about the picture or the sound, for display. */
export interface FormatDetails {
  width?: number
  height?: number
  sampleRate?: number
  channels?: number
}

/** A format read back from SDP as the track of a stream. */
export interface SdpTrack {
  info: TrackInfo
  /** The payload type the stream keeps for it; undefined: the codec picks its own (static ones). */
  payloadType?: number
}

/** What a video format's parameters say of its pictures. */
export interface PictureInfo {
  width: number
  height: number
  /** From the bitstream's timing information; absent when the encoder did not write it. */
  fps?: number
}

export interface Codec<Name extends string = string, Kind extends MediaKind = MediaKind, Format extends string = FrameFormat> {
  /** Short lowercase name, as on the command line and in TrackInfo. */
  readonly name: Name
  /** Other names accepted on the command line. */
  readonly aliases: readonly string[]
  readonly kind: Kind
  /** The format's name for people, in messages and descriptions (`H.264`, `G.711 µ-law`). */
  readonly label: string
  /** The name lists of supported formats use, once per family (`G.711`); default `label`. */
  readonly family?: string
  /** SDP encoding name as it is written in rtpmap (RFC 8866 6.6). */
  readonly encodingName: string
  readonly defaultClockRate: number
  readonly defaultChannels?: number
  /** Audio: the sampling rate of a track whose description gives none (formats with a fixed rate). */
  readonly defaultSampleRate?: number
  /** RFC 3551 static payload type, when the format has one. */
  readonly staticPayloadType?: number
  /** Payload type used when sending: the static one, or a dynamic default (96…). */
  readonly defaultPayloadType: number
  readonly frameFormat: Format
  /** Output file extensions a sink can write frames of this codec to (with the dot). */
  readonly fileExtensions: readonly string[]
  /** True for the stand-in of an unknown encoding. */
  readonly passthrough: boolean
  /**
   * Video whose every picture stands alone: a reader can start at any of them, so a GOP cache has
   * nothing to add (the next picture is at most a frame period away).
   */
  readonly intraOnly?: boolean
  /**
   * Browsers take this format over WebRTC as it is (RFC 7742 video, RFC 7874 audio): the WebRTC output
   * forwards its RTP; other formats would need a transcode, which it does not make.
   */
  readonly webrtc?: boolean
  /** Video: picture size and frame rate (when the bitstream says) read from a track's fmtp, e.g. its SPS. */
  pictureOf?(fmtp: string): PictureInfo | undefined
  /** RTP clock rate for sending a track (the sampling rate for some audio formats; fixed for the others). */
  clockRateFor(track: TrackInfo): number
  createDepacketizer(params: FormatParams): CodecDepacketizer
  createPacketizer(opts: PacketizerOptions): CodecPacketizer
  /** rtpmap, fmtp and format-specific attributes of a media section sending this codec. */
  sdpAttributes(format: SendFormat): SdpAttribute[]
  /**
   * SDP read back: the track an announced or described format stands for (parameter sets and decoder
   * configuration from fmtp). Throws ParseError for an fmtp it cannot use. Absent: relayed as RTP.
   */
  readSdp?(format: FormatParams): SdpTrack
  /** Picture size or sound parameters the format's fmtp gives; a malformed parameter is left out. */
  describeFormat?(format: FormatParams): FormatDetails
  /** The codec half of a stream track: learns parameters, packetizes, describes itself in SDP. */
  createTrack?(info: TrackInfo, common: TrackCommon): MediaTrack
  /** What MP4 recording and playing need; absent for formats MP4 does not carry. */
  readonly mp4?: CodecMp4
  /** What Matroska recording needs; absent for formats not recorded in Matroska. */
  readonly matroska?: CodecMatroska
}

/** The name every lookup used before the contract had one. */
export type CodecDescriptor = Codec
