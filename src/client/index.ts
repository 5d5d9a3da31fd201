/** The RTSP client: play and record. */
export {
  RtspClient,
  statusError,
  DEFAULT_USER_AGENT,
  type RtspClientOptions,
  type RtspClientEvents,
  type ClientTransportMode,
  type ClientDialect,
  type ReconnectingEvent,
} from './rtsp-client.js'
export {
  describeResponse,
  resolveControl,
  baseUrl,
  trackInfo,
  type ClientDescription,
  type ClientTrack,
  type ClientTrackInfo,
} from './description.js'
export type { ClientFrame, ClientTrackStats } from './track-receiver.js'
export type { ClientPublisher, PublishTrackStats } from './publisher.js'
