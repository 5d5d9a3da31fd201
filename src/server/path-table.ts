/**
 * What the server answers where: named streams, publish paths, on-demand paths, per-reader paths
 * (a name, '' for the root URL, or '*' for anything nothing else serves), and the lookup of a
 * request URL — `rtsp://host/a/b/trackID=1` is path 'a/b', track 1 — among them.
 */
import { ConfigError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { parseRtspUrl } from '../rtsp/url.js'
import type { Clock } from '../util/clock.js'
import type { Random } from '../util/random.js'
import type { PerReaderSource } from './per-reader.js'
import { RequestError } from './request-error.js'
import type { OnDemandPath, PublishPathOptions } from './server-options.js'
import { ServerStream, type StreamSpec } from './server-stream.js'

const TRACK_SUFFIX = /^(?:trackID|streamid|track)=?(\d+)$/i

/** What a request URL names. */
export interface Target {
  path: string
  stream: ServerStream | undefined
  trackIndex: number | undefined
  /** A per-reader path: `stream` is then its template (for DESCRIBE); each session gets its own. */
  perReader?: PerReaderSource
}

export interface PathTableDeps {
  readonly clock: Clock
  readonly random: Random
  readonly maxPacketSize: number
  readonly logger: Logger
  readonly instantStart?: boolean | ((path: string) => boolean)
  readonly gopCacheMaxBytes?: number
  readonly gopCacheMaxMs?: number
}

/** Per-stream settings a caller of addStream may give. */
export interface StreamOptions {
  /** Overrides the server's instantStart for this stream. */
  instantStart?: boolean
}

export class PathTable {
  readonly streams = new Map<string, ServerStream>()
  /** Paths open to one publisher each (ANNOUNCE/RECORD). */
  readonly publishPaths = new Map<string, Required<PublishPathOptions>>()
  readonly onDemand = new Map<string, OnDemandPath>()
  readonly perReader = new Map<string, { source: PerReaderSource; template?: ServerStream }>()
  /** Publish paths whose publisher a reader can summon (runOnDemand): see RtspServer.setPublishDemand. */
  readonly publishDemand = new Map<string, () => Promise<void>>()
  private provider: ((path: string) => boolean) | undefined
  /** The last URI `resolve` parsed and its path: one request resolves its URI several times (access check, handler). */
  private lastUri: string | undefined
  private lastPath = ''

  /** `deps` is read at each use: the server's live options. */
  constructor(private readonly deps: PathTableDeps) {}

  /** A new stream under `name`; the caller announces it. */
  addStream(name: string, spec: StreamSpec, options: StreamOptions = {}): ServerStream {
    const key = normalizePath(name)
    if (!key || /[\s?#]/.test(key)) {
      throw new ConfigError('ERR_STREAM_NAME', `invalid stream name "${name}": use letters, digits, '-', '_', '.', '/'`, { observed: name })
    }
    if (this.streams.has(key)) throw new ConfigError('ERR_STREAM_EXISTS', `stream "${key}" already exists`, { observed: key })
    const stream = this.newStream(key, spec, options)
    this.streams.set(key, stream)
    return stream
  }

  addPublishPath(name: string, options: PublishPathOptions): void {
    const key = normalizePath(name)
    if (!key || /[\s?#]/.test(key)) throw new ConfigError('ERR_STREAM_NAME', `invalid path name "${name}"`, { observed: name })
    if (this.streams.has(key) || this.publishPaths.has(key))
      throw new ConfigError('ERR_STREAM_EXISTS', `path "${key}" already exists`, { observed: key })
    this.publishPaths.set(key, {
      onPublisherLeave: options.onPublisherLeave ?? 'close',
      onSecondPublisher: options.onSecondPublisher ?? 'refuse',
    })
  }

  addOnDemandPath(name: string, handler: OnDemandPath): void {
    const key = normalizePath(name)
    if (!key || /[\s?#]/.test(key)) throw new ConfigError('ERR_STREAM_NAME', `invalid path name "${name}"`, { observed: name })
    if (this.streams.has(key) || this.publishPaths.has(key) || this.onDemand.has(key))
      throw new ConfigError('ERR_STREAM_EXISTS', `path "${key}" already exists`, { observed: key })
    this.onDemand.set(key, handler)
  }

  addPerReaderPath(name: string, source: PerReaderSource): void {
    const key = name === '*' ? '*' : normalizePath(name)
    if (/[\s?#]/.test(key)) throw new ConfigError('ERR_STREAM_NAME', `invalid path name "${name}"`, { observed: name })
    if (this.streams.has(key) || this.publishPaths.has(key) || this.onDemand.has(key) || this.perReader.has(key)) {
      throw new ConfigError('ERR_STREAM_EXISTS', `path "${key}" already exists`, { observed: key })
    }
    this.perReader.set(key, { source })
  }

  setProvider(provider: ((path: string) => boolean) | undefined): void {
    this.provider = provider
  }

  /** A path nothing serves yet: asks the provider (a config's `~regex` paths) to add it. True when it did. */
  provide(path: string): boolean {
    return !this.servesPath(path) && (this.provider?.(path) ?? false)
  }

  /** Whether a path is served by something other than the '*' per-reader path. */
  servesPath(path: string): boolean {
    return this.streams.has(path) || this.publishPaths.has(path) || this.onDemand.has(path) || (path !== '*' && this.perReader.has(path))
  }

  /** Every name the table answers. */
  names(): Set<string> {
    return new Set([...this.streams.keys(), ...this.publishPaths.keys(), ...this.onDemand.keys(), ...this.perReader.keys()])
  }

  /** A stream shaped for this server (packet size, clock); not entered in the table. */
  newStream(name: string, spec: StreamSpec, options: StreamOptions = {}): ServerStream {
    const d = this.deps
    const instantStart = options.instantStart ?? (typeof d.instantStart === 'function' ? d.instantStart(name) : (d.instantStart ?? true))
    return new ServerStream(name, spec, {
      clock: d.clock,
      random: d.random,
      maxPacketSize: d.maxPacketSize,
      instantStart,
      gopCache: {
        ...(d.gopCacheMaxBytes !== undefined ? { maxBytes: d.gopCacheMaxBytes } : {}),
        ...(d.gopCacheMaxMs !== undefined ? { maxMs: d.gopCacheMaxMs } : {}),
      },
    })
  }

  resolve(uri: string): Target {
    if (uri === '*') return { path: '', stream: undefined, trackIndex: undefined }
    const path = this.pathOf(uri)
    const exact = this.streams.get(path)
    if (exact) return { path, stream: exact, trackIndex: undefined }
    const slash = path.lastIndexOf('/')
    const m = TRACK_SUFFIX.exec(path.slice(slash + 1))
    const base = m ? (slash >= 0 ? path.slice(0, slash) : '') : path
    const trackIndex = m ? Number(m[1]) : undefined
    const stream = this.streams.get(base)
    if (stream) return { path: base, stream, trackIndex }
    const entry = this.perReader.get(base) ?? (this.servesPath(base) ? undefined : this.perReader.get('*'))
    if (entry) {
      entry.template ??= this.newStream(base, entry.source.spec)
      return { path: base, stream: entry.template, trackIndex, perReader: entry.source }
    }
    return { path: m ? base : path, stream: undefined, trackIndex }
  }

  /** Resolves a request URI, first bringing up an on-demand path's stream if that is what it names. */
  async resolveOnDemand(uri: string): Promise<Target> {
    let target = this.resolve(uri)
    if (target.stream) {
      ;(this.onDemand.get(target.path) ?? this.onDemand.get(this.pathOf(uri)))?.touch?.()
      return target
    }
    if (this.provide(target.path)) target = this.resolve(uri)
    if (target.stream) return target
    const summon = this.publishDemand.get(target.path) ?? this.publishDemand.get(this.pathOf(uri))
    if (summon && this.publishPaths.has(target.path)) {
      try {
        await summon()
      } catch (err) {
        this.deps.logger.warn((err as Error).message, { path: target.path })
        throw new RequestError(503, 'on-demand publisher unavailable')
      }
      return this.resolve(uri)
    }
    const handler = this.onDemand.get(target.path) ?? this.onDemand.get(this.pathOf(uri))
    if (!handler) return target
    try {
      await handler.demand()
    } catch (err) {
      this.deps.logger.warn((err as Error).message, { path: target.path })
      throw new RequestError(503, 'on-demand source unavailable')
    }
    return this.resolve(uri)
  }

  /** pathOf, remembering the last answer (a URL that does not parse throws each time). */
  private pathOf(uri: string): string {
    if (uri !== this.lastUri) {
      this.lastPath = pathOf(uri)
      this.lastUri = uri
    }
    return this.lastPath
  }
}

/** The stream path a request URI names: absolute (`rtsp://host/a/b`) or a bare path (`a/b`), without slashes around it. */
export function pathOf(uri: string): string {
  return normalizePath(/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? parseRtspUrl(uri).path : decodeURIComponentSafe(uri.split('?')[0]!))
}

export function normalizePath(p: string): string {
  return p.replace(/^\/+/, '').replace(/\/+$/, '')
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    throw new RequestError(400, 'bad percent-encoding in URI')
  }
}
