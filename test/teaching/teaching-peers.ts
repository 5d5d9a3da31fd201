/**
 * The RTSP/RTP teaching project's client and server, as the Python replicas beside this file (run by
 * Debian's python3), for tests: start its server on loopback, run its client to completion.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { DEBIAN_PYTHON, ROOT, run } from '../interop/harness.js'

const SERVER_SCRIPT = path.join(ROOT, 'test/teaching/teaching_server.py')
const CLIENT_SCRIPT = path.join(ROOT, 'test/teaching/teaching_client.py')
const START_TIMEOUT_MS = 10_000
/** The replica client's exit code when its fixed RTP port is taken. */
const EXIT_BIND_FAILED = 3
const PORT_TRIES = 5
const CLIENT_TIMEOUT_MS = 60_000
const MIN_PORT = 20000
const PORT_SPAN = 40000

export interface TeachingServer {
  port: number
  /** What it printed so far. */
  output(): string
  stop(): Promise<void>
}

/** Starts the replica Server.py on 127.0.0.1 with a free port, serving files from `dir`. */
export function startTeachingServer(dir: string): Promise<TeachingServer> {
  const child: ChildProcess = spawn(DEBIAN_PYTHON, [SERVER_SCRIPT, '0', '127.0.0.1'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`teaching_server.py did not start: ${out}`))
    }, START_TIMEOUT_MS)
    const onData = (): void => {
      const m = /listening on (\d+)/.exec(out)
      if (!m) return
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      resolve({ port: Number(m[1]), output: () => out, stop })
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`teaching_server.py exited (${code}): ${out}`))
    })
  })
}

export interface TeachingClientResult {
  frames: number
  session: number
  /** Sequence (frame) numbers of the frames shown, in order. */
  seq: number[]
  /** 0 INIT, 1 READY, 2 PLAYING, at the end. */
  state: number
  cseq: number
  replies: number
  teardownAcked: number
}

/**
 * Runs the replica Client.py: SETUP, PLAY, (PAUSE after `pauseAfter` frames, PLAY), TEARDOWN after
 * `frames` frames; shown frames land in `outDir`. Its RTP port is random in 20000-60000, retried when taken.
 */
export async function runTeachingClient(opts: {
  port: number
  file: string
  outDir: string
  cwd: string
  frames: number
  pauseAfter?: number
  random?: () => number
}): Promise<TeachingClientResult> {
  const random = opts.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    const rtpPort = MIN_PORT + Math.floor(random() * PORT_SPAN)
    const args = [
      CLIENT_SCRIPT,
      '127.0.0.1',
      String(opts.port),
      String(rtpPort),
      opts.file,
      opts.outDir,
      String(opts.frames),
      String(opts.pauseAfter ?? 0),
    ]
    const r = await run(DEBIAN_PYTHON, args, CLIENT_TIMEOUT_MS, undefined, opts.cwd)
    if (r.code === EXIT_BIND_FAILED && attempt < PORT_TRIES) continue
    const last = r.stdout.trim().split('\n').pop() ?? ''
    if (r.code !== 0) throw new Error(`teaching_client.py failed (code ${r.code}): ${r.stderr.slice(-2000)} ${last}`)
    return JSON.parse(last) as TeachingClientResult
  }
}

/** A TCP connection to 127.0.0.1:`port`. */
export function connectTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
}

/**
 * Writes `text` at once and returns what came back within `ms`: these peers' messages have no end
 * of their own, so a quiet moment is the only way to know one is complete.
 */
export async function ask(socket: net.Socket, text: string, ms = 250): Promise<string> {
  let reply = ''
  const onData = (d: Buffer): void => {
    reply += d.toString('latin1')
  }
  socket.on('data', onData)
  socket.write(text)
  await new Promise((r) => setTimeout(r, ms))
  socket.off('data', onData)
  return reply
}
