/**
 * A relay: a path whose stream is pulled from another RTSP server or camera. By default it is pulled
 * on demand, when the first reader asks, and released a while after the last one leaves; it can
 * also be always on (the lifecycle is on-demand.ts). While readers are attached, a failing upstream
 * is retried with backoff and the readers stay connected, resuming at the upstream's next keyframe.
 * Formats we parse are rebuilt and repacketized (readers start at a keyframe with parameter sets);
 * any other is relayed packet by packet.
 */
import type { Upstream, UpstreamConnector } from '../stream/upstream.js'
import type { CodecRegistry } from '../codecs/registry.js'
import type { Clock } from '../util/clock.js'
import { readAnnouncement } from '../stream/announcement.js'
import { StreamIngest } from './ingest.js'
import { OnDemandFeed, type Feed, type OnDemandOptions } from './on-demand.js'
import type { RtspServer } from './rtsp-server.js'

/** A playing upstream session, as the relay needs it (see client/relay-upstream.ts for the RtspClient one). */
export type { Upstream, UpstreamConnector } from '../stream/upstream.js'

export type RelayOptions = OnDemandOptions

export class Relay extends OnDemandFeed {
  constructor(
    name: string,
    readonly url: string,
    server: RtspServer,
    connect: UpstreamConnector,
    deps: { registry: CodecRegistry; clock: Clock; log?: (msg: string) => void },
    options: RelayOptions = {},
  ) {
    const open = async (): Promise<Feed> => {
      const upstream = await connect(url)
      try {
        return upstreamFeed(url, upstream, deps)
      } catch (err) {
        upstream.close().catch(() => {})
        throw err
      }
    }
    super(name, server, open, { label: 'relay', log: deps.log }, options)
  }

  /** Upstream sessions opened so far (the first and every reconnect). */
  get connects(): number {
    return this.opens
  }
}

/** An upstream session as a Feed: its RTP re-ingested into the path's stream. */
export function upstreamFeed(url: string, upstream: Upstream, deps: { registry: CodecRegistry; clock: Clock }): Feed {
  const announcement = readAnnouncement(upstream.sdp, deps.registry)
  const codecs = [announcement.spec.video?.codec, announcement.spec.audio?.codec].filter(Boolean).join(' + ')
  let ingest: StreamIngest | undefined
  let closed = false
  return {
    spec: announcement.spec,
    description: `pulling ${redact(url)} (${codecs})`,
    run(stream, ended) {
      const run = new StreamIngest(announcement, stream, deps.clock)
      const byMedia = new Map(announcement.tracks.map((t, i) => [t.mediaIndex, i]))
      upstream.onRtp((mediaIndex, packet) => {
        const i = byMedia.get(mediaIndex)
        if (i !== undefined) run.pushRtp(i, packet)
      })
      upstream.onEnd(ended)
      run.start()
      ingest = run
    },
    close() {
      if (closed) return
      closed = true
      ingest?.close()
      upstream.close().catch(() => {})
    },
  }
}

export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
