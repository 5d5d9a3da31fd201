/**
 * One hook command: `/bin/sh -c COMMAND` with the hook's environment, in a process group of its own
 * so that stopping it also stops what it started (an ffmpeg behind a shell, a `sleep &`). Stopping
 * sends SIGTERM to the group, then SIGKILL to whatever is left after a grace period. Its stderr goes
 * to the log line by line, named by the hook; an exit with a failure status is logged with the
 * status. Nothing it does can throw into the server: a command that cannot start is a log line too.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { LogFields, Logger } from '../log/logger.js'

/** The shell hooks run under, as MediaMTX runs them on Unix. */
export const HOOK_SHELL = '/bin/sh'
/** A restarting hook waits this long before starting again, so a command that fails at once does not spin. */
export const DEFAULT_RESTART_DELAY_MS = 2000
/** SIGTERM to SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 3000
/** After SIGKILL, how long stop() waits for the group to go. */
const KILL_WAIT_MS = 1000
/** How often stop() looks whether the process group is gone. */
const GROUP_POLL_MS = 50
/** A stderr line longer than this is cut in the log. */
const MAX_LOG_LINE = 2000

export interface HookProcessOptions {
  /** The hook's key, e.g. 'runOnReady': names the command in the log. */
  hook: string
  command: string
  /** MTX_PATH and the rest, added to `baseEnv`; a function is asked at each start. */
  env: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>)
  /** Start again when it exits by itself (the …Restart keys). */
  restart?: boolean
  logger: Logger
  /** Who the log lines are about (the path, the session). */
  fields?: LogFields
  /** The environment the command inherits (default: this process's). */
  baseEnv?: Readonly<Record<string, string | undefined>>
  restartDelayMs?: number
  killGraceMs?: number
  /** Called once when it is done for good: exited without restarting, or stopped. */
  onGone?: () => void
}

export class HookProcess {
  private child: ChildProcess | undefined
  /** The process group of the last child: the leader's pid, valid while any member lives. */
  private pgid: number | undefined
  private stopped = false
  private restartTimer: NodeJS.Timeout | undefined
  private stopping: Promise<void> | undefined
  private stderrRest = ''
  private gone = false

  constructor(private readonly opts: HookProcessOptions) {}

  /** Whether the command's shell runs now. */
  get running(): boolean {
    return this.child !== undefined
  }

  start(): this {
    if (this.stopped || this.child) return this
    const o = this.opts
    let child: ChildProcess
    try {
      child = spawn(HOOK_SHELL, ['-c', o.command], {
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...(o.baseEnv ?? process.env), ...(typeof o.env === 'function' ? o.env() : o.env) },
      })
    } catch (err) {
      o.logger.warn(`${o.hook} could not start: ${(err as Error).message}`, o.fields)
      return this
    }
    this.child = child
    this.pgid = child.pid
    o.logger.debug(`${o.hook} started (pid ${child.pid ?? '?'}): ${o.command}`, o.fields)
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (text: string) => this.onStderr(text))
    child.on('error', (err) => o.logger.warn(`${o.hook} could not start: ${err.message}`, o.fields))
    child.on('close', (code, signal) => this.onExit(child, code, signal))
    return this
  }

  private onStderr(text: string): void {
    const lines = (this.stderrRest + text).split(/\r?\n|\r/)
    this.stderrRest = lines.pop() ?? ''
    for (const line of lines) this.logLine(line)
  }

  private logLine(line: string): void {
    if (line.trim() === '') return
    const shown = line.length > MAX_LOG_LINE ? `${line.slice(0, MAX_LOG_LINE)}…` : line
    this.opts.logger.info(`${this.opts.hook}: ${shown}`, this.opts.fields)
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return
    this.child = undefined
    if (this.stderrRest) this.logLine(this.stderrRest)
    this.stderrRest = ''
    const o = this.opts
    if (this.stopped) {
      o.logger.debug(`${o.hook} stopped`, o.fields)
      return
    }
    if (code === 0) o.logger.debug(`${o.hook} exited (status 0)`, o.fields)
    else o.logger.warn(`${o.hook} failed: ${signal ? `killed by ${signal}` : `exit status ${code}`} (${o.command})`, o.fields)
    if (!o.restart) return this.done()
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined
      this.start()
    }, o.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS)
    this.restartTimer.unref()
  }

  /**
   * Stops it for good: SIGTERM to its process group, SIGKILL after the grace period to what is left
   * (also when the shell itself has already exited but left children behind). Idempotent; resolves
   * when the group is gone.
   */
  stop(): Promise<void> {
    this.stopped = true
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.restartTimer = undefined
    this.stopping ??= this.killGroup().finally(() => this.done())
    return this.stopping
  }

  private done(): void {
    if (this.gone) return
    this.gone = true
    this.opts.onGone?.()
  }

  private async killGroup(): Promise<void> {
    const pgid = this.pgid
    if (pgid === undefined || !signalGroup(pgid, 'SIGTERM')) return
    const grace = this.opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS
    if (!(await groupGone(pgid, grace))) {
      signalGroup(pgid, 'SIGKILL')
      await groupGone(pgid, KILL_WAIT_MS)
    }
    // The shell's own exit is reported a moment after the group is gone: wait for it, so `running` is false.
    const child = this.child
    if (child) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, KILL_WAIT_MS)
        child.once('close', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }
}

/** Polls until no member of the group is left (true) or `ms` passed (false). */
async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (signalGroup(pgid, 0)) {
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS))
  }
  return true
}

/** Signals a process group (0: only checks it exists). False when no member is left. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}
