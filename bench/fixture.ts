/**
 * The clip every server comparison serves: 720p30 H.264 at ~4 Mbit/s with a fixed 2 s GOP and SPS/PPS
 * before every IDR, made once by ffmpeg and cached. Also the check that gst-rtsp-server is usable from
 * Debian's Python.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../src/errors.js'
import { tryExec } from './bench-env.js'

/** Debian's interpreter: python3-gi and the GstRtspServer typelib are installed for it, not for pyenv's. */
export const SYSTEM_PYTHON = '/usr/bin/python3'

/** The fixture: 720p30, ~4 Mbit/s capped, GOP 60, a moving test pattern that does not compress to nothing. */
export const FIXTURE = { width: 1280, height: 720, fps: 30, bitrate: '4M', maxrate: '4M', bufsize: '2M', gop: 60 }
export const MIN_FIXTURE_SECONDS = 60
/** gst-rtsp-server does not loop: the clip must outlast setup + warm-up + window with this margin. */
export const FIXTURE_MARGIN_S = 30

export interface Fixture {
  path: string
  bytes: number
  seconds: number
  /** Elementary-stream bitrate: file bytes × 8 / duration. */
  mbps: number
}

export function ensureFixture(cacheDir: string, seconds: number): Fixture {
  const f = FIXTURE
  const path = join(cacheDir, `testsrc2-${f.width}x${f.height}p${f.fps}-${f.bitrate}-g${f.gop}-${seconds}s.264`)
  if (!existsSync(path)) {
    if (tryExec('ffmpeg', ['-version']) === undefined)
      throw new ConfigError('ERR_BENCH_NO_FFMPEG', 'ffmpeg is needed to make the bench clip (apt-get install ffmpeg)')
    mkdirSync(cacheDir, { recursive: true })
    const partial = `${path}.partial`
    console.log(`making ${seconds} s fixture ${path} …`)
    execFileSync('ffmpeg', fixtureArgs(partial, seconds), { stdio: ['ignore', 'ignore', 'inherit'] })
    renameSync(partial, path)
  }
  const bytes = statSync(path).size
  return { path, bytes, seconds, mbps: (bytes * 8) / seconds / 1e6 }
}

/** Also printed into BENCHMARKS.md, so the clip can be remade by hand. */
export function fixtureArgs(out: string, seconds: number): string[] {
  const f = FIXTURE
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${f.width}x${f.height}:rate=${f.fps}`,
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-profile:v',
    'high',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    f.bitrate,
    '-maxrate',
    f.maxrate,
    '-bufsize',
    f.bufsize,
    '-g',
    String(f.gop),
    '-keyint_min',
    String(f.gop),
    '-sc_threshold',
    '0',
    // SPS/PPS before every IDR, as cameras send them, so a reader can start at any keyframe.
    '-x264-params',
    'repeat-headers=1',
    '-f',
    'h264',
    out,
  ]
}

const GST_CHECK =
  "import gi; gi.require_version('Gst','1.0'); gi.require_version('GstRtspServer','1.0'); " +
  'from gi.repository import Gst, GstRtspServer; Gst.init(None); print(Gst.version_string())'

/** GStreamer's version string, or ConfigError when gst-rtsp-server is not usable from SYSTEM_PYTHON. */
export function gstVersion(): string {
  const v = tryExec(SYSTEM_PYTHON, ['-c', GST_CHECK])
  if (v === undefined) {
    throw new ConfigError(
      'ERR_BENCH_NO_GST',
      `gst-rtsp-server is not usable from ${SYSTEM_PYTHON}; install gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-bad (scripts/install-peers.sh does), or set BENCH_SERVERS=rtspkit`,
    )
  }
  return v
}
