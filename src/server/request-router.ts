/**
 * RTSP methods to their handlers (RFC 2326 section 10): the server's request dispatch, once the
 * request is well formed and its access decided (rtsp-server.ts). A handler's RequestError becomes its
 * status, a ParseError 400, anything else 500 with a log line.
 */
import { ParseError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import type { RtspRequest, RtspResponse } from '../rtsp/message.js'
import type { PlayHandler } from './play-handler.js'
import type { RecordHandler } from './record-handler.js'
import { RequestError } from './request-error.js'
import { makeResponse, type RequestFraming, type ServerConnection } from './server-connection.js'
import type { SessionTable } from './session-table.js'

export const SUPPORTED_METHODS = 'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER'

export interface RouteDeps {
  player: PlayHandler
  recorder: RecordHandler
  sessions: SessionTable
  logger: Logger
}

export async function routeRequest(d: RouteDeps, conn: ServerConnection, req: RtspRequest, framing: RequestFraming): Promise<RtspResponse> {
  try {
    switch (req.method) {
      case 'OPTIONS':
        d.sessions.touch(req)
        return makeResponse(200, { Public: SUPPORTED_METHODS })
      case 'DESCRIBE':
        return await d.player.describe(conn, req)
      case 'SETUP': {
        const publisher = d.recorder.announcedOn(conn.id)
        if (/mode\s*=\s*"?record"?/i.test(req.headers.get('Transport') ?? '')) {
          // Without an ANNOUNCE on this connection there is nothing to record into (RFC 2326 §10.4).
          return publisher ? await d.recorder.setup(conn, req, publisher) : makeResponse(455)
        }
        return await d.player.setup(conn, req, framing)
      }
      case 'ANNOUNCE':
        return await d.recorder.announce(conn, req)
      case 'RECORD':
        return d.recorder.record(req)
      case 'PLAY':
        return d.player.play(conn, req)
      case 'PAUSE':
        return d.player.pause(conn, req)
      case 'TEARDOWN':
        return d.recorder.bySession(req) ? d.recorder.teardown(req) : d.player.teardown(req)
      case 'GET_PARAMETER':
      case 'SET_PARAMETER': {
        const publishing = d.recorder.keepAlive(req)
        if (publishing) return publishing
        const session = d.sessions.fromRequest(req, false)
        return makeResponse(200, session ? d.sessions.header(session) : {})
      }
      default:
        return makeResponse(501, { Public: SUPPORTED_METHODS })
    }
  } catch (err) {
    if (err instanceof RequestError) return makeResponse(err.status)
    if (err instanceof ParseError) return makeResponse(400)
    d.logger.warn(`${req.method} ${req.uri} failed: ${(err as Error).message}`)
    return makeResponse(500)
  }
}
