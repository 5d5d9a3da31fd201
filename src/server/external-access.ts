/**
 * How sessions of other protocols (WebRTC, HLS, RTMP) get at the server's paths: a reader borrows
 * a path's stream (bringing up an on-demand source as a DESCRIBE would), a publisher goes through
 * the same rules as ANNOUNCE, and in a cluster takes the same cluster-wide lock (claimPublish).
 * Both count against `maxSessions` — but for previews — and are listed and kicked with RTSP
 * sessions (RtspServer delegates here).
 */
import {
  ExternalPublisher,
  ExternalReader,
  ExternalSessionTable,
  type AnyExternalSession,
  type SessionProtocol,
} from './external-sessions.js'
import { normalizePath, type PathTable } from './path-table.js'
import type { RecordHandler } from './record-handler.js'
import { RequestError } from './request-error.js'
import type { ResolvedOptions, SessionEvent } from './server-options.js'
import type { SessionTable } from './session-table.js'

export interface OpenReaderRequest {
  path: string
  protocol: SessionProtocol
  remoteAddress: string
  /** False for the dashboard's previews: not a reader, not counted against limits (default true). */
  counted?: boolean
}

export interface OpenPublisherRequest {
  path: string
  protocol: SessionProtocol
  remoteAddress: string
  /** What the publisher sends, as an ANNOUNCE body would describe it (m= order = track index). */
  sdp: string
}

export class ExternalAccess extends ExternalSessionTable {
  constructor(
    private readonly deps: {
      opts: ResolvedOptions
      paths: PathTable
      sessions: SessionTable
      recorder: RecordHandler
      /** A counted reader opened or closed (the server's readerOpened / readerClosed events). */
      onReader?: (phase: 'open' | 'close', e: SessionEvent) => void
      /** A publisher started sending (the server's `record` event). */
      onRecord?: (e: SessionEvent) => void
    },
  ) {
    super()
  }

  /**
   * Throws RequestError: 404 when nothing serves the path (or only per-reader playback does), 503
   * when the on-demand source fails or the session limit is reached. The caller adds its
   * StreamOutput to `reader.stream` and closes the reader when its peer goes.
   */
  async openReader(req: OpenReaderRequest): Promise<ExternalReader> {
    const { opts, paths, sessions } = this.deps
    const counted = req.counted ?? true
    if (counted && this.full()) throw new RequestError(503, 'too many sessions')
    const target = await paths.resolveOnDemand(normalizePath(req.path))
    if (!target.stream || target.perReader) throw new RequestError(404, `no stream at "${normalizePath(req.path)}"`)
    const reader = new ExternalReader(
      sessions.newId(),
      req.protocol,
      target.path,
      req.remoteAddress,
      target.stream,
      counted,
      opts.clock,
      (s, r) => this.closed(s, r),
    )
    this.add(reader)
    opts.logger.info(`${req.protocol} reader opened`, { session: reader.id, path: reader.path, remote: req.remoteAddress })
    if (counted) this.deps.onReader?.('open', readerEvent(reader))
    return reader
  }

  /**
   * In a cluster, takes the path's cluster-wide publish lock ahead of openPublisher, as ANNOUNCE
   * does (cluster-hooks.ts): RequestError 503 while another node's publisher holds it, unless the
   * path allows takeover, where this publisher wins and the other node closes its own. Resolves
   * with what gives the claim back when no publisher opens after all (the peer left first, or
   * openPublisher refused); once one has opened, its end releases the lock, and a late give-back
   * is harmless. Without a cluster there is nothing to take.
   */
  async claimPublish(path: string): Promise<() => void> {
    const cluster = this.deps.opts.cluster
    if (!cluster) return () => {}
    const name = normalizePath(path)
    const refusal = await cluster.acquirePublish(name)
    if (refusal) throw new RequestError(refusal.status, refusal.reason)
    let given = false
    return () => {
      if (given) return
      given = true
      cluster.releasePublish(name)
    }
  }

  /**
   * Its packets go in through pushRtp. Same rules as ANNOUNCE: RequestError 404 / 405 (not a publish
   * path), 503 (busy), 400 (bad SDP), 415 (no supported media). In a cluster, claimPublish first.
   */
  openPublisher(req: OpenPublisherRequest): ExternalPublisher {
    const { opts, sessions, recorder } = this.deps
    if (this.full()) throw new RequestError(503, 'too many sessions')
    const publisher = recorder.openOther(normalizePath(req.path), req.remoteAddress, req.sdp, req.protocol)
    publisher.sessionId = sessions.newId()
    const external = new ExternalPublisher(publisher.sessionId, req.protocol, req.remoteAddress, publisher, opts.clock, (s, reason) => {
      this.closed(s, reason)
      recorder.end(publisher, reason === 'kicked' ? 'publisher kicked' : 'publisher left')
    })
    publisher.onEnded = (reason) => external.close(reason)
    this.add(external)
    this.deps.onRecord?.({ path: publisher.path, sessionId: publisher.sessionId, remoteAddress: req.remoteAddress, protocol: req.protocol })
    return external
  }

  private full(): boolean {
    const max = this.deps.opts.maxSessions
    return max !== undefined && this.deps.sessions.size + this.countedSize >= max
  }

  private closed(s: AnyExternalSession, reason: string): void {
    this.delete(s.id)
    if (s instanceof ExternalReader) {
      s.detach()
      if (s.counted) this.deps.onReader?.('close', { ...readerEvent(s), reason })
    }
    this.deps.opts.logger.info(`${s.protocol} ${s.role} closed: ${reason}`, { session: s.id, path: s.path, remote: s.remoteAddress })
  }
}

function readerEvent(r: ExternalReader): SessionEvent {
  return { path: r.path, sessionId: r.id, remoteAddress: r.remoteAddress, protocol: r.protocol }
}
