/**
 * The servers the benches compare, each run as a child process on loopback: rtspkit's CLI (`serve
 * --path bench=file:CLIP`) and gst-rtsp-server through bench/gst-server.py. Output goes to a log
 * file; the last lines are kept for error messages.
 *
 * The start-up benches (ttff.ts, lag.ts) also compare rtspkit with and without instant start (the
 * GOP cache sent to a new reader at once). A build that has no `--no-instant-start` flag waits for
 * the next keyframe, which is what `--no-instant-start` does.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, StateError } from '../src/errors.js'
import { ROOT, tryExec } from './bench-env.js'
import { FIXTURE, SYSTEM_PYTHON } from './fixture.js'

export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js')
export const GST_SERVER = join(ROOT, 'bench', 'gst-server.py')
export const HOST = '127.0.0.1'
export const MOUNT = 'bench'

const SERVER_START_TIMEOUT_MS = 20_000
const SERVER_STOP_TIMEOUT_MS = 5_000
const SERVER_LOG_TAIL = 20
export const NO_INSTANT_START_FLAG = '--no-instant-start'

export type ServerName = 'rtspkit' | 'gst'
export const SERVER_LABEL: Record<ServerName, string> = { rtspkit: 'rtspkit', gst: 'gst-rtsp-server' }

export class ServerProcess {
  readonly child: ChildProcess
  readonly url: string
  private readonly log: WriteStream
  private readonly tail: string[] = []
  warnings = 0
  private exited = false
  private stopping: Promise<void> | undefined

  constructor(
    /** For messages: a ServerName, or another server a bench runs (bench/handshake-floor.ts: 'floor'). */
    readonly name: string,
    command: string,
    args: string[],
    port: number,
    logPath: string,
    env: Record<string, string> = {},
  ) {
    this.url = `rtsp://${HOST}:${port}/${MOUNT}`
    this.log = createWriteStream(logPath)
    const envText = Object.entries(env).map(([k, v]) => `${k}=${v} `)
    this.log.write(`$ ${envText.join('')}${command} ${args.join(' ')}\n`)
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, env: { ...process.env, ...env } })
    this.child.once('exit', () => {
      this.exited = true
    })
    // Always drain: a server writing to a full pipe would block (Node's stdout on a pipe is synchronous).
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding('utf8')
      stream.on('data', (text: string) => this.onOutput(text))
    }
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get running(): boolean {
    return !this.exited && this.child.exitCode === null && this.child.signalCode === null
  }

  lastLines(): string {
    return this.tail.join('\n')
  }

  private onOutput(text: string): void {
    this.log.write(text)
    for (const line of text.split('\n')) {
      if (line === '') continue
      if (/warn|error|drop/i.test(line)) this.warnings++
      this.tail.push(line)
      if (this.tail.length > SERVER_LOG_TAIL) this.tail.shift()
    }
  }

  /** Resolves when the server has printed that it listens. */
  async ready(): Promise<void> {
    const ready = /listening/
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          done(
            new StateError('ERR_BENCH_SERVER_START', `${this.name} did not start in ${SERVER_START_TIMEOUT_MS} ms:\n${this.lastLines()}`),
          ),
        SERVER_START_TIMEOUT_MS,
      )
      const onData = (text: string) => {
        if (ready.test(text)) done()
      }
      const onExit = (code: number | null, signal: string | null) =>
        done(new StateError('ERR_BENCH_SERVER_EXIT', `${this.name} exited (${signal ?? code}) before listening:\n${this.lastLines()}`))
      const done = (err?: Error) => {
        clearTimeout(timer)
        this.child.stdout!.off('data', onData)
        this.child.off('exit', onExit)
        if (err) reject(err)
        else resolve()
      }
      this.child.stdout!.on('data', onData)
      this.child.once('exit', onExit)
    })
  }

  /** SIGTERM, then SIGKILL if it has not exited in time. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.running) {
        const exit = once(this.child, 'exit')
        this.child.kill('SIGTERM')
        const timer = setTimeout(() => this.child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS)
        await exit
        clearTimeout(timer)
      }
      await new Promise<void>((resolve) => this.log.end(resolve))
    })()
    return this.stopping
  }

  /** Synchronous last resort for exit paths. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL')
  }
}

export interface StartOptions {
  /** Arguments for rtspkit's `serve` (e.g. --no-instant-start). */
  extraArgs?: string[]
  /** Environment added to the server's (e.g. GST_DEBUG). */
  env?: Record<string, string>
  /** rtspkit: arguments for node itself (e.g. --cpu-prof). */
  nodeArgs?: string[]
}

/**
 * Extra arguments for every rtspkit a bench starts, for A/B runs of one build: BENCH_RTSPKIT_ARGS goes
 * to `serve` (e.g. `--no-instant-start`), BENCH_RTSPKIT_NODE_ARGS to node (e.g. `--max-semi-space-size=4`).
 */
function envWords(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter((w) => w !== '')
}

/**
 * Starts one server on loopback serving `clip` at rtsp://127.0.0.1:PORT/bench. rtspkit runs without
 * its HTTP API: the benches measure RTSP, and a busy API port on the machine would otherwise stop
 * the server from starting.
 */
export function startServer(name: ServerName, port: number, clip: string, logPath: string, opts: StartOptions = {}): ServerProcess {
  if (name === 'rtspkit') {
    return new ServerProcess(
      name,
      process.execPath,
      [
        ...(opts.nodeArgs ?? []),
        ...envWords('BENCH_RTSPKIT_NODE_ARGS'),
        CLI,
        'serve',
        '--port',
        String(port),
        '--host',
        HOST,
        '--no-api',
        ...(opts.extraArgs ?? []),
        ...envWords('BENCH_RTSPKIT_ARGS'),
        '--path',
        `${MOUNT}=file:${clip}`,
      ],
      port,
      logPath,
      opts.env,
    )
  }
  return new ServerProcess(
    name,
    SYSTEM_PYTHON,
    [GST_SERVER, '--host', HOST, '--port', String(port), '--mount', MOUNT, '--file', clip, '--fps', String(FIXTURE.fps)],
    port,
    logPath,
    opts.env,
  )
}

/** How the start-up benches run a server: rtspkit as built, rtspkit with --no-instant-start, gst. */
export type ServerVariant = 'rtspkit' | 'rtspkit-no-instant' | 'gst'
export const SERVER_VARIANTS: readonly ServerVariant[] = ['rtspkit', 'rtspkit-no-instant', 'gst']

export interface VariantSpec {
  id: ServerVariant
  server: ServerName
  label: string
  extraArgs: string[]
}

/** True when this build's `serve` knows --no-instant-start (read from `serve --help`). */
export function hasInstantStart(): boolean {
  return tryExec(process.execPath, [CLI, 'serve', '--help'])?.includes(NO_INSTANT_START_FLAG) ?? false
}

export function variantSpec(id: ServerVariant, instantStart: boolean): VariantSpec {
  if (id === 'gst') return { id, server: 'gst', label: SERVER_LABEL.gst, extraArgs: [] }
  if (id === 'rtspkit')
    return { id, server: 'rtspkit', label: instantStart ? 'rtspkit (instant)' : 'rtspkit (keyframe-wait)', extraArgs: [] }
  if (!instantStart)
    throw new ConfigError('ERR_BENCH_ENV', `rtspkit-no-instant needs a build whose serve knows ${NO_INSTANT_START_FLAG}`, {
      observed: id,
      allowed: ['rtspkit', 'gst'],
    })
  return { id, server: 'rtspkit', label: 'rtspkit (keyframe-wait)', extraArgs: [NO_INSTANT_START_FLAG] }
}

/** The variants a start-up bench runs by default: rtspkit-no-instant only when the flag exists. */
export function defaultVariants(instantStart: boolean): string {
  return instantStart ? 'rtspkit,rtspkit-no-instant,gst' : 'rtspkit,gst'
}
