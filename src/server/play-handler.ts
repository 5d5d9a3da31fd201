/**
 * Readers (RFC 2326 §10.2 DESCRIBE, §10.4 SETUP, §10.5 PLAY, §10.6 PAUSE, §10.7 TEARDOWN): the SDP of
 * a path, the sessions that play it and, on per-reader paths, each session's own playback.
 */
import os from 'node:os'
import { formatRtpInfo } from '../rtsp/headers/rtp-info.js'
import { parseRange } from '../rtsp/headers/range.js'
import type { RtspRequest, RtspResponse } from '../rtsp/message.js'
import { stripCredentials } from '../rtsp/url.js'
import { formatSdp, type SdpMedia, type SessionDescription } from '../sdp/sdp.js'
import { isTeachingSetup, TEACHING_CLIENT_RECV_SIZE, WholeJpegSender } from './dialects/teaching.js'
import type { PerReaderSource } from './per-reader.js'
import { makeResponse, type RequestFraming, type ServerConnection } from './server-connection.js'
import type { ServerContext } from './server-context.js'
import { SERVER_NAME, type ResolvedOptions } from './server-options.js'
import { ServerSession, TrackSetup, type SessionOptions, type TrackTransport } from './server-session.js'
import type { ServerStream } from './server-stream.js'
import { mediaSection } from '../codecs/media-track.js'
import { readOffers } from './transport-negotiation.js'
import { isWorkerLink } from '../transport/udp-send-workers.js'
import { pathOf } from './path-table.js'
import { isSecureProfile, isTlsConnection, offersSavp, SrtpOffers, type SrtpTrack } from './srtp-session.js'

export class PlayHandler {
  private readonly srtp: SrtpOffers

  /**
   * The last DESCRIBE body per stream, and what it was made of: rebuilt only when that changes (new
   * parameter sets, another local address or name). One stream answers most DESCRIBEs the same.
   */
  private readonly sdpCache = new WeakMap<ServerStream, { key: string; body: Buffer }>()

  constructor(private readonly ctx: ServerContext) {
    this.srtp = new SrtpOffers(ctx.opts.clock)
  }

  async describe(conn: ServerConnection, req: RtspRequest): Promise<RtspResponse> {
    // A cluster may send the reader to another node (302), or refuse it when this one is full.
    const elsewhere = this.ctx.opts.cluster?.redirectReader?.(pathOf(req.uri), req)
    if (typeof elsewhere === 'string') return makeResponse(302, { Location: elsewhere })
    if (elsewhere) return { ...makeResponse(elsewhere.status), reason: elsewhere.reason }
    const target = await this.ctx.paths.resolveOnDemand(req.uri)
    if (!target.stream || target.trackIndex !== undefined) return makeResponse(404)
    const stream = target.stream
    if (!stream.ready) await stream.waitReady(this.ctx.opts.describeWait)
    if (!target.perReader && !this.ctx.paths.streams.has(stream.name)) return makeResponse(404)
    // A per-reader path's template may serve many names ('*'): the base is the one asked for.
    const name = target.perReader ? target.path : stream.name
    const base = this.baseUrl(conn, req, name)
    const sdp = this.describeBody(stream, conn, target.perReader?.durationSeconds, name)
    return makeResponse(200, { 'Content-Base': base, 'Content-Type': 'application/sdp' }, sdp)
  }

  /** SETUP of one track for playing: the transport, and the session at its first track. */
  async setup(conn: ServerConnection, req: RtspRequest, framing: RequestFraming): Promise<RtspResponse> {
    const { opts, sessions } = this.ctx
    const target = await this.ctx.paths.resolveOnDemand(req.uri)
    if (!target.stream) return makeResponse(404)
    const existing = sessions.fromRequest(req, false)
    // A per-reader path: the session's own stream, made at its first SETUP.
    const stream = !target.perReader
      ? target.stream
      : existing && sessions.hasPlayback(existing.id) && existing.path === target.path
        ? existing.stream
        : this.ctx.paths.newStream(target.path, target.perReader.spec)
    // VLC and others set up the aggregate URL of a single-track stream.
    const trackIndex = target.trackIndex ?? (stream.tracks.length === 1 ? 0 : undefined)
    if (trackIndex === undefined) return makeResponse(459)
    const track = stream.tracks[trackIndex]
    if (!track) return makeResponse(404)

    const offers = readOffers(req.headers.get('Transport'))
    if (!offers) return makeResponse(461)

    let session = existing
    if (session) {
      if (session.stream !== stream) return makeResponse(459)
      if (session.state === 'playing') return makeResponse(455)
    } else if (sessions.full(opts.maxSessions)) {
      return makeResponse(503)
    }

    const multicast = this.ctx.multicast()
    const chosen = this.ctx.transports.choose(offers, multicast !== undefined, isTlsConnection(conn))
    if (!chosen) return makeResponse(461)
    // SRTP keys: ours from this connection's DESCRIBE, the client's from KeyMgmt (400 when unreadable).
    const srtp: SrtpTrack | undefined = isSecureProfile(chosen)
      ? this.srtp.setup(conn, target.perReader ? target.path : stream.name, trackIndex, req)
      : undefined
    const teaching = isTeachingSetup(chosen, req.uri, framing)
    if (teaching && (chosen.lowerTransport !== 'UDP' || track.media.codec !== 'JPEG')) {
      return { ...makeResponse(461), reason: 'Whole-JPEG Delivery Needs An MJPEG Path' }
    }

    let transport: TrackTransport
    let transportText: string
    if (chosen.delivery === 'multicast' && multicast) {
      if (chosen.destination !== undefined && !multicast.inRange(chosen.destination)) {
        return { ...makeResponse(461), reason: 'Destination Outside The Multicast Range' }
      }
      const group = await multicast.acquire(stream, track)
      transport = { kind: 'multicast', group }
      transportText = group.reply()
    } else {
      const negotiated = await this.ctx.transports.open(chosen, {
        mode: 'play',
        remoteAddress: conn.remoteAddress,
        trackIndex,
        usedChannels: sessions.channelsOf(conn.id),
        ssrc: track.media.ssrc,
      })
      transportText = negotiated.reply
      transport =
        negotiated.kind === 'tcp'
          ? { kind: 'tcp', sink: conn, rtpChannel: negotiated.channels[0], rtcpChannel: negotiated.channels[1] }
          : {
              kind: 'udp',
              link: negotiated.link,
              host: conn.remoteAddress,
              clientRtpPort: negotiated.clientPort[0],
              clientRtcpPort: negotiated.clientPort[1],
            }
    }

    if (!session) {
      session = new ServerSession(sessions.newId(), stream, conn.id, {
        ...sessionOptions(opts),
        remoteAddress: conn.remoteAddress,
        // Once per slow episode; the counts are in the API and metrics (framesDropped).
        onDrop: (s, setup, reason) => {
          opts.logger.warn(`reader too slow: dropping frames of track ${setup.track.index} up to the next keyframe (${reason})`, {
            session: s.id,
            path: s.path,
          })
        },
      })
      sessions.add(session)
      if (target.perReader) this.openPlayback(session, target.perReader, conn.remoteAddress)
    }
    session.addSetup(new TrackSetup(track, transport, teaching ? this.wholeJpegSender(session.id, stream.name) : undefined, srtp))
    if (transport.kind === 'udp' && isWorkerLink(transport.link)) {
      // Its send worker died: the reader got a BYE from the same ports; the session ends.
      const id = session.id
      transport.link.onLost(() => {
        const s = sessions.get(id)
        if (s) sessions.close(s, 'UDP send worker exited')
      })
    }
    if (teaching)
      opts.logger.info(`session ${session.id} on /${stream.name}: the RTSP/RTP teaching project's client (whole JPEGs over UDP)`)
    if (session.state === 'init') session.state = 'ready'
    this.ctx.emit('setup', {
      path: stream.name,
      sessionId: session.id,
      remoteAddress: conn.remoteAddress,
      transport: transportText,
      track: trackIndex,
    })
    return makeResponse(200, { ...sessions.header(session), Transport: transportText })
  }

  play(conn: ServerConnection, req: RtspRequest): RtspResponse {
    const session = this.ctx.sessions.fromRequest(req, true)
    if (session.state === 'init' || session.setups.size === 0) return makeResponse(455)
    const target = this.ctx.paths.resolve(req.uri)
    const playback = this.ctx.sessions.playback(session.id)
    if (target.stream && target.stream !== session.stream && !(playback && target.perReader)) return makeResponse(459)
    if (target.trackIndex !== undefined && session.setups.size > 1) return makeResponse(460)
    // Per-reader playback may start elsewhere: `Range: npt=S-` seeks (RFC 2326 §12.29).
    let from: number | undefined
    const range = req.headers.get('Range')
    if (playback && range !== undefined) {
      const r = parseRange(range)
      if (r.unit !== 'npt') return makeResponse(457)
      if (typeof r.start === 'number') from = r.start
    }
    const base = this.baseUrl(conn, req, session.stream.name)
    const wasPlaying = session.state === 'playing'
    session.play(playback !== undefined && from === undefined)
    if (playback) {
      if (wasPlaying && from !== undefined) session.restartAtKeyframe()
      playback.play(from)
    }
    const now = this.ctx.opts.clock.wallMs()
    const next = playback?.nextPtsMs?.()
    // An instant start begins with the GOP so far: RTP-Info names its first packet.
    const rtpInfo = [...session.setups.values()].map((s) => {
      const start = session.startPoint(s.track.index)
      return {
        url: base + s.track.control,
        seq: start?.seq ?? s.track.media.nextSequence,
        rtptime: start?.rtptime ?? (next !== undefined ? s.track.rtpTimestampFor(next) : s.track.rtpTimeAt(now)),
      }
    })
    this.ctx.emit('play', {
      path: session.path,
      sessionId: session.id,
      remoteAddress: conn.remoteAddress,
      protocol: isTlsConnection(conn) ? 'rtsps' : 'rtsp',
    })
    const duration = target.perReader?.durationSeconds
    const rangeOut = playback
      ? `npt=${formatNpt(playback.position?.() ?? from ?? 0)}-${duration !== undefined ? formatNpt(duration) : ''}`
      : 'npt=now-'
    return makeResponse(200, { ...this.ctx.sessions.header(session), Range: rangeOut, 'RTP-Info': formatRtpInfo(rtpInfo) })
  }

  pause(conn: ServerConnection, req: RtspRequest): RtspResponse {
    const session = this.ctx.sessions.fromRequest(req, true)
    if (session.state === 'init') return makeResponse(455)
    const target = this.ctx.paths.resolve(req.uri)
    if (target.trackIndex !== undefined && session.setups.size > 1) return makeResponse(460)
    this.ctx.sessions.playback(session.id)?.pause()
    session.pause()
    this.ctx.emit('pause', { path: session.path, sessionId: session.id, remoteAddress: conn.remoteAddress })
    return makeResponse(200, this.ctx.sessions.header(session))
  }

  teardown(req: RtspRequest): RtspResponse {
    const session = this.ctx.sessions.fromRequest(req, true)
    this.ctx.sessions.close(session, 'teardown')
    return makeResponse(200, { Session: session.id })
  }

  private wholeJpegSender(sessionId: string, path: string): WholeJpegSender {
    const opts = this.ctx.opts
    return new WholeJpegSender(opts.clock, (w) =>
      opts.logger.warn(
        w.kind === 'cut'
          ? `session ${sessionId} on /${path}: a ${w.bytes}-byte JPEG reaches the teaching client cut (it reads ${TEACHING_CLIENT_RECV_SIZE} bytes per datagram)`
          : `session ${sessionId} on /${path}: a ${w.bytes}-byte JPEG does not fit one UDP datagram; dropped`,
      ),
    )
  }

  /** Starts a per-reader session's own playback; its end ends the session (BYE). */
  private openPlayback(session: ServerSession, source: PerReaderSource, remoteAddress: string): void {
    const id = session.id
    const sessions = this.ctx.sessions
    const ended = () =>
      setImmediate(() => {
        const s = sessions.get(id)
        if (s) sessions.close(s, 'end of stream')
      })
    sessions.setPlayback(id, source.open(session.stream, { path: session.path, sessionId: id, remoteAddress }, ended))
  }

  /** Content-Base and RTP-Info URLs: the scheme and authority the client used, without credentials. */
  private baseUrl(conn: ServerConnection, req: RtspRequest, streamName: string): string {
    const absolute = /^(rtsps?:\/\/[^/?#]+)/i.exec(stripCredentials(req.uri))
    if (absolute) return `${absolute[1]}/${streamName}/`
    // A bare path (old clients): use the Host header, else the address the client reached us on.
    const local = conn.localAddress.includes(':') ? `[${conn.localAddress}]` : conn.localAddress
    const authority = req.headers.get('Host') ?? `${local}:${this.ctx.port()}`
    return `rtsp://${authority}/${streamName}/`
  }

  /** The SDP of a DESCRIBE answer; from the cache unless it offers SRTP (its keys are the connection's own). */
  private describeBody(stream: ServerStream, conn: ServerConnection, durationSeconds: number | undefined, name: string): Buffer {
    if (offersSavp(this.ctx.opts.encryption, conn)) return Buffer.from(this.buildSdp(stream, conn, durationSeconds, name))
    let key = `${conn.localAddress} ${name} ${durationSeconds}`
    for (const t of stream.tracks) {
      key += `\n${t.control} ${t.media.payloadType}`
      for (const a of t.media.sdpAttributes()) key += a.value === undefined ? ` ${a.key}` : ` ${a.key}:${a.value}`
    }
    const hit = this.sdpCache.get(stream)
    if (hit?.key === key) return hit.body
    const body = Buffer.from(this.buildSdp(stream, conn, durationSeconds, name))
    this.sdpCache.set(stream, { key, body })
    return body
  }

  private buildSdp(stream: ServerStream, conn: ServerConnection, durationSeconds?: number, name = stream.name): string {
    const addrType = conn.localAddress.includes(':') ? 'IP6' : 'IP4'
    const savp = offersSavp(this.ctx.opts.encryption, conn)
    const media: SdpMedia[] = stream.tracks.map((t) => {
      const m = mediaSection(t.media, t.control)
      return savp ? this.srtp.offer(conn, name, t.index, t.media.ssrc, m) : m
    })
    const desc: SessionDescription = {
      version: 0,
      origin: {
        username: '-',
        sessionId: String(this.ctx.opts.random.u32()),
        sessionVersion: '1',
        netType: 'IN',
        addrType,
        address: conn.localAddress || '0.0.0.0',
      },
      sessionName: name,
      emails: [],
      phones: [],
      connection: `IN ${addrType} ${addrType === 'IP6' ? '::' : '0.0.0.0'}`,
      bandwidths: [],
      timing: ['0 0'],
      attributes: [
        { key: 'tool', value: SERVER_NAME },
        { key: 'type', value: durationSeconds === undefined ? 'broadcast' : 'recvonly' },
        { key: 'range', value: durationSeconds === undefined ? 'npt=now-' : `npt=0-${formatNpt(durationSeconds)}` },
      ],
      media,
    }
    return formatSdp(desc)
  }
}

/** Normal play time in seconds, to the millisecond (RFC 2326 §3.6). */
function formatNpt(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000)
}

/** The CNAME of every reader session's RTCP (read once: os.hostname() is a system call). */
const CNAME = `rtspkit@${os.hostname()}`

/** What every reader session of this server shares (and a multicast group's sender). */
export function sessionOptions(opts: ResolvedOptions): SessionOptions {
  return {
    timeoutMs: opts.sessionTimeout * 1000,
    rtcpIntervalMs: opts.rtcpInterval,
    maxQueueBytes: opts.maxReaderQueueBytes,
    cname: CNAME,
    clock: opts.clock,
  }
}
