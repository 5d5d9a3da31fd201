/** RTCP (RFC 3550 section 6, RFC 4585 feedback): one file per packet type, re-exported here. */
export {
  RTCP_VERSION,
  RTCP_HEADER_SIZE,
  RTCP_MAX_COUNT,
  RTCP_MAX_PACKET_SIZE,
  RTCP_MAX_PADDING,
  RtcpPacketType,
  readRtcpPacket,
  type RtcpPacketView,
} from './header.js'
export * from './reception-report.js'
export * from './sender-report.js'
export * from './receiver-report.js'
export * from './source-description.js'
export * from './goodbye.js'
export * from './raw-packet.js'
export * from './app.js'
export * from './feedback.js'
export * from './compound.js'
