/**
 * Publishers (RFC 2326 §10.3 ANNOUNCE, §10.4 SETUP with mode=record, §10.11 RECORD, §10.7 TEARDOWN):
 * who publishes on which publish path, their transports, and what their readers get when they leave.
 */
import { ParseError } from '../errors.js'
import { formatSession, parseSession } from '../rtsp/headers/session.js'
import type { RtspRequest, RtspResponse } from '../rtsp/message.js'
import { stripCredentials } from '../rtsp/url.js'
import { readAnnouncement } from '../stream/announcement.js'
import { createCodecRegistry } from '../codecs/registry.js'
import { pathOf } from './path-table.js'
import { Publisher } from './publisher.js'
import { makeResponse, type ServerConnection } from './server-connection.js'
import type { ServerContext } from './server-context.js'
import { sameLayout } from './stream-layout.js'
import { readOffers } from './transport-negotiation.js'

const READER_METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER'

export class RecordHandler {
  /** Who publishes on each publish path now. */
  readonly publishers = new Map<string, Publisher>()
  private readonly codecs = createCodecRegistry()

  constructor(private readonly ctx: ServerContext) {}

  /** The publisher of a connection that announced and still sets up its tracks. */
  announcedOn(connectionId: number): Publisher | undefined {
    return [...this.publishers.values()].find((p) => p.connectionId === connectionId && p.state === 'announced')
  }

  /** Whether a connection carries a publisher. */
  publishesOn(connectionId: number): boolean {
    return [...this.publishers.values()].some((p) => p.connectionId === connectionId)
  }

  bySession(req: RtspRequest): Publisher | undefined {
    const header = req.headers.get('Session')
    if (header === undefined) return undefined
    const id = parseSession(header).id
    return [...this.publishers.values()].find((p) => p.sessionId === id)
  }

  announce(conn: ServerConnection, req: RtspRequest): RtspResponse {
    const { paths } = this.ctx
    const path = pathOf(req.uri)
    paths.provide(path)
    const pathOptions = paths.publishPaths.get(path)
    if (!pathOptions) {
      return makeResponse(paths.streams.has(path) ? 405 : 404, paths.streams.has(path) ? { Allow: READER_METHODS } : {})
    }
    const current = this.publishers.get(path)
    if (current && pathOptions.onSecondPublisher === 'refuse') return { ...makeResponse(503), reason: 'Path Already Has A Publisher' }
    const type = (req.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/sdp') return makeResponse(415, { Accept: 'application/sdp' })
    let announcement
    try {
      announcement = readAnnouncement(req.body, this.codecs)
    } catch (err) {
      return {
        ...makeResponse(err instanceof ParseError ? 400 : 415),
        reason: err instanceof ParseError ? 'Bad SDP' : 'No Supported Media',
      }
    }
    if (current) {
      this.end(current, `taken over by a publisher from ${conn.remoteAddress}`)
      if (current.connectionId !== conn.id) this.ctx.connection(current.connectionId)?.destroy()
    }
    // A stream kept for its readers is reused when the new publisher sends the same format.
    let stream = paths.streams.get(path)
    if (stream && !sameLayout(stream.spec, announcement.spec)) {
      this.ctx.removeStream(path)
      stream = undefined
    }
    stream?.restartReaders()
    stream ??= this.ctx.addStream(path, announcement.spec)
    const publisher = new Publisher(path, conn.id, conn.remoteAddress, announcement, stream, this.ctx.opts.clock)
    this.publishers.set(path, publisher)
    this.ctx.opts.logger.info(`publisher announced ${stream.tracks.map((t) => t.media.codec).join(' + ')}`, {
      path,
      remote: conn.remoteAddress,
    })
    return makeResponse(200)
  }

  async setup(conn: ServerConnection, req: RtspRequest, publisher: Publisher): Promise<RtspResponse> {
    const index = publisher.trackFor(stripCredentials(req.uri))
    if (index === undefined) return makeResponse(404)
    const offers = readOffers(req.headers.get('Transport'))
    const chosen = offers && this.ctx.transports.choose(offers)
    if (!chosen) return makeResponse(461)
    publisher.sessionId ??= this.ctx.sessions.newId()
    const negotiated = await this.ctx.transports.open(chosen, { mode: 'record', remoteAddress: conn.remoteAddress, trackIndex: index })
    if (negotiated.kind === 'tcp') publisher.attachInterleaved(index, negotiated.channels[0])
    else publisher.attachUdp(index, negotiated.link)
    return makeResponse(200, { Session: formatSession(publisher.sessionId, this.ctx.opts.sessionTimeout), Transport: negotiated.reply })
  }

  record(req: RtspRequest): RtspResponse {
    const publisher = this.bySession(req)
    const header = req.headers.get('Session')
    if (!publisher) return makeResponse(header === undefined ? 454 : this.ctx.sessions.has(parseSession(header).id) ? 455 : 454)
    publisher.record()
    this.ctx.opts.logger.info('publisher records', { path: publisher.path, session: publisher.sessionId })
    return makeResponse(200, { Session: formatSession(publisher.sessionId!, this.ctx.opts.sessionTimeout) })
  }

  /** TEARDOWN of a publisher's session (the caller checked there is one). */
  teardown(req: RtspRequest): RtspResponse {
    const publisher = this.bySession(req)!
    this.end(publisher, 'publisher left')
    return makeResponse(200, { Session: publisher.sessionId! })
  }

  /** An interleaved frame one of the connection's publishers takes; false when none does. */
  onInterleaved(connectionId: number, channel: number, payload: Buffer): boolean {
    for (const p of this.publishers.values()) if (p.connectionId === connectionId && p.onInterleaved(channel, payload)) return true
    return false
  }

  /**
   * The publisher is gone and the path is free for the next one. Its readers get a BYE and their
   * sessions end, unless the path keeps them for the next publisher.
   */
  end(p: Publisher, reason: string, stopping = false): void {
    if (this.publishers.get(p.path) !== p) return
    this.publishers.delete(p.path)
    p.close()
    if (!stopping && this.ctx.paths.publishPaths.get(p.path)?.onPublisherLeave === 'stay') {
      this.ctx.opts.logger.info(`${reason}; readers wait for the next publisher`, { path: p.path })
      return
    }
    this.ctx.sessions.closeWhere((s) => s.stream === p.stream, reason)
    this.ctx.paths.streams.delete(p.path)
    p.stream.close()
    this.ctx.opts.logger.info(reason, { path: p.path })
  }

  /** Ends every publisher matching `match`. */
  endWhere(match: (p: Publisher) => boolean, reason: string, stopping = false): void {
    for (const p of [...this.publishers.values()]) if (match(p)) this.end(p, reason, stopping)
  }
}
