/** Plumbing of the HLS interop tests: our RTSP server with its HLS server on loopback, and ffmpeg reading HLS. */
import { HlsServer, type HlsServerOptions } from '../../src/hls/hls-server.js'
import { avClipArgs, mp4File, run, startServer, type TestServer } from './harness.js'

export interface HlsTestServer extends TestServer {
  hls: HlsServer
  /** http://127.0.0.1:PORT/NAME/index.m3u8 */
  playlist(name: string): string
}

export async function startHlsServer(paths: Record<string, string>, opts: Partial<HlsServerOptions> = {}): Promise<HlsTestServer> {
  const srv = await startServer(paths)
  const hls = new HlsServer({ server: srv.server, host: '127.0.0.1', port: 0, ...opts })
  await hls.start()
  return {
    ...srv,
    hls,
    playlist: (name) => `${hls.url}/${name}/index.m3u8`,
    async stop() {
      await hls.close()
      await srv.stop()
    },
  }
}

export interface HlsDecodeResult {
  video: number
  audio: number
  /** Error lines (ffmpeg -v error). */
  stderr: string
  code: number | null
  /** ms from start to exit. */
  ms: number
}

/** ffmpeg reads `url` for `seconds` and decodes every stream (framemd5: one line per frame). */
export async function ffmpegHls(url: string, seconds: number, timeoutMs = 40_000): Promise<HlsDecodeResult> {
  const t0 = performance.now()
  const r = await run(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-v', 'error', '-i', url, '-t', String(seconds), '-f', 'framemd5', '-'],
    timeoutMs,
  )
  const lines = r.stdout.split('\n')
  return {
    video: lines.filter((l) => /^\s*0,/.test(l)).length,
    audio: lines.filter((l) => /^\s*1,/.test(l)).length,
    stderr: r.stderr,
    code: r.code,
    ms: performance.now() - t0,
  }
}

/** H.264 (no B-frames, 1 s GOP) + Opus in MP4, 3 s. */
export function h264OpusMp4(): Promise<string> {
  return mp4File('testsrc-320x240-25fps-3s-g25-opus.mp4', avClipArgs(0, ['-c:a', 'libopus'], 3))
}
