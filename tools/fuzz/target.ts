/**
 * The server under test, run as a child process on loopback with every port OS-chosen: rtspkit's CLI
 * (RTSP, RTSPS with a throw-away openssl certificate, HTTP API, HLS, WebRTC and RTMP all on) or
 * gst-rtsp-server through bench/gst-server.py (RTSP only). Both serve the same H.264 clip at /bench;
 * rtspkit also opens /pub to publishers. The ports are read from the lines each server prints.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StateError } from '../../src/errors.js'
import { SYSTEM_PYTHON } from '../../bench/fixture.js'
import { CLI, GST_SERVER, HOST, MOUNT, ServerProcess } from '../../bench/server-process.js'

export type TargetName = 'rtspkit' | 'gst'
export const TARGETS: readonly TargetName[] = ['rtspkit', 'gst']
export const PUBLISH_MOUNT = 'pub'

/** The small clip both servers serve: 640x360 at 25 fps, 1 Mbit/s, an IDR every 2 s. */
const CLIP = { width: 640, height: 360, fps: 25, bitrate: '1M', gop: 50 }
/** gst-rtsp-server does not loop a file: the clip outlasts the run by this much. */
const CLIP_MARGIN_S = 60

export interface Ports {
  rtsp: number
  rtsps?: number
  api?: number
  hls?: number
  webrtc?: number
  rtmp?: number
}

export interface Target {
  name: TargetName
  process: ServerProcess
  ports: Ports
  host: string
  /** rtsp://HOST:PORT/bench */
  url: string
  logPath: string
}

export const cacheDir = (): string => process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench')

/** rtspkit loops a file: one minute serves any run. */
const LOOPED_CLIP_S = 60

/**
 * Makes (once, cached) an H.264 Annex-B clip; returns its path. Looped (rtspkit): one minute; else
 * at least `seconds` plus a margin, in whole minutes so runs of similar length share a clip.
 */
export function ensureClip(seconds: number, looped: boolean): string {
  const s = looped ? LOOPED_CLIP_S : Math.ceil((seconds + CLIP_MARGIN_S) / 60) * 60
  const dir = cacheDir()
  const path = join(dir, `fuzz-testsrc2-${CLIP.width}x${CLIP.height}p${CLIP.fps}-${CLIP.bitrate}-g${CLIP.gop}-${s}s.264`)
  if (existsSync(path)) return path
  mkdirSync(dir, { recursive: true })
  const partial = `${path}.partial`
  // -f h264: the .partial name has no extension ffmpeg could take the format from.
  execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
      ...['-i', `testsrc2=size=${CLIP.width}x${CLIP.height}:rate=${CLIP.fps}`, '-t', String(s)],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-b:v', CLIP.bitrate, '-maxrate', CLIP.bitrate],
      ...['-bufsize', CLIP.bitrate, '-g', String(CLIP.gop), '-keyint_min', String(CLIP.gop), '-sc_threshold', '0', '-bf', '0'],
      ...['-x264-params', 'repeat-headers=1', '-f', 'h264', partial],
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  renameSync(partial, path)
  return path
}

/** A self-signed EC certificate for 127.0.0.1 (the README's openssl recipe); returns the two PEM paths. */
export function makeCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
    ],
    { stdio: 'ignore' },
  )
  return { cert, key }
}

export interface TargetOptions {
  /** Seconds the run lasts: the clip must outlast it for gst-rtsp-server. */
  seconds: number
  /** rtspkit's --log-level (the log file is kept in the work directory). */
  logLevel?: string
  /** Extra arguments for rtspkit's `serve` (e.g. limits once they exist). */
  extraArgs?: string[]
  /** gst-rtsp-server: serve the file as seekable (bench/gst-server.py --seekable). */
  gstSeekable?: boolean
}

export async function startTarget(name: TargetName, opts: TargetOptions): Promise<Target> {
  const work = mkdtempSync(join(tmpdir(), `rtspkit-${name}-fuzz-`))
  const logPath = join(work, 'server.log')
  const clip = ensureClip(opts.seconds, name === 'rtspkit')
  let proc: ServerProcess
  if (name === 'rtspkit') {
    const { cert, key } = makeCert(work)
    const args = [
      ...[CLI, 'serve', '--host', HOST, '--port', '0', '--api-port', '0', '--hls-port', '0', '--webrtc-port', '0', '--rtmp-port', '0'],
      ...['--rtsps-port', '0', '--tls-cert', cert, '--tls-key', key, '--log-level', opts.logLevel ?? 'warn'],
      ...['--path', `${MOUNT}=file:${clip}`, '--path', `${PUBLISH_MOUNT}=publish`, ...(opts.extraArgs ?? [])],
    ]
    proc = new ServerProcess('rtspkit', process.execPath, args, 0, logPath)
  } else {
    const args = [GST_SERVER, '--host', HOST, '--port', '0', '--mount', MOUNT, '--file', clip, '--fps', String(CLIP.fps)]
    if (opts.gstSeekable) args.push('--seekable')
    proc = new ServerProcess('gst', SYSTEM_PYTHON, args, 0, logPath)
  }
  const printed: string[] = []
  proc.child.stdout!.on('data', (t: string) => printed.push(t))
  try {
    await proc.ready()
  } catch (err) {
    await proc.stop()
    throw err
  }
  // The banner lines come before 'listening', possibly in the same chunk; give stdout a tick anyway.
  await new Promise((r) => setImmediate(r))
  const ports = readPorts(name, printed.join(''))
  return { name, process: proc, ports, host: HOST, url: `rtsp://${HOST}:${ports.rtsp}/${MOUNT}`, logPath }
}

/** The ports from a server's start-up lines (see `rtspkit serve` and bench/gst-server.py). */
export function readPorts(name: TargetName, text: string): Ports {
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(text)
    return m ? Number(m[1]) : undefined
  }
  const rtsp = name === 'rtspkit' ? num(/listening on port (\d+)/) : num(/listening rtsp:\/\/[^:]+:(\d+)\//)
  if (rtsp === undefined) throw new StateError('ERR_FUZZ_PORTS', `${name} printed no RTSP port`, { observed: text.slice(0, 400) })
  if (name === 'gst') return { rtsp }
  return {
    rtsp,
    rtsps: num(/RTSPS on port (\d+)/),
    api: num(/:(\d+)\/\s+<- dashboard/),
    hls: num(/:(\d+)\/PATH\s+<- HLS/),
    webrtc: num(/:(\d+)\/PATH\s+<- WebRTC/),
    rtmp: num(/rtmp:\/\/[^\s/]+:(\d+)\/PATH\s+<- RTMP:/),
  }
}
