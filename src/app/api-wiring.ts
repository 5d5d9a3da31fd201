/**
 * The HTTP API of `rtspkit serve`, made from the config: admins log in with Basic; requests from this
 * machine are trusted as far as api.trustLoopback says (reads by default); the config endpoints
 * change the running configuration through the application's reload.
 */
import { ApiServer } from '../api/api-server.js'
import type { ClusterView } from '../api/cluster-routes.js'
import { configRoutes } from '../api/config-routes.js'
import { recordingRoutes, type RecordingRoutesDeps } from '../api/recording-routes.js'
import type { PathInfo } from '../api/views.js'
import { verifyBasic } from '../config/password.js'
import type { Config } from '../config/schema.js'
import type { Logger } from '../log/logger.js'
import type { RtspServer } from '../server/rtsp-server.js'

export interface ApiHost {
  server: RtspServer
  logger: Logger
  /** The configuration in force (read at each request). */
  config: () => Config
  /** Puts a new configuration in force, as a reload of the file does. */
  reload: (next: Config) => void
  paths: () => readonly PathInfo[]
  webrtcUrl: (name: string) => string | undefined
  hlsUrl: (name: string) => string | undefined
  /** The cluster this node is in, if any (cluster-routes.ts). */
  cluster?: () => ClusterView | undefined
  /** Where the recordings are (app/recording-wiring.ts): /v1/recordings/…. */
  recordings?: Omit<RecordingRoutesDeps, 'logger'>
}

export function createApiServer(host: ApiHost): ApiServer {
  const config = host.config()
  const c = config.api
  const admins = config.users.some((u) => u.admin)
  return new ApiServer({
    server: host.server,
    paths: host.paths,
    config: host.config,
    ...(admins
      ? {
          authorize: (user: string, password: string) => {
            const u = host.config().users.find((x) => x.name === user)
            if (!u || !verifyBasic(u.password, user, password)) return false
            return u.admin ? true : ('forbidden' as const)
          },
        }
      : {}),
    trustLoopback: c.trustLoopback,
    routes: [
      ...configRoutes({ config: host.config, apply: host.reload, logger: host.logger }),
      ...(host.recordings ? recordingRoutes(recordingDeps(host.recordings, host.logger)) : []),
    ],
    host: c.host || undefined,
    port: c.port,
    logger: host.logger,
    webrtcUrl: host.webrtcUrl,
    hlsUrl: host.hlsUrl,
    ...(host.cluster ? { cluster: host.cluster } : {}),
  })
}

/** The recording services' methods bound (a class instance does not spread). */
function recordingDeps(r: Omit<RecordingRoutesDeps, 'logger'>, logger: Logger): RecordingRoutesDeps {
  return {
    recordPathOf: (name) => r.recordPathOf(name),
    recordPaths: () => r.recordPaths(),
    activeFiles: () => r.activeFiles?.() ?? [],
    logger,
  }
}
