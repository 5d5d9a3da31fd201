/**
 * One RTMP connection: the handshake (handshake.ts), then the chunk stream both ways
 * (chunk-reader.ts, chunk-writer.ts), the protocol control messages (5.4: acknowledgements as the
 * peer's window asks, pings answered), and the NetConnection/NetStream commands (7.2) that make it a
 * publisher (rtmp-publish.ts) or a player (rtmp-play.ts) of one path.
 *
 * Commands that wait (authorization, opening a path) pause the socket; messages already read queue
 * behind them, so media never overtakes the publish that precedes it. Any error of the peer's making
 * (a malformed chunk, an AMF bomb, an oversized message, a refused publish) ends this connection
 * only, with one log line naming the error's code.
 */
import type { Socket } from 'node:net'
import { RtspkitError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import type { ExternalPublisher, ExternalReader } from '../server/external-sessions.js'
import { RequestError } from '../server/request-error.js'
import type { RtspServer } from '../server/rtsp-server.js'
import type { Clock } from '../util/clock.js'
import type { Amf0Limits } from './amf0.js'
import { ChunkReader, MessageType, type ChunkReaderLimits, type RtmpMessage } from './chunk-reader.js'
import {
  acknowledgementMessage,
  ChunkWriter,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  userControlMessage,
  UserControlEvent,
  windowAckSizeMessage,
} from './chunk-writer.js'
import type { PasswordProof } from '../server/access-gate.js'
import type { AdobeChallenges } from './adobe-challenges.js'
import { connectRejected, connectResult, messageValues, onStatus, parseCommand, result, stringProp, type RtmpCommand } from './commands.js'
import { connectAuth } from './connect-auth.js'
import { C0C1_SIZE, HANDSHAKE_SIZE, parseC0C1, serverHello } from './handshake.js'
import { RtmpPlay } from './rtmp-play.js'
import { RtmpPublish } from './rtmp-publish.js'
import { streamKey } from './stream-key.js'

/**
 * What the room needs of the RTSP server: the same rules, users, sessions and limits. claimPublish, the path's cluster-wide
 * publish lock, is optional: a host outside a cluster (a test's) may leave it out.
 */
export type RtmpHost = Pick<RtspServer, 'authorize' | 'openReader' | 'openPublisher' | 'pathStatus'> &
  Partial<Pick<RtspServer, 'claimPublish'>>

export interface RtmpConnectionOptions {
  host: RtmpHost
  logger: Logger | undefined
  clock: Clock
  fillRandom: (b: Buffer) => void
  chunkLimits: Partial<ChunkReaderLimits>
  amfLimits: Amf0Limits | undefined
  /** Chunk size we send with (default 4096). */
  outChunkSize: number
  /** Per-player bound of bytes waiting in the socket; above it whole GOPs are dropped. */
  maxQueueBytes: number
  /** A connection silent this long (no handshake, no media) is closed. */
  idleTimeoutMs: number
  /** How long play waits for an on-demand path's first parameters. */
  readyTimeoutMs: number
  onClosed: (c: RtmpConnection) => void
  /** Adobe authentication's pending challenges, shared by the server's connections. */
  challenges: AdobeChallenges
}

/** Window acknowledgement size and peer bandwidth we announce (what MediaMTX and nginx-rtmp use). */
const WINDOW_SIZE = 2_500_000
/** The one message stream createStream hands out. */
const STREAM_ID = 1

export class RtmpConnection {
  readonly remoteAddress: string
  private phase: 'c0c1' | 'c2' | 'chunks' | 'closed' = 'c0c1'
  private handshake: Buffer[] = []
  private handshakeBytes = 0
  private readonly reader: ChunkReader
  private readonly writer = new ChunkWriter()
  private app = ''
  private peerWindow = 0
  private lastAck = 0
  private busy: Promise<void> | undefined
  private waiting: RtmpMessage[] = []
  private publish: RtmpPublish | undefined
  private play: { output: RtmpPlay; reader: ExternalReader } | undefined
  /** What the client asked for last (the status code of a refusal depends on it). */
  private intent: 'publish' | 'play' | undefined
  /** Gives back the path's cluster-wide publish lock taken at `publish` (a no-op once the publisher opened). */
  private unclaim: (() => void) | undefined
  /** Adobe authentication passed at connect: checked again for the path publish/play names. */
  private proof: PasswordProof | undefined

  constructor(
    private readonly socket: Socket,
    private readonly opts: RtmpConnectionOptions,
  ) {
    this.remoteAddress = socket.remoteAddress ?? ''
    this.reader = new ChunkReader((m) => this.onMessage(m), opts.chunkLimits)
    socket.setNoDelay(true)
    socket.setTimeout(opts.idleTimeoutMs, () => this.close('idle timeout'))
    socket.on('data', (d: Buffer) => this.onData(d))
    socket.on('error', () => undefined) // 'close' follows
    socket.on('close', () => this.close('peer closed'))
  }

  /** The publisher or reader session of this connection, when there is one. */
  get session(): ExternalPublisher | ExternalReader | undefined {
    return this.publish?.session ?? this.play?.reader
  }

  private onData(d: Buffer): void {
    try {
      if (this.phase === 'chunks') this.chunks(d)
      else if (this.phase !== 'closed') this.handshaking(d)
    } catch (err) {
      this.fail(err)
    }
  }

  private handshaking(d: Buffer): void {
    this.handshake.push(d)
    this.handshakeBytes += d.length
    const need = this.phase === 'c0c1' ? C0C1_SIZE : HANDSHAKE_SIZE
    if (this.handshakeBytes < need) return
    const all = Buffer.concat(this.handshake, this.handshakeBytes)
    this.handshake = []
    this.handshakeBytes = 0
    const rest = all.subarray(need)
    if (this.phase === 'c0c1') {
      this.socket.write(serverHello(parseC0C1(all), this.opts.clock.monoMs(), this.opts.fillRandom))
      this.phase = 'c2'
      if (rest.length > 0) this.handshaking(rest)
      return
    }
    this.phase = 'chunks'
    if (rest.length > 0) this.chunks(rest)
  }

  private chunks(d: Buffer): void {
    this.reader.push(d)
    if (this.peerWindow > 0 && this.reader.bytesIn - this.lastAck >= this.peerWindow) {
      this.lastAck = this.reader.bytesIn
      this.send(acknowledgementMessage(this.reader.bytesIn))
    }
  }

  send(m: RtmpMessage): void {
    if (this.phase === 'closed') return
    const parts = this.writer.write(m)
    this.socket.cork()
    for (const p of parts) this.socket.write(p)
    this.socket.uncork()
  }

  private onMessage(m: RtmpMessage): void {
    if (this.busy) {
      this.waiting.push(m)
      return
    }
    const pending = this.handle(m)
    if (pending) this.wait(pending)
  }

  /** Holds the messages after an asynchronous command until it is done. */
  private wait(pending: Promise<void>): void {
    this.socket.pause()
    this.busy = pending
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.busy = undefined
        if (this.phase === 'closed') return
        while (this.waiting.length > 0 && !this.busy) {
          const next = this.handle(this.waiting.shift()!)
          if (next) return this.wait(next)
        }
        this.socket.resume()
      })
  }

  /** One message; a promise when it is a command that must finish before the next message. */
  private handle(m: RtmpMessage): Promise<void> | undefined {
    try {
      switch (m.typeId) {
        case MessageType.WINDOW_ACK_SIZE:
          if (m.payload.length >= 4) this.peerWindow = m.payload.readUInt32BE(0)
          return undefined
        case MessageType.USER_CONTROL:
          if (m.payload.length >= 6 && m.payload.readUInt16BE(0) === UserControlEvent.PING_REQUEST)
            this.send(userControlMessage(UserControlEvent.PING_RESPONSE, m.payload.readUInt32BE(2)))
          return undefined
        case MessageType.VIDEO:
          this.publish?.onVideo(m.timestamp, m.payload)
          return undefined
        case MessageType.AUDIO:
          this.publish?.onAudio(m.timestamp, m.payload)
          return undefined
        case MessageType.DATA_AMF0:
        case MessageType.DATA_AMF3: {
          const values = messageValues(m, this.opts.amfLimits)
          if (values[0] === '@setDataFrame') values.shift()
          const meta = values[1]
          if (values[0] === 'onMetaData' && typeof meta === 'object' && meta !== null && !Array.isArray(meta) && !(meta instanceof Date))
            this.publish?.onMetadata(meta)
          return undefined
        }
        case MessageType.COMMAND_AMF0:
        case MessageType.COMMAND_AMF3:
          return this.command(parseCommand(m, this.opts.amfLimits), m.messageStreamId)
        default:
          return undefined // acknowledgements, peer bandwidth, aggregates, shared objects: nothing to do
      }
    } catch (err) {
      this.fail(err)
      return undefined
    }
  }

  private command(c: RtmpCommand, messageStreamId: number): Promise<void> | undefined {
    switch (c.name) {
      case 'connect':
        return this.connect(c)
      case 'createStream':
        this.send(result(c.transactionId, STREAM_ID))
        return undefined
      case 'publish':
        return this.startPublish(typeof c.args[0] === 'string' ? c.args[0] : '', messageStreamId || STREAM_ID)
      case 'play':
        return this.startPlay(typeof c.args[0] === 'string' ? c.args[0] : '', messageStreamId || STREAM_ID)
      case 'FCUnpublish':
      case 'deleteStream':
      case 'closeStream':
        this.endMedia(this.publish ? 'publisher left' : 'player left')
        if (c.transactionId > 0 && c.name === 'FCUnpublish') this.send(result(c.transactionId))
        return undefined
      case 'releaseStream':
      case 'FCPublish':
        if (c.transactionId > 0) this.send(result(c.transactionId))
        return undefined
      case 'getStreamLength':
        // ffmpeg reads a number here (the duration; 0 for live).
        if (c.transactionId > 0) this.send(result(c.transactionId, 0))
        return undefined
      default:
        return undefined // _checkbw, FCSubscribe, onBWDone and the like: nothing we need
    }
  }

  private async connect(c: RtmpCommand): Promise<void> {
    const app = stringProp(c.object, 'app')
    const { host, challenges, logger } = this.opts
    const verdict = await connectAuth({ host, challenges, logger, remoteAddress: this.remoteAddress }, app, c.object)
    if (this.phase === 'closed') return
    if (verdict.kind === 'reject') {
      // The client reconnects (with the next step of Adobe authentication) or gives up: this connection is done.
      this.send(connectRejected(c.transactionId, verdict.description))
      logger?.debug(`RTMP connect rejected: ${verdict.reason}`, { remote: this.remoteAddress })
      return this.close('connect rejected')
    }
    this.app = app
    this.proof = verdict.proof
    this.send(windowAckSizeMessage(WINDOW_SIZE))
    this.send(setPeerBandwidthMessage(WINDOW_SIZE))
    this.send(setChunkSizeMessage(this.opts.outChunkSize))
    this.writer.setChunkSize(this.opts.outChunkSize)
    this.send(connectResult(c.transactionId))
  }

  private async authorize(action: 'read' | 'publish', name: string): Promise<string> {
    const key = streamKey(this.app, name)
    const auth = await this.opts.host.authorize({
      action,
      path: key.path,
      remoteAddress: this.remoteAddress,
      protocol: 'rtmp',
      method: action === 'read' ? 'PLAY' : 'ANNOUNCE',
      ...(key.credentials ? { credentials: key.credentials } : this.proof ? { proof: this.proof } : {}),
    })
    if (!auth.ok)
      throw new RequestError(
        auth.status,
        auth.status === 401 ? 'authentication required (rtmp://user:pass@… or ?user=…&pass=…)' : `not allowed to ${action}`,
      )
    return key.path
  }

  private async startPublish(name: string, sid: number): Promise<void> {
    if (this.publish || this.play) throw new RequestError(400, 'a second publish or play on one connection')
    this.intent = 'publish'
    const path = await this.authorize('publish', name)
    // In a cluster the lock is taken now, not when the tracks are known: a refusal is the answer to publish.
    this.unclaim = await this.opts.host.claimPublish?.(path)
    if (this.phase === 'closed') return this.unclaim?.() // the peer left meanwhile
    const log = this.opts.logger
    this.publish = new RtmpPublish({
      open: (sdp) => {
        const session = this.opts.host.openPublisher({ path, protocol: 'rtmp', remoteAddress: this.remoteAddress, sdp })
        session.onClose = (reason) => this.close(reason)
        return session
      },
      ignored: (what) => log?.warn(`RTMP publisher sends ${what}: left out`, { path, remote: this.remoteAddress }),
    })
    this.send(userControlMessage(UserControlEvent.STREAM_BEGIN, sid))
    this.send(onStatus(sid, 'NetStream.Publish.Start', `${name} is now published`))
    log?.info('RTMP publish', { path, remote: this.remoteAddress })
  }

  private async startPlay(name: string, sid: number): Promise<void> {
    if (this.publish || this.play) throw new RequestError(400, 'a second publish or play on one connection')
    this.intent = 'play'
    const path = await this.authorize('read', name)
    const reader = await this.opts.host.openReader({ path, protocol: 'rtmp', remoteAddress: this.remoteAddress })
    if (this.phase === 'closed') return reader.close('peer closed')
    reader.onClose = (reason) => this.close(reason)
    if (!reader.stream.ready) await reader.stream.waitReady(this.opts.readyTimeoutMs)
    const output = new RtmpPlay(reader.stream, sid, this, this.opts.maxQueueBytes, () =>
      this.opts.logger?.warn('RTMP player too slow: dropping up to the next keyframe', { session: reader.id, path }),
    )
    this.play = { output, reader }
    if (!output.carriesAnything) throw new RequestError(415, `nothing RTMP carries in ${output.skipped.join(' + ')}`)
    this.send(userControlMessage(UserControlEvent.STREAM_BEGIN, sid))
    this.send(onStatus(sid, 'NetStream.Play.Reset', `playing and resetting ${name}`))
    this.send(onStatus(sid, 'NetStream.Play.Start', `started playing ${name}`))
    output.start()
    const skipped = output.skipped.length > 0 ? ` (${output.skipped.join(', ')} left out)` : ''
    this.opts.logger?.info(`RTMP play${skipped}`, { session: reader.id, path, remote: this.remoteAddress })
  }

  /** Bytes the socket holds and has not sent (a player's queue). */
  get buffered(): number {
    return this.socket.writableLength
  }

  private endMedia(reason: string): void {
    this.publish?.close(reason)
    this.play?.output.close()
    this.play?.reader.close(reason)
  }

  private fail(err: unknown): void {
    if (this.phase === 'closed') return
    const e = err instanceof RtspkitError ? err : undefined
    const sid = STREAM_ID
    if (err instanceof RequestError && this.phase === 'chunks') {
      const code =
        this.intent === 'play'
          ? 'NetStream.Play.StreamNotFound'
          : err.status === 401 || err.status === 403
            ? 'NetStream.Publish.Unauthorized'
            : 'NetStream.Publish.BadName'
      this.send(onStatus(sid, code, err.message, 'error'))
    }
    this.opts.logger?.warn(`RTMP connection closed: ${e ? `${e.code}: ` : ''}${(err as Error).message}`, {
      remote: this.remoteAddress,
      ...(this.session ? { session: this.session.id, path: this.session.path } : {}),
    })
    this.close('error')
  }

  /** Idempotent: ends the publisher or reader and the socket. */
  close(reason = 'closed'): void {
    if (this.phase === 'closed') return
    this.phase = 'closed'
    this.waiting = []
    this.endMedia(reason)
    this.unclaim?.()
    this.socket.end()
    this.socket.destroySoon()
    setTimeout(() => this.socket.destroy(), 1000).unref()
    this.opts.onClosed(this)
  }
}
