/** The RTSP message layer: models, incremental reader, serializers, header codecs, URLs. No sockets. */
export { RtspHeaders } from './headers.js'
export {
  createResponse,
  interleavedHeader,
  RTSP_VERSION,
  serializeInterleaved,
  serializeRequest,
  serializeResponse,
  STATUS_REASONS,
  type CreateResponseOptions,
  type RtspRequest,
  type RtspResponse,
} from './message.js'
export {
  INTERLEAVED_HEADER_SIZE,
  INTERLEAVED_MAGIC,
  INTERLEAVED_MAX_CHANNEL,
  INTERLEAVED_MAX_PAYLOAD,
  writeInterleavedHeader,
} from './interleaved.js'
export { DEFAULT_READER_LIMITS, RtspReader, type RtspReadEvent, type RtspReaderLimits } from './reader.js'
export { formatTransport, parseTransport, type TransportSpec } from './headers/transport.js'
export { formatSession, parseSession, type SessionHeader } from './headers/session.js'
export { formatRtpInfo, parseRtpInfo, type RtpInfoEntry } from './headers/rtp-info.js'
export { formatRange, parseRange, type RangeSpec, type RangeUnit } from './headers/range.js'
export { DEFAULT_RTSP_PORT, DEFAULT_RTSPS_PORT, formatRtspUrl, parseRtspUrl, stripCredentials, type RtspUrl } from './url.js'
