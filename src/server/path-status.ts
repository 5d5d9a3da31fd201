/** Status snapshots of a server: each path and what feeds it, and the traffic of streams and sessions. */
import type { PathTable } from './path-table.js'
import type { Publisher } from './publisher.js'
import type { PathStatus } from './server-options.js'
import type { SessionTable } from './session-table.js'

/** Every path the table answers (streams, publish, on-demand and per-reader paths), as it is now. */
export function pathStatus(paths: PathTable, sessions: SessionTable, publishers: ReadonlyMap<string, Publisher>): PathStatus[] {
  return [...paths.names()].map((name) => {
    const stream = paths.streams.get(name)
    const publisher = publishers.get(name)
    const perReader = paths.perReader.get(name)
    // The '*' per-reader path serves every name nothing else does.
    const own = perReader
      ? sessions.list().filter((s) => sessions.hasPlayback(s.id) && (s.path === name || (name === '*' && !paths.servesPath(s.path))))
      : []
    const kind = paths.publishPaths.has(name) ? 'publish' : paths.onDemand.has(name) ? 'on-demand' : perReader ? 'per-reader' : 'stream'
    return {
      name,
      kind,
      stream,
      spec: stream?.spec ?? perReader?.source.spec,
      readers: perReader ? own.filter((s) => s.state === 'playing').length : (stream?.readerCount ?? 0),
      publisher: publisher && {
        remoteAddress: publisher.remoteAddress,
        since: publisher.since,
        protocol: publisher.protocol,
        sessionId: publisher.sessionId,
        transport: publisher.transport,
        recording: publisher.state === 'recording',
      },
      onDemandState: paths.onDemand.get(name)?.state,
      readerStreams: own.map((s) => s.stream),
    }
  })
}

/** Connections, sessions, and per-stream traffic (RtspServer.stats). */
export function serverStats(connections: number, paths: PathTable, sessions: SessionTable) {
  return {
    connections,
    sessions: sessions.stats(),
    streams: [...paths.streams.values()].map((s) => ({
      name: s.name,
      readers: s.readerCount,
      tracks: s.tracks.map((t) => ({
        index: t.index,
        codec: t.media.codec,
        unitsIn: t.unitsIn,
        bytesIn: t.bytesIn,
        bytesOut: t.bytesOut,
      })),
    })),
  }
}
