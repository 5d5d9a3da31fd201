/**
 * Publishers (RFC 2326 §10.3 ANNOUNCE, §10.4 SETUP with mode=record, §10.11 RECORD, §10.7 TEARDOWN):
 * who publishes on which publish path, their transports, and what their readers get when they leave.
 */
import { ParseError } from '../errors.js'
import { formatSession, parseSession } from '../rtsp/headers/session.js'
import type { RtspRequest, RtspResponse } from '../rtsp/message.js'
import { stripCredentials } from '../rtsp/url.js'
import { readAnnouncement, type Announcement } from '../stream/announcement.js'
import { RequestError } from './request-error.js'
import { createCodecRegistry } from '../codecs/registry.js'
import { pathOf } from './path-table.js'
import { Publisher } from './publisher.js'
import { makeResponse, type ServerConnection } from './server-connection.js'
import type { ServerContext } from './server-context.js'
import { sameLayout } from './stream-layout.js'
import { readOffers } from './transport-negotiation.js'
import { announcedKeys, isSecureProfile, isTlsConnection, SrtpOffers } from './srtp-session.js'
import type { MikeyMessage } from '../srtp/mikey.js'
import { announcementProblem, type AnnounceProblem } from './announce-check.js'

/** The connection id of publishers that came over another protocol: no RTSP connection has it. */
const OTHER_PROTOCOL_CONNECTION = -1
const READER_METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER'

export class RecordHandler {
  /** Who publishes on each publish path now. */
  readonly publishers = new Map<string, Publisher>()
  private readonly codecs = createCodecRegistry()
  /** SRTP keys a publisher announced (a=key-mgmt), by media index. */
  private readonly keys = new WeakMap<Publisher, (MikeyMessage | undefined)[]>()

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

  /** GET_PARAMETER / SET_PARAMETER naming a publisher's session (rtspclientsink's keep-alive): 200, else undefined. */
  keepAlive(req: RtspRequest): RtspResponse | undefined {
    const publisher = this.bySession(req)
    return publisher ? makeResponse(200, { Session: formatSession(publisher.sessionId!, this.ctx.opts.sessionTimeout) }) : undefined
  }

  /** ANNOUNCE; in a cluster, the path's cluster-wide lock first (cluster-hooks.ts). */
  async announce(conn: ServerConnection, req: RtspRequest): Promise<RtspResponse> {
    const cluster = this.ctx.opts.cluster
    const path = pathOf(req.uri)
    const busy = await cluster?.acquirePublish(path)
    if (busy) return { ...makeResponse(busy.status), reason: busy.reason }
    const res = this.announceHere(conn, req, path)
    if (res.statusCode !== 200) cluster?.releasePublish(path)
    return res
  }

  private announceHere(conn: ServerConnection, req: RtspRequest, path: string): RtspResponse {
    const refused = this.refusal(path)
    if (refused)
      return refused.status === 405
        ? makeResponse(405, { Allow: READER_METHODS })
        : { ...makeResponse(refused.status), reason: refused.reason }
    const type = (req.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/sdp') return makeResponse(415, { Accept: 'application/sdp' })
    let announcement
    let keys
    try {
      announcement = readAnnouncement(req.body, this.codecs)
      keys = announcedKeys(req.body)
    } catch (err) {
      return refuseSdp(err instanceof ParseError ? 400 : 415, (err as Error).message)
    }
    const problem = this.problem(announcement, path)
    if (problem) {
      this.ctx.opts.logger.warn(`ANNOUNCE refused: ${problem.reason}`, { path, remote: conn.remoteAddress })
      return refuseSdp(problem.status, problem.reason)
    }
    this.keys.set(this.begin(path, conn.id, conn.remoteAddress, announcement, 'rtsp'), keys)
    return makeResponse(200)
  }

  /**
   * A publisher from another protocol (WHIP): `sdp` describes the media it sends, as an ANNOUNCE
   * body would. It records at once. Throws RequestError with the status RTSP would answer (404,
   * 405 for a path that is not a publish path, 503 when busy, 400 bad SDP, 415 no supported media).
   */
  openOther(path: string, remoteAddress: string, sdp: string, protocol: string): Publisher {
    const refused = this.refusal(path)
    if (refused) throw new RequestError(refused.status, refused.reason)
    let announcement
    try {
      announcement = readAnnouncement(Buffer.from(sdp), this.codecs)
    } catch (err) {
      throw new RequestError(err instanceof ParseError ? 400 : 415, (err as Error).message)
    }
    const problem = this.problem(announcement, path)
    if (problem) throw new RequestError(problem.status, problem.reason)
    const publisher = this.begin(path, OTHER_PROTOCOL_CONNECTION, remoteAddress, announcement, protocol)
    publisher.record()
    return publisher
  }

  /** What makes an announcement unpublishable although it parses (announce-check.ts). */
  private problem(announcement: Announcement, path: string): AnnounceProblem | undefined {
    return announcementProblem(announcement, this.codecs, (spec) => this.ctx.paths.newStream(path, spec).close())
  }

  /** Why a publisher may not start on `path` now, or undefined when it may. */
  private refusal(path: string): { status: number; reason: string } | undefined {
    const { paths } = this.ctx
    paths.provide(path)
    const pathOptions = paths.publishPaths.get(path)
    if (!pathOptions) return paths.streams.has(path) ? { status: 405, reason: 'Method Not Allowed' } : { status: 404, reason: 'Not Found' }
    if (this.publishers.has(path) && pathOptions.onSecondPublisher === 'refuse')
      return { status: 503, reason: 'Path Already Has A Publisher' }
    return undefined
  }

  private begin(path: string, connectionId: number, remoteAddress: string, announcement: Announcement, protocol: string): Publisher {
    const { paths } = this.ctx
    const current = this.publishers.get(path)
    if (current) {
      this.end(current, `taken over by a publisher from ${remoteAddress}`)
      if (current.connectionId !== connectionId) this.ctx.connection(current.connectionId)?.destroy()
    }
    // A stream kept for its readers is reused when the new publisher sends the same format.
    let stream = paths.streams.get(path)
    if (stream && !sameLayout(stream.spec, announcement.spec)) {
      this.ctx.removeStream(path)
      stream = undefined
    }
    stream?.restartReaders()
    stream ??= this.ctx.addStream(path, announcement.spec)
    const publisher = new Publisher(path, connectionId, remoteAddress, announcement, stream, this.ctx.opts.clock, protocol)
    this.publishers.set(path, publisher)
    this.ctx.opts.logger.info(
      `${protocol === 'rtsp' ? '' : `${protocol} `}publisher announced ${stream.tracks.map((t) => t.media.codec).join(' + ')}`,
      {
        path,
        remote: remoteAddress,
      },
    )
    return publisher
  }

  async setup(conn: ServerConnection, req: RtspRequest, publisher: Publisher): Promise<RtspResponse> {
    const index = publisher.trackFor(stripCredentials(req.uri))
    if (index === undefined) return makeResponse(404)
    const offers = readOffers(req.headers.get('Transport'))
    const chosen = offers && this.ctx.transports.choose(offers, false, isTlsConnection(conn))
    if (!chosen) return makeResponse(461)
    const mediaIndex = publisher.announcement.tracks[index]!.mediaIndex
    const srtp = isSecureProfile(chosen) ? SrtpOffers.forPublisher(req, this.keys.get(publisher)?.[mediaIndex]) : undefined
    publisher.sessionId ??= this.ctx.sessions.newId()
    const negotiated = await this.ctx.transports.open(chosen, { mode: 'record', remoteAddress: conn.remoteAddress, trackIndex: index })
    if (negotiated.kind === 'tcp') publisher.attachInterleaved(index, negotiated.channels[0], srtp)
    else publisher.attachUdp(index, negotiated.link, srtp)
    return makeResponse(200, { Session: formatSession(publisher.sessionId, this.ctx.opts.sessionTimeout), Transport: negotiated.reply })
  }

  record(req: RtspRequest): RtspResponse {
    const publisher = this.bySession(req)
    const header = req.headers.get('Session')
    if (!publisher) return makeResponse(header === undefined ? 454 : this.ctx.sessions.has(parseSession(header).id) ? 455 : 454)
    publisher.record()
    this.ctx.opts.logger.info('publisher records', { path: publisher.path, session: publisher.sessionId })
    this.ctx.emit('record', {
      path: publisher.path,
      sessionId: publisher.sessionId!,
      remoteAddress: publisher.remoteAddress,
      protocol: 'rtsp',
    })
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
    p.onEnded?.(reason)
    this.ctx.opts.cluster?.releasePublish(p.path)
    if (!stopping && this.ctx.paths.publishPaths.get(p.path)?.onPublisherLeave === 'stay') {
      this.ctx.opts.logger.info(`${reason}; readers wait for the next publisher`, { path: p.path })
      return
    }
    this.ctx.sessions.closeWhere((s) => s.stream === p.stream, reason)
    this.ctx.paths.streams.delete(p.path)
    p.stream.close()
    this.ctx.opts.logger.info(reason, { path: p.path })
  }

  /** The publisher whose RTSP session id is `id`. */
  bySessionId(id: string): Publisher | undefined {
    return [...this.publishers.values()].find((p) => p.sessionId === id)
  }

  /** Ends every publisher matching `match`. */
  endWhere(match: (p: Publisher) => boolean, reason: string, stopping = false): void {
    for (const p of [...this.publishers.values()]) if (match(p)) this.end(p, reason, stopping)
  }
}

/** 400 (Bad SDP) or 415 with the reason as a text body, so the publisher's log says what was wrong. */
function refuseSdp(status: 400 | 415, reason: string): RtspResponse {
  const res = makeResponse(status, { 'Content-Type': 'text/plain; charset=utf-8' }, Buffer.from(`${reason}\n`))
  return { ...res, reason: status === 400 ? 'Bad SDP' : 'No Supported Media' }
}
