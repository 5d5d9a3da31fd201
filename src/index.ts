// Public API of rtspkit. Importing this module has no side effects.
export * from './errors.js'
export { RtspServer, type RtspServerOptions, type SessionEvent, type Logger, type PathStatus } from './server/rtsp-server.js'
export { ServerStream, ServerTrack, type StreamSpec, type VideoTrackSpec, type VideoCodecName } from './server/server-stream.js'
export { attachSource, parseSourceSpec, type SourceSpec, type AttachedSource } from './sources/source-spec.js'
export { TestCard, TestCardSource } from './sources/test-card.js'
export { H264TestCard, H264TestCardSource, type H264TestCardOptions } from './sources/h264-test-card.js'
export { H264FileSource, loadH264File } from './sources/h264-file.js'
export { Pacer } from './sources/pacer.js'
export { RtpPacket } from './rtp/rtp-packet.js'
export { H264Packetizer } from './codecs/h264/packetizer.js'
export { H264Depacketizer } from './codecs/h264/depacketizer.js'
export { splitAnnexB, joinAnnexB } from './codecs/h264/annexb.js'
export { parseSps } from './codecs/h264/sps.js'
export { JpegPacketizer } from './codecs/jpeg/packetizer.js'
export { JpegDepacketizer } from './codecs/jpeg/depacketizer.js'
export { WholeJpegAssembler, isWholeJpegStart } from './codecs/jpeg/whole-frame.js'
export { encodeJpeg } from './codecs/jpeg/encoder.js'
export { parseSdp, formatSdp, type SessionDescription } from './sdp/sdp.js'
export type { AudioTrackSpec, AudioCodecName } from './server/server-stream.js'
export { attachMediaSource, createSource } from './sources/source-spec.js'
export { openInputSource, type InputSource } from './sources/input-source.js'
export type { MediaSource, TrackInfo, VideoTrackInfo, AudioTrackInfo, FramePush } from './sources/source.js'
export { H265FileSource, loadH265File } from './sources/h265-file.js'
export { MjpegFileSource, loadMjpegFile } from './sources/mjpeg-file.js'
export { AacFileSource, loadAacFile } from './sources/aac-file.js'
export { WavFileSource, loadWavFile } from './sources/wav-file.js'

// Codecs: the common contract, the registry, and each payload format's packetizer and depacketizer.
export type { CodecPacketizer, CodecDepacketizer, ReceivedFrame, FormatParams } from './codecs/codec.js'
export { createCodecRegistry, CodecRegistry, type CodecDescriptor } from './codecs/registry.js'
export { H265Packetizer } from './codecs/h265/packetizer.js'
export { H265Depacketizer } from './codecs/h265/depacketizer.js'
export { AacPacketizer } from './codecs/aac/packetizer.js'
export { AacDepacketizer } from './codecs/aac/depacketizer.js'
export { splitAdts, toAdts } from './codecs/aac/adts.js'
export { OpusPacketizer } from './codecs/opus/packetizer.js'
export { OpusDepacketizer } from './codecs/opus/depacketizer.js'
export { G711Packetizer } from './codecs/g711/packetizer.js'
export { G711Depacketizer } from './codecs/g711/depacketizer.js'
export { mulawEncode, mulawDecode } from './codecs/g711/mulaw.js'
export { alawEncode, alawDecode } from './codecs/g711/alaw.js'
export { L16Packetizer } from './codecs/l16/packetizer.js'
export { L16Depacketizer } from './codecs/l16/depacketizer.js'

// Plain RTP: receiving well, sending and receiving sessions with SDP, and file sinks.
export { RtpReceiver } from './rtp/receiver.js'
export { RtpSendSession } from './transport/send-session.js'
export { RtpReceiveSession } from './transport/receive-session.js'
export { formatRtpSdp, parseRtpSdp } from './codecs/sdp-format.js'
export { openSink } from './sinks/sink-factory.js'

// MP4: the fragmented MP4 writer, files and the segmenting recorder.
export {
  FragmentedMp4Writer,
  type FragmentedMp4WriterOptions,
  type Mp4Output,
  type Mp4TrackStats,
  type WriteFrameOptions,
} from './formats/mp4/fragmented-mp4-writer.js'
export { openMp4File, type Mp4File, type Mp4FileOptions } from './formats/mp4/mp4-file.js'
export { SegmentRecorder, type SegmentRecorderOptions, type SegmentPhase } from './formats/mp4/segment-recorder.js'
export { mp4TrackFor } from './formats/mp4/sdp-track.js'

// RTSP client (play, record) and authentication.
export {
  RtspClient,
  type RtspClientOptions,
  type RtspClientEvents,
  type ClientTransportMode,
  type ClientDialect,
  type ReconnectingEvent,
} from './client/rtsp-client.js'
export type { ClientDescription, ClientTrack, ClientTrackInfo } from './client/description.js'
export type { ClientFrame, ClientTrackStats } from './client/track-receiver.js'
export type { ClientPublisher, PublishTrackStats } from './client/publisher.js'
export {
  ClientAuthenticator,
  ServerAuthenticator,
  parseAuthenticate,
  parseAuthorization,
  digestHa1,
  type AuthChallenge,
  type Credentials,
  type ServerAuthenticatorOptions,
  type VerifyResult,
  type UserSecret,
} from './rtsp/auth/index.js'

// `rtspkit view`: the teaching client's window as a local web page.
export { ViewServer, type ViewServerOptions, type ViewServerStats } from './view/view-server.js'
export { ViewSession, type ViewState, type ViewStatus, type ViewStats, type ViewTrack } from './view/view-session.js'
// Configuration file (rtspkit.yml): loading, validation, reload diffs, path matching, permissions, password hashes.
export * from './config/index.js'
// HTTP API and Prometheus metrics of a running server.
export {
  ApiServer,
  ApiError,
  DEFAULT_API_HOST,
  DEFAULT_API_PORT,
  type ApiServerOptions,
  type ApiAuthorize,
  type ApiAction,
} from './api/api-server.js'
export type { PathInfo, PathView, PathState, SessionView, SessionTrackView, TrackView } from './api/views.js'
export { formatPrometheus, PROMETHEUS_CONTENT_TYPE, type MetricFamily, type Sample, type MetricType } from './api/prometheus.js'
// Paths fed by processes: ffmpeg with the user's input arguments, served as H.264 on demand.
export { addPath, type PathHandle, type PathDeps } from './app/add-path.js'
export { FfmpegPath, type FfmpegPathOptions, type FfmpegPathDeps } from './server/ffmpeg-path.js'
export { H264ByteStreamParser, type H264AccessUnit } from './codecs/h264/byte-stream-parser.js'
