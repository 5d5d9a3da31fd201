/**
 * runOnDemand: a command that publishes into a publish path, started when a reader asks for the path
 * and nothing publishes there, and stopped `runOnDemandCloseAfter` after the last reader left (then
 * runOnUnDemand runs). A reader waits up to `runOnDemandStartTimeout` for the command's publisher;
 * the server answers 503 when none comes. Any command will do — ffmpeg with audio and video, GStreamer,
 * a script — as long as it publishes to rtsp://localhost:$RTSP_PORT/$MTX_PATH.
 */
import { StateError } from '../errors.js'
import type { RtspServer } from '../server/rtsp-server.js'
import type { ServerStream } from '../server/server-stream.js'
import type { HookProcess } from './hook-process.js'

export interface DemandCommandOptions {
  path: string
  startTimeoutMs: number
  closeAfterMs: number
  /** The runOnDemand process (not started yet). */
  command: () => HookProcess
  /** Runs runOnUnDemand, when set. */
  unDemand: () => void
  log: (msg: string) => void
}

export class DemandCommand {
  private process: HookProcess | undefined
  private closeTimer: NodeJS.Timeout | undefined
  private readonly waiters = new Set<() => void>()
  private closed = false

  constructor(
    private readonly server: RtspServer,
    private readonly opts: DemandCommandOptions,
  ) {}

  /** A stream was added on the path (the runner forwards the server's `stream` events of the path). */
  streamAdded(stream: ServerStream): void {
    if (stream.name !== this.opts.path || this.closed) return
    for (const wake of [...this.waiters]) wake()
    if (!this.process) return
    stream.on('readers', (n: number) => this.onReaders(n))
    stream.once('close', () => this.onReaders(0))
    if (stream.readerCount === 0) this.onReaders(0)
  }

  /** A reader asks: resolves once a publisher's stream exists; rejects after the start timeout. */
  demand(): Promise<void> {
    if (this.closed) return Promise.reject(new StateError('ERR_HOOK_CLOSED', `path /${this.opts.path} is closed`))
    this.cancelClose()
    if (this.server.getStream(this.opts.path)) return Promise.resolve()
    if (!this.process) {
      this.opts.log('runOnDemand: starting the command')
      this.process = this.opts.command().start()
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake)
        reject(
          new StateError(
            'ERR_HOOK_DEMAND_TIMEOUT',
            `runOnDemand gave no publisher on /${this.opts.path} within ${this.opts.startTimeoutMs} ms`,
          ),
        )
        // A command that never published is not kept for the next reader: it starts afresh.
        if (!this.server.getStream(this.opts.path) && this.waiters.size === 0) void this.stopCommand()
      }, this.opts.startTimeoutMs)
      const wake = (): void => {
        clearTimeout(timer)
        this.waiters.delete(wake)
        resolve()
      }
      this.waiters.add(wake)
    })
  }

  private onReaders(n: number): void {
    if (n > 0) return this.cancelClose()
    if (!this.process || this.closeTimer || this.closed) return
    this.closeTimer = setTimeout(() => {
      this.closeTimer = undefined
      const stream = this.server.getStream(this.opts.path)
      if (stream && stream.readerCount > 0) return
      this.opts.log(`runOnDemand: no readers for ${this.opts.closeAfterMs / 1000} s; stopping the command`)
      void this.stopCommand()
    }, this.opts.closeAfterMs)
    this.closeTimer.unref()
  }

  private cancelClose(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer)
    this.closeTimer = undefined
  }

  private stopCommand(): Promise<void> {
    const p = this.process
    this.process = undefined
    if (!p) return Promise.resolve()
    this.opts.unDemand()
    return p.stop()
  }

  /** The path goes or the server stops: the command is stopped (runOnUnDemand runs if it was on). Idempotent. */
  close(): Promise<void> {
    this.closed = true
    this.cancelClose()
    return this.stopCommand()
  }
}
