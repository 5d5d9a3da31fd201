/** Shared plumbing for interop tests: our server on loopback, real peers as child processes. */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { RtspServer, type RtspServerOptions } from '../../src/server/rtsp-server.js'
import { parseSourceSpec } from '../../src/sources/source-spec.js'
import { addPath, type PathDeps, type PathHandle } from '../../src/app/add-path.js'

/** Repository root (tests run from dist/test/…). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const DEBIAN_PYTHON = '/usr/bin/python3'
export const FIXTURES = path.join(os.tmpdir(), 'rtspkit-fixtures')

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

/** Runs a command to completion (or kills it after timeoutMs). */
export function run(cmd: string, args: string[], timeoutMs = 30_000, env?: NodeJS.ProcessEnv, cwd?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env ? { ...process.env, ...env } : process.env,
      ...(cwd ? { cwd } : {}),
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, timedOut })
    })
  })
}

export interface TestServer {
  server: RtspServer
  /** What serves each path, in the order given. */
  handles: PathHandle[]
  url(name: string): string
  stop(): Promise<void>
}

/** Starts our server on 127.0.0.1 with a free port, serving `paths` (name → source spec). */
export async function startServer(paths: Record<string, string>, opts: RtspServerOptions = {}, deps: PathDeps = {}): Promise<TestServer> {
  // RTSPKIT_TEST_WORKERS=2 runs the interop tests with UDP send workers (the lead's subset run).
  const workers = process.env.RTSPKIT_TEST_WORKERS ? Number(process.env.RTSPKIT_TEST_WORKERS) : undefined
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', workers, ...opts })
  const handles: PathHandle[] = []
  for (const [name, text] of Object.entries(paths)) handles.push(addPath(server, name, parseSourceSpec(text), deps))
  await server.start()
  return {
    server,
    handles,
    url: (name) => server.urlFor(name),
    async stop() {
      for (const h of handles) h.stop()
      await server.stop()
    },
  }
}

export interface H264Fixture {
  width: number
  height: number
  fps: number
  seconds: number
  gop: number
  /** x264 preset/profile knobs. */
  extra?: string[]
}

/** An H.264 Annex-B file made by ffmpeg/libx264 from its test source; cached across tests. */
export async function h264File(f: H264Fixture): Promise<string> {
  mkdirSync(FIXTURES, { recursive: true })
  const name = `testsrc-${f.width}x${f.height}-${f.fps}fps-${f.seconds}s-g${f.gop}${f.extra ? '-' + f.extra.join('').replace(/[^a-z0-9]/gi, '') : ''}.264`
  const file = path.join(FIXTURES, name)
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
      `testsrc2=size=${f.width}x${f.height}:rate=${f.fps}`,
      '-t',
      String(f.seconds),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-tune',
      'zerolatency',
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(f.gop),
      '-keyint_min',
      String(f.gop),
      '-sc_threshold',
      '0',
      '-bf',
      '0',
      ...(f.extra ?? []),
      '-bsf:v',
      'h264_mp4toannexb',
      '-f',
      'h264',
      tmp,
    ],
    120_000,
  )
  if (r.code !== 0) throw new Error(`ffmpeg fixture failed: ${r.stderr}`)
  renameSync(tmp, file)
  return file
}

export interface DecodeResult {
  frames: number
  /** Decoded frame size in bytes, per frame (yuv420p: w*h*3/2). */
  frameSizes: number[]
  stderr: string
  code: number | null
}

/** ffmpeg reads the RTSP URL, decodes `frames` video frames and prints one framemd5 line per frame. */
export async function ffmpegDecode(url: string, transport: 'tcp' | 'udp', frames: number, timeoutMs = 40_000): Promise<DecodeResult> {
  const r = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostats',
      '-v',
      'error',
      '-rtsp_transport',
      transport,
      '-i',
      url,
      '-map',
      '0:v:0',
      '-frames:v',
      String(frames),
      '-pix_fmt',
      'yuv420p',
      '-f',
      'framemd5',
      '-',
    ],
    timeoutMs,
  )
  const lines = r.stdout.split('\n').filter((l) => /^\s*0,/.test(l))
  return { frames: lines.length, frameSizes: lines.map((l) => Number(l.split(',')[4])), stderr: r.stderr, code: r.code }
}

export interface ProbeResult {
  codec: string
  width: number
  height: number
}

export async function ffprobe(url: string, transport: 'tcp' | 'udp'): Promise<ProbeResult> {
  const r = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-rtsp_transport',
      transport,
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name,width,height',
      '-of',
      'json',
      url,
    ],
    30_000,
  )
  const s = (JSON.parse(r.stdout || '{}') as { streams?: { codec_name: string; width: number; height: number }[] }).streams?.[0]
  if (!s) throw new Error(`ffprobe found no video stream: ${r.stderr}`)
  return { codec: s.codec_name, width: s.width, height: s.height }
}

export interface GstResult {
  frames: number
  width: number | null
  height: number | null
  error: string | null
}

/** Runs a gst-launch style pipeline ending in `fakesink name=sink` through Debian's python3 + gi. */
export async function gstDecode(pipeline: string, frames: number, timeoutS = 30): Promise<GstResult> {
  const r = await run(
    DEBIAN_PYTHON,
    [path.join(ROOT, 'test/interop/gst_count.py'), String(frames), String(timeoutS), pipeline],
    (timeoutS + 15) * 1000,
  )
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as GstResult
  } catch {
    throw new Error(`gst_count.py failed (code ${r.code}): ${r.stderr.slice(-2000)}`)
  }
}

export interface CvResult {
  opened: boolean
  frames: number
  shape: [number, number, number] | null
}

/**
 * OpenCV's VideoCapture reads frames, through Debian's python3-opencv: an RTSP URL with the FFmpeg
 * backend over `transport`, or with 'gstreamer' a GStreamer pipeline ending in appsink (CAP_GSTREAMER).
 * With `saveTo`, the last frame read is written to that file as raw BGR pixels.
 */
export async function opencvRead(
  url: string,
  frames: number,
  transport: 'tcp' | 'udp' | 'gstreamer' = 'tcp',
  saveTo?: string,
): Promise<CvResult> {
  const args = [path.join(ROOT, 'test/interop/cv_read.py'), url, String(frames), transport, ...(saveTo ? [saveTo] : [])]
  const r = await run(DEBIAN_PYTHON, args, 60_000)
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as CvResult
  } catch {
    throw new Error(`cv_read.py failed (code ${r.code}): ${r.stderr.slice(-2000)}`)
  }
}

/**
 * A file in the teaching project's MJPEG format (5 ASCII digits of length, then the JPEG), made from
 * ffmpeg's JPEG encoder with the standard Huffman tables RFC 2435 requires.
 */
export async function mjpegFile(width: number, height: number, frames: number): Promise<string> {
  const { readdirSync, readFileSync, writeFileSync, rmSync } = await import('node:fs')
  mkdirSync(FIXTURES, { recursive: true })
  const file = path.join(FIXTURES, `movie-${width}x${height}-${frames}.Mjpeg`)
  if (existsSync(file)) return file
  const dir = path.join(FIXTURES, `jpegs-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  const r = await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${width}x${height}:rate=20`,
    '-frames:v',
    String(frames),
    '-c:v',
    'mjpeg',
    '-huffman',
    'default',
    '-pix_fmt',
    'yuvj420p',
    '-q:v',
    '5',
    path.join(dir, 'f%04d.jpg'),
  ])
  if (r.code !== 0) throw new Error(`ffmpeg jpeg fixture failed: ${r.stderr}`)
  const parts: Buffer[] = []
  for (const name of readdirSync(dir).sort()) {
    const jpeg = readFileSync(path.join(dir, name))
    parts.push(Buffer.from(String(jpeg.length).padStart(5, '0'), 'latin1'), jpeg)
  }
  rmSync(dir, { recursive: true, force: true })
  writeFileSync(`${file}.${process.pid}.tmp`, Buffer.concat(parts))
  renameSync(`${file}.${process.pid}.tmp`, file)
  return file
}

/** ffmpeg decodes `seconds` of the first audio stream to 16-bit mono 8 kHz; returns the decoded duration. */
export async function ffmpegDecodeAudio(
  url: string,
  transport: 'tcp' | 'udp',
  seconds: number,
): Promise<{ seconds: number; stderr: string }> {
  const { spawn: sp } = await import('node:child_process')
  return new Promise((resolve) => {
    const child = sp(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostats',
        '-v',
        'error',
        '-rtsp_transport',
        transport,
        '-i',
        url,
        '-map',
        '0:a:0',
        '-t',
        String(seconds),
        '-ac',
        '1',
        '-ar',
        '8000',
        '-f',
        's16le',
        '-',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let bytes = 0
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (bytes += d.length))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 25) * 1000)
    child.on('close', () => {
      clearTimeout(timer)
      resolve({ seconds: bytes / 16000, stderr })
    })
  })
}

/** An audio file made by ffmpeg from a sine tone, cached. `args` choose the codec/container. */
export async function audioFile(name: string, args: string[], seconds = 3): Promise<string> {
  mkdirSync(FIXTURES, { recursive: true })
  const file = path.join(FIXTURES, name)
  if (existsSync(file)) return file
  const tmp = `${file}.${process.pid}.tmp${path.extname(name)}`
  const r = await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    ...args,
    tmp,
  ])
  if (r.code !== 0) throw new Error(`ffmpeg audio fixture failed: ${r.stderr}`)
  renameSync(tmp, file)
  return file
}

/** An H.265 Annex-B file made by ffmpeg/libx265, cached. */
export async function h265File(width: number, height: number, fps: number, seconds: number): Promise<string> {
  mkdirSync(FIXTURES, { recursive: true })
  const file = path.join(FIXTURES, `testsrc-${width}x${height}-${fps}fps-${seconds}s.265`)
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
      `testsrc2=size=${width}x${height}:rate=${fps}`,
      '-t',
      String(seconds),
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx265',
      '-x265-params',
      `log-level=error:keyint=${fps}:bframes=0`,
      '-f',
      'hevc',
      tmp,
    ],
    120_000,
  )
  if (r.code !== 0) throw new Error(`ffmpeg h265 fixture failed: ${r.stderr}`)
  renameSync(tmp, file)
  return file
}

/** An MP4 file made by ffmpeg from lavfi inputs (`args` between -v error -y and the output), cached by `name`. */
export async function mp4File(name: string, args: string[]): Promise<string> {
  mkdirSync(FIXTURES, { recursive: true })
  const file = path.join(FIXTURES, name)
  if (existsSync(file)) return file
  const tmp = `${file}.${process.pid}.tmp${path.extname(name)}`
  const r = await run('ffmpeg', ['-v', 'error', '-y', ...args, tmp], 120_000)
  if (r.code !== 0) throw new Error(`ffmpeg mp4 fixture failed: ${r.stderr}`)
  renameSync(tmp, file)
  return file
}

/**
 * ffmpeg arguments for a test clip: testsrc 320x240 at 25 fps in H.264 (1 s GOP, `bFrames` B-frames)
 * with a 440 Hz tone at 48 kHz in `audio` (codec arguments), `seconds` long.
 */
export function avClipArgs(bFrames: number, audio: string[], seconds: number): string[] {
  return [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '25',
    '-bf',
    String(bFrames),
    ...audio,
    '-t',
    String(seconds),
  ]
}

/** The H.264 (-bf 2) + AAC MP4 of the MP4 tests, 3 s; `movflags` makes a faststart or fragmented copy. */
export function h264AacMp4(movflags?: 'faststart' | 'frag_keyframe+empty_moov'): Promise<string> {
  const suffix = movflags ? `-${movflags.replace(/[^a-z]/g, '')}` : ''
  return mp4File(`testsrc-320x240-25fps-3s-bf2-aac${suffix}.mp4`, [
    ...avClipArgs(2, ['-c:a', 'aac'], 3),
    ...(movflags ? ['-movflags', movflags] : []),
  ])
}
