/**
 * The public `addPath`: server/paths.ts with relays reaching their upstream through RtspClient
 * unless the caller brings its own connector. The wiring lives here because server/ and client/
 * never import each other.
 */
import { rtspClientConnector } from '../client/relay-upstream.js'
import { addPath as addServerPath, type PathDeps, type PathHandle } from '../server/paths.js'
import type { RtspServer } from '../server/rtsp-server.js'
import type { SourceSpec } from '../sources/source-spec.js'

export type { PathDeps, PathHandle } from '../server/paths.js'

export function addPath(server: RtspServer, name: string, spec: SourceSpec, deps: PathDeps = {}): PathHandle {
  const needsConnector = spec.kind === 'relay' && deps.connector === undefined
  return addServerPath(server, name, spec, needsConnector ? { ...deps, connector: rtspClientConnector() } : deps)
}
