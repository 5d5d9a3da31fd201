// `rtspkit/protocol`: the wire formats under the server and the client, for tools that speak them
// directly: RTP packets and reception statistics, SDP, RTSP authentication, Prometheus text.
export { RtpPacket } from './rtp/rtp-packet.js'
export { RtpReceiver } from './rtp/receiver.js'
export { parseSdp, formatSdp, type SessionDescription } from './sdp/sdp.js'
export { formatPrometheus, PROMETHEUS_CONTENT_TYPE, type MetricFamily, type Sample, type MetricType } from './api/prometheus.js'
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
export { diffConfig, type ConfigDiff, type SettingChange } from './config/diff.js'
export { matchPath, type PathMatch } from './config/match.js'
export { authorize, type PermissionAction, type PermissionQuery, type PermissionDecision } from './config/authorize.js'
export { ipAllowed, ipMatcher, parseCidr, type Cidr } from './config/ip-ranges.js'

// Types that the API above names in its signatures.
export type { RtcpReceptionReport } from './rtcp/reception-report.js'
export type { RtcpSenderReport } from './rtcp/sender-report.js'
export type { RtpFrame, RtpReceiverOptions, RtpReceiverStats } from './rtp/receiver.js'
export type { RtpHeaderFields } from './rtp/rtp-packet.js'
export type { AuthScheme, ChallengeOutcome } from './rtsp/auth/client-authenticator.js'
export type { DigestAlgorithm } from './rtsp/auth/digest.js'
export type { ServerAuthMethod } from './rtsp/auth/server-authenticator.js'
export type { SdpAttribute, SdpLimits, SdpOrigin } from './sdp/sdp.js'
export type { VerifyContext } from './rtsp/auth/server-authenticator.js'
