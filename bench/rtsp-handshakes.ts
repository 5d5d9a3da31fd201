/**
 * The C load client of the handshakes bench: compiles bench/native/rtsp-handshakes.c with the system's
 * gcc (bench/native-build.ts) and runs it once per server.
 *
 * Why: the Node client (handshake() in bench/handshakes.ts) took about a core of its own at ~700
 * handshakes/s, as much as the servers it measured, so on a 2-core machine the rate was as much its
 * own as theirs. The C client sends the same requests with the same headers from one epoll thread and
 * reports its own CPU time, so the bench can tell when it, not the server, set the pace.
 *
 * Knob: BENCH_HS_CLIENT=c|node (default c; node when gcc is missing or the build fails).
 */
import { spawn } from 'node:child_process'
import { StateError } from '../src/errors.js'
import { listEnv } from './bench-env.js'
import { buildNative, nativeProgram, type NativeBuild } from './native-build.js'

const PROGRAM = nativeProgram('rtsp-handshakes')
export const HS_CLIENT_SOURCE = PROGRAM.source
export const HS_CLIENT_BINARY = PROGRAM.binary
/**
 * Beyond the run itself, how long the client may take before it is taken for hung: handshakes under
 * way finish after the run, each of their five requests with its own 5 s timeout.
 */
const EXIT_GRACE_MS = 30_000
const STDERR_KEEP = 1000

export function buildHandshakeClient(source = HS_CLIENT_SOURCE, binary = HS_CLIENT_BINARY): NativeBuild {
  return buildNative(source, binary)
}

/** Who drives the handshakes: read once from the environment. `note` says which, and why. */
export type HandshakeClientConfig = { mode: 'c'; binary: string; note: string } | { mode: 'node'; note: string }

export function handshakeClientConfig(): HandshakeClientConfig {
  const [wanted] = listEnv('BENCH_HS_CLIENT', 'c', ['c', 'node'] as const)
  if (wanted === 'node') return { mode: 'node', note: 'the Node client in the bench process (BENCH_HS_CLIENT=node)' }
  const build = buildHandshakeClient()
  if (!build.ok) return { mode: 'node', note: `the Node client in the bench process: the C client is unavailable (${build.reason})` }
  return { mode: 'c', binary: build.binary, note: 'the C client (bench/native/rtsp-handshakes.c: one thread, epoll)' }
}

export interface NativeHandshakeOptions {
  host: string
  port: number
  /** The URL of OPTIONS, DESCRIBE, PLAY and TEARDOWN. */
  url: string
  /** Appended to DESCRIBE's Content-Base for SETUP (learnControl in bench/handshakes.ts reads it). */
  control: string
  transport: 'tcp' | 'udp'
  parallel: number
  seconds: number
}

/** What the client prints at the end; times in ms, NaN when no handshake completed. */
export interface NativeHandshakeRun {
  done: number
  failed: number
  firstError: string | undefined
  p50Ms: number
  p99Ms: number
  /** From the first connect to the last handshake's end. */
  seconds: number
  /** The client's own utime + stime over the run. */
  cpuSeconds: number
}

interface ClientLine {
  done: number
  failed: number
  firstError: string | null
  p50Ms: number | null
  p99Ms: number | null
  seconds: number
  cpuSeconds: number
}

export async function runNativeHandshakes(binary: string, o: NativeHandshakeOptions): Promise<NativeHandshakeRun> {
  const args = ['--host', o.host, '--port', String(o.port), '--url', o.url, '--control', o.control]
  args.push('--transport', o.transport, '--parallel', String(o.parallel), '--seconds', String(o.seconds))
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (text: string) => (stdout += text))
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP)
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), o.seconds * 1000 + EXIT_GRACE_MS)
  const exit = await new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`failed to start: ${err.message}`))
    child.once('close', (code, signal) => resolve(code === 0 ? '' : `exited (${signal ?? `code ${code}`})`))
  })
  clearTimeout(timer)
  if (exit !== '') throw new StateError('ERR_BENCH_HS_CLIENT', `rtsp-handshakes ${exit} ${stderr.trim()}`.trim())
  let line: ClientLine
  try {
    line = JSON.parse(stdout) as ClientLine
  } catch {
    throw new StateError('ERR_BENCH_HS_CLIENT', `rtsp-handshakes printed no result: "${stdout.trim().slice(0, 200)}"`)
  }
  return {
    done: line.done,
    failed: line.failed,
    firstError: line.firstError ?? undefined,
    p50Ms: line.p50Ms ?? NaN,
    p99Ms: line.p99Ms ?? NaN,
    seconds: line.seconds,
    cpuSeconds: line.cpuSeconds,
  }
}
