/** A running `rtspkit` CLI process for interop tests: wait for a line on stderr, then for the exit. */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import { splitAnnexB } from '../../src/codecs/h264/annexb.js'
import { FIXTURES, ROOT, run } from '../interop/harness.js'

export const CLI = path.join(ROOT, 'dist/src/cli/main.js')

export interface CliProcess {
  child: ChildProcess
  readonly stderr: string
  readonly stdout: string
  /** Resolves when stderr matches `pattern`; rejects after `ms` or if the process exits first. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>
  kill(): void
}

/** Tests use OS-chosen ports: the HLS and RTMP rooms too (a flag of the test still wins). */
const TEST_ENV: NodeJS.ProcessEnv = { RTSPKIT_HLS_PORT: '0', RTSPKIT_RTMP_PORT: '0' }

/** `env` is added to this process's environment. */
export function spawnRtspkit(args: string[], timeoutMs = 30_000, env?: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...TEST_ENV, ...env },
  })
  let stderr = ''
  let stdout = ''
  child.stderr.on('data', (d) => (stderr += d))
  child.stdout.on('data', (d) => (stdout += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
  return {
    child,
    get stderr() {
      return stderr
    },
    get stdout() {
      return stdout
    },
    exit,
    kill: () => child.kill('SIGTERM'),
    waitFor(pattern, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const end = Date.now() + ms
        const check = (): void => {
          if (pattern.test(stderr)) return resolve()
          if (child.exitCode !== null || Date.now() > end) return reject(new Error(`no ${pattern} on stderr: ${stderr}`))
          setTimeout(check, 20)
        }
        check()
      })
    },
  }
}

export interface ServedRtspkit {
  child: ChildProcessWithoutNullStreams
  /** The RTSP port from the banner. */
  port: number
  /** The dashboard / API address from the banner, when the API runs. */
  apiUrl: string | undefined
  /** stdout and stderr so far. */
  out(): string
  exit: Promise<number | null>
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>
}

/** `rtspkit serve ARGS`, once its banner says it listens (killed and rejected if it does not within `startMs`). */
export async function serveRtspkit(args: string[], startMs = 10_000): Promise<ServedRtspkit> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...TEST_ENV } })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  const deadline = Date.now() + startMs
  let m: RegExpExecArray | null = null
  while (!(m = /listening on port (\d+)/.exec(out)) && Date.now() < deadline) {
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  if (!m) {
    child.kill('SIGKILL')
    throw new Error(`serve did not start: ${out}`)
  }
  return {
    child,
    port: Number(m[1]),
    apiUrl: /(http:\/\/127\.0\.0\.1:\d+)\/ {2}<- dashboard/.exec(out)?.[1],
    out: () => out,
    exit,
    stop: () => {
      child.kill('SIGTERM')
      return exit
    },
  }
}

/** MD5 of each NAL unit of an Annex-B file, in order (start code lengths do not matter). */
export function nalHashes(file: string): string[] {
  return splitAnnexB(readFileSync(file)).map((n) => createHash('md5').update(n).digest('hex'))
}

/** A 2-second 320x240 H.265 Annex-B clip from ffmpeg/libx265 (no B-frames), cached across tests. */
export async function h265File(): Promise<string> {
  mkdirSync(FIXTURES, { recursive: true })
  const file = path.join(FIXTURES, 'testsrc-320x240-25fps-2s-g25.265')
  if (existsSync(file)) return file
  const tmp = `${file}.${process.pid}.tmp`
  const r = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25',
      '-t',
      '2',
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error:keyint=25:min-keyint=25:bframes=0:scenecut=0',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'hevc',
      tmp,
    ],
    120_000,
  )
  if (r.code !== 0) throw new Error(`ffmpeg H.265 fixture failed: ${r.stderr}`)
  renameSync(tmp, file)
  return file
}
