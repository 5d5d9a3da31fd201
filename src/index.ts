// rtspkit's public API (the package's main entry point). Importing it has no side effects.
// Lower layers have entry points of their own: 'rtspkit/codecs' (payload formats, one by one) and
// 'rtspkit/protocol' (RTP packets, SDP, RTSP authentication, permissions); camera-board
// compatibility lives in 'rtspkit/k230' and 'rtspkit/openmv'.
export * from './errors.js'

// Server: paths, streams pushed by the program, sources, sessions.
export { RtspServer, type RtspServerOptions, type SessionEvent, type Logger, type PathStatus } from './server/rtsp-server.js'
export { ServerStream, ServerTrack, type StreamSpec, type VideoTrackSpec, type VideoCodecName } from './server/server-stream.js'
export type { AudioTrackSpec, AudioCodecName } from './server/server-stream.js'
export { addPath, type PathHandle, type PathDeps } from './app/add-path.js'
export { FfmpegPath, type FfmpegPathOptions, type FfmpegPathDeps } from './server/ffmpeg-path.js'

// Sources: test cards, files, and the spec strings of `--path NAME=SOURCE`.
export {
  attachSource,
  attachMediaSource,
  createSource,
  parseSourceSpec,
  type SourceSpec,
  type AttachedSource,
} from './sources/source-spec.js'
export { openInputSource, type InputSource } from './sources/input-source.js'
export type { MediaSource, TrackInfo, VideoTrackInfo, AudioTrackInfo, FramePush } from './sources/source.js'
export { TestCard, TestCardSource } from './sources/test-card.js'
export { H264TestCard, H264TestCardSource, type H264TestCardOptions } from './sources/h264-test-card.js'
export { H264FileSource, loadH264File } from './sources/h264-file.js'
export { H265FileSource, loadH265File } from './sources/h265-file.js'
export { MjpegFileSource, loadMjpegFile } from './sources/mjpeg-file.js'
export { AacFileSource, loadAacFile } from './sources/aac-file.js'
export { WavFileSource, loadWavFile } from './sources/wav-file.js'
export { Pacer } from './sources/pacer.js'

// RTSP client: play, record, publish.
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

// Plain RTP: sending and receiving sessions described by SDP files, and file sinks.
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

// Configuration file (rtspkit.yml): loading and validation, password hashes.
export {
  defaultConfig,
  schemaKeys,
  LOG_LEVELS,
  LOG_FORMATS,
  ANYONE,
  ALL_OTHERS,
  loadConfig,
  parseConfig,
  ENV_PREFIX,
  hashPassword,
  verifyBasic,
  type Config,
  type ServerConfig,
  type RequestLimits,
  type ApiConfig,
  type HlsConfig,
  type RecordingConfig,
  type RelaysConfig,
  type PathConfig,
  type UserConfig,
  type LogLevel,
  type LogFormat,
  type ApplyBy,
  type ConfigOverrides,
  type LoadConfigOptions,
  type ParseConfigOptions,
} from './config/index.js'

// HTTP API, metrics and dashboard of a running server.
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

// `rtspkit view`: the teaching client's window as a local web page.
export { ViewServer, type ViewServerOptions, type ViewServerStats } from './view/view-server.js'
export { ViewSession, type ViewState, type ViewStatus, type ViewStats, type ViewTrack } from './view/view-session.js'

// Types that the API above names in its signatures.
export type { PublisherView, ReaderProtocol } from './api/views.js'
export type { DialogueHook } from './client/client-connection.js'
export type { LowerMode } from './client/rtsp-client-options.js'
export type { FormatDetails } from './codecs/codec.js'
export type { EncodedPicture, YuvPicture } from './codecs/h264/encoder/encoder.js'
export type { H265SpsInfo } from './codecs/h265/sps.js'
export type { MediaTrack } from './codecs/media-track.js'
export type { RtpSdpOptions, RtpSdpStream, RtpSdpTrack } from './codecs/sdp-format.js'
export type { WebRtcConfig } from './config/schema.js'
export type { LogFields, LogLevel as LoggerLevel } from './log/logger.js'
export type { RtcpPacket } from './rtcp/compound.js'
export type { RtspRequest, RtspResponse } from './rtsp/message.js'
export type { RtspReaderLimits } from './rtsp/reader.js'
export type { SdpMedia } from './sdp/sdp.js'
export type { OtherAccessRequest, OtherAccessResult, PasswordProof } from './server/access-gate.js'
export type { AccessPolicy, PathUsers } from './server/access.js'
export type { OpenPublisherRequest, OpenReaderRequest } from './server/external-access.js'
export type { ExternalPublisher, ExternalReader, ExternalSessionStatus } from './server/external-sessions.js'
export type { FfmpegPathEvents } from './server/ffmpeg-path.js'
export type { Encryption, TlsCredentials } from './server/listeners.js'
export type { MulticastOptions } from './server/multicast-groups.js'
export type { OnDemandOptions, OnDemandState } from './server/on-demand.js'
export type { StreamOptions } from './server/path-table.js'
export type { PerReaderSource } from './server/per-reader.js'
export type { ConnectionHandler, RequestFraming, ServerConnection } from './server/server-connection.js'
export type { OnDemandPath, PublishPathOptions, RtspServerEvents } from './server/server-options.js'
export type { SessionState } from './server/server-session.js'
export type { TrackStats } from './server/track-setup.js'
export type { FrameSink } from './sinks/frame-sink.js'
export type { SinkOptions } from './sinks/sink-factory.js'
export type { AacFile, AacFileSourceOptions } from './sources/aac-file.js'
export type { H264FileSourceOptions, H264Push, LoadedH264File } from './sources/h264-file.js'
export type { H264CardPush, H264TestCardSourceOptions } from './sources/h264-test-card.js'
export type { H265FileSourceOptions, LoadedH265File } from './sources/h265-file.js'
export type { InputSourceOptions, TestCardCodec } from './sources/input-source.js'
export type { MjpegFile } from './sources/mjpeg-file.js'
export type { LocalSourceSpec, SourceDefaults } from './sources/source-spec.js'
export type { TestCardOptions, TestCardSourceOptions } from './sources/test-card.js'
export type { WavFile, WavFileSourceOptions } from './sources/wav-file.js'
export type { GopCache, GopCacheLimits } from './stream/gop-cache.js'
export type { AudioCodec, RtpTrackSpec, VideoCodec } from './stream/media.js'
export type { StreamOutput } from './stream/output.js'
export type { FrameTap, StreamDeps } from './stream/stream.js'
export type { Unit } from './stream/unit.js'
export type { UpstreamConnector } from './stream/upstream.js'
export type { ClientTlsOptions } from './transport/client-socket.js'
export type { RtpReceiveSessionOptions, RtpReceiveStreamStats } from './transport/receive-session.js'
export type { RtpSendSessionOptions, RtpSendTrackStats } from './transport/send-session.js'
export type { PortRange } from './transport/udp-pair.js'
export type { ViewSessionEvents, ViewSessionOptions } from './view/view-session.js'
export type { READER_PROTOCOLS } from './api/views.js'
export type { ProfileTierLevel } from './codecs/h265/profile-tier-level.js'
export type { H265SpsTiming } from './codecs/h265/sps.js'
export type { PreparedFrame } from './codecs/media-track.js'
export type { BuiltinCodecName } from './codecs/registry.js'
export type { RtcpGoodbye } from './rtcp/goodbye.js'
export type { RtcpRawPacket } from './rtcp/raw-packet.js'
export type { RtcpReceiverReport } from './rtcp/receiver-report.js'
export type { RtcpSourceDescription } from './rtcp/source-description.js'
export type { RtspHeaders } from './rtsp/headers.js'
export type { RtspReader } from './rtsp/reader.js'
export type { AccessDecision, AccessRequest } from './server/access.js'
export type { ReaderContext, ReaderPlayback } from './server/per-reader.js'
export type { InterleavedSink } from './server/track-setup.js'
export type { FileAccessUnit } from './sources/annexb-file-source.js'
export type { FfmpegExit } from './sources/ffmpeg-process.js'
export type { WavCodec } from './sources/wav-file.js'
export type { Upstream } from './stream/upstream.js'
export type { RtpReceiveStreamSpec } from './transport/receive-session.js'
export type { ConnectionSocket } from './transport/tunnel-socket.js'
export type { ViewFrame } from './view/view-session.js'
export type { SdesChunk } from './rtcp/source-description.js'
export type { RtspReadEvent } from './rtsp/reader.js'
export type { AccessAction } from './server/access.js'
export type { ViewCodec } from './view/view-session.js'
export type { SdesItem } from './rtcp/source-description.js'
export type { TrustLoopback } from './api/api-access.js'
export type { ApiRoute } from './api/api-server.js'
export type { ClusterView } from './api/cluster-routes.js'
export type { ClusterGauges } from './cluster/cluster-node.js'
export type { ClusterConfig } from './config/schema-cluster.js'
export type { GlobalHooks } from './config/schema-hooks.js'
export type { PlaybackConfig } from './config/schema-recording.js'
export type { RtmpConfig } from './config/schema-rtmp.js'
export type { FsyncPolicy, SegmentWriter } from './formats/mp4/segment-recorder.js'
export type { ClusterHooks } from './server/cluster-hooks.js'
export type { GuardCounters } from './server/connection-guard.js'
export type { ConnectionLimits } from './server/connection-limits.js'
export type { ConnectionEvent } from './server/server-options.js'
export type { UdpSendWorkers } from './transport/udp-send-workers.js'
export type { ApiHandler } from './api/api-server.js'
export type { ClusterRefusal } from './server/cluster-hooks.js'
export type { UdpPeer } from './transport/udp-link.js'
export type { UdpSendWorkerStats, WorkerUdpLink } from './transport/udp-send-workers.js'
export type { ApiReply } from './api/api-server.js'
export type { UdpSent } from './transport/udp-link.js'
