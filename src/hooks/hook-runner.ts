/**
 * The hooks of a running server: which command runs when, with which environment. Path hooks come
 * with each served path (pathAdded / pathRemoved, from the application); the rest follows the
 * server's events — a stream ready and gone, a reader playing and leaving, an RTSP connection opening
 * and closing — and the recorder's segments. Environment variables carry MediaMTX's names
 * (MTX_PATH, RTSP_PORT, MTX_SOURCE_TYPE…), so scripts written for MediaMTX run unchanged.
 */
import type { GlobalHooks, PathHooks } from '../config/schema-hooks.js'
import type { LogFields, Logger } from '../log/logger.js'
import type { ConnectionEvent, RtspServer, SessionEvent } from '../server/rtsp-server.js'
import type { ServerStream } from '../server/server-stream.js'
import { DemandCommand } from './demand-command.js'
import { HookProcess } from './hook-process.js'

export interface HookRunnerOptions {
  server: RtspServer
  logger: Logger
  /** The global hooks now (read at each connection, so a reload applies to the next one). */
  globals: () => GlobalHooks
  /** The environment commands inherit (default: this process's). */
  baseEnv?: Readonly<Record<string, string | undefined>>
  restartDelayMs?: number
  killGraceMs?: number
}

/** What a path is served from, for MTX_SOURCE_TYPE when no publisher feeds it. */
export interface PathOrigin {
  /** The source kind of its config entry: publish, relay, ffmpeg, test, file… */
  sourceKind: string
  /** Capture groups of a `~regex` entry: G1, G2… */
  captures: readonly string[]
}

interface PathState {
  hooks: PathHooks
  origin: PathOrigin
  init?: HookProcess
  /** The stream of the path and, once it was ready, its source's variables and runOnReady. */
  ready?: { stream: ServerStream; env?: Record<string, string>; process?: HookProcess; waiting?: () => void }
  demand?: DemandCommand
}

/** MediaMTX's names for the kinds of publishers and readers. */
const SESSION_TYPES: Readonly<Record<string, string>> = {
  rtsp: 'rtspSession',
  rtsps: 'rtspsSession',
  webrtc: 'webRTCSession',
  hls: 'hlsSession',
}

export class HookRunner {
  private readonly paths = new Map<string, PathState>()
  /** Sessions playing, by id: their path, MTX_READER_TYPE and runOnRead process. */
  private readonly readers = new Map<string, { path: string; type: string; process?: HookProcess }>()
  private readonly connections = new Map<number, HookProcess | undefined>()
  /** Every process started, until it is stopped: the server's stop ends them all. */
  private readonly live = new Set<HookProcess>()
  private closed = false
  /** Until start(): processes wait here, so that RTSP_PORT is the bound port. */
  private waiting: HookProcess[] | undefined = []

  private readonly onStream = (stream: ServerStream): void => this.streamAdded(stream)
  private readonly onPlay = (e: SessionEvent): void => this.readerStarted(e)
  private readonly onTeardown = (e: SessionEvent): void => this.readerStopped(e.sessionId)
  private readonly onOtherReader = (e: SessionEvent): void => this.readerStarted(e)
  private readonly onOtherReaderClosed = (e: SessionEvent): void => this.readerStopped(e.sessionId)
  private readonly onRecord = (e: SessionEvent): void => this.paths.get(e.path)?.ready?.waiting?.()
  private readonly onConnection = (e: ConnectionEvent): void => this.connectionOpened(e)
  private readonly onDisconnect = (e: ConnectionEvent): void => this.connectionClosed(e)

  constructor(private readonly opts: HookRunnerOptions) {
    this.listen('on')
  }

  /** The server's events the hooks follow: subscribed at construction, unsubscribed by close. */
  private listen(method: 'on' | 'off'): void {
    const s = this.opts.server
    s[method]('stream', this.onStream)
    s[method]('play', this.onPlay)
    s[method]('teardown', this.onTeardown)
    s[method]('readerOpened', this.onOtherReader)
    s[method]('readerClosed', this.onOtherReaderClosed)
    s[method]('record', this.onRecord)
    s[method]('connection', this.onConnection)
    s[method]('disconnect', this.onDisconnect)
  }

  /** A path is served: runOnInit starts, runOnDemand is armed. */
  pathAdded(name: string, hooks: PathHooks, origin: PathOrigin): void {
    if (this.closed) return
    this.pathRemoved(name)
    const state: PathState = { hooks, origin }
    this.paths.set(name, state)
    if (hooks.runOnInit) state.init = this.spawn('runOnInit', hooks.runOnInit, name, {}, hooks.runOnInitRestart)
    if (hooks.runOnDemand && origin.sourceKind === 'publish') {
      const demand = new DemandCommand(this.opts.server, {
        path: name,
        startTimeoutMs: hooks.runOnDemandStartTimeout * 1000,
        closeAfterMs: hooks.runOnDemandCloseAfter * 1000,
        command: () => this.process('runOnDemand', hooks.runOnDemand, name, {}, hooks.runOnDemandRestart),
        unDemand: () => this.once('runOnUnDemand', hooks.runOnUnDemand, name, {}),
        log: (m) => this.opts.logger.info(m, { path: name }),
      })
      state.demand = demand
      this.opts.server.setPublishDemand(name, () => demand.demand())
    }
    // A source that is there from the start (a test card) was ready before its path was known here.
    const stream = this.opts.server.getStream(name)
    if (stream) this.streamAdded(stream)
  }

  /** A path is no longer served: its commands are stopped. */
  pathRemoved(name: string): void {
    const state = this.paths.get(name)
    if (!state) return
    this.paths.delete(name)
    this.opts.server.setPublishDemand(name, undefined)
    if (state.init) void state.init.stop()
    if (state.ready?.process) void state.ready.process.stop()
    void state.demand?.close()
    for (const [id, r] of this.readers) {
      if (r.path !== name) continue
      this.readers.delete(id)
      if (r.process) void r.process.stop()
    }
  }

  /** A recording segment was opened or completed. */
  segment(path: string, file: string, phase: 'open' | 'close'): void {
    const hooks = this.paths.get(path)?.hooks
    const command = phase === 'open' ? hooks?.runOnRecordSegmentCreate : hooks?.runOnRecordSegmentComplete
    if (command)
      this.once(phase === 'open' ? 'runOnRecordSegmentCreate' : 'runOnRecordSegmentComplete', command, path, { MTX_SEGMENT_PATH: file })
  }

  private streamAdded(stream: ServerStream): void {
    const state = this.paths.get(stream.name)
    if (!state || state.ready?.stream === stream) return
    state.demand?.streamAdded(stream)
    if (!state.hooks.runOnReady && !state.hooks.runOnNotReady) return
    const entry: NonNullable<PathState['ready']> = { stream }
    state.ready = entry
    const ready = (): void => {
      if (state.ready !== entry || this.closed || entry.env) return
      // A publisher's stream is there from its ANNOUNCE; its source is ready when it records.
      const publisher = this.opts.server.pathStatus().find((p) => p.name === stream.name)?.publisher
      if (publisher && !publisher.recording) {
        entry.waiting = ready
        return
      }
      // Kept for runOnNotReady: by then the publisher has gone.
      entry.env = this.sourceEnv(state, stream.name)
      if (state.hooks.runOnReady)
        entry.process = this.spawn('runOnReady', state.hooks.runOnReady, stream.name, entry.env, state.hooks.runOnReadyRestart)
    }
    if (stream.ready) setImmediate(ready)
    else stream.once('ready', ready)
    stream.once('close', () => {
      stream.off('ready', ready)
      if (state.ready !== entry) return
      state.ready = undefined
      if (entry.process) void entry.process.stop()
      // Not ready only after ready: a stream that never became ready has nothing to undo.
      if (this.paths.get(stream.name) === state && entry.env) this.once('runOnNotReady', state.hooks.runOnNotReady, stream.name, entry.env)
    })
  }

  /** MTX_SOURCE_TYPE and MTX_SOURCE_ID: the publisher's session, or the kind of the path's own source. */
  private sourceEnv(state: PathState, path: string): Record<string, string> {
    const publisher = this.opts.server.pathStatus().find((p) => p.name === path)?.publisher
    if (publisher)
      return {
        MTX_SOURCE_TYPE: SESSION_TYPES[publisher.protocol] ?? `${publisher.protocol}Session`,
        MTX_SOURCE_ID: publisher.sessionId ?? '',
      }
    const kind = state.origin.sourceKind
    return { MTX_SOURCE_TYPE: kind === 'relay' ? 'rtspSource' : `${kind}Source`, MTX_SOURCE_ID: '' }
  }

  private readerStarted(e: SessionEvent): void {
    const state = this.paths.get(e.path)
    if (!state || this.readers.has(e.sessionId)) return
    const type = SESSION_TYPES[e.protocol ?? 'rtsp'] ?? `${e.protocol}Session`
    const entry: { path: string; type: string; process?: HookProcess } = { path: e.path, type }
    this.readers.set(e.sessionId, entry)
    if (state.hooks.runOnRead) {
      entry.process = this.spawn('runOnRead', state.hooks.runOnRead, e.path, readerEnv(type, e.sessionId), state.hooks.runOnReadRestart, {
        session: e.sessionId,
      })
    }
  }

  private readerStopped(sessionId: string): void {
    const entry = this.readers.get(sessionId)
    if (!entry) return
    this.readers.delete(sessionId)
    if (entry.process) void entry.process.stop()
    const command = this.paths.get(entry.path)?.hooks.runOnUnread
    if (command) this.once('runOnUnread', command, entry.path, readerEnv(entry.type, sessionId), { session: sessionId })
  }

  private connectionOpened(e: ConnectionEvent): void {
    const g = this.opts.globals()
    const process = g.runOnConnect
      ? this.spawn('runOnConnect', g.runOnConnect, undefined, connEnv(e), g.runOnConnectRestart, { conn: e.id, remote: e.remoteAddress })
      : undefined
    this.connections.set(e.id, process)
  }

  private connectionClosed(e: ConnectionEvent): void {
    if (!this.connections.has(e.id)) return
    const process = this.connections.get(e.id)
    this.connections.delete(e.id)
    if (process) void process.stop()
    const command = this.opts.globals().runOnDisconnect
    if (command) this.once('runOnDisconnect', command, undefined, connEnv(e), { conn: e.id, remote: e.remoteAddress })
  }

  /** A command run once (its …Restart has no meaning): stopped only if the server stops first. */
  private once(hook: string, command: string, path: string | undefined, env: Record<string, string>, fields: LogFields = {}): void {
    if (command) this.spawn(hook, command, path, env, false, fields)
  }

  private spawn(
    hook: string,
    command: string,
    path: string | undefined,
    env: Record<string, string>,
    restart: boolean,
    fields: LogFields = {},
  ): HookProcess | undefined {
    if (this.closed) return undefined
    const p = this.process(hook, command, path, env, restart, fields)
    if (this.waiting) this.waiting.push(p)
    else p.start()
    return p
  }

  /** The server listens: commands asked for before now start. */
  start(): void {
    const waiting = this.waiting ?? []
    this.waiting = undefined
    if (!this.closed) for (const p of waiting) p.start()
  }

  /** A process with the common environment, tracked until it stops; not started. */
  private process(
    hook: string,
    command: string,
    path: string | undefined,
    env: Record<string, string>,
    restart: boolean,
    fields: LogFields = {},
  ): HookProcess {
    const captures = path === undefined ? [] : (this.paths.get(path)?.origin.captures ?? [])
    const common: Record<string, string> = {
      ...(path === undefined ? {} : { MTX_PATH: path, RTSP_PATH: path, MTX_QUERY: '' }),
      ...Object.fromEntries(captures.map((c, i) => [`G${i + 1}`, c])),
    }
    const p = new HookProcess({
      hook,
      command,
      // The port is read at start: the bound one, once the server listens.
      env: () => ({ RTSP_PORT: String(this.opts.server.port), ...common, ...env }),
      restart,
      logger: this.opts.logger,
      fields: { ...(path === undefined ? {} : { path }), ...fields },
      ...(this.opts.baseEnv ? { baseEnv: this.opts.baseEnv } : {}),
      ...(this.opts.restartDelayMs !== undefined ? { restartDelayMs: this.opts.restartDelayMs } : {}),
      ...(this.opts.killGraceMs !== undefined ? { killGraceMs: this.opts.killGraceMs } : {}),
      onGone: () => this.live.delete(p),
    })
    this.live.add(p)
    return p
  }

  /** Stops every command and starts no more; resolves when their process groups are gone. Idempotent. */
  async close(): Promise<void> {
    this.closed = true
    this.listen('off')
    for (const state of this.paths.values()) void state.demand?.close()
    await Promise.all([...this.live].map((p) => p.stop()))
  }
}

function readerEnv(type: string, id: string): Record<string, string> {
  return { MTX_READER_TYPE: type, MTX_READER_ID: id }
}

function connEnv(e: ConnectionEvent): Record<string, string> {
  return { MTX_CONN_TYPE: e.secure ? 'rtspsConn' : 'rtspConn', MTX_CONN_ID: String(e.id) }
}
